//! The public inquiry form: what a stranger sends (parsed into a new case), what the
//! public page shows, and the settings an admin keeps for it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppError, CasePriority, NewCase, check_text};

/// The longest message the form takes: a letter, not a file (it keeps the form's body
/// under the default request limit, 64 KiB, even in three-byte characters).
pub const MAX_INQUIRY_MESSAGE_CHARS: usize = 5_000;
/// The longest introduction an admin may put above the form.
pub const MAX_INQUIRY_INTRO_CHARS: usize = 2_000;
/// The largest daily cap an admin may set (the column's CHECK says the same).
pub const MAX_INQUIRY_DAILY_CAP: i32 = 100_000;

/// How an inquiry finds its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "inquiry_assignment", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum InquiryAssignment {
    /// Nobody: the team's pool, for whoever takes it.
    Pool,
    /// The chosen people in turn, skipping anyone at or over the WIP limit.
    RoundRobin,
}

impl InquiryAssignment {
    pub const ALL: [Self; 2] = [Self::Pool, Self::RoundRobin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pool => "pool",
            Self::RoundRobin => "round_robin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pool => "Leave them unassigned, in the team's pool",
            Self::RoundRobin => {
                "Assign them in turn to the people chosen below, skipping anyone at or over the WIP limit"
            }
        }
    }

    pub fn parse(value: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == value.trim())
            .ok_or_else(|| {
                AppError::invalid("assignment", "must be `pool` or `round_robin`".to_string())
            })
    }
}

/// The public page: whose form it is, what the workspace says above it, and the
/// signed moment it was handed out (sent back with the submission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInquiryForm {
    pub slug: String,
    pub workspace: String,
    pub intro: String,
    pub started: String,
}

/// One inquiry as the form sends it, checked field by field (the field names are the
/// form's, so an error marks the right input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    pub name: String,
    pub email: String,
    pub company: String,
    pub subject: String,
    pub message: String,
}

impl Inquiry {
    pub fn parse(
        name: &str,
        email: &str,
        company: &str,
        subject: &str,
        message: &str,
    ) -> Result<Self, AppError> {
        let field = |field: &'static str, value: &str, max: usize, required: &'static str| {
            let value = value.trim();
            check_text(field, value)?;
            if value.is_empty() && !required.is_empty() {
                return Err(AppError::invalid(field, required));
            }
            if value.chars().count() > max {
                return Err(AppError::invalid(
                    field,
                    format!("is too long ({max} characters at most)"),
                ));
            }
            Ok(value.to_string())
        };
        let inquiry = Self {
            name: field("name", name, 200, "please tell us your name")?,
            email: field(
                "email",
                email,
                254,
                "please give an email address to reply to",
            )?,
            company: field("company", company, 200, "")?,
            subject: field(
                "subject",
                subject,
                300,
                "please give your inquiry a subject",
            )?,
            message: field(
                "message",
                message,
                MAX_INQUIRY_MESSAGE_CHARS,
                "please write your message",
            )?,
        };
        let (local, domain) = inquiry.email.split_once('@').unwrap_or_default();
        if local.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || inquiry.email.contains(char::is_whitespace)
            || domain.contains('@')
        {
            return Err(AppError::invalid("email", "is not an email address"));
        }
        Ok(inquiry)
    }

    /// The case it becomes: the subject as title, the sender as customer, the message
    /// as first comment; `assignee` as the form's assignment chose.
    pub fn into_case(self, assignee_id: Option<Uuid>) -> NewCase {
        NewCase {
            title: self.subject,
            customer_name: self.name,
            customer_email: self.email,
            customer_phone: String::new(),
            customer_company: self.company,
            priority: CasePriority::Normal,
            assignee_id,
            comment: self.message,
        }
    }
}

/// What the sender is told when the form refuses: the field's complaint, or, for a
/// limit, when to come back, in words rather than seconds.
pub fn inquiry_error_text(error: &AppError) -> String {
    match error {
        AppError::RateLimited { retry_after } => {
            let minutes = retry_after.div_ceil(60);
            let wait = if *retry_after < 60 {
                format!("{retry_after} seconds")
            } else if minutes < 120 {
                format!("{minutes} minutes")
            } else {
                format!("{} hours", minutes.div_ceil(60))
            };
            format!(
                "Too many inquiries have been sent for now. Please try again in {wait}; nothing was sent."
            )
        }
        AppError::Invalid { field, message } => {
            let label = match field.as_str() {
                "name" => "Your name",
                "email" => "Your email",
                "company" => "Company",
                "subject" => "Subject",
                "message" => "Message",
                "website" => "The last field",
                "started" => "The form",
                _ => field.as_str(),
            };
            crate::model::field_words::sentence_with(label, message)
        }
        AppError::NotFound => "There is no inquiry form at this address.".to_string(),
        other => other.to_string(),
    }
}

/// Someone an admin may choose for round-robin assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryPerson {
    pub id: Uuid,
    pub display_name: String,
    pub chosen: bool,
    /// Their open cases now (the WIP limit is measured against it).
    pub open: i64,
}

/// The form's settings as the admin page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquirySettings {
    pub slug: String,
    pub enabled: bool,
    pub intro: String,
    pub daily_cap: i32,
    pub assignment: InquiryAssignment,
    pub people: Vec<InquiryPerson>,
    /// Inquiries taken today (UTC), against `daily_cap`.
    pub today: i32,
    pub wip_limit: Option<i32>,
}

