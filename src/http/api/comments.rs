//! `/api/v1/cases/{number}/comments`: a case's thread, oldest first in pages, and
//! posting to it (as the case page does: Markdown, rendered and sanitised the same way).

use app::model::{ApiScope, Comment as ThreadComment};
use app::server::authz::Capability;
use app::server::{AppState, case_detail, comments};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::body::JsonBody;
use super::caller::Caller;
use super::paging::{self, Page};
use super::path::Number;
use crate::http::problem::Problem;

const MAX_PAGE: i64 = 100;

/// One comment of a case's thread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    /// The member who wrote it (null: someone outside, e.g. the web form's sender).
    pub author_id: Option<Uuid>,
    pub author_name: String,
    /// Markdown as written (empty once deleted).
    pub body: String,
    /// The Markdown rendered and sanitised.
    pub body_html: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    pub deleted: bool,
}

impl From<ThreadComment> for Comment {
    fn from(comment: ThreadComment) -> Self {
        Comment {
            id: comment.id,
            author_id: comment.author_id,
            author_name: comment.author_name,
            body: comment.body,
            body_html: comment.body_html,
            created_at: comment.created_at,
            edited_at: comment.edited_at,
            deleted: comment.deleted,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CommentListQuery {
    /// The `next_cursor` of the page before.
    #[param(pattern = "^[0-9]{1,18}$")]
    after: Option<String>,
    /// Comments a page, 1–100 (default 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// The case's comments, oldest first.
#[utoipa::path(
    get, path = "/cases/{number}/comments", tag = "comments", operation_id = "listComments",
    params(("number" = i32, Path, description = "The case's number"), CommentListQuery),
    responses(
        (status = 200, description = "One page of the thread", body = Page<Comment>,
         headers(("Link" = String, description = "The next page: `<…>; rel=\"next\"`"))),
        (status = 404, description = "No such case in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["comments:read"]))
)]
pub async fn list_comments(
    caller: Caller,
    State(state): State<AppState>,
    Number(number): Number,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CommentsRead, Capability::ManageAllCases)?;
    let pairs = paging::pairs(query.as_deref())?;
    let after = match paging::param(&pairs, "after") {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(paging::bad_cursor)?,
    };
    let limit = paging::limit(&pairs, MAX_PAGE)?;
    let (thread, more) =
        case_detail::comments_page(&state.pool, viewer, number, after, limit).await?;
    let next_cursor = more
        .then(|| thread.last().map(|comment| comment.id.to_string()))
        .flatten();
    Ok(Page {
        data: thread.into_iter().map(Comment::from).collect(),
        next_cursor,
        total: None,
    }
    .respond(&format!("/api/v1/cases/{number}/comments"), &pairs))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Markdown.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

/// Posts a comment on the case.
#[utoipa::path(
    post, path = "/cases/{number}/comments", tag = "comments", operation_id = "createComment",
    params(("number" = i32, Path, description = "The case's number")),
    request_body = NewComment,
    responses(
        (status = 201, description = "Posted", body = Comment),
        (status = 404, description = "No such case in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["comments:write"]))
)]
pub async fn create_comment(
    caller: Caller,
    State(state): State<AppState>,
    Number(number): Number,
    JsonBody(body): JsonBody<NewComment>,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CommentsWrite, Capability::ManageAllCases)?;
    let posted = comments::post(&state.pool, viewer, number, &body.body).await?;
    Ok((StatusCode::CREATED, Json(Comment::from(posted))).into_response())
}
