//! Which Zoho field fills which contractor field. Modules differ between Zoho accounts
//! (custom fields for trade, skills, status), so the mapping is the admin's to set; the
//! defaults fit the standard Contacts module.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::Record;

/// Contractor field → Zoho field API name. An empty name leaves the field unset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldMap {
    pub name: String,
    pub trade: String,
    pub skills: String,
    pub company: String,
    pub city: String,
    pub region: String,
    pub email: String,
    pub phone: String,
    pub status: String,
}

impl Default for FieldMap {
    fn default() -> Self {
        Self {
            name: "Full_Name".into(),
            trade: "Title".into(),
            skills: "Skills".into(),
            company: "Account_Name".into(),
            city: "Mailing_City".into(),
            region: "Mailing_State".into(),
            email: "Email".into(),
            phone: "Phone".into(),
            status: "Contractor_Status".into(),
        }
    }
}

/// The contractor fields, in the order the admin page shows them.
pub const FIELDS: [&str; 9] = [
    "name", "trade", "skills", "company", "city", "region", "email", "phone", "status",
];

/// A contractor's fields as read from one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorFields {
    pub name: String,
    pub trade: Option<String>,
    pub skills: Vec<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: Option<String>,
}

/// Longest text kept from one Zoho field (Zoho's own single-line limit is 255).
const MAX_TEXT: usize = 255;
const MAX_SKILLS: usize = 50;

impl FieldMap {
    /// The Zoho field a contractor field reads (`None` for an unknown field name).
    pub fn get(&self, field: &str) -> Option<&str> {
        Some(match field {
            "name" => &self.name,
            "trade" => &self.trade,
            "skills" => &self.skills,
            "company" => &self.company,
            "city" => &self.city,
            "region" => &self.region,
            "email" => &self.email,
            "phone" => &self.phone,
            "status" => &self.status,
            _ => return None,
        })
    }

    fn slot(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "name" => &mut self.name,
            "trade" => &mut self.trade,
            "skills" => &mut self.skills,
            "company" => &mut self.company,
            "city" => &mut self.city,
            "region" => &mut self.region,
            "email" => &mut self.email,
            "phone" => &mut self.phone,
            "status" => &mut self.status,
            _ => return None,
        })
    }

    /// Sets one field's Zoho name, checked: API names are letters, digits and `_`.
    pub fn set(&mut self, field: &str, api_name: &str) -> Result<(), String> {
        let api_name = api_name.trim();
        if !api_name.is_empty() && !is_api_name(api_name) {
            return Err(format!(
                "“{api_name}” is not a Zoho field API name (letters, digits and _)"
            ));
        }
        if field == "name" && api_name.is_empty() {
            return Err("the name must come from some Zoho field".into());
        }
        let slot = self
            .slot(field)
            .ok_or_else(|| format!("there is no contractor field “{field}”"))?;
        *slot = api_name.to_string();
        Ok(())
    }

    /// The `fields` parameter of a list call: every mapped field, plus what the sync
    /// itself reads (the modified time and the photo reference). Zoho takes at most 50.
    pub fn api_fields(&self) -> String {
        let mut names: Vec<&str> = FIELDS.iter().filter_map(|f| self.get(f)).collect();
        names.extend(["Modified_Time", "Record_Image", "First_Name", "Last_Name"]);
        names.retain(|n| !n.is_empty());
        names.sort_unstable();
        names.dedup();
        names.join(",")
    }

    /// The contractor a record describes. The name falls back to first + last name,
    /// then to the record id, so a record is never dropped for a missing name.
    pub fn apply(&self, record: &Record) -> ContractorFields {
        let text = |api: &str| -> Option<String> {
            if api.is_empty() {
                return None;
            }
            record.fields.get(api).and_then(as_text)
        };
        let name = text(&self.name)
            .or_else(|| {
                let joined = [text("First_Name"), text("Last_Name")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!joined.is_empty()).then_some(joined)
            })
            .unwrap_or_else(|| format!("Zoho record {}", record.id));
        let skills = if self.skills.is_empty() {
            Vec::new()
        } else {
            record
                .fields
                .get(&self.skills)
                .map(as_list)
                .unwrap_or_default()
        };
        ContractorFields {
            name,
            trade: text(&self.trade),
            skills,
            company: text(&self.company),
            city: text(&self.city),
            region: text(&self.region),
            email: text(&self.email),
            phone: text(&self.phone),
            status: text(&self.status),
        }
    }
}

pub(crate) fn is_api_name(name: &str) -> bool {
    name.len() <= 100
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

/// A field's value as one line of text: strings, numbers and booleans as they are, a
/// lookup (`{"name": …, "id": …}`) by its name, a list joined with commas. Control
/// characters are dropped (PostgreSQL refuses NUL; the others have no place in a name).
fn as_text(value: &Value) -> Option<String> {
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Object(map) => map.get("name").and_then(Value::as_str)?.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(as_text).collect();
            parts.join(", ")
        }
        Value::Null => return None,
    };
    clean(&raw)
}

/// A multi-select (`["Plumbing", "Gas"]`) or a text of comma or semicolon separated
/// values, as a list of distinct values.
fn as_list(value: &Value) -> Vec<String> {
    let mut items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(as_text).collect(),
        Value::String(s) => s.split([',', ';']).filter_map(clean).collect(),
        _ => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.to_lowercase()));
    items.truncate(MAX_SKILLS);
    items
}

fn clean(raw: &str) -> Option<String> {
    let text: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text: String = text.chars().take(MAX_TEXT).collect();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(fields: Value) -> Record {
        let mut value = fields;
        value["id"] = json!("1001");
        value["Modified_Time"] = json!("2024-01-01T00:00:00Z");
        Record::from_json(value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn maps_text_lookups_lists_and_falls_back_for_the_name() {
        let map = FieldMap::default();
        let fields = map.apply(&record(json!({
            "Full_Name": "  Ada\u{0}  Byron ",
            "Title": "Electrician",
            "Skills": ["Wiring", "wiring", "Solar"],
            "Account_Name": {"name": "Byron & Co", "id": "77"},
            "Mailing_City": "Leeds",
            "Phone": 441132,
            "Contractor_Status": null,
        })));
        assert_eq!(fields.name, "Ada Byron");
        assert_eq!(fields.trade.as_deref(), Some("Electrician"));
        assert_eq!(fields.skills, ["Wiring", "Solar"]);
        assert_eq!(fields.company.as_deref(), Some("Byron & Co"));
        assert_eq!(fields.phone.as_deref(), Some("441132"));
        assert_eq!(fields.status, None);

        let fields = map.apply(&record(
            json!({"First_Name": "Grace", "Last_Name": "Hopper", "Skills": "COBOL; compilers"}),
        ));
        assert_eq!(fields.name, "Grace Hopper");
        assert_eq!(fields.skills, ["COBOL", "compilers"]);
        assert_eq!(map.apply(&record(json!({}))).name, "Zoho record 1001");
    }

    #[test]
    fn setting_a_field_checks_the_api_name() {
        let mut map = FieldMap::default();
        assert!(map.set("trade", "Trade__c").is_ok());
        assert_eq!(map.trade, "Trade__c");
        assert!(map.set("trade", "Title,Email").is_err());
        assert!(map.set("trade", "1abc").is_err());
        assert!(map.set("name", "").is_err());
        assert!(map.set("colour", "Colour").is_err());
        assert!(map.set("status", "").is_ok());
        assert!(!map.api_fields().contains("Contractor_Status"));
        assert!(map.api_fields().contains("Modified_Time"));
    }
}
