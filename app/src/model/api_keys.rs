//! API keys as the admin page shows and makes them: what a key may do (its scopes),
//! its visible prefix, and when it was used.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::AppError;

/// What a key may do: read and/or write, per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    CasesRead,
    CasesWrite,
    CommentsRead,
    CommentsWrite,
    CompaniesRead,
    CompaniesWrite,
    ContractorsRead,
    UsersRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 8] = [
        ApiScope::CasesRead,
        ApiScope::CasesWrite,
        ApiScope::CommentsRead,
        ApiScope::CommentsWrite,
        ApiScope::CompaniesRead,
        ApiScope::CompaniesWrite,
        ApiScope::ContractorsRead,
        ApiScope::UsersRead,
    ];

    /// As stored, and as the API's documents name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::CasesRead => "cases:read",
            ApiScope::CasesWrite => "cases:write",
            ApiScope::CommentsRead => "comments:read",
            ApiScope::CommentsWrite => "comments:write",
            ApiScope::CompaniesRead => "companies:read",
            ApiScope::CompaniesWrite => "companies:write",
            ApiScope::ContractorsRead => "contractors:read",
            ApiScope::UsersRead => "users:read",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiScope::CasesRead => "Read cases",
            ApiScope::CasesWrite => "Create and change cases",
            ApiScope::CommentsRead => "Read comments",
            ApiScope::CommentsWrite => "Post comments",
            ApiScope::CompaniesRead => "Read companies and enrichments",
            ApiScope::CompaniesWrite => "Create and change companies, ask for enrichment",
            ApiScope::ContractorsRead => "Read contractors",
            ApiScope::UsersRead => "Read the people of the workspace",
        }
    }
}

/// Longest key name.
pub const MAX_API_KEY_NAME_CHARS: usize = 100;

/// A key as the admin page lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: i64,
    pub name: String,
    /// The visible start of the key (`cwk_` and 8 characters).
    pub prefix: String,
    pub scopes: Vec<ApiScope>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiKeySummary {
    /// Whether requests with this key are refused now.
    pub fn refused_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_some() || self.expires_at.is_some_and(|at| at <= now)
    }
}

/// The admin page: the workspace's keys, newest first, and the secret of the key made
/// just now (shown once: read from the session and removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub keys: Vec<ApiKeySummary>,
    pub just_made: Option<MadeApiKey>,
}

/// A key just made: the only time its secret is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeApiKey {
    pub id: i64,
    pub name: String,
    /// The whole key, to copy now.
    pub secret: String,
}

/// A new key as the form sends it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The key stops working at the start of this day (UTC).
    pub expires_on: Option<Date>,
}

impl NewApiKey {
    /// `scopes` as the form's checkboxes send them; `expires_on` as `YYYY-MM-DD` or
    /// empty; `today` is the server's (an expiry must be later).
    pub fn parse(
        name: &str,
        scopes: &[String],
        expires_on: &str,
        today: Date,
    ) -> Result<Self, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid(
                "name",
                "is required: say what uses the key",
            ));
        }
        if name.chars().count() > MAX_API_KEY_NAME_CHARS {
            return Err(AppError::invalid(
                "name",
                format!("must be at most {MAX_API_KEY_NAME_CHARS} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        let mut chosen = Vec::new();
        for text in scopes {
            let scope = ApiScope::parse(text.trim()).ok_or_else(|| {
                AppError::invalid("scopes", format!("has an unknown scope: {text:?}"))
            })?;
            if !chosen.contains(&scope) {
                chosen.push(scope);
            }
        }
        if chosen.is_empty() {
            return Err(AppError::invalid("scopes", "choose at least one scope"));
        }
        chosen.sort();
        let expires_on = match expires_on.trim() {
            "" => None,
            text => {
                let format = time::macros::format_description!("[year]-[month]-[day]");
                let day = Date::parse(text, format).map_err(|_| {
                    AppError::invalid("expires_on", "must be a date (YYYY-MM-DD) or empty")
                })?;
                if day <= today {
                    return Err(AppError::invalid("expires_on", "must be after today"));
                }
                Some(day)
            }
        };
        Ok(Self {
            name: name.to_string(),
            scopes: chosen,
            expires_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        time::macros::date!(2026 - 12 - 05)
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_key_needs_a_name_a_known_scope_and_a_future_expiry() {
        let made = NewApiKey::parse(
            "  Zapier  ",
            &scopes(&["cases:write", "cases:read", "cases:read"]),
            "2027-01-31",
            today(),
        )
        .unwrap();
        assert_eq!(made.name, "Zapier");
        assert_eq!(made.scopes, [ApiScope::CasesRead, ApiScope::CasesWrite]);
        assert_eq!(made.expires_on, Some(time::macros::date!(2027 - 01 - 31)));
        let never = NewApiKey::parse("CRM", &scopes(&["users:read"]), "", today()).unwrap();
        assert_eq!(never.expires_on, None);

        let refused = |name: &str, list: &[&str], expires: &str| match NewApiKey::parse(
            name,
            &scopes(list),
            expires,
            today(),
        ) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(" ", &["cases:read"], ""), "name");
        assert_eq!(refused(&"x".repeat(101), &["cases:read"], ""), "name");
        assert_eq!(refused("a\u{7}b", &["cases:read"], ""), "name");
        assert_eq!(refused("CRM", &[], ""), "scopes");
        assert_eq!(refused("CRM", &["cases:delete"], ""), "scopes");
        assert_eq!(refused("CRM", &["cases:read"], "tomorrow"), "expires_on");
        assert_eq!(refused("CRM", &["cases:read"], "2026-12-05"), "expires_on");
        assert_eq!(refused("CRM", &["cases:read"], "2026-02-30"), "expires_on");
    }

    #[test]
    fn every_scope_reads_back_from_its_name() {
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(ApiScope::parse("Cases:Read"), None);
    }
}
