//! The summary (a few sentences from the home and about pages' prose, or their
//! description) and the "what they do" bullets (features, else feature lists, else
//! sentences).

use std::collections::HashSet;

use super::pages::{PageKind, Site};
use super::signals::looks_like_job_title;
use super::text::{clip, is_substantive, normalised, sentences, word_count};
use crate::extract::{BlockKind, Document, collapse};

/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 400;
/// Longest "what they do" bullet, in characters.
pub const BULLET_MAX: usize = 120;

/// Headings that name a section of the site rather than something the company does.
#[rustfmt::skip]
const GENERIC_HEADINGS: &[&str] = &[
    "about", "about us", "blog", "careers", "contact", "contact us", "customers", "faq",
    "features", "get in touch", "get started", "how it works", "latest", "latest news",
    "news", "our customers", "our story", "our team", "our values", "pricing", "products",
    "resources", "services", "team", "testimonials", "trusted by", "what we do", "why us",
    "open roles", "investors", "from the blog", "solutions", "the team", "how we build",
    "how we work", "our mission", "benefits", "life at",
];

fn is_generic_heading(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    GENERIC_HEADINGS.contains(&t.as_str())
        || [
            "trusted by",
            "ready to",
            "join ",
            "meet ",
            "subscribe",
            "latest",
            "what our",
            "what customers",
            "frequently asked",
            "contact",
            "get started",
            "book a demo",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Adds a full stop when a sentence has no closing punctuation.
fn closed(sentence: &str) -> String {
    let s = sentence.trim();
    if s.ends_with(['.', '!', '?', '…']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Sentences sharing this share of words (of the shorter) say the same thing.
const SUMMARY_OVERLAP: f64 = 0.6;

/// The share of the shorter text's distinct words that the other text has too.
fn overlap(a: &str, b: &str) -> f64 {
    let a: HashSet<&str> = a.split_whitespace().collect();
    let b: HashSet<&str> = b.split_whitespace().collect();
    let shorter = a.len().min(b.len()).max(1);
    a.intersection(&b).count() as f64 / shorter as f64
}

impl Site<'_> {
    pub(super) fn summary(&self) -> String {
        let home = self.home();
        let about = self.of_kind(PageKind::About).first().copied();
        let mut candidates: Vec<String> = Vec::new();
        if let Some(description) = home.and_then(|h| h.description.as_ref())
            && word_count(description) >= 6
        {
            candidates.push(collapse(description));
        }
        for doc in home.into_iter().chain(about) {
            for block in &doc.blocks {
                if block.kind != BlockKind::Paragraph {
                    continue;
                }
                for sentence in sentences(&block.text) {
                    if is_substantive(sentence) && sentence.chars().count() <= 300 {
                        candidates.push(sentence.to_string());
                    }
                }
            }
        }

        let mut summary = String::new();
        let mut taken: Vec<String> = Vec::new();
        for candidate in candidates {
            let key = normalised(&candidate);
            if taken.iter().any(|t| overlap(t, &key) >= SUMMARY_OVERLAP) {
                continue;
            }
            let next = if summary.is_empty() {
                closed(&candidate)
            } else {
                format!("{summary} {}", closed(&candidate))
            };
            if next.chars().count() > SUMMARY_MAX {
                if summary.is_empty() {
                    summary = clip(&candidate, SUMMARY_MAX);
                }
                break;
            }
            summary = next;
            taken.push(key);
            if taken.len() >= 3 || (taken.len() >= 2 && summary.chars().count() >= 150) {
                break;
            }
        }
        if summary.is_empty() {
            summary = home
                .and_then(|h| h.title.clone().or_else(|| h.headings.first().cloned()))
                .map(|t| clip(&t, SUMMARY_MAX))
                .unwrap_or_default();
        }
        summary
    }

    pub(super) fn what_they_do(&self) -> Vec<String> {
        let home = self.home();
        let about = self.of_kind(PageKind::About).first().copied();
        let pages: Vec<&Document> = home.into_iter().chain(about).collect();
        let mut bullets: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        let mut add = |text: String, bullets: &mut Vec<String>| {
            let key = normalised(&text);
            if bullets.len() < 5 && !key.is_empty() && !keys.contains(&key) {
                keys.push(key);
                bullets.push(text);
            }
        };

        // A feature: a heading (h2–h4) followed by a paragraph describing it; from the
        // home page, and the about page when the home page has too few.
        for doc in &pages {
            if bullets.len() >= 3 {
                break;
            }
            for pair in doc.blocks.windows(2) {
                let [heading, paragraph] = pair else { continue };
                if !matches!(heading.kind, BlockKind::Heading(2..=4))
                    || paragraph.kind != BlockKind::Paragraph
                    || is_generic_heading(&heading.text)
                    || word_count(&heading.text) > 8
                    || heading.text.ends_with('?')
                {
                    continue;
                }
                let Some(first) = sentences(&paragraph.text).into_iter().next() else {
                    continue;
                };
                if word_count(first) < 5 || !is_substantive(&format!("{first} x x x")) {
                    continue;
                }
                let title = heading.text.trim_end_matches(['.', ':']);
                let combined = format!("{title}: {}", lower_first(first));
                let clause = first_clause(first).map(|c| format!("{title}: {}", lower_first(c)));
                let bullet = if combined.chars().count() <= BULLET_MAX {
                    combined
                } else if let Some(clause) = clause.filter(|c| c.chars().count() <= BULLET_MAX) {
                    clause
                } else if first.chars().count() <= BULLET_MAX {
                    first.to_string()
                } else {
                    clip(&combined, BULLET_MAX)
                };
                add(bullet, &mut bullets);
            }
        }
        // Else feature lists.
        if bullets.len() < 3 {
            for doc in &pages {
                for block in &doc.blocks {
                    if block.kind == BlockKind::ListItem
                        && word_count(&block.text) >= 4
                        && !looks_like_job_title(&block.text)
                    {
                        add(clip(&block.text, BULLET_MAX), &mut bullets);
                    }
                }
            }
        }
        // Else sentences.
        if bullets.len() < 3 {
            for doc in &pages {
                for block in &doc.blocks {
                    if block.kind != BlockKind::Paragraph {
                        continue;
                    }
                    for sentence in sentences(&block.text) {
                        if is_substantive(sentence) {
                            add(clip(sentence, BULLET_MAX), &mut bullets);
                        }
                    }
                }
            }
        }
        bullets
    }
}

/// A sentence up to its first comma, semicolon, dash or "and", when that is a clause of its own
/// (four words or more), without closing punctuation.
fn first_clause(sentence: &str) -> Option<&str> {
    let end = [", ", "; ", " — ", " – ", " - ", " and "]
        .iter()
        .filter_map(|sep| sentence.find(sep))
        .min()?;
    let clause = sentence[..end].trim();
    (word_count(clause) >= 4).then_some(clause)
}

/// "Plan routes" → "plan routes", but "AWS" stays.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}
