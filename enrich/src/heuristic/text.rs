//! Text helpers shared by the signals, the summary and the keywords: sentences, word
//! counts, excerpts clipped for evidence.

use crate::extract::Document;
use crate::types::Evidence;

/// Longest evidence excerpt, in characters.
pub const EXCERPT_MAX: usize = 200;

/// At most `max` characters, cut at a word where possible, with "…" when cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '—' | '–' | '(')
    });
    format!("{cut}…")
}

fn excerpt(text: &str) -> String {
    clip(text, EXCERPT_MAX)
}

pub(super) fn evidence(doc: &Document, text: &str) -> Evidence {
    Evidence {
        url: doc.url.to_string(),
        excerpt: excerpt(text),
    }
}

#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "inc", "ltd", "co", "corp", "e.g", "i.e", "mr", "mrs", "ms", "dr", "st", "vs", "no",
    "jr", "sr", "approx", "u.s",
];

/// The sentences of a line.
pub(super) fn sentences(line: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &(pos, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let ends = match chars.get(i + 1).map(|x| x.1) {
            None => true,
            Some(next) if next.is_whitespace() => chars.get(i + 2).is_none_or(|&(_, a)| {
                a.is_uppercase() || a.is_ascii_digit() || matches!(a, '"' | '“' | '‘' | '(')
            }),
            Some(next) => matches!(next, '"' | '”' | '’' | ')'),
        };
        if !ends {
            continue;
        }
        let before = &line[start..pos];
        let last_word = before
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if c == '.' && ABBREVIATIONS.contains(&last_word.as_str()) {
            continue;
        }
        let end = pos + c.len_utf8();
        let sentence = line[start..end].trim();
        if !sentence.is_empty() {
            out.push(sentence);
        }
        start = end;
    }
    let rest = line[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Every sentence of every line of the docs, with its page.
pub(super) fn all_sentences<'d>(docs: &[&'d Document]) -> Vec<(&'d Document, &'d str)> {
    docs.iter()
        .flat_map(|doc| {
            doc.lines()
                .flat_map(sentences)
                .map(move |s| (*doc, s))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub(super) fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Looks like a sentence of prose rather than a label or a button.
pub(super) fn is_substantive(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    word_count(sentence) >= 8
        && !sentence.ends_with('?')
        && ![
            "cookie",
            "©",
            "rights reserved",
            "javascript",
            "subscribe",
            "newsletter",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Lowercase words without punctuation, one space apart: for comparing lines.
pub(super) fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
