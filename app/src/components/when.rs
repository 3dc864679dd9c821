//! A moment, shown relative ("5 minutes ago") with the absolute time on hover.
//!
//! The server cannot know when the page will be read, so it renders the absolute time;
//! the browser switches to the relative one after hydrating (and keeps it fresh), so
//! the two renders never disagree.

use leptos::prelude::*;
use time::OffsetDateTime;

use crate::model::format_timestamp;

#[component]
pub fn When(at: OffsetDateTime) -> impl IntoView {
    let absolute = format_timestamp(at);
    let machine = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let relative = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let refresh = move || relative.set(Some(relative_label(at, now())));
        Effect::new(move |_| refresh());
        if let Ok(handle) = set_interval_with_handle(refresh, std::time::Duration::from_secs(30)) {
            on_cleanup(move || handle.clear());
        }
    }
    let shown = absolute.clone();
    view! {
        <time datetime=machine title=absolute>{move || relative.get().unwrap_or_else(|| shown.clone())}</time>
    }
}

/// The current time: the browser's clock once hydrated (wasm has no system clock), the
/// server's while rendering.
#[cfg(feature = "hydrate")]
pub fn now() -> OffsetDateTime {
    let millis = js_sys::Date::now() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(not(feature = "hydrate"))]
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// "just now", "3 minutes ago", "2 hours ago", "yesterday", "5 days ago", or the date.
pub fn relative_label(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let seconds = (now - at).whole_seconds();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match seconds {
        i64::MIN..=44 => "just now".to_string(),
        45..=3_599 => plural((seconds + 30) / 60, "minute").replace("0 minutes", "1 minute"),
        3_600..=86_399 => plural(seconds / 3_600, "hour"),
        86_400..=172_799 => "yesterday".to_string(),
        172_800..=2_591_999 => plural(seconds / 86_400, "day"),
        _ => format_timestamp(at).chars().take(10).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::relative_label;
    use time::macros::datetime;

    #[test]
    fn labels() {
        let now = datetime!(2026-11-29 12:00 UTC);
        let cases = [
            (datetime!(2026-11-29 11:59:50 UTC), "just now"),
            (datetime!(2026-11-29 12:00:30 UTC), "just now"),
            (datetime!(2026-11-29 11:59:00 UTC), "1 minute ago"),
            (datetime!(2026-11-29 11:55 UTC), "5 minutes ago"),
            (datetime!(2026-11-29 10:00 UTC), "2 hours ago"),
            (datetime!(2026-11-28 10:00 UTC), "yesterday"),
            (datetime!(2026-11-24 12:00 UTC), "5 days ago"),
            (datetime!(2026-01-02 12:00 UTC), "2026-01-02"),
        ];
        for (at, want) in cases {
            assert_eq!(relative_label(at, now), want, "{at}");
        }
    }
}
