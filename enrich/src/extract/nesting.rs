//! A guard against deeply nested markup: tags nested deeper than [`MAX_DEPTH`] are
//! removed before the page is parsed, so a hostile page cannot make parsing slow.

use std::borrow::Cow;

/// Deeper than this, tags are dropped before parsing (their text stays). The HTML tree
/// builder checks the stack of open elements for each tag, so its work grows with depth ×
/// tags: 100,000 nested `<div>`s would take minutes. Chromium's parser stops nesting at
/// 512 too.
pub const MAX_DEPTH: usize = 512;

/// Elements that have no end tag or whose end tag is implied: they do not nest.
#[rustfmt::skip]
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "param", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "thead",
    "tbody", "tfoot", "option", "optgroup", "rt", "rp", "colgroup", "html", "head", "body",
];

/// Elements whose content is text, not markup.
#[rustfmt::skip]
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    "plaintext",
];

/// The HTML with the start and end tags nested deeper than [`MAX_DEPTH`] removed, by a
/// linear scan of the tags (a page within the limit comes back as it is).
pub(super) fn limit_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut foreign = 0usize;
    let mut drops: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(offset) = html.get(i..).and_then(|rest| rest.find('<')) {
        let start = i + offset;
        let after = &bytes[start + 1..];
        if after.starts_with(b"!--") {
            i = html[start + 4..]
                .find("-->")
                .map_or(html.len(), |end| start + 4 + end + 3);
            continue;
        }
        if after.first().is_some_and(|b| matches!(b, b'!' | b'?')) {
            i = tag_end(bytes, start + 1);
            continue;
        }
        let closing = after.first() == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(bytes, name_start + name_len);
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            i = find_end_tag(html, end, &name);
            continue;
        }
        if matches!(name.as_str(), "svg" | "math") {
            foreign = if closing {
                foreign.saturating_sub(1)
            } else {
                foreign + 1
            };
        }
        // "<x/>" closes itself only in SVG and MathML; in HTML the slash is ignored.
        let self_closing = foreign > 0 && html[..end].ends_with("/>");
        if !NOT_NESTING.contains(&name.as_str()) && !self_closing {
            if closing {
                if depth > MAX_DEPTH {
                    drops.push((start, end));
                }
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                if depth > MAX_DEPTH {
                    drops.push((start, end));
                }
            }
        }
        i = end;
    }
    if drops.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (start, end) in drops {
        out.push_str(&html[last..start]);
        last = end;
    }
    out.push_str(&html[last..]);
    Cow::Owned(out)
}

/// Just after the `>` that ends the tag whose attributes start at `from` (quotes
/// respected), or the end of the text.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (offset, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return offset + 1,
            None => {}
        }
    }
    bytes.len()
}

/// Where the end tag `</name` of a raw text element starts, from `from`, or the end.
fn find_end_tag(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(offset) = html.get(i..).and_then(|rest| rest.find("</")) {
        let at = i + offset;
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return at;
        }
        i = at + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_pages_are_not_rewritten() {
        let html = "<html><body><div><p>a<p>b<ul><li>c<li>d</ul><svg><path/><path/></svg>\
                    <script>if (a <div) {}</script><!-- <div> --></div></body></html>";
        assert!(matches!(limit_nesting(html), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_limit() {
        let n = MAX_DEPTH + 100;
        let html = "<div class=\"a>b\">".repeat(n) + "text" + &"</div>".repeat(n);
        let limited = limit_nesting(&html);
        assert_eq!(limited.matches("<div").count(), MAX_DEPTH);
        assert_eq!(limited.matches("</div>").count(), MAX_DEPTH);
        assert!(limited.contains(">text<"));
    }
}
