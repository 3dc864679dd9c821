//! Notifications: what concerns one person (a case handed to them, a comment on their
//! case, a mention, an enrichment they asked for that finished), as the bell and the
//! notifications page show them, and which kinds a person has muted.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::AppError;
use super::cases::group_thousands;

/// Notifications per page of the list (and the most the bell shows).
pub const NOTIFICATIONS_PER_PAGE: i64 = 50;
/// How many the bell's panel lists.
pub const BELL_ITEMS: i64 = 8;
/// The longest comment excerpt a notification keeps.
pub const EXCERPT_CHARS: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "notification_kind", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    Assigned,
    Comment,
    Mention,
    Enrichment,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 4] = [
        NotificationKind::Assigned,
        NotificationKind::Comment,
        NotificationKind::Mention,
        NotificationKind::Enrichment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "assigned",
            NotificationKind::Comment => "comment",
            NotificationKind::Mention => "mention",
            NotificationKind::Enrichment => "enrichment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// What the settings call it, in the person's words.
    pub fn setting_label(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "A case is assigned to me",
            NotificationKind::Comment => "Someone comments on a case of mine",
            NotificationKind::Mention => "Someone mentions me (@name) in a comment",
            NotificationKind::Enrichment => "An enrichment I asked for finishes",
        }
    }
}

/// One notification as its person sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// Who caused it; none for the public form, an import or the system.
    pub actor_name: Option<String>,
    pub case_number: Option<i32>,
    pub case_title: Option<String>,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    /// Cases handed over at once (more than one: a bulk action or an import).
    pub cases: i32,
    /// The comment's first words, or what the enrichment came to.
    pub excerpt: String,
    /// An enrichment that failed.
    pub failed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
}

impl Notification {
    /// The line that says what happened, e.g. "Ada assigned you #12 Refund not received".
    pub fn headline(&self) -> String {
        let who = self.actor_name.as_deref();
        let case = match (self.case_number, &self.case_title) {
            (Some(number), Some(title)) => format!("#{number} {title}"),
            (Some(number), None) => format!("#{number}"),
            _ => "a case".to_string(),
        };
        let company = self.company_name.as_deref().unwrap_or("a company");
        match self.kind {
            NotificationKind::Assigned if self.cases > 1 => {
                let count = group_thousands(u64::try_from(self.cases).unwrap_or(0));
                match who {
                    Some(who) => format!("{who} assigned you {count} cases"),
                    None => format!("{count} cases were assigned to you"),
                }
            }
            NotificationKind::Assigned => match who {
                Some(who) => format!("{who} assigned you {case}"),
                None => format!("{case} was assigned to you"),
            },
            NotificationKind::Comment => {
                format!("{} commented on {case}", who.unwrap_or("Someone"))
            }
            NotificationKind::Mention => {
                format!("{} mentioned you on {case}", who.unwrap_or("Someone"))
            }
            NotificationKind::Enrichment if self.failed => {
                format!("Enrichment of {company} failed")
            }
            NotificationKind::Enrichment => format!("Enrichment of {company} finished"),
        }
    }

    /// Where it leads: the case, the company, or the queue for many cases at once.
    pub fn href(&self) -> String {
        match (self.case_number, self.company_id) {
            (Some(number), _) => format!("/cases/{number}"),
            (None, Some(id)) => format!("/companies/{id}"),
            (None, None) => "/work".to_string(),
        }
    }
}

/// One page of a person's notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<Notification>,
    pub unread: i64,
    /// The id to continue below (older), when there are more.
    pub next: Option<i64>,
}

/// Which kinds a person has muted (everything else reaches them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub muted: Vec<NotificationKind>,
}

impl NotificationSettings {
    pub fn hears(&self, kind: NotificationKind) -> bool {
        !self.muted.contains(&kind)
    }

    /// The settings form: the kinds ticked are heard; every other is muted. An unknown
    /// kind is refused (a changed form or a hand-made request), never ignored.
    pub fn from_heard(heard: &[String]) -> Result<Self, AppError> {
        let mut kept = Vec::new();
        for text in heard {
            let kind = NotificationKind::parse(text).ok_or_else(|| {
                AppError::invalid("heard", "names a kind of notification that does not exist")
            })?;
            kept.push(kind);
        }
        Ok(Self {
            muted: NotificationKind::ALL
                .into_iter()
                .filter(|kind| !kept.contains(kind))
                .collect(),
        })
    }
}

