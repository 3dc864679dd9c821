//! A dashboard's charts drawn once per read of its figures, not once per view.
//!
//! Why: the figures cache (server/dashboard/cache.rs) serves one read of a workspace's
//! figures to every view until something changes, yet each view drew every chart from
//! them again — and twice, since Leptos builds a `Suspense`'s children twice on the
//! server: the charts were a sixth of the admin dashboard's server CPU (perf), for the
//! same text each time.
//!
//! A dashboard's panels say which read they show ([`provide_reading`], with the
//! `reading` number the server gave it); a chart under them whose markup comes from
//! that read alone ([`once_per_reading`], by a name unique on the page) is drawn on
//! the first view and its bytes spliced into every later one. Reads are numbered per
//! process and served only to those allowed to see them (the figures cache is keyed by
//! workspace and person), so a read's markup goes only where the read itself goes.
//! In the browser (and with no read in context) the markup is drawn each time.

use leptos::prelude::*;

use super::html_splice::spliced_text;

/// The read of the figures the panels below show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading(pub u64);

/// Marks the panels below as showing read `reading` (call in the panels' component).
pub fn provide_reading(reading: u64) {
    provide_context(Reading(reading));
}

/// The markup `draw` makes — drawn once per read and `part` on the server, when the
/// panels named their read: `draw` must depend on that read's figures and on nothing
/// else, and `part` must name one chart of the page.
pub fn once_per_reading(part: &'static str, draw: impl FnOnce() -> String) -> String {
    #[cfg(feature = "ssr")]
    if let Some(Reading(reading)) = use_context::<Reading>()
        && !part.is_empty()
        && let Some(splices) = super::html_splice::current()
    {
        return splices.set_aside_part(reading, part, || {
            ssr::DRAWN.get_with((reading, part), || draw().into())
        });
    }
    let _ = part;
    spliced_text(draw())
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::LazyLock;
    use std::time::Duration;

    use axum::body::Bytes;
    use moka::sync::Cache;

    /// Charts drawn, by read and part: bounded in bytes, and kept a minute at most (a
    /// read the figures cache no longer serves is never asked for again).
    pub(super) static DRAWN: LazyLock<Cache<(u64, &'static str), Bytes>> = LazyLock::new(|| {
        Cache::builder()
            .max_capacity(32 << 20)
            .weigher(|_, drawn: &Bytes| u32::try_from(drawn.len()).unwrap_or(u32::MAX))
            .time_to_live(Duration::from_secs(60))
            .build()
    });
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::components::HtmlSplices;

    /// One request's rendering: its splices in context, as the middleware provides.
    fn request(reading: Option<u64>, draw: impl FnOnce(&HtmlSplices)) -> HtmlSplices {
        let owner = Owner::new();
        let splices = HtmlSplices::default();
        owner.with(|| {
            let (mut parts, ()) = axum::http::Request::new(()).into_parts();
            parts.extensions.insert(splices.clone());
            provide_context(parts);
            if let Some(reading) = reading {
                provide_reading(reading);
            }
            draw(&splices);
        });
        splices
    }

    #[test]
    fn each_read_and_part_is_drawn_once_for_every_view() {
        // Far from the numbers the server hands out in other tests of this process.
        let (one, two) = (u64::MAX - 10, u64::MAX - 11);
        let draws = Cell::new(0);
        let draw = |text: &'static str| {
            || {
                draws.set(draws.get() + 1);
                text.to_string()
            }
        };
        let first = request(Some(one), |_| {
            let marker = once_per_reading("chart-a", draw("<svg>a</svg>"));
            // Leptos building the view again: the same block.
            assert_eq!(once_per_reading("chart-a", draw("<svg>x</svg>")), marker);
            once_per_reading("chart-b", draw("<svg>b</svg>"));
        });
        assert_eq!(draws.get(), 2);
        // Another view of the same read: nothing drawn, the same bytes.
        let second = request(Some(one), |_| {
            once_per_reading("chart-a", draw("<svg>x</svg>"));
        });
        assert_eq!(draws.get(), 2);
        let (first, second) = (first.take(), second.take());
        assert_eq!(first[0].1, second[0].1);
        assert_eq!(
            first[0].1.as_ptr(),
            second[0].1.as_ptr(),
            "shared, not copied"
        );
        assert_ne!(first[0].0, second[0].0, "each response its own marker");
        // Another read is drawn anew; with no read named, every view draws.
        let other = request(Some(two), |_| {
            once_per_reading("chart-a", draw("<svg>2</svg>"));
        });
        assert_eq!(other.take()[0].1, "<svg>2</svg>");
        request(None, |_| {
            once_per_reading("chart-a", draw("<svg>n</svg>"));
        });
        request(None, |_| {
            once_per_reading("chart-a", draw("<svg>n</svg>"));
        });
        assert_eq!(draws.get(), 5);
    }
}
