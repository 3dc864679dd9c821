//! User text on its way into HTML, for the places Leptos does not escape it itself.
//!
//! Leptos escapes text children and attribute values, except inside the elements HTML
//! parses as raw text: Leptos 0.8 writes the children of `<textarea>` (and `<script>`,
//! `<style>`) verbatim on the server (leptos#4730 escaped textarea, #4819 reverted it for
//! breaking hydration), and `leptos_meta` writes the page `<title>` verbatim too. A case
//! title `</title><img src=x onerror=…>` would then close the element and run script in
//! whoever opens the page. So user text reaches those elements only through here:
//!
//! - page titles: the root `<Title formatter=page_title>` (lib.rs) is the one formatter
//!   every `<Title text=…>` goes through;
//! - text areas: `<textarea inner_html=textarea_html(&text)>` and never text children.
//!
//! A test over the sources (tests/raw_text_sinks.rs) keeps both rules.

/// HTML-escapes `text` onto `out`, for element content and quoted attribute values
/// alike.
pub fn escape_into(text: &str, out: &mut String) {
    // Most text has nothing to escape. This scan has no early exit, so it compiles to
    // vector compares over the whole text; then it is one copy. (A byte-at-a-time loop
    // was 7 % of a queue page's instructions.)
    let special = text.bytes().fold(false, |found, byte| {
        found | matches!(byte, b'&' | b'<' | b'>' | b'"' | b'\'')
    });
    if !special {
        out.push_str(text);
        return;
    }
    // Copies the runs between special characters whole (they are ASCII, so every
    // index here is a char boundary).
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..at]);
        out.push_str(entity);
        start = at + 1;
    }
    out.push_str(&text[start..]);
}

/// `text`, HTML-escaped.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// The `inner_html` of a `<textarea>` that shows `text`.
///
/// Escaped on both sides: the server writes it into the page, and the browser, when it
/// builds a text area itself, sets it as `innerHTML`, which a text area parses back to
/// the same text. Hydration leaves a server-rendered text area as it is (no mismatch,
/// unlike a text child, which also needs a text node that an empty area lacks).
///
/// The HTML parser drops one newline right after `<textarea>` (the fragment parser
/// behind `innerHTML` does not), so on the server a text that starts with one gets
/// another in front, and comes back whole.
pub fn textarea_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    if cfg!(feature = "ssr") && text.starts_with('\n') {
        out.push('\n');
    }
    escape_into(text, &mut out);
    out
}

/// The document title for a page's `<Title text=…>`: escaped on the server, where
/// `leptos_meta` writes it into `<title>` verbatim; as it is in the browser, where it is
/// set as `document.title`, which takes plain text.
pub fn page_title(page: String) -> String {
    let title = if page.is_empty() {
        "Casework".to_string()
    } else {
        format!("{page} · Casework")
    };
    if cfg!(feature = "ssr") {
        escaped(&title)
    } else {
        title
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_character_that_could_end_an_element_or_attribute() {
        assert_eq!(
            escaped(r#"x</textarea></title><img src=x onerror="a('1')"> & co"#),
            "x&lt;/textarea&gt;&lt;/title&gt;&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp; co"
        );
        assert_eq!(escaped("café — plain"), "café — plain");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn a_text_area_keeps_a_leading_newline_through_the_server_parser() {
        let html = textarea_html("\nsecond line <b>");
        if cfg!(feature = "ssr") {
            assert_eq!(html, "\n\nsecond line &lt;b&gt;");
        } else {
            assert_eq!(html, "\nsecond line &lt;b&gt;");
        }
        assert_eq!(textarea_html("no newline"), "no newline");
    }

    #[test]
    fn page_titles_name_the_product_and_are_escaped_on_the_server() {
        let title = page_title("#7 </title><script>".into());
        if cfg!(feature = "ssr") {
            assert_eq!(title, "#7 &lt;/title&gt;&lt;script&gt; · Casework");
        } else {
            assert_eq!(title, "#7 </title><script> · Casework");
        }
        assert_eq!(page_title(String::new()), "Casework");
    }
}
