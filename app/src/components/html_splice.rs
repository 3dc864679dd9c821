//! A large block of server-rendered HTML goes into the response once, past Leptos'
//! render pipeline.
//!
//! Why: a queue page's 100 rows are ~46 KB of HTML in one `inner_html`. On its way out,
//! Leptos copies that text about ten times (into an `Arc<str>`, into growing chunk
//! buffers, through collect, join, the `<head>` injection and the body frames); those
//! copies and their allocations were a fifth of the server's CPU on the page. Here the
//! block is set aside as `Bytes`, a short marker renders in its place, and the
//! `html_splice` middleware (src/http/html_splice.rs) puts the block back into the
//! finished response without copying it.
//!
//! The marker carries a random id made per block, so no text a user wrote can pose as
//! one. Where no middleware is listening (the browser, the fallback error page, a test
//! rendering a view on its own) the HTML is used inline, as before.

use std::sync::Arc;

/// The HTML `render` makes from `source`, or (server-side, in a page whose response
/// the splice middleware finishes) a marker it replaces with that HTML.
///
/// On the server Leptos builds a `Suspense`'s children more than once for one page
/// (walking them again to catch late resources, then rendering them), so the HTML is
/// made once per `source`: the same `Arc` gets the same marker, and `render` runs once.
pub fn spliced<K>(source: &Arc<K>, render: impl FnOnce() -> String) -> String
where
    K: ?Sized + Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    if let Some(splices) = ssr::current() {
        return splices.set_aside(source, render);
    }
    let _ = source;
    render()
}

/// `html`, set aside like [`spliced`]'s blocks when a middleware is listening. For
/// HTML made afresh each time Leptos builds the view (no `Arc` to know it by): the same
/// text set aside again is the block it already is, so building twice makes one block.
pub fn spliced_text(html: String) -> String {
    #[cfg(feature = "ssr")]
    if let Some(splices) = ssr::current() {
        return splices.set_aside_text(html);
    }
    html
}

#[cfg(feature = "ssr")]
pub use ssr::HtmlSplices;
#[cfg(feature = "ssr")]
pub(crate) use ssr::current;

#[cfg(feature = "ssr")]
mod ssr {
    use std::any::Any;
    use std::sync::{Arc, Mutex, PoisonError};

    use axum::body::Bytes;
    use axum::http::request::Parts;
    use leptos::prelude::with_context;

    /// The blocks a page set aside, each with the marker standing in for it. The
    /// middleware puts one in the request's extensions; the page finds it there.
    #[derive(Clone, Default)]
    pub struct HtmlSplices(Arc<Mutex<Vec<Block>>>);

    struct Block {
        /// A clone of the source's `Arc`: it keeps the source alive, so no other value
        /// can take its address while the page renders.
        source: Box<dyn Any + Send + Sync>,
        marker: String,
        html: Bytes,
    }

    impl HtmlSplices {
        /// Keeps the HTML `render` makes from `source` for the response, and returns the
        /// marker to render instead: the one given before, if `source` was seen already.
        pub fn set_aside<K>(&self, source: &Arc<K>, render: impl FnOnce() -> String) -> String
        where
            K: ?Sized + Send + Sync + 'static,
        {
            let mut blocks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = blocks.iter().find(|block| {
                block
                    .source
                    .downcast_ref::<Arc<K>>()
                    .is_some_and(|seen| Arc::ptr_eq(seen, source))
            });
            if let Some(block) = seen {
                return block.marker.clone();
            }
            let marker = format!("<!--splice:{}-->", uuid::Uuid::new_v4().simple());
            blocks.push(Block {
                source: Box::new(Arc::clone(source)),
                marker: marker.clone(),
                html: Bytes::from(render()),
            });
            marker
        }

        /// Keeps `html` for the response and returns the marker to render instead: the
        /// one given before, if the same text was set aside already.
        pub fn set_aside_text(&self, html: String) -> String {
            let mut blocks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = blocks.iter().find(|block| {
                block.source.is::<TextBlock>() && block.html.as_ref() == html.as_bytes()
            });
            if let Some(block) = seen {
                return block.marker.clone();
            }
            let marker = format!("<!--splice:{}-->", uuid::Uuid::new_v4().simple());
            blocks.push(Block {
                source: Box::new(TextBlock),
                marker: marker.clone(),
                html: Bytes::from(html),
            });
            marker
        }

