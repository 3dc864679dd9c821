//! A moment, shown relative ("5 minutes ago") with the absolute time on hover.
//!
//! The server writes the label as of the moment it renders (as the queue's rows do);
//! the browser works it out again by its own clock once hydrated, and keeps it fresh.
//! The two agree but for the minutes in between, so a column of them keeps its width:
//! the absolute time the server once wrote here was twice as long as the date a month
//! later becomes, and every table with such a column shifted as it hydrated.

use leptos::prelude::*;
use time::OffsetDateTime;

use crate::model::{format_timestamp, push_date};

#[component]
pub fn When(at: OffsetDateTime) -> impl IntoView {
    let absolute = format_timestamp(at);
    let machine = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    #[cfg(feature = "hydrate")]
    let label = {
        // Until the page's clock first reads the time, the absolute time stands in: it
        // differs from any label, so that first reading always writes the label over
        // what the server wrote (hydration keeps the server's text, and a rebuild to
        // the value it began with would change nothing).
        let clock = clock();
        let absolute = absolute.clone();
        move || match clock.get() {
            Some(now) => relative_label(at, now),
            None => absolute.clone(),
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let label = {
        let label = relative_label(at, now());
        move || label.clone()
    };
    view! {
        <time datetime=machine title=absolute>{label}</time>
    }
}

/// The one clock every `When` on the page reads: the browser's time, read once the
/// page has hydrated and every 30 s after. One timer for the page, not one effect and
/// one timer for each of the 50 times a table shows, all set up while hydrating.
#[cfg(feature = "hydrate")]
fn clock() -> ArcRwSignal<Option<OffsetDateTime>> {
    std::thread_local! {
        static CLOCK: ArcRwSignal<Option<OffsetDateTime>> = {
            let clock = ArcRwSignal::new(None);
            let tick = {
                let clock = clock.clone();
                move || clock.set(Some(now()))
            };
            // After the task that hydrates the page, and then every 30 s.
            set_timeout(tick.clone(), std::time::Duration::ZERO);
            let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(30));
            clock
        };
    }
    CLOCK.with(ArcRwSignal::clone)
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
    let mut out = String::with_capacity(16);
    push_relative_label(&mut out, at, now);
    out
}

/// Appends `relative_label(at, now)` to `out` (a queue page writes 100 of them).
pub fn push_relative_label(out: &mut String, at: OffsetDateTime, now: OffsetDateTime) {
    // Unix seconds rather than `now - at`: the subtraction of two `OffsetDateTime`s
    // reconciles their offsets and builds a `Duration`, several times the work.
    let seconds = now.unix_timestamp() - at.unix_timestamp();
    let mut digits = itoa::Buffer::new();
    let mut ago = |n: i64, unit: &str| {
        out.push_str(digits.format(n));
        out.push(' ');
        out.push_str(unit);
        if n != 1 {
            out.push('s');
        }
        out.push_str(" ago");
    };
    match seconds {
        i64::MIN..=44 => out.push_str("just now"),
        // Rounded to the nearest minute, but never "60 minutes" (that is the hour).
        45..=3_599 => ago(((seconds + 30) / 60).min(59), "minute"),
        3_600..=86_399 => ago(seconds / 3_600, "hour"),
        86_400..=172_799 => out.push_str("yesterday"),
        172_800..=2_591_999 => ago(seconds / 86_400, "day"),
        _ => push_date(out, at),
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
            (datetime!(2026-11-29 11:59:15 UTC), "1 minute ago"),
            (datetime!(2026-11-29 11:59:00 UTC), "1 minute ago"),
            (datetime!(2026-11-29 11:50 UTC), "10 minutes ago"),
            (datetime!(2026-11-29 11:30 UTC), "30 minutes ago"),
            (datetime!(2026-11-29 11:00:01 UTC), "59 minutes ago"),
            (datetime!(2026-11-29 11:55 UTC), "5 minutes ago"),
            (datetime!(2026-11-29 10:00 UTC), "2 hours ago"),
            (datetime!(2026-11-28 10:00 UTC), "yesterday"),
            (datetime!(2026-11-24 12:00 UTC), "5 days ago"),
            (datetime!(2026-11-28 12:00:01 UTC), "23 hours ago"),
            (datetime!(2026-10-31 12:00 UTC), "29 days ago"),
            (datetime!(2026-10-30 12:00 UTC), "2026-10-30"),
            (datetime!(2026-01-02 12:00 UTC), "2026-01-02"),
        ];
        for (at, want) in cases {
            assert_eq!(relative_label(at, now), want, "{at}");
        }
    }
}
