//! Who is looking: resolved once per request on the server, and sent to the browser
//! for the user menu. Authorisation decisions are made on the server only.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiScope, Plan, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    pub tenant_name: String,
    /// The workspace lets employees use companies and enrichment (its admin decides;
    /// `server::authz` reads it).
    pub employees_may_enrich: bool,
    /// The workspace's plan (the rate limiter picks its limits by it).
    pub plan: Plan,
    /// What an API key's identity may do (role `Service`); empty for people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_scopes: Vec<ApiScope>,
}

impl Viewer {
    /// A person of `role` in a workspace whose policy is `employees_may_enrich`, for
    /// unit tests of what a role may do.
    #[cfg(test)]
    pub fn for_tests(role: Role, employees_may_enrich: bool) -> Self {
        Self {
            user_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            role,
            email: "a@b.example".into(),
            display_name: "A".into(),
            tenant_name: "T".into(),
            employees_may_enrich,
            plan: Plan::Free,
            api_scopes: Vec::new(),
        }
    }

    /// Up to two initials for the avatar.
    pub fn initials(&self) -> String {
        initials(&self.display_name)
    }
}

/// Up to two initials of a name, for an avatar ("Ada Lovelace" → "AL"; "?" for none).
pub fn initials(name: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect();
    if initials.is_empty() {
        "?".to_string()
    } else {
        initials.to_uppercase()
    }
}
