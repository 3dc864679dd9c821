//! CSV import as the pages show it: what can be imported (cases, companies) and into
//! which fields, how a file's columns are matched to them, and where an import stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppError;

/// The largest file accepted, and the most rows.
pub const MAX_IMPORT_BYTES: u64 = 50 * 1024 * 1024;
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// What a file imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImportKind {
    Cases,
    Companies,
}

/// One field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportField {
    /// As the mapping names it.
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    /// Headers that mean this field, beyond its key and label (compared with case,
    /// spaces and punctuation ignored).
    pub aliases: &'static [&'static str],
}

const EXTERNAL_ID: ImportField = ImportField {
    key: "external_id",
    label: "External id",
    required: false,
    aliases: &["id", "externalid", "reference", "ref", "key", "recordid"],
};

const CASE_FIELDS: &[ImportField] = &[
    EXTERNAL_ID,
    ImportField {
        key: "title",
        label: "Title",
        required: true,
        aliases: &["subject", "summary", "issue", "casetitle"],
    },
    ImportField {
        key: "customer_name",
        label: "Customer name",
        required: false,
        aliases: &[
            "customer",
            "name",
            "contact",
            "contactname",
            "requester",
            "fullname",
        ],
    },
    ImportField {
        key: "customer_email",
        label: "Customer email",
        required: false,
        aliases: &[
            "email",
            "emailaddress",
            "mail",
            "contactemail",
            "requesteremail",
        ],
    },
    ImportField {
        key: "customer_phone",
        label: "Customer phone",
        required: false,
        aliases: &["phone", "telephone", "tel", "mobile", "phonenumber"],
    },
    ImportField {
        key: "customer_company",
        label: "Customer company",
        required: false,
        aliases: &[
            "company",
            "organisation",
            "organization",
            "account",
            "companyname",
        ],
    },
    ImportField {
        key: "status",
        label: "Status",
        required: false,
        aliases: &["state", "casestatus"],
    },
    ImportField {
        key: "priority",
        label: "Priority",
        required: false,
        aliases: &["urgency", "severity"],
    },
    ImportField {
        key: "assignee",
        label: "Assignee (email)",
        required: false,
        aliases: &["assignee", "assigneeemail", "owner", "agent", "assignedto"],
    },
];

const COMPANY_FIELDS: &[ImportField] = &[
    EXTERNAL_ID,
    ImportField {
        key: "name",
        label: "Name",
        required: true,
        aliases: &[
            "company",
            "companyname",
            "organisation",
            "organization",
            "account",
        ],
    },
    ImportField {
        key: "website",
        label: "Website",
        required: true,
        aliases: &["url", "domain", "site", "homepage", "web", "websiteurl"],
    },
    ImportField {
        key: "sector",
        label: "Sector",
        required: false,
        aliases: &["industry", "vertical", "category"],
    },
    ImportField {
        key: "stage",
        label: "Stage",
        required: false,
        aliases: &["fundingstage", "round"],
    },
    ImportField {
        key: "location",
        label: "Location",
        required: false,
        aliases: &["city", "country", "hq", "headquarters", "address"],
    },
];

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Cases => "cases",
            ImportKind::Companies => "companies",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cases" => Some(ImportKind::Cases),
            "companies" => Some(ImportKind::Companies),
            _ => None,
        }
    }

    pub fn fields(self) -> &'static [ImportField] {
        match self {
            ImportKind::Cases => CASE_FIELDS,
            ImportKind::Companies => COMPANY_FIELDS,
        }
    }
}

/// Which column (0-based) feeds which field (by key); a field left out is not set.
pub type Mapping = BTreeMap<String, usize>;

