//! Notifications: the bell's count and list, the notifications page, opening and
//! marking read, each person's settings, and who may be mentioned on a case. Each
//! person sees only their own; plain forms work without JavaScript (they come back to
//! the notifications page, or go on to what was opened).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, Inbox, Mentionable, NotificationSettings};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::{Capability, parse_checkbox, parse_id};
#[cfg(feature = "ssr")]
use crate::server::{notifications, request};

/// A page of the viewer's notifications, newest first: below `before` (an id), all or
/// `unread` only, at most `limit` (the bell asks for a few, the page for a page).
#[server(endpoint = "notifications", input = GetUrl)]
pub async fn notification_inbox(
    before: Option<String>,
    unread: Option<String>,
    limit: Option<String>,
) -> Result<Inbox, AppError> {
    let viewer = request::require(Capability::Notifications)?;
    let before = before
        .filter(|b| !b.trim().is_empty())
        .map(|b| parse_id("before", &b))
        .transpose()?;
    let unread_only = parse_checkbox("unread", unread.as_deref())?;
    let limit = match limit.filter(|l| !l.trim().is_empty()) {
        None => crate::model::NOTIFICATIONS_PER_PAGE,
        Some(limit) => limit
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=crate::model::NOTIFICATIONS_PER_PAGE).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be a number from 1 to 50"))?,
    };
    notifications::inbox(&request::state()?.pool, &viewer, before, unread_only, limit).await
}

/// How many of the viewer's notifications are unread.
#[server(endpoint = "notifications/unread", input = GetUrl)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let viewer = request::require(Capability::Notifications)?;
    notifications::unread(&request::state()?, &viewer).await
}

/// Opens notification `id`: marks it read and answers where it leads (a plain form
/// goes there).
#[server(endpoint = "notifications/open")]
pub async fn open_notification(id: String) -> Result<String, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::Notifications)?;
        let id = parse_id("id", &id)?;
        notifications::open(&request::state()?.pool, &viewer, id).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(href) => (href.clone(), Vec::new()),
        Err(error) => ("/notifications".into(), vec![("error", error.to_string())]),
    });
    outcome
}

/// Marks notification `id` read, or (no `id`) every one up to `up_to`, the newest the
/// person saw. Answers how many changed.
#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read(
    id: Option<String>,
    up_to: Option<String>,
) -> Result<u64, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::Notifications)?;
        let id = id
            .filter(|i| !i.trim().is_empty())
            .map(|i| parse_id("id", &i))
            .transpose()?;
        let up_to = up_to
            .filter(|u| !u.trim().is_empty())
            .map(|u| parse_id("up_to", &u))
            .transpose()?;
        let ids: Vec<i64> = id.into_iter().collect();
        notifications::mark_read(&request::state()?.pool, &viewer, &ids, up_to).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(_) => ("/notifications".into(), Vec::new()),
        Err(error) => ("/notifications".into(), vec![("error", error.to_string())]),
    });
    outcome
}

/// The viewer's notification settings.
#[server(endpoint = "notifications/settings", input = GetUrl)]
pub async fn my_notification_settings() -> Result<NotificationSettings, AppError> {
    let viewer = request::require(Capability::Notifications)?;
    notifications::settings(&request::state()?.pool, &viewer).await
}

/// Saves which kinds the viewer hears of: each a checkbox, unticked is muted.
#[server(endpoint = "notifications/settings/save")]
pub async fn save_notification_settings(
    assigned: Option<String>,
    comment: Option<String>,
    mention: Option<String>,
    enrichment: Option<String>,
) -> Result<NotificationSettings, AppError> {
    use crate::model::NotificationKind as Kind;
    let outcome = async {
        let viewer = request::require(Capability::Notifications)?;
        let ticks = [
            (
                Kind::Assigned,
                parse_checkbox("assigned", assigned.as_deref())?,
            ),
            (
                Kind::Comment,
                parse_checkbox("comment", comment.as_deref())?,
            ),
            (
                Kind::Mention,
                parse_checkbox("mention", mention.as_deref())?,
            ),
            (
                Kind::Enrichment,
                parse_checkbox("enrichment", enrichment.as_deref())?,
            ),
        ];
        let settings = NotificationSettings {
            muted: ticks
                .into_iter()
                .filter(|(_, heard)| !heard)
                .map(|(kind, _)| kind)
                .collect(),
        };
        notifications::save_settings(&request::state()?.pool, &viewer, &settings).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(_) => ("/notifications".into(), vec![("saved", "1".into())]),
        Err(error) => ("/notifications".into(), vec![("error", error.to_string())]),
    });
    outcome
}

/// Who may be mentioned in a comment on case `number` (those who can open it), for
/// the comment box's `@` list. Not the viewer.
#[server(endpoint = "notifications/mentionable", input = GetUrl)]
pub async fn mentionable_people(number: String) -> Result<Vec<Mentionable>, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let number = number
        .trim()
        .trim_start_matches('#')
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::invalid("number", "is not a case number"))?;
    let people = notifications::mentionable_on(&request::state()?.pool, &viewer, number).await?;
    Ok(people
        .into_iter()
        .filter(|p| p.id != viewer.user_id)
        .collect())
}
