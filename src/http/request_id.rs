//! A request id a client sends (`X-Request-Id`) is kept — it ties our logs to theirs —
//! only when it looks like one: at most 64 characters of letters, digits, `-`, `_`,
//! `.` and `:`. Anything else is dropped and the request gets an id of ours, so a
//! client cannot put arbitrary text into every log line and the System page.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

const MAX_LEN: usize = 64;

pub async fn keep_only_sane(mut request: Request, next: Next) -> Response {
    let sane = request
        .headers()
        .get("x-request-id")
        .map(|value| is_sane(value.as_bytes()));
    if sane == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

fn is_sane(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_look_like_ids_are_kept() {
        assert!(is_sane(b"trace-me-123"));
        assert!(is_sane(b"0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_sane(b""));
        assert!(!is_sane("x".repeat(65).as_bytes()));
        assert!(!is_sane(b"<script>alert(1)</script>"));
        assert!(!is_sane(b"id with spaces"));
        assert!(!is_sane("caf\u{e9}".as_bytes()));
    }
}