        /// Keeps the bytes `make` gives for `part` of read `reading` (see
        /// `reading_memo`) and returns the marker to render instead: the one given
        /// before, without calling `make`, if this request set that part aside already
        /// (Leptos building the view a second time) — whether or not the shared memo
        /// still holds it.
        pub fn set_aside_part(
            &self,
            reading: u64,
            part: &'static str,
            make: impl FnOnce() -> Bytes,
        ) -> String {
            let mut blocks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = blocks.iter().find(|block| {
                block
                    .source
                    .downcast_ref::<ReadingPart>()
                    .is_some_and(|seen| seen.0 == reading && seen.1 == part)
            });
            if let Some(block) = seen {
                return block.marker.clone();
            }
            let marker = format!("<!--splice:{}-->", uuid::Uuid::new_v4().simple());
            blocks.push(Block {
                source: Box::new(ReadingPart(reading, part)),
                marker: marker.clone(),
                html: make(),
            });
            marker
        }

        /// Every block set aside so far, with its marker, leaving none.
        pub fn take(&self) -> Vec<(String, Bytes)> {
            let mut blocks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            blocks
                .drain(..)
                .map(|block| (block.marker, block.html))
                .collect()
        }
    }

    /// What a block set aside by its text is known by: the text itself.
    struct TextBlock;

    /// What a block drawn for a read of the figures is known by: the read and the part.
    struct ReadingPart(u64, &'static str);

    /// The splices of the request being rendered, if its response will be spliced.
    pub(crate) fn current() -> Option<HtmlSplices> {
        with_context::<Parts, _>(|parts| parts.extensions.get::<HtmlSplices>().cloned()).flatten()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn each_source_gets_its_own_unguessable_marker_and_is_rendered_once() {
            let splices = HtmlSplices::default();
            let (one, two): (Arc<[i32]>, Arc<[i32]>) = (Arc::from([1]), Arc::from([2]));
            let first = splices.set_aside(&one, || "<tr>one</tr>".into());
            let second = splices.set_aside(&two, || "<tr>two</tr>".into());
            assert_ne!(first, second);
            assert!(first.starts_with("<!--splice:") && first.ends_with("-->"));
            // 32 hex digits of a v4 UUID: 122 random bits.
            assert_eq!(first.len(), "<!--splice:-->".len() + 32);
            // The same source again (Leptos building the view a second time): the same
            // marker, and nothing rendered.
            let again = splices.set_aside(&Arc::clone(&one), || panic!("rendered twice"));
            assert_eq!(again, first);
            // Equal contents in another allocation are another source.
            let copy: Arc<[i32]> = Arc::from([1]);
            let third = splices.set_aside(&copy, || "<tr>copy</tr>".into());
            assert_ne!(third, first);
            let taken = splices.take();
            assert_eq!(
                taken,
                vec![
                    (first, Bytes::from_static(b"<tr>one</tr>")),
                    (second, Bytes::from_static(b"<tr>two</tr>")),
                    (third, Bytes::from_static(b"<tr>copy</tr>")),
                ]
            );
            assert!(splices.take().is_empty());
        }

        #[test]
        fn the_same_text_is_one_block_and_other_text_another() {
            let splices = HtmlSplices::default();
            let first = splices.set_aside_text("<svg>1</svg>".into());
            assert_eq!(splices.set_aside_text("<svg>1</svg>".into()), first);
            let other = splices.set_aside_text("<svg>2</svg>".into());
            assert_ne!(other, first);
            // An `Arc` source with the same text is its own block.
            let source: Arc<str> = Arc::from("x");
            let by_source = splices.set_aside(&source, || "<svg>1</svg>".into());
            assert_ne!(by_source, first);
            assert_eq!(splices.take().len(), 3);
        }

        #[test]
        fn a_part_of_a_read_is_one_block_per_request_made_once() {
            let splices = HtmlSplices::default();
            let first =
                splices.set_aside_part(7, "chart-a", || Bytes::from_static(b"<svg>a</svg>"));
            // Built again: the same block, and nothing made (the shared memo may have
            // dropped the part meanwhile: the request does not depend on it).
            let again = splices.set_aside_part(7, "chart-a", || panic!("made twice"));
            assert_eq!(again, first);
            let other_part = splices.set_aside_part(7, "chart-b", || Bytes::from_static(b"b"));
            let other_read = splices.set_aside_part(8, "chart-a", || Bytes::from_static(b"8"));
            assert_ne!(other_part, first);
            assert_ne!(other_read, first);
            assert_eq!(splices.take().len(), 3);
        }

        #[test]
        fn without_a_listening_middleware_the_html_stays_inline() {
            let source = Arc::new(());
            assert_eq!(
                super::super::spliced(&source, || "<tr>kept</tr>".into()),
                "<tr>kept</tr>"
            );
        }
    }
}
