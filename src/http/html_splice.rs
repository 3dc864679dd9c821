//! Puts the blocks of HTML a page set aside (`app::components::spliced`) back into its
//! finished response, in place of their markers, without copying them.
//!
//! The response becomes a list of `Bytes`: the text before a marker, the block, the
//! text after. hyper writes such a list with vectored writes, so a block's bytes are
//! copied only by the kernel. The page's length is known then, so it goes out with a
//! `Content-Length` rather than chunked.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

use app::components::HtmlSplices;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use memchr::memmem;

/// Blocks set aside and never rendered, since the process started: each is HTML made
/// for nothing (a view built twice with a new source each time, say). Zero on every
/// page (tests/escaping.rs walks them all).
static UNUSED: AtomicU64 = AtomicU64::new(0);

pub fn unused_blocks() -> u64 {
    UNUSED.load(Ordering::Relaxed)
}

pub async fn html_splice(mut request: Request, next: Next) -> Response {
    let splices = HtmlSplices::default();
    request.extensions_mut().insert(splices.clone());
    // For the log, should a block go unused.
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    // A page registers its blocks while it renders, which is done by the time its
    // response starts: Leptos awaits the first chunk, and these pages render whole.
    let blocks = splices.take();
    if blocks.is_empty() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut chunks = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => chunks.push(chunk),
            Err(error) => {
                tracing::error!(%error, "page body failed before its blocks were spliced in");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    // The page's path goes with anything `splice` logs.
    let chunks = tracing::warn_span!("html_splice", path).in_scope(|| splice(chunks, blocks));
    let length: usize = chunks.iter().map(Bytes::len).sum();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let body = Body::from_stream(futures::stream::iter(
        chunks.into_iter().map(Ok::<_, Infallible>),
    ));
    Response::from_parts(parts, body)
}

/// `chunks` with each block's marker (its first occurrence) replaced by the block.
/// A marker the page never rendered (it failed, say) leaves nothing to replace.
fn splice(mut chunks: Vec<Bytes>, blocks: Vec<(String, Bytes)>) -> Vec<Bytes> {
    for (marker, block) in blocks {
        let found = find(&chunks, &marker).or_else(|| {
            // The marker straddles two chunks. Leptos hands a page over as a whole, so
            // this does not happen today; if it ever does, one copy makes it whole.
            let whole: Vec<u8> = chunks.concat();
            chunks = vec![Bytes::from(whole)];
            find(&chunks, &marker)
        });
        let Some((index, at)) = found else {
            UNUSED.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                bytes = block.len(),
                "a page set aside a block of HTML but rendered no marker for it"
            );
            continue;
        };
        let chunk = chunks[index].clone();
        chunks.splice(
            index..=index,
            [chunk.slice(..at), block, chunk.slice(at + marker.len()..)]
                .into_iter()
                .filter(|part| !part.is_empty()),
        );
    }
    chunks
}

/// The chunk holding `marker`, and where in it.
fn find(chunks: &[Bytes], marker: &str) -> Option<(usize, usize)> {
    let finder = memmem::Finder::new(marker.as_bytes());
    chunks
        .iter()
        .enumerate()
        .find_map(|(index, chunk)| finder.find(chunk).map(|at| (index, at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(chunks: &[Bytes]) -> String {
        String::from_utf8(chunks.concat()).expect("utf-8")
    }

    fn block(html: &'static str) -> Bytes {
        Bytes::from_static(html.as_bytes())
    }

    #[test]
    fn a_marker_inside_a_chunk_is_replaced_by_its_block_uncopied() {
        let rows = block("<tr>1</tr><tr>2</tr>");
        let chunks = vec![
            Bytes::from("<tbody><!--splice:a--></tbody>"),
            Bytes::from("<script>data</script>"),
        ];
        let out = splice(chunks, vec![("<!--splice:a-->".into(), rows.clone())]);
        assert_eq!(
            text(&out),
            "<tbody><tr>1</tr><tr>2</tr></tbody><script>data</script>"
        );
        // The block itself is one of the pieces: the same memory, not a copy of it.
        assert!(out.iter().any(|piece| piece.as_ptr() == rows.as_ptr()));
    }

    #[test]
    fn markers_at_the_edges_leave_no_empty_pieces() {
        let out = splice(
            vec![Bytes::from("<!--splice:a-->")],
            vec![("<!--splice:a-->".into(), block("rows"))],
        );
        assert_eq!(out, vec![block("rows")]);
    }

    #[test]
    fn several_blocks_each_take_their_own_place() {
        let out = splice(
            vec![Bytes::from("<a><!--splice:1--></a><b><!--splice:2--></b>")],
            vec![
                ("<!--splice:2-->".into(), block("two")),
                ("<!--splice:1-->".into(), block("one")),
            ],
        );
        assert_eq!(text(&out), "<a>one</a><b>two</b>");
    }

    #[test]
    fn only_the_first_occurrence_is_replaced() {
        let out = splice(
            vec![Bytes::from("<!--splice:a-->|<!--splice:a-->")],
            vec![("<!--splice:a-->".into(), block("rows"))],
        );
        assert_eq!(text(&out), "rows|<!--splice:a-->");
    }

    #[test]
    fn a_marker_split_across_chunks_is_still_found() {
        let out = splice(
            vec![
                Bytes::from("<tbody><!--spl"),
                Bytes::from("ice:a--></tbody>"),
            ],
            vec![("<!--splice:a-->".into(), block("rows"))],
        );
        assert_eq!(text(&out), "<tbody>rows</tbody>");
    }

    #[test]
    fn a_missing_marker_changes_nothing() {
        let chunks = vec![Bytes::from("<p>failed</p>")];
        let out = splice(
            chunks.clone(),
            vec![("<!--splice:a-->".into(), block("rows"))],
        );
        assert_eq!(text(&out), text(&chunks));
    }
}
