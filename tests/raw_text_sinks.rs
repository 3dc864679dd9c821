#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The places where HTML is not escaped for us, kept to the ones that were checked.
//!
//! Leptos writes the children of `<textarea>` and the page `<title>` verbatim on the
//! server, and `inner_html` verbatim everywhere (app/src/components/escape.rs says why).
//! A new text area with text children, a second `<Title formatter>`, or a new
//! `inner_html` fails here until it goes through the escaping helpers or is added to the
//! list below with the reason it is safe. tests/escaping.rs checks the rendered pages.

mod common;

use std::path::PathBuf;

/// The app's sources and the server's.
fn sources() -> Vec<(PathBuf, String)> {
    let mut files = common::sources::rust_files("app/src");
    files.extend(common::sources::rust_files("src"));
    assert!(files.len() > 50, "found only {} source files", files.len());
    files
}

/// Source without `//` comments (sinks named in prose are not sinks).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn text_areas_get_their_text_only_through_the_escaping_helper() {
    let mut seen = 0;
    for (path, text) in sources() {
        let code = code(&text);
        let mut rest = code.as_str();
        while let Some(start) = rest.find("<textarea") {
            let element = &rest[start..];
            let end = element
                .find("</textarea>")
                .unwrap_or_else(|| panic!("{}: <textarea> without </textarea>", path.display()));
            let element = &element[..end];
            seen += 1;
            assert!(
                element.trim_end().ends_with('>'),
                "{}: a <textarea> has children; give it inner_html=textarea_html(..) instead:\n{element}",
                path.display()
            );
            if let Some(at) = element.find("inner_html=") {
                assert!(
                    element[at..].starts_with("inner_html=textarea_html("),
                    "{}: a <textarea>'s inner_html must be textarea_html(..):\n{element}",
                    path.display()
                );
            }
            rest = &rest[start + end..];
        }
    }
    assert!(seen >= 4, "found {seen} text areas");
}

#[test]
fn one_title_formatter_escapes_every_page_title() {
    let mut formatters = Vec::new();
    for (path, text) in sources() {
        for line in code(&text).lines() {
            if line.contains("<Title") && line.contains("formatter") {
                formatters.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    assert_eq!(formatters.len(), 1, "{formatters:?}");
    assert!(
        formatters[0].contains("formatter=crate::components::escape::page_title"),
        "{formatters:?}"
    );
}

#[test]
fn every_inner_html_is_one_that_was_checked() {
    // (file, expression, why it is safe)
    let allowed = [
        (
            "case_table.rs",
            "inner_html=body>",
            "queue rows built with escape_into for every text (tested in case_table.rs)",
        ),
        (
            "comment_thread.rs",
            "inner_html=comment.body_html.clone()>",
            "Markdown rendered on the server and sanitised by ammonia (server/markdown.rs)",
        ),
        (
            "comment_thread.rs",
            "inner_html=textarea_html(&body)>",
            "escaped",
        ),
        (
            "comment_thread.rs",
            "inner_html=textarea_html(returned.as_deref().unwrap_or_default())>",
            "escaped",
        ),
        (
            "company.rs",
            "inner_html=textarea_html(&first.body)>",
            "escaped",
        ),
        (
            "new_case.rs",
            "inner_html=textarea_html(&typed(\"comment\"))>",
            "escaped",
        ),
        (
            "contact.rs",
            "inner_html=textarea_html(&typed(\"message\"))>",
            "escaped",
        ),
        (
            "admin_inquiry.rs",
            "inner_html=textarea_html(&intro)>",
            "escaped",
        ),
        (
            "contractors.rs",
            "inner_html=cards_markup",
            "directory cards built with escape_into for every text (tested in portrait.rs)",
        ),
        (
            "series_bars.rs",
            "inner_html=markup>",
            "the chart built with escape_into for every text (tested in series_bars.rs), drawn once per read of the figures (reading_memo.rs)",
        ),
        (
            "company.rs",
            "inner_html=move || shown().body_html>",
            "a note's Markdown rendered by server::markdown (pulldown-cmark, then ammonia's allow-list; tested in markdown.rs and tests/company_edit.rs)",
        ),
        (
            "portrait.rs",
            "inner_html=portrait_markup>",
            "the photo's URLs are digits and hex, the name escaped (tested in portrait.rs)",
        ),
    ];
    let mut found = Vec::new();
    for (path, text) in sources() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for line in code(&text).lines() {
            if let Some(at) = line.find("inner_html=") {
                let expression = line[at..].split("</").next().unwrap_or_default().trim();
                found.push((name.clone(), expression.to_string()));
            }
        }
    }
    for (file, expression) in &found {
        assert!(
            allowed
                .iter()
                .any(|(f, e, _)| f == file && expression.starts_with(e)),
            "{file}: unchecked {expression}"
        );
    }
    assert_eq!(found.len(), allowed.len(), "{found:?}");
}

#[test]
fn no_view_writes_a_script_or_style_element() {
    // Their children would be written verbatim; the app needs none (no inline
    // script but the one below, which the CSP admits by its nonce; styles come from the
    // stylesheet). A script that only names a file of the app (`<script src=… >
    // </script>`, nothing inside) has no children to write. The one inline script is
    // the hydration start (components/hydration_start.rs): a constant and the JSON of
    // the build's file names, nothing from a request or the database.
    for (path, text) in sources() {
        let code = code(&text);
        // Test modules quote payloads; only views matter.
        let views = code.split("#[cfg(test)]").next().unwrap_or_default();
        let start = path.ends_with("components/hydration_start.rs");
        for tag in views.split("<script").skip(1) {
            let (attributes, rest) = tag.split_once('>').unwrap_or((tag, ""));
            let the_start_script = start
                && attributes.contains("nonce=leptos::nonce::use_nonce()")
                && rest.starts_with("{script}</script>");
            assert!(
                the_start_script
                    || (attributes.contains("src=\"/") && rest.starts_with("</script>")),
                "{}: a view writes <script{attributes}>{}",
                path.display(),
                rest.chars().take(40).collect::<String>()
            );
        }
        for needle in ["<style", "<noscript"] {
            assert!(
                !views.contains(needle),
                "{}: a view writes {needle}",
                path.display()
            );
        }
    }
}
