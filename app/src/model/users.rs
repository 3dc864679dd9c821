//! Users as the admin page sees them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserAuditEntry {
    pub id: i64,
    pub actor: Option<String>,
    pub subject: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl UserAuditEntry {
    /// One line a person reads: "Avery Admin changed Emery's role from employee to admin".
    pub fn describe(&self) -> String {
        let actor = self.actor.as_deref().unwrap_or("Someone");
        let field = |value: &Option<serde_json::Value>, key: &str| {
            value
                .as_ref()
                .and_then(|v| v.get(key))
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        };
        match self.action.as_str() {
            "create" => format!(
                "{actor} added {} as {}",
                self.subject,
                field(&self.after, "role")
            ),
            "role" => format!(
                "{actor} changed {}'s role from {} to {}",
                self.subject,
                field(&self.before, "role"),
                field(&self.after, "role")
            ),
            "deactivate" => format!("{actor} deactivated {}", self.subject),
            "reactivate" => format!("{actor} reactivated {}", self.subject),
            other => format!("{actor}: {other} {}", self.subject),
        }
    }
}

/// What the admin users page shows: the (filtered) users and the latest audit entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub users: Vec<UserSummary>,
    pub audit: Vec<UserAuditEntry>,
}
