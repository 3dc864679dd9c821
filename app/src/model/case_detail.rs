//! One case as its page shows it: the fields, the comment thread and the activity.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AppError, Assignee, CasePriority, CaseStatus};

/// Longest comment accepted (characters). The database allows 20,000; the limit here is
/// what the composer says, so the two never disagree silently.
pub const MAX_COMMENT_CHARS: usize = 20_000;

/// The fields a person edits on the case page. Saved all together with the version
/// they were read at; only the ones that differ from the stored case are changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFields {
    pub title: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub customer_company: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee_id: Option<Uuid>,
}

impl CaseFields {
    /// The editable fields, in the order the page shows them (also the keys of their
    /// values in audit rows).
    pub const NAMES: [&'static str; 8] = [
        "title",
        "customer_name",
        "customer_email",
        "customer_phone",
        "customer_company",
        "status",
        "priority",
        "assignee_id",
    ];

    /// Trims, and checks each field against the same limits the table enforces, naming
    /// the field that is wrong.
    pub fn validated(mut self) -> Result<Self, AppError> {
        for (field, value, max) in [
            ("title", &mut self.title, 300),
            ("customer_name", &mut self.customer_name, 200),
            ("customer_email", &mut self.customer_email, 254),
            ("customer_phone", &mut self.customer_phone, 50),
            ("customer_company", &mut self.customer_company, 200),
        ] {
            *value = value.trim().to_string();
            super::check_text(field, value)?;
            if value.chars().count() > max {
                return Err(AppError::invalid(
                    field,
                    format!("is too long ({max} characters at most)"),
                ));
            }
        }
        if self.title.is_empty() {
            return Err(AppError::invalid("title", "a case needs a title"));
        }
        if !self.customer_email.is_empty()
            && (!self.customer_email.contains('@')
                || self.customer_email.contains(char::is_whitespace))
        {
            return Err(AppError::invalid(
                "customer_email",
                "is not an email address",
            ));
        }
        Ok(self)
    }

    /// The names of the fields that differ between `self` and `other`.
    pub fn differences(&self, other: &Self) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.title != other.title {
            changed.push("title");
        }
        if self.customer_name != other.customer_name {
            changed.push("customer_name");
        }
        if self.customer_email != other.customer_email {
            changed.push("customer_email");
        }
        if self.customer_phone != other.customer_phone {
            changed.push("customer_phone");
        }
        if self.customer_company != other.customer_company {
            changed.push("customer_company");
        }
        if self.status != other.status {
            changed.push("status");
        }
        if self.priority != other.priority {
            changed.push("priority");
        }
        if self.assignee_id != other.assignee_id {
            changed.push("assignee_id");
        }
        changed
    }
}

impl CaseFields {
    /// "Keep mine" after a conflict: `theirs`, with every field I changed from
    /// `started` set to mine. Their changes to fields I did not touch survive.
    pub fn rebased(started: &Self, mine: &Self, theirs: &Self) -> Self {
        let mut merged = theirs.clone();
        for field in started.differences(mine) {
            match field {
                "title" => merged.title = mine.title.clone(),
                "customer_name" => merged.customer_name = mine.customer_name.clone(),
                "customer_email" => merged.customer_email = mine.customer_email.clone(),
                "customer_phone" => merged.customer_phone = mine.customer_phone.clone(),
                "customer_company" => merged.customer_company = mine.customer_company.clone(),
                "status" => merged.status = mine.status,
                "priority" => merged.priority = mine.priority,
                _ => merged.assignee_id = mine.assignee_id,
            }
        }
        merged
    }
}

/// The case record with what the page shows around the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: i64,
    pub number: i32,
    pub fields: CaseFields,
    pub assignee_name: Option<String>,
    pub archived: bool,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What a stale save gets back (inside `AppError::Conflict`): the case as it is now,
/// and who changed it last, so the page can show yours / theirs / what you started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictState {
    pub current: CaseRecord,
    pub changed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    /// The markdown as written (empty once deleted), for the author's edit box.
    pub body: String,
    /// The markdown rendered on the server and sanitised: safe to put in the page.
    pub body_html: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    pub deleted: bool,
    pub can_edit: bool,
    pub can_delete: bool,
}

impl Comment {
    /// Up to two initials for the avatar.
    pub fn initials(&self) -> String {
        super::viewer::initials(&self.author_name)
    }
}

/// One line of the audit trail, already put into words on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: i64,
    pub actor_name: String,
    pub kind: String,
    /// "changed the status from Open to Resolved".
    pub summary: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case: CaseRecord,
    pub comments: Vec<Comment>,
    pub activity: Vec<ActivityEntry>,
    /// Who the case can be given to by this viewer (admins: everyone who works cases;
    /// employees: themselves).
    pub assignees: Vec<Assignee>,
    /// The newest audit row's id: where a live-update stream picks up from.
    pub last_event_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> CaseFields {
        CaseFields {
            title: "  Refund  ".into(),
            customer_name: "Ada".into(),
            customer_email: "ada@example.com".into(),
            customer_phone: String::new(),
            customer_company: String::new(),
            status: CaseStatus::Open,
            priority: CasePriority::Normal,
            assignee_id: None,
        }
    }

    #[test]
    fn validation_trims_and_names_the_field() {
        assert_eq!(fields().validated().map(|f| f.title), Ok("Refund".into()));
        let mut blank = fields();
        blank.title = "   ".into();
        assert!(
            matches!(blank.validated(), Err(AppError::Invalid { field, .. }) if field == "title")
        );
        let mut long = fields();
        long.customer_phone = "1".repeat(51);
        assert!(
            matches!(long.validated(), Err(AppError::Invalid { field, .. }) if field == "customer_phone")
        );
        let mut email = fields();
        email.customer_email = "not an email".into();
        assert!(
            matches!(email.validated(), Err(AppError::Invalid { field, .. }) if field == "customer_email")
        );
    }

    #[test]
    fn keeping_mine_keeps_their_other_changes() {
        let started = fields();
        let mut mine = fields();
        mine.title = "Mine".into();
        mine.status = CaseStatus::Pending;
        let mut theirs = fields();
        theirs.status = CaseStatus::Closed;
        theirs.priority = CasePriority::Urgent;
        let merged = CaseFields::rebased(&started, &mine, &theirs);
        assert_eq!(merged.title, "Mine");
        assert_eq!(
            merged.status,
            CaseStatus::Pending,
            "both changed it: mine wins"
        );
        assert_eq!(
            merged.priority,
            CasePriority::Urgent,
            "only they changed it"
        );
    }

    #[test]
    fn differences_list_every_changed_field() {
        let a = fields();
        let mut b = fields();
        assert!(a.differences(&b).is_empty());
        b.status = CaseStatus::Resolved;
        b.assignee_id = Some(Uuid::nil());
        assert_eq!(a.differences(&b), vec!["status", "assignee_id"]);
    }
}
