//! Cursor paging: a list answers one page, a `next_cursor` when there is more, and the
//! same as a `Link: <…>; rel="next"` header (RFC 8288) carrying the request's own
//! filter, so a client follows links without building URLs. Cursors are keyset
//! markers (the pages' own): rows changing meanwhile never put a row on two pages or
//! on none.

use app::model::MatchCount;
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// How many rows match the filter: exact up to a cap, then "at least".
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Total {
    pub count: u64,
    /// False when more than `count` match (counting further costs more than it tells).
    pub exact: bool,
}

impl From<MatchCount> for Total {
    fn from(count: MatchCount) -> Self {
        match count {
            MatchCount::Exact(count) => Total { count, exact: true },
            MatchCount::AtLeast(count) => Total {
                count,
                exact: false,
            },
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_cursor: Option<String>,
    /// How many match the filter (lists that count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Total>,
}

impl<T: Serialize> Page<T> {
    /// The page as an answer to the request at `path` with `query`: the body, and the
    /// `Link` to the next page.
    pub fn respond(self, path: &str, query: &[(String, String)]) -> Response {
        let link = self
            .next_cursor
            .as_deref()
            .map(|cursor| next_link(path, query, cursor));
        let mut response = Json(self).into_response();
        if let Some(link) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}

/// `</api/v1/cases?status=open&after=…>; rel="next"`: the request's query with its
/// `after` replaced.
pub fn next_link(path: &str, query: &[(String, String)], cursor: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .filter(|(key, _)| key != "after")
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    pairs.push(("after", cursor));
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("<{path}?{query}>; rel=\"next\"")
}

/// The query string as pairs (a bad one is a 422 naming it).
pub fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, app::model::AppError> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| app::model::AppError::invalid("query", "is not a valid query string"))
}

/// The value of parameter `name`, trimmed, if present and not empty.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// `limit`: rows a page, 1 to `max` (`max` when absent).
pub fn limit(pairs: &[(String, String)], max: i64) -> Result<i64, app::model::AppError> {
    match param(pairs, "limit") {
        None => Ok(max),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|limit| (1..=max).contains(limit))
            .ok_or_else(|| {
                app::model::AppError::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {max}"),
                )
            }),
    }
}

/// The refusal of an `after` that no page of this list gave.
pub fn bad_cursor() -> app::model::AppError {
    app::model::AppError::invalid(
        "after",
        "is not a page marker from this list; start from the first page",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filter_and_replaces_the_cursor() {
        let query = vec![
            ("status".to_string(), "open".to_string()),
            ("after".to_string(), "old".to_string()),
            ("q".to_string(), "a&b c".to_string()),
        ];
        assert_eq!(
            next_link("/api/v1/cases", &query, "17.42"),
            "</api/v1/cases?status=open&q=a%26b+c&after=17.42>; rel=\"next\""
        );
    }
}
