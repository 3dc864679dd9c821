//! A case as it is created, whatever the channel (the New case form, the public
//! inquiry form, later the API and CSV import), and where it came from.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    AppError, CaseFields, CasePriority, CaseStatus, MAX_COMMENT_CHARS, Role, Viewer, check_text,
};

/// Where a case came from; a filter of the case tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "case_source", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    Manual,
    WebForm,
    Import,
    Api,
}

impl CaseSource {
    pub const ALL: [CaseSource; 4] = [Self::Manual, Self::WebForm, Self::Import, Self::Api];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::WebForm => "web_form",
            Self::Import => "import",
            Self::Api => "api",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Manual => "Entered by hand",
            Self::WebForm => "Web form",
            Self::Import => "Import",
            Self::Api => "API",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|source| source.as_str() == value)
    }
}

/// What a new case is made of. The status is always `new`; the first comment is
/// optional by hand and the message itself on the inquiry form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub title: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub customer_company: String,
    pub priority: CasePriority,
    /// `None`: the unassigned pool.
    pub assignee_id: Option<Uuid>,
    pub comment: String,
}

impl NewCase {
    /// Parses the form's text fields (`priority` and `assignee` as the form sends
    /// them: empty means "normal" and "nobody"), trimmed and checked against the
    /// table's limits, naming the field that is wrong.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        title: &str,
        customer_name: &str,
        customer_email: &str,
        customer_phone: &str,
        customer_company: &str,
        priority: &str,
        assignee: &str,
        comment: &str,
    ) -> Result<Self, AppError> {
        let priority = match priority.trim() {
            "" => CasePriority::Normal,
            value => CasePriority::parse(value).ok_or_else(|| {
                AppError::invalid(
                    "priority",
                    format!("`{value}` is not a priority (low, normal, high, urgent)"),
                )
            })?,
        };
        let assignee_id = match assignee.trim() {
            "" => None,
            value => Some(
                Uuid::parse_str(value)
                    .map_err(|_| AppError::invalid("assignee_id", "is not a person"))?,
            ),
        };
        let fields = CaseFields {
            title: title.to_string(),
            customer_name: customer_name.to_string(),
            customer_email: customer_email.to_string(),
            customer_phone: customer_phone.to_string(),
            customer_company: customer_company.to_string(),
            status: CaseStatus::New,
            priority,
            assignee_id,
        }
        .validated()?;
        let comment = comment.trim();
        check_text("comment", comment)?;
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(AppError::invalid(
                "comment",
                format!("is too long ({MAX_COMMENT_CHARS} characters at most)"),
            ));
        }
        Ok(Self {
            title: fields.title,
            customer_name: fields.customer_name,
            customer_email: fields.customer_email,
            customer_phone: fields.customer_phone,
            customer_company: fields.customer_company,
            priority,
            assignee_id,
            comment: comment.to_string(),
        })
    }

    /// Where the person who created case `number` sees it: its page, or (an employee
    /// who left it in the pool, and so may not open it) their queue, which says so.
    pub fn page_after(viewer: &Viewer, assignee: Option<Uuid>, number: i32) -> String {
        if viewer.role == Role::Admin || assignee == Some(viewer.user_id) {
            format!("/cases/{number}")
        } else {
            format!("/work?created={number}")
        }
    }

    /// The fields as the audit trail records them.
    pub fn fields(&self) -> CaseFields {
        CaseFields {
            title: self.title.clone(),
            customer_name: self.customer_name.clone(),
            customer_email: self.customer_email.clone(),
            customer_phone: self.customer_phone.clone(),
            customer_company: self.customer_company.clone(),
            status: CaseStatus::New,
            priority: self.priority,
            assignee_id: self.assignee_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        title: &str,
        email: &str,
        priority: &str,
        assignee: &str,
        comment: &str,
    ) -> Result<NewCase, AppError> {
        NewCase::parse(title, "Ada", email, "", "", priority, assignee, comment)
    }

    fn refused_field(result: Result<NewCase, AppError>) -> String {
        match result {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_good_case_is_trimmed_and_defaults_apply() {
        let case =
            parse("  Printer on fire ", "ada@example.com", "", "", "  help  ").expect("valid");
        assert_eq!(case.title, "Printer on fire");
        assert_eq!(case.priority, CasePriority::Normal);
        assert_eq!(case.assignee_id, None);
        assert_eq!(case.comment, "help");
        assert_eq!(case.fields().status, CaseStatus::New);
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(refused_field(parse("   ", "", "", "", "")), "title");
        assert_eq!(
            refused_field(parse(&"x".repeat(301), "", "", "", "")),
            "title"
        );
        assert_eq!(
            refused_field(parse("t", "not an email", "", "", "")),
            "customer_email"
        );
        assert_eq!(refused_field(parse("t", "", "asap", "", "")), "priority");
        assert_eq!(refused_field(parse("t", "", "", "bob", "")), "assignee_id");
        assert_eq!(refused_field(parse("t", "", "", "", "a\0b")), "comment");
        assert_eq!(refused_field(parse("t\0", "", "", "", "")), "title");
        let long = "y".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(refused_field(parse("t", "", "", "", &long)), "comment");
    }

    #[test]
    fn sources_round_trip() {
        for source in CaseSource::ALL {
            assert_eq!(CaseSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(CaseSource::parse("email"), None);
    }
}
