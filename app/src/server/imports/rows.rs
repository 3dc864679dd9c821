//! One row of an import file, read through its mapping and checked by the same rules
//! as the forms (`CaseFields::validated`, `NewCompany::parse`): a good row becomes what
//! is written, a bad one a reason naming the field.

use std::collections::HashMap;

use uuid::Uuid;

use crate::model::{
    AppError, CaseFields, CasePriority, CaseStatus, ImportKind, Mapping, NewCompany, bounded_text,
};

/// A case row, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseItem {
    pub external_id: Option<String>,
    pub fields: CaseFields,
}

/// A company row, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyItem {
    pub external_id: Option<String>,
    pub company: NewCompany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Case(CaseItem),
    Company(CompanyItem),
}

impl Item {
    pub fn external_id(&self) -> Option<&str> {
        match self {
            Item::Case(item) => item.external_id.as_deref(),
            Item::Company(item) => item.external_id.as_deref(),
        }
    }
}

/// A refused row's reason: the field, and what is wrong in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: Option<String>,
    pub reason: String,
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid { field, message } => Refusal {
                field: Some(field),
                reason: message,
            },
            other => Refusal {
                field: None,
                reason: other.to_string(),
            },
        }
    }
}

/// What reading rows needs to know of the workspace: its people, by email (lower
/// case), for the assignee column.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub people: HashMap<String, Uuid>,
}

/// Reads `fields` (one record) through `mapping`. `columns`: how many the header has.
pub fn read(
    kind: ImportKind,
    mapping: &Mapping,
    columns: usize,
    fields: &[String],
    workspace: &Workspace,
) -> Result<Item, Refusal> {
    if fields.len() != columns {
        return Err(Refusal {
            field: None,
            reason: format!(
                "has {} values where the header has {columns} columns (a missing or extra comma?)",
                fields.len()
            ),
        });
    }
    let get = |key: &str| -> &str {
        mapping
            .get(key)
            .and_then(|column| fields.get(*column))
            .map_or("", |value| value.as_str())
    };
    let external_id = match get("external_id").trim() {
        "" => None,
        value => Some(bounded_text("external_id", value, 1, 100)?),
    };
    match kind {
        ImportKind::Cases => {
            let status = match get("status").trim() {
                "" => CaseStatus::New,
                value => CaseStatus::parse(&value.to_lowercase()).ok_or_else(|| {
                    AppError::invalid(
                        "status",
                        format!("“{value}” is not a status (new, open, pending, resolved, closed)"),
                    )
                })?,
            };
            let priority = match get("priority").trim() {
                "" => CasePriority::Normal,
                value => CasePriority::parse(&value.to_lowercase()).ok_or_else(|| {
                    AppError::invalid(
                        "priority",
                        format!("“{value}” is not a priority (low, normal, high, urgent)"),
                    )
                })?,
            };
            let assignee_id = match get("assignee").trim() {
                "" => None,
                email => Some(*workspace.people.get(&email.to_lowercase()).ok_or_else(|| {
                    AppError::invalid(
                        "assignee",
                        format!("nobody in this workspace has the email {email}"),
                    )
                })?),
            };
            let fields = CaseFields {
                title: get("title").to_string(),
                customer_name: get("customer_name").to_string(),
                customer_email: get("customer_email").to_string(),
                customer_phone: get("customer_phone").to_string(),
                customer_company: get("customer_company").to_string(),
                status,
                priority,
                assignee_id,
            }
            .validated()?;
            Ok(Item::Case(CaseItem {
                external_id,
                fields,
            }))
        }
        ImportKind::Companies => {
            let company = NewCompany::parse(
                get("name"),
                get("website"),
                get("sector"),
                &get("stage").to_lowercase(),
                get("location"),
            )?;
            Ok(Item::Company(CompanyItem {
                external_id,
                company,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::auto_match;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_case_row_is_read_through_its_mapping_and_checked_like_the_form() {
        let header = strings(&["Ref", "Subject", "Email", "Priority", "Status", "Owner"]);
        let mapping = auto_match(ImportKind::Cases, &header);
        let ada = Uuid::new_v4();
        let workspace = Workspace {
            people: HashMap::from([("ada@acme.example".to_string(), ada)]),
        };
        let read_row =
            |values: &[&str]| read(ImportKind::Cases, &mapping, 6, &strings(values), &workspace);
        let Ok(Item::Case(item)) = read_row(&[
            "T-1",
            " Boiler ",
            "bo@example.com",
            "High",
            "Open",
            "ADA@acme.example",
        ]) else {
            panic!("a good row");
        };
        assert_eq!(item.external_id.as_deref(), Some("T-1"));
        assert_eq!(item.fields.title, "Boiler");
        assert_eq!(item.fields.priority, CasePriority::High);
        assert_eq!(item.fields.status, CaseStatus::Open);
        assert_eq!(item.fields.assignee_id, Some(ada));
        let field = |values: &[&str]| read_row(values).unwrap_err().field;
        assert_eq!(
            field(&["T-2", "", "", "", "", ""]).as_deref(),
            Some("title")
        );
        assert_eq!(
            field(&["T-2", "t", "nope", "", "", ""]).as_deref(),
            Some("customer_email")
        );
        assert_eq!(
            field(&["T-2", "t", "", "hot", "", ""]).as_deref(),
            Some("priority")
        );
        assert_eq!(
            field(&["T-2", "t", "", "", "lost", ""]).as_deref(),
            Some("status")
        );
        assert_eq!(
            field(&["T-2", "t", "", "", "", "eve@x.example"]).as_deref(),
            Some("assignee")
        );
        assert_eq!(
            field(&["T\u{7}", "t", "", "", "", ""]).as_deref(),
            Some("external_id")
        );
        let short = read_row(&["T-3", "t"]).unwrap_err();
        assert_eq!(short.field, None);
        assert!(
            short.reason.contains("2 values where the header has 6"),
            "{}",
            short.reason
        );
    }

    #[test]
    fn a_company_row_needs_a_name_and_a_website() {
        let header = strings(&["Name", "Website", "Stage"]);
        let mapping = auto_match(ImportKind::Companies, &header);
        let read_row = |values: &[&str]| {
            read(
                ImportKind::Companies,
                &mapping,
                3,
                &strings(values),
                &Workspace::default(),
            )
        };
        assert!(matches!(
            read_row(&["Initech", "initech.example", "Seed"]),
            Ok(Item::Company(_))
        ));
        assert_eq!(
            read_row(&["", "initech.example", ""])
                .unwrap_err()
                .field
                .as_deref(),
            Some("name")
        );
        assert_eq!(
            read_row(&["Initech", "not a site", ""])
                .unwrap_err()
                .field
                .as_deref(),
            Some("website")
        );
        assert_eq!(
            read_row(&["Initech", "initech.example", "unicorn"])
                .unwrap_err()
                .field
                .as_deref(),
            Some("stage")
        );
    }
}
