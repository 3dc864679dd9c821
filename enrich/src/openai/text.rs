//! Text made fit to send and to keep: whitespace collapsed, lengths capped in
//! characters (never splitting one).

pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, ending with "…" when cut.
pub(super) fn cap_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut = take_chars(text, max.saturating_sub(1))
        .trim_end()
        .to_owned();
    cut.push('…');
    cut
}

pub(super) fn take_chars(text: &str, count: usize) -> &str {
    match text.char_indices().nth(count) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