/// The settings as an admin sends them, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquirySettingsChange {
    pub enabled: bool,
    pub intro: String,
    pub daily_cap: i32,
    pub assignment: InquiryAssignment,
    pub people: Vec<Uuid>,
}

impl InquirySettingsChange {
    pub fn parse(
        enabled: Option<&str>,
        intro: &str,
        daily_cap: &str,
        assignment: &str,
        people: &[String],
    ) -> Result<Self, AppError> {
        let intro = intro.trim();
        check_text("intro", intro)?;
        if intro.chars().count() > MAX_INQUIRY_INTRO_CHARS {
            return Err(AppError::invalid(
                "intro",
                format!("is too long ({MAX_INQUIRY_INTRO_CHARS} characters at most)"),
            ));
        }
        let daily_cap = daily_cap
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|cap| (1..=MAX_INQUIRY_DAILY_CAP).contains(cap))
            .ok_or_else(|| {
                AppError::invalid(
                    "daily_cap",
                    format!("must be a whole number from 1 to {MAX_INQUIRY_DAILY_CAP}"),
                )
            })?;
        let assignment = InquiryAssignment::parse(assignment)?;
        let mut chosen = Vec::with_capacity(people.len());
        for id in people {
            let id = Uuid::parse_str(id.trim())
                .map_err(|_| AppError::invalid("people", "is not a list of people"))?;
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        if assignment == InquiryAssignment::RoundRobin && chosen.is_empty() {
            return Err(AppError::invalid(
                "people",
                "choose at least one person to assign inquiries to in turn",
            ));
        }
        Ok(Self {
            enabled: super::parse_checkbox("enabled", enabled)?,
            intro: intro.to_string(),
            daily_cap,
            assignment,
            people: chosen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<Inquiry, AppError>) -> String {
        match result {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_good_inquiry_becomes_an_unassigned_case() {
        let inquiry = Inquiry::parse(" Ada ", "ada@example.com", "", " Boiler ", " It hums.\n")
            .expect("valid");
        let case = inquiry.into_case(None);
        assert_eq!(case.title, "Boiler");
        assert_eq!(case.customer_name, "Ada");
        assert_eq!(case.comment, "It hums.");
        assert_eq!(case.assignee_id, None);
        assert_eq!(case.priority, CasePriority::Normal);
    }

    #[test]
    fn every_bad_field_is_named() {
        let ok = ["Ada", "ada@example.com", "Acme", "Subject", "Message"];
        let with = |index: usize, value: &str| {
            let mut fields: [&str; 5] = ok;
            fields[index] = value;
            Inquiry::parse(fields[0], fields[1], fields[2], fields[3], fields[4])
        };
        assert_eq!(refused(with(0, "  ")), "name");
        assert_eq!(refused(with(0, "A\0da")), "name");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@x.org",
            "a@b@c.org",
        ] {
            assert_eq!(refused(with(1, bad)), "email", "{bad:?}");
        }
        assert_eq!(refused(with(2, &"c".repeat(201))), "company");
        assert_eq!(refused(with(3, "")), "subject");
        assert_eq!(refused(with(3, &"s".repeat(301))), "subject");
        assert_eq!(refused(with(4, "")), "message");
        let long = "m".repeat(MAX_INQUIRY_MESSAGE_CHARS + 1);
        assert_eq!(refused(with(4, &long)), "message");
        assert!(with(2, "").is_ok(), "the company is optional");
    }

    #[test]
    fn limits_read_in_words() {
        let text = inquiry_error_text(&AppError::RateLimited { retry_after: 45 });
        assert!(text.contains("45 seconds"), "{text}");
        let text = inquiry_error_text(&AppError::RateLimited { retry_after: 3_600 });
        assert!(text.contains("60 minutes"), "{text}");
        let text = inquiry_error_text(&AppError::RateLimited {
            retry_after: 30_000,
        });
        assert!(text.contains("9 hours"), "{text}");
        let text = inquiry_error_text(&AppError::invalid("email", "is not an email address"));
        assert_eq!(text, "Your email is not an email address.");
    }

    #[test]
    fn settings_are_checked() {
        let people = vec![Uuid::new_v4().to_string()];
        let ok = InquirySettingsChange::parse(Some("on"), " Hi ", "50", "round_robin", &people)
            .expect("valid");
        assert!(ok.enabled);
        assert_eq!(ok.intro, "Hi");
        assert_eq!(ok.people.len(), 1);
        let field = |result: Result<InquirySettingsChange, AppError>| match result {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            field(InquirySettingsChange::parse(None, "", "0", "pool", &[])),
            "daily_cap"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(None, "", "x", "pool", &[])),
            "daily_cap"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(
                None,
                "",
                "100001",
                "pool",
                &[]
            )),
            "daily_cap"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(None, "", "5", "all", &[])),
            "assignment"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(
                None,
                "",
                "5",
                "round_robin",
                &[]
            )),
            "people"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(
                None,
                "",
                "5",
                "pool",
                &["bob".to_string()]
            )),
            "people"
        );
        let long = "i".repeat(MAX_INQUIRY_INTRO_CHARS + 1);
        assert_eq!(
            field(InquirySettingsChange::parse(None, &long, "5", "pool", &[])),
            "intro"
        );
        assert_eq!(
            field(InquirySettingsChange::parse(
                Some("maybe"),
                "",
                "5",
                "pool",
                &[]
            )),
            "enabled"
        );
    }
}