/// A person who may be mentioned in a comment on a case: one who can open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentionable {
    pub id: Uuid,
    pub display_name: String,
}

/// Who of `people` `body` mentions: `@` and their whole name (any case), not inside a
/// word before (so an email address is not a mention) and not running on into one
/// after. The longest name wins where one name begins another ("@Ann Lee" is Ann Lee,
/// not Ann).
pub fn mentioned(body: &str, people: &[Mentionable]) -> Vec<Uuid> {
    let lower = body.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: match on the lowered text.
    let mut by_length: Vec<(&Mentionable, String)> = people
        .iter()
        .map(|person| (person, person.display_name.trim().to_lowercase()))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    by_length.sort_by_key(|(_, name)| std::cmp::Reverse(name.len()));
    let mut found = Vec::new();
    for (at, _) in lower.match_indices('@') {
        let before = lower[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &lower[at + 1..];
        let hit = by_length.iter().find(|(_, name)| {
            rest.starts_with(name.as_str())
                && !rest[name.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if let Some((person, _)) = hit
            && !found.contains(&person.id)
        {
            found.push(person.id);
        }
    }
    found
}

/// The first words of a comment for its notification: plain words on one line, at most
/// [`EXCERPT_CHARS`] characters, cut at a word where it can be.
pub fn excerpt(body: &str) -> String {
    let flat = super::markdown_glimpse(body);
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > EXCERPT_CHARS / 2 => cut[..space].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Mentionable {
        Mentionable {
            id: Uuid::new_v4(),
            display_name: name.into(),
        }
    }

    #[test]
    fn mentions_are_whole_names_after_an_at() {
        let ann = person("Ann");
        let ann_lee = person("Ann Lee");
        let bo = person("Bo Ek");
        let people = [ann.clone(), ann_lee.clone(), bo.clone()];
        assert_eq!(mentioned("thanks @ann lee!", &people), vec![ann_lee.id]);
        assert_eq!(mentioned("@Ann, see this", &people), vec![ann.id]);
        assert_eq!(
            mentioned("@bo ek and @ANN and @bo ek", &people),
            vec![bo.id, ann.id]
        );
        // Inside a word before, or running on into one after: not a mention.
        assert!(mentioned("mail ann@example.com", &people).is_empty());
        assert!(mentioned("@annie", &people).is_empty());
        assert!(mentioned("@bo", &people).is_empty());
        assert!(mentioned("no one", &people).is_empty());
        assert!(mentioned("@", &people).is_empty());
        // Names outside ASCII.
        let zoe = person("Zoë Ørsted");
        assert_eq!(
            mentioned("(@ZOË ØRSTED)", std::slice::from_ref(&zoe)),
            vec![zoe.id]
        );
    }

    #[test]
    fn settings_refuse_unknown_kinds() {
        let settings = NotificationSettings::from_heard(&["mention".into()]).unwrap();
        assert!(settings.hears(NotificationKind::Mention));
        assert!(!settings.hears(NotificationKind::Assigned));
        assert_eq!(settings.muted.len(), 3);
        assert!(NotificationSettings::from_heard(&["everything".into()]).is_err());
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("a\n\n  b"), "a b");
        let long = "word ".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.ends_with('…') && cut.chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn headlines_say_what_happened() {
        let mut n = Notification {
            id: 1,
            kind: NotificationKind::Assigned,
            actor_name: Some("Ada".into()),
            case_number: Some(12),
            case_title: Some("Refund".into()),
            company_id: None,
            company_name: None,
            cases: 1,
            excerpt: String::new(),
            failed: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
            read: false,
        };
        assert_eq!(n.headline(), "Ada assigned you #12 Refund");
        assert_eq!(n.href(), "/cases/12");
        n.cases = 1200;
        n.case_number = None;
        assert_eq!(n.headline(), "Ada assigned you 1,200 cases");
        assert_eq!(n.href(), "/work");
        n.kind = NotificationKind::Enrichment;
        n.company_id = Some(7);
        n.company_name = Some("Acme".into());
        assert_eq!(n.headline(), "Enrichment of Acme finished");
        assert_eq!(n.href(), "/companies/7");
        n.failed = true;
        assert_eq!(n.headline(), "Enrichment of Acme failed");
    }
}
