//! A Zoho record as the API returns it: an id, a modified time, and fields by API name.

use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// One record of the synced module.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Zoho's record id (a long decimal number, kept as text as Zoho sends it).
    pub id: String,
    pub modified_time: OffsetDateTime,
    /// Every field returned, by API name (`Full_Name`, `Mailing_City`, …).
    pub fields: Map<String, Value>,
}

impl Record {
    /// Reads one element of a list's `data` array. A record without an id or a
    /// readable `Modified_Time` is refused: the sync could not place it.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Err("a record that is not an object".into());
        };
        let id = match fields.get("id") {
            Some(Value::String(id)) if is_record_id(id) => id.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err("a record without a valid id".into()),
        };
        let modified_time = fields
            .get("Modified_Time")
            .and_then(Value::as_str)
            .and_then(parse_time)
            .ok_or_else(|| format!("record {id}: no readable Modified_Time"))?;
        Ok(Self {
            id,
            modified_time,
            fields,
        })
    }

    /// The record's photo reference (`Record_Image`): Zoho changes it when the photo
    /// changes, and it is empty when there is none.
    pub fn photo_ref(&self) -> Option<&str> {
        self.fields
            .get("Record_Image")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// A record removed in Zoho (`GET /{module}/deleted`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeletedRecord {
    pub id: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub deleted_time: Option<OffsetDateTime>,
    /// `recycle` (in the recycle bin) or `permanent`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Zoho record ids are decimal digits; anything else in an id is refused before it
/// reaches a URL path or the database.
pub fn is_record_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Zoho's date-times: ISO 8601 with an offset (`2024-03-01T10:15:30+05:30`).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// The form Zoho accepts in `If-Modified-Since` and `channel_expiry`: ISO 8601, whole
/// seconds, with an offset.
pub fn format_time(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_record_and_refuses_what_cannot_be_placed() {
        let record = Record::from_json(json!({
            "id": "4150868000000224005",
            "Modified_Time": "2024-03-01T10:15:30+05:30",
            "Full_Name": "Ada Byron",
            "Record_Image": "b1f0…",
        }))
        .map_err(|e| e.to_string());
        let record = record.as_ref().map_err(String::as_str);
        assert_eq!(record.map(|r| r.id.as_str()), Ok("4150868000000224005"));
        assert_eq!(
            record.map(|r| r.modified_time.unix_timestamp()),
            Ok(1_709_268_330)
        );
        assert!(
            Record::from_json(json!({"id": "12; DROP", "Modified_Time": "2024-03-01T10:15:30Z"}))
                .is_err()
        );
        assert!(Record::from_json(json!({"id": "12", "Modified_Time": "yesterday"})).is_err());
        assert!(Record::from_json(json!(["not", "an", "object"])).is_err());
    }

    #[test]
    fn times_round_trip_in_zoho_form() {
        let at = parse_time("2024-03-01T10:15:30.250+05:30");
        assert_eq!(
            at.map(format_time).as_deref(),
            Some("2024-03-01T10:15:30+05:30")
        );
    }
}
