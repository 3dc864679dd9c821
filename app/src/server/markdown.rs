//! Comment bodies: a small, safe subset of Markdown rendered to HTML on the server.
//!
//! pulldown-cmark renders (raw HTML in the source included); ammonia then cleans the
//! result like any untrusted HTML: it keeps only a short allow-list of tags and
//! attributes, drops `javascript:` and other non-web URLs, strips every `on*` handler
//! and `style`, and marks links `rel="noopener noreferrer nofollow"`. The browser is
//! only ever given the sanitised result.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::Builder;
use pulldown_cmark::{Options, Parser, html};

static SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(HashSet::from([
            "p",
            "br",
            "strong",
            "em",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "a",
            "h3",
            "h4",
            "hr",
        ]))
        .tag_attributes(std::collections::HashMap::from([(
            "a",
            HashSet::from(["href"]),
        )]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// Markdown (`**bold**`, `_em_`, `~~del~~`, lists, quotes, code, links) to safe HTML.
pub fn render(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Headings from `#` would shout in a comment thread: they come out as h3/h4 at most
    // after sanitising (h1/h2 are not on the list, so their text stays, unstyled).
    let parser = Parser::new_ext(source, options);
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    SANITISER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn formats_the_small_subset() {
        let html = render("**bold** _em_ ~~gone~~ `code`\n\n- one\n- two\n\n> quoted");
        for expected in [
            "<strong>bold</strong>",
            "<em>em</em>",
            "<del>gone</del>",
            "<code>code</code>",
            "<li>one</li>",
            "<blockquote>",
        ] {
            assert!(html.contains(expected), "{expected} missing from {html}");
        }
        assert_eq!(
            render("[docs](https://example.com/a?b=1)"),
            "<p><a href=\"https://example.com/a?b=1\" rel=\"noopener noreferrer nofollow\">docs</a></p>\n"
        );
    }

    #[test]
    fn strips_everything_that_could_run() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<p onclick=\"alert(1)\">x</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "[x](JaVaScRiPt:alert(1))",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ];
        for source in cases {
            let html = render(source).to_lowercase();
            for forbidden in [
                "<script",
                "onerror",
                "onclick",
                "onload",
                "javascript:",
                "<iframe",
                "<img",
                "<svg",
                "style=",
                "data:text",
            ] {
                assert!(!html.contains(forbidden), "{source:?} rendered {html:?}");
            }
        }
    }
}