/// Lower case, letters and digits only: "E-mail Address" and "email_address" meet.
fn normalised(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Each field matched to the first column whose header is its key, its label or one
/// of its aliases; each column feeds one field at most, fields in their order.
pub fn auto_match(kind: ImportKind, header: &[String]) -> Mapping {
    let columns: Vec<String> = header.iter().map(|h| normalised(h)).collect();
    let mut mapping = Mapping::new();
    let mut used = vec![false; columns.len()];
    for field in kind.fields() {
        let names: Vec<String> = [field.key, field.label]
            .into_iter()
            .chain(field.aliases.iter().copied())
            .map(normalised)
            .collect();
        let found = names.iter().find_map(|name| {
            columns
                .iter()
                .enumerate()
                .find(|(i, column)| !used[*i] && *column == name)
                .map(|(i, _)| i)
        });
        if let Some(column) = found {
            used[column] = true;
            mapping.insert(field.key.to_string(), column);
        }
    }
    mapping
}

/// A mapping as the form sends it (`map[<field>]` = a column's index, or empty for
/// "not imported"), checked: known fields, real columns, no column twice, every
/// required field mapped.
pub fn parse_mapping(
    kind: ImportKind,
    columns: usize,
    form: &BTreeMap<String, String>,
) -> Result<Mapping, AppError> {
    let mut mapping = Mapping::new();
    for (key, value) in form {
        let field = kind
            .fields()
            .iter()
            .find(|field| field.key == key)
            .ok_or_else(|| AppError::invalid("mapping", format!("has an unknown field: {key}")))?;
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let column: usize = value
            .parse()
            .ok()
            .filter(|column| *column < columns)
            .ok_or_else(|| {
                AppError::invalid(field.key, format!("“{value}” is not a column of the file"))
            })?;
        if let Some((other, _)) = mapping.iter().find(|(_, c)| **c == column) {
            return Err(AppError::invalid(
                field.key,
                format!("reads the same column as {other}: give each column one field"),
            ));
        }
        mapping.insert(field.key.to_string(), column);
    }
    if let Some(missing) = kind
        .fields()
        .iter()
        .find(|field| field.required && !mapping.contains_key(field.key))
    {
        return Err(AppError::invalid(
            missing.key,
            format!("{} must come from a column", missing.label),
        ));
    }
    Ok(mapping)
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportStatus {
    /// Uploaded: the columns can be mapped.
    Uploaded,
    /// The dry run is reading every row.
    Checking,
    /// Every row read: the good ones can be imported.
    Checked,
    Importing,
    Done,
    Failed,
}

impl ImportStatus {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "uploaded" => Self::Uploaded,
            "checking" => Self::Checking,
            "checked" => Self::Checked,
            "importing" => Self::Importing,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// A job is working on it.
    pub fn running(self) -> bool {
        matches!(self, Self::Checking | Self::Importing)
    }
}

/// A row that cannot be imported: its line in the file (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    pub line: i32,
    pub field: Option<String>,
    pub reason: String,
}

/// An import as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    pub kind: ImportKind,
    pub file_name: String,
    pub size_bytes: i64,
    pub header: Vec<String>,
    pub mapping: Mapping,
    /// The first rows, as read, for the preview.
    pub sample: Vec<Vec<String>>,
    pub rows_total: i32,
    pub status: ImportStatus,
    pub rows_done: i32,
    pub rows_bad: i32,
    pub created: i32,
    pub updated: i32,
    /// Why it failed, in a sentence for people.
    pub error: Option<String>,
    /// Failed part way through the import, not because of the file: it can resume
    /// after the rows already written.
    pub resumable: bool,
    /// The first rows refused (all of them are in the error report).
    pub errors: Vec<ImportRowError>,
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_are_matched_by_header_whatever_their_spelling() {
        let mapping = auto_match(
            ImportKind::Cases,
            &header(&[
                "Ticket Ref",
                "Subject",
                "E-mail",
                "Phone Number",
                "Priority",
                "Notes",
                "ID",
            ]),
        );
        assert_eq!(mapping.get("title"), Some(&1));
        assert_eq!(mapping.get("customer_email"), Some(&2));
        assert_eq!(mapping.get("customer_phone"), Some(&3));
        assert_eq!(mapping.get("priority"), Some(&4));
        assert_eq!(mapping.get("external_id"), Some(&6));
        assert_eq!(mapping.get("customer_name"), None);
        let companies = auto_match(
            ImportKind::Companies,
            &header(&["Company Name", "Domain", "Industry"]),
        );
        assert_eq!(companies.get("name"), Some(&0));
        assert_eq!(companies.get("website"), Some(&1));
        assert_eq!(companies.get("sector"), Some(&2));
    }

    #[test]
    fn a_mapping_from_the_form_is_checked() {
        let form = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let good = parse_mapping(
            ImportKind::Companies,
            3,
            &form(&[("name", "0"), ("website", "2"), ("sector", "")]),
        )
        .unwrap();
        assert_eq!(good.len(), 2);
        let refused =
            |pairs: &[(&str, &str)]| match parse_mapping(ImportKind::Companies, 3, &form(pairs)) {
                Err(AppError::Invalid { field, .. }) => field,
                other => panic!("{other:?}"),
            };
        assert_eq!(refused(&[("name", "0")]), "website");
        assert_eq!(refused(&[("name", "0"), ("website", "3")]), "website");
        assert_eq!(refused(&[("name", "0"), ("website", "x")]), "website");
        assert_eq!(refused(&[("name", "0"), ("website", "0")]), "website");
        assert_eq!(
            refused(&[("name", "0"), ("website", "1"), ("colour", "2")]),
            "mapping"
        );
    }
}
