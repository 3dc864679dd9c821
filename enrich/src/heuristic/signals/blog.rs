//! Blog: a blog or news page, and the dated posts (`<time>` values, dates in the blog
//! pages' text), counting those of the last [`BLOG_RECENT_DAYS`] days.

use std::collections::BTreeMap;

use crate::extract::{BlockKind, Document};
use crate::heuristic::dates::{Date, dates_in, parse_time_value};
use crate::heuristic::pages::{PageKind, Site};
use crate::heuristic::score::{BLOG_FOUND, BLOG_MAX, BLOG_PER_RECENT_POST, BLOG_RECENT_DAYS};
use crate::heuristic::text::evidence;
use crate::types::{Evidence, Signal, SignalKind};

pub(super) struct Blog {
    recent: usize,
    latest: Option<Date>,
    evidence: Vec<Evidence>,
}

impl Blog {
    pub(super) fn points(&self) -> u32 {
        let recent = u32::try_from(self.recent).unwrap_or(u32::MAX);
        (BLOG_FOUND + BLOG_PER_RECENT_POST.saturating_mul(recent)).min(BLOG_MAX)
    }

    pub(super) fn signal(self) -> Signal {
        let label = match (self.latest, self.recent) {
            (None, _) => "Blog page".to_string(),
            (Some(latest), 0) => format!("No posts in the last 6 months (latest {latest})"),
            (Some(latest), 1) => format!("1 post in the last 6 months (latest {latest})"),
            (Some(latest), n) => format!("{n} posts in the last 6 months (latest {latest})"),
        };
        Signal {
            kind: SignalKind::Blog,
            label,
            evidence: self.evidence,
        }
    }
}

impl Site<'_> {
    pub(super) fn blog(&self, today: Date) -> Option<Blog> {
        // Post dates: every <time>, and dates written in the blog pages' text. One post a
        // date (a post's own page repeats the date of its entry in the index).
        let mut dates: BTreeMap<Date, &Document> = BTreeMap::new();
        let blog_first = self
            .docs
            .iter()
            .filter(|(_, k)| *k == PageKind::Blog)
            .chain(self.docs.iter().filter(|(_, k)| *k != PageKind::Blog));
        for (doc, kind) in blog_first {
            for value in &doc.times {
                if let Some(date) = parse_time_value(value) {
                    dates.entry(date).or_insert(doc);
                }
            }
            if *kind == PageKind::Blog {
                for line in doc.lines() {
                    for date in dates_in(line) {
                        dates.entry(date).or_insert(doc);
                    }
                }
            }
        }
        dates.retain(|date, _| *date <= today);
        let blog_page = self.of_kind(PageKind::Blog).first().copied();
        if dates.is_empty() {
            let doc = blog_page?;
            let line = doc
                .headings
                .first()
                .or(doc.title.as_ref())
                .cloned()
                .unwrap_or_else(|| "Blog".to_string());
            return Some(Blog {
                recent: 0,
                latest: None,
                evidence: vec![evidence(doc, &line)],
            });
        }
        let recent = dates
            .keys()
            .filter(|d| (0..=BLOG_RECENT_DAYS).contains(&(today.days() - d.days())))
            .count();
        let (latest, doc) = dates.iter().next_back().map(|(d, doc)| (*d, *doc))?;
        Some(Blog {
            recent,
            latest: Some(latest),
            evidence: vec![evidence(doc, &dated_line(doc, latest))],
        })
    }
}

/// The line where a date is written, with the heading before it when the line is short
/// (the post's title above its date).
fn dated_line(doc: &Document, date: Date) -> String {
    let mut heading: Option<&str> = None;
    for block in &doc.blocks {
        if dates_in(&block.text).contains(&date) {
            return match heading {
                Some(h) if block.text.chars().count() < 40 => format!("{h} — {}", block.text),
                _ => block.text.clone(),
            };
        }
        if matches!(block.kind, BlockKind::Heading(_)) {
            heading = Some(&block.text);
        }
    }
    format!("Post dated {date}")
}
