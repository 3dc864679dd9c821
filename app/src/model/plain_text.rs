//! A comment's Markdown as one line of plain words, for the places that show a glimpse
//! of it rather than the rendered comment: the queue's last-comment line, a
//! notification's excerpt. `**Refund** sent, see [the order](https://…)` reads
//! "Refund sent, see the order", not its markup.
//!
//! A glimpse, not a renderer: block markers (headings, quotes, list bullets, fences)
//! and emphasis marks go, links keep their text, code keeps its content. An `_` or `*`
//! inside a word (snake_case, 2*3) stays.

/// `source` as plain words on one line.
pub fn markdown_glimpse(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let line = block_content(line);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        push_inline(line, &mut out);
    }
    // Marks removed may leave doubled spaces.
    let mut flat = String::with_capacity(out.len());
    for word in out.split_whitespace() {
        if !flat.is_empty() {
            flat.push(' ');
        }
        flat.push_str(word);
    }
    flat
}

/// The line without its block markers: quote bars, a heading's hashes, a list bullet
/// or number, a code fence.
fn block_content(line: &str) -> &str {
    let mut rest = line.trim();
    loop {
        let before = rest;
        if let Some(quoted) = rest.strip_prefix('>') {
            rest = quoted.trim_start();
        }
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && rest[hashes..].starts_with(' ') {
            rest = rest[hashes..].trim_start();
        }
        for bullet in ["- ", "* ", "+ "] {
            if let Some(item) = rest.strip_prefix(bullet) {
                rest = item.trim_start();
            }
        }
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && (rest[digits..].starts_with(". ") || rest[digits..].starts_with(") ")) {
            rest = rest[digits + 2..].trim_start();
        }
        if rest.starts_with("```") || rest.starts_with("~~~") {
            rest = "";
        }
        if ["---", "***", "___"].contains(&rest) {
            rest = "";
        }
        if rest == before {
            return rest;
        }
    }
}

/// Emphasis and code marks dropped, links as their text.
fn push_inline(line: &str, out: &mut String) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match c {
            // `![alt](url)` and `[text](url)`: the text.
            '!' if next == Some('[') => {}
            '[' => {
                if let Some((text_end, url_end)) = link_at(&chars, i) {
                    push_inline(&chars[i + 1..text_end].iter().collect::<String>(), out);
                    i = url_end + 1;
                    continue;
                }
                out.push(c);
            }
            '`' => {}
            '~' if next == Some('~') || prev == Some('~') => {}
            '*' | '_' => {
                // Inside a word (snake_case, 2*3) it is text; at a word's edge, a mark.
                let inside = prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                if inside {
                    out.push(c);
                }
            }
            '<' if line[char_offset(&chars, i)..].starts_with("<http") => {
                // An autolink: its address, without the brackets.
                if let Some(end) = chars[i..].iter().position(|&c| c == '>') {
                    out.extend(&chars[i + 1..i + end]);
                    i += end + 1;
                    continue;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
}

/// A link starting at `start` (`[`): the index of its `]` and of its `)`.
fn link_at(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let text_end = start + chars[start..].iter().position(|&c| c == ']')?;
    if chars.get(text_end + 1) != Some(&'(') {
        return None;
    }
    let url_end = text_end + 1 + chars[text_end + 1..].iter().position(|&c| c == ')')?;
    Some((text_end, url_end))
}

fn char_offset(chars: &[char], index: usize) -> usize {
    chars[..index].iter().map(|c| c.len_utf8()).sum()
}

#[cfg(test)]
mod tests {
    use super::markdown_glimpse as glimpse;

    #[test]
    fn markup_goes_words_stay() {
        assert_eq!(
            glimpse("**Refund** sent, see [the order](https://shop.example/o/1)"),
            "Refund sent, see the order"
        );
        assert_eq!(glimpse("_quite_ ~~wrong~~ right"), "quite wrong right");
        assert_eq!(
            glimpse("> quoted\n> - item one\n- item two"),
            "quoted item one item two"
        );
        assert_eq!(glimpse("## Steps\n1. call\n2) write"), "Steps call write");
        assert_eq!(
            glimpse("run `make test`\n```\ncode\n```"),
            "run make test code"
        );
        assert_eq!(
            glimpse("![photo](x.png) <https://a.example>"),
            "photo https://a.example"
        );
        assert_eq!(glimpse("---\nafter the rule"), "after the rule");
    }

    #[test]
    fn marks_inside_words_are_text() {
        assert_eq!(glimpse("set max_retries to 2*3"), "set max_retries to 2*3");
        assert_eq!(glimpse("a [bracket] alone"), "a [bracket] alone");
        assert_eq!(glimpse("price < 5 and <b>"), "price < 5 and <b>");
        assert_eq!(glimpse("#hashtag stays"), "#hashtag stays");
        assert_eq!(glimpse("Zoë **Ørsted**"), "Zoë Ørsted");
        assert_eq!(glimpse(""), "");
    }
}
