//! A contractor's photo, or their initials when there is none; and the directory's
//! grid of cards, written as HTML text in one pass.
//!
//! Why text: the directory's 48 cards through Leptos' view pipeline (a component, a
//! dozen attributes and three `format!`s each, then the copies on the way out) cost
//! the page most of its server CPU. Pushed onto one `String` and spliced into the
//! response (`spliced`, as the work queue's rows are), the same markup costs a
//! fraction. The cards are links and nothing else: no event, nothing to hydrate.

use leptos::prelude::*;

use super::escape::escape_into;
use crate::model::{ContractorCard, PhotoRef};

/// Classes, not a style attribute: the CSP allows no inline styles.
fn box_class(size: i32) -> &'static str {
    if size >= 200 {
        "h-60 w-60"
    } else {
        "h-20 w-20"
    }
}

/// A contractor's photo at `size` CSS pixels (a square, cropped to fill), from the
/// smallest stored width that is sharp at 2×, or their initials when there is none.
#[component]
pub fn Portrait(card: ContractorCard, size: i32) -> impl IntoView {
    let mut portrait_markup = String::with_capacity(600);
    push_portrait(&mut portrait_markup, &card, size);
    view! { <div inner_html=portrait_markup></div> }
}

/// The `<img>` (lazy, with `srcset` over the thumbnails) or the initials, onto `out`.
pub fn push_portrait(out: &mut String, card: &ContractorCard, size: i32) {
    let mut digits = itoa::Buffer::new();
    let size_text = digits.format(size).to_string();
    match &card.photo {
        Some(photo) => {
            out.push_str(r#"<img src=""#);
            push_photo_url(out, photo, card.id, photo.fitting(size * 2));
            out.push_str(r#"" srcset=""#);
            for width in &photo.thumbs {
                push_photo_url(out, photo, card.id, Some(*width));
                out.push(' ');
                out.push_str(digits.format(*width));
                out.push_str("w, ");
            }
            push_photo_url(out, photo, card.id, None);
            out.push(' ');
            out.push_str(digits.format(photo.width));
            out.push_str(r#"w" sizes=""#);
            out.push_str(&size_text);
            out.push_str(r#"px" width=""#);
            out.push_str(&size_text);
            out.push_str(r#"" height=""#);
            out.push_str(&size_text);
            out.push_str(r#"" loading="lazy" decoding="async" alt="Photo of "#);
            escape_into(&card.name, out);
            out.push_str(r#"" class=""#);
            out.push_str(box_class(size));
            out.push_str(r#" mx-auto rounded-full bg-slate-100 object-cover dark:bg-slate-800">"#);
        }
        None => {
            out.push_str(r#"<span aria-hidden="true" data-testid="initials" class=""#);
            out.push_str(box_class(size));
            out.push_str(r#" mx-auto flex items-center justify-center rounded-full bg-indigo-100 text-xl font-semibold text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">"#);
            escape_into(&card.initials(), out);
            out.push_str("</span>");
        }
    }
}

/// [`PhotoRef::url`], pushed (the hash and id are digits and hex: nothing to escape).
fn push_photo_url(out: &mut String, photo: &PhotoRef, id: i64, width: Option<i32>) {
    let mut digits = itoa::Buffer::new();
    out.push_str("/contractors/");
    out.push_str(digits.format(id));
    out.push_str("/photo/");
    match width {
        Some(width) => out.push_str(digits.format(width)),
        None => out.push_str("original"),
    }
    out.push_str("?v=");
    out.push_str(photo.short_hash());
}

/// The directory's cards as HTML: each a link to the contractor with their portrait,
/// name, trade and place. About 800 bytes a card.
pub fn cards_html(cards: &[ContractorCard]) -> String {
    let mut out = String::with_capacity(cards.len() * 1024);
    let mut digits = itoa::Buffer::new();
    for card in cards {
        out.push_str(r#"<li data-testid="contractor-card" class="rounded-lg border border-slate-200 bg-white p-4 text-center shadow-sm focus-within:ring-2 focus-within:ring-indigo-500 dark:border-slate-800 dark:bg-slate-900"><a href="/contractors/"#);
        out.push_str(digits.format(card.id));
        out.push_str(r#"" class="block focus:outline-none">"#);
        push_portrait(&mut out, card, 80);
        out.push_str(r#"<p class="mt-3 truncate font-medium text-slate-900 dark:text-slate-100">"#);
        escape_into(&card.name, &mut out);
        out.push_str(r#"</p><p class="truncate text-sm text-slate-600 dark:text-slate-400">"#);
        if let Some(trade) = &card.trade {
            escape_into(trade, &mut out);
        }
        out.push_str(r#"</p><p class="truncate text-xs text-slate-500 dark:text-slate-400">"#);
        let mut parts = [&card.city, &card.region].into_iter().flatten();
        if let Some(first) = parts.next() {
            escape_into(first, &mut out);
            for more in parts {
                out.push_str(", ");
                escape_into(more, &mut out);
            }
        }
        out.push_str("</p>");
        if card.archived {
            out.push_str(r#"<p class="mt-1 text-xs font-medium text-amber-800 dark:text-amber-300">Removed from Zoho</p>"#);
        }
        out.push_str("</a></li>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(name: &str, photo: Option<PhotoRef>) -> ContractorCard {
        ContractorCard {
            id: 42,
            name: name.to_string(),
            trade: Some("Electrician".into()),
            city: Some("Leeds".into()),
            region: Some("West <Yorkshire>".into()),
            status: None,
            archived: true,
            photo,
        }
    }

    #[test]
    fn a_card_escapes_what_it_shows_and_links_its_photo_sizes() {
        let photo = PhotoRef {
            hash: "0123456789abcdef0123".into(),
            width: 900,
            height: 1200,
            thumbs: vec![160, 480],
        };
        let html = cards_html(&[card("Ada \"<b>\" O'Hara", Some(photo))]);
        assert!(html.contains(r#"href="/contractors/42""#), "{html}");
        assert!(
            html.contains("Ada &quot;&lt;b&gt;&quot; O&#39;Hara"),
            "{html}"
        );
        assert!(
            html.contains("alt=\"Photo of Ada &quot;&lt;b&gt;&quot; O&#39;Hara\""),
            "{html}"
        );
        assert!(html.contains("Leeds, West &lt;Yorkshire&gt;"), "{html}");
        assert!(html.contains("Removed from Zoho"));
        // The smallest thumbnail sharp at 2× for 80 px, and every size in the srcset.
        assert!(
            html.contains(r#"src="/contractors/42/photo/160?v=0123456789abcdef""#),
            "{html}"
        );
        assert!(html.contains(
            r#"srcset="/contractors/42/photo/160?v=0123456789abcdef 160w, /contractors/42/photo/480?v=0123456789abcdef 480w, /contractors/42/photo/original?v=0123456789abcdef 900w""#
        ), "{html}");
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn without_a_photo_the_initials_show() {
        let html = cards_html(&[card("grace hopper", None)]);
        assert!(html.contains(r#"data-testid="initials""#));
        assert!(html.contains(">GH</span>"), "{html}");
        assert!(!html.contains("<img"));
    }
}
