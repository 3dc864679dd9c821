//! Who people are: roles, and the newtypes that parse identity input once (zero2prod's
//! `SubscriberEmail::parse`) so the rest of the code never sees an unchecked string.

use serde::{Deserialize, Serialize};

use super::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "user_role", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Employee,
    Analyst,
    /// An API key's identity (server/api_keys.rs): never a person, never signs in; what
    /// it may do is its key's scopes (`Viewer::api_scopes`).
    Service,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Employee => "Employee",
            Role::Analyst => "Analyst",
            Role::Service => "API key",
        }
    }
}

/// The workspace's plan: it chooses the rate limits and enrichment allowance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "tenant_plan", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Free,
    Pro,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }
}

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let email = input.trim().to_lowercase();
        let invalid = |message: &str| Err(AppError::invalid("email", message));
        if email.is_empty() {
            return invalid("is required");
        }
        if email.len() > 254 {
            return invalid("is too long");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("must look like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || domain.contains('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return invalid("must look like name@example.com");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// A tenant's URL name: lower-case letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let slug = input.trim();
        let ok = (1..=63).contains(&slug.len())
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-');
        if ok {
            Ok(Self(slug.to_string()))
        } else {
            Err(AppError::invalid(
                "tenant",
                "use 1–63 lower-case letters, digits and dashes, not starting with a dash",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let email = Email::parse("  Ada@Example.COM ").map(|e| e.as_str().to_string());
        assert_eq!(email, Ok("ada@example.com".to_string()));
        assert_eq!(
            Email::parse("ada@example.com").map(|e| e.domain().to_string()),
            Ok("example.com".to_string())
        );
    }

    #[test]
    fn bad_emails_are_refused_with_a_reason() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@@example.com",
            "a da@example.com",
            "ada@example..com",
            "ada@.example.com",
        ] {
            let result = Email::parse(bad);
            assert!(
                matches!(&result, Err(AppError::Invalid { field, .. }) if field == "email"),
                "{bad:?} gave {result:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn slugs() {
        assert!(TenantSlug::parse("acme-2").is_ok());
        for bad in ["", "-acme", "Acme", "ac me", "acmé", &"a".repeat(64)] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
