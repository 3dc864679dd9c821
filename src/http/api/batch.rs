//! `POST /api/v1/batch`: up to 20 sub-requests in one (seed 003), each routed through
//! the API's own router in this process — never an HTTP call out — as the caller, with
//! its own status, headers and body. They run in parallel; with `"atomic": true` they
//! run in order in one transaction, kept only if every one succeeds.
//!
//! Each sub-request counts against the key's rate limit like a request of its own (the
//! batch itself is the first), and a batch cannot hold a batch (the router the
//! sub-requests go through has no `/batch`).

use std::collections::BTreeMap;

use app::model::{AppError, Viewer};
use app::server::AppState;
use app::server::rate_limit::Check;
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower::ServiceExt;

use super::body::JsonBody;
use super::caller::{Caller, PREFIX};
use crate::http::problem::Problem;

/// The most sub-requests a batch may carry.
pub const MAX_SUBREQUESTS: usize = 20;
/// The largest answer of one sub-request that is read back.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The API's routes but the batch itself, with the app's state: where sub-requests go.
#[derive(Clone)]
pub struct Inner(pub Router);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Run the sub-requests in order in one transaction: all of their writes are kept
    /// if every one succeeds (2xx), none otherwise.
    #[serde(default)]
    pub atomic: bool,
    /// At most 20.
    #[schema(max_items = 20)]
    pub requests: Vec<SubRequest>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubRequest {
    /// Yours, echoed in its answer.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub id: Option<String>,
    #[schema(pattern = "^(GET|POST|PUT|PATCH|DELETE)$")]
    pub method: String,
    /// A path of this API, with its query: `/api/v1/cases/7` or `/cases/7`.
    #[schema(max_length = 2000)]
    pub path: String,
    /// `If-Match` and `If-None-Match` are passed on; others are ignored.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The JSON body, for writes.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    /// The answers, in the order of the requests.
    pub responses: Vec<SubAnswer>,
    /// For an atomic batch: whether its writes were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubAnswer {
    pub id: Option<String>,
    pub status: u16,
    /// `ETag`, `Location`, `Link` and `Retry-After`, when the answer has them.
    pub headers: BTreeMap<String, String>,
    /// The JSON answer (a problem document for an error); null when there is none.
    #[schema(value_type = Option<Object>)]
    pub body: Value,
}

/// Runs up to 20 sub-requests (413 beyond), each with its own answer.
#[utoipa::path(
    post, path = "/batch", tag = "batch", operation_id = "batch",
    request_body = Batch,
    responses(
        (status = 200, description = "Every sub-request's answer", body = BatchAnswer),
        (status = 413, description = "More than 20 sub-requests (`limit` says how many may be sent)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn batch(
    caller: Caller,
    State(state): State<AppState>,
    Extension(Inner(router)): Extension<Inner>,
    JsonBody(batch): JsonBody<Batch>,
) -> Result<Response, Problem> {
    if batch.requests.len() > MAX_SUBREQUESTS {
        let mut problem = Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_subrequests",
            "Too many sub-requests",
            format!(
                "a batch carries at most {MAX_SUBREQUESTS} sub-requests; this one has {}",
                batch.requests.len()
            ),
        );
        problem.extra.limit = Some(MAX_SUBREQUESTS as u64);
        return Err(problem);
    }
    let viewer = caller.0;
    let run = |(index, request): (usize, SubRequest)| {
        let (router, viewer, state) = (router.clone(), viewer.clone(), state.clone());
        async move {
            // The batch itself was the first request against the key's budget.
            let answer = match budget(&state, &viewer, index).await {
                Some(refused) => refused.into_response(),
                None => route(router, &viewer, &request).await,
            };
            answer_of(request.id, answer).await
        }
    };
    if !batch.atomic {
        let answers =
            futures::future::join_all(batch.requests.into_iter().enumerate().map(run)).await;
        return Ok(axum::Json(BatchAnswer {
            responses: answers,
            committed: None,
        })
        .into_response());
    }
    let work = async {
        let mut answers = Vec::with_capacity(batch.requests.len());
        let mut failed = None;
        for (index, request) in batch.requests.into_iter().enumerate() {
            if let Some(failed) = failed {
                answers.push(not_run(request.id, failed));
                continue;
            }
            let answer = run((index, request)).await;
            if answer.status >= 400 {
                failed = Some(index);
            }
            answers.push(answer);
        }
        if let Some(failed) = failed {
            for answer in answers.iter_mut().take(failed) {
                *answer = rolled_back(answer.id.take(), failed);
            }
        }
        let keep = failed.is_none();
        (answers, keep)
    };
    let answers = app::server::atomic::atomically(&state.pool, viewer.tenant_id, work).await?;
    let committed = answers.iter().all(|answer| answer.status < 400);
    Ok(axum::Json(BatchAnswer {
        responses: answers,
        committed: Some(committed),
    })
    .into_response())
}

/// A 429 for sub-request `index` if the key's budget is spent.
async fn budget(state: &AppState, viewer: &Viewer, index: usize) -> Option<Problem> {
    if index == 0 || !state.config.protection.rate_limits {
        return None;
    }
    let policy = state.limiter.policies.api_key.for_plan(viewer.plan);
    let check = Check {
        policy,
        key: viewer.user_id.to_string(),
    };
    let verdict = state.limiter.check(&[check]).await;
    verdict.retry_after.map(|wait| {
        Problem::from(AppError::RateLimited {
            retry_after: wait.as_secs().max(1),
        })
    })
}

/// Sends `request` through the API's router as `viewer`.
async fn route(router: Router, viewer: &Viewer, request: &SubRequest) -> Response {
    let refuse = |message: &str| Problem::from(AppError::invalid("path", message)).into_response();
    let Ok(method) = Method::from_bytes(request.method.as_bytes()) else {
        return Problem::from(AppError::invalid(
            "method",
            "must be GET, POST, PUT, PATCH or DELETE",
        ))
        .into_response();
    };
    if !matches!(
        method,
        Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return Problem::from(AppError::invalid(
            "method",
            "must be GET, POST, PUT, PATCH or DELETE",
        ))
        .into_response();
    }
    let path = request.path.strip_prefix(PREFIX).unwrap_or(&request.path);
    if !path.starts_with('/') || path.starts_with("//") || path.chars().any(char::is_control) {
        return refuse("must be a path of this API, such as /api/v1/cases/7");
    }
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in &request.headers {
        if (name.eq_ignore_ascii_case("if-match") || name.eq_ignore_ascii_case("if-none-match"))
            && let Ok(value) = HeaderValue::from_str(value)
        {
            builder = builder.header(name.as_str(), value);
        }
    }
    let body = match &request.body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let Ok(mut sub) = builder.body(body) else {
        return refuse("must be a path of this API, such as /api/v1/cases/7");
    };
    sub.extensions_mut().insert(viewer.clone());
    match router.oneshot(sub).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// What the client reads of one sub-request's answer.
async fn answer_of(id: Option<String>, response: Response) -> SubAnswer {
    let status = response.status().as_u16();
    let headers = [
        header::ETAG,
        header::LOCATION,
        header::LINK,
        header::RETRY_AFTER,
    ]
    .into_iter()
    .filter_map(|name| {
        let value = response.headers().get(&name)?.to_str().ok()?.to_string();
        Some((name.as_str().to_string(), value))
    })
    .collect();
    let body = match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
        Ok(bytes) if bytes.is_empty() => Value::Null,
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        Err(_) => serde_json::to_value(Problem::from(AppError::Internal)).unwrap_or_default(),
    };
    SubAnswer {
        id,
        status,
        headers,
        body,
    }
}

/// A sub-request of an atomic batch that succeeded, undone because one after it failed.
fn rolled_back(id: Option<String>, failed: usize) -> SubAnswer {
    dependent(
        id,
        "rolled_back",
        "Rolled back",
        format!(
            "this succeeded, but sub-request {} failed, so the whole atomic batch was rolled back",
            failed + 1
        ),
    )
}

/// A sub-request of an atomic batch not run because one before it failed.
fn not_run(id: Option<String>, failed: usize) -> SubAnswer {
    dependent(
        id,
        "not_run",
        "Not run",
        format!(
            "sub-request {} failed, so the rest of the atomic batch was not run",
            failed + 1
        ),
    )
}

fn dependent(id: Option<String>, kind: &str, title: &str, detail: String) -> SubAnswer {
    let problem = Problem::new(StatusCode::FAILED_DEPENDENCY, kind, title, detail);
    SubAnswer {
        id,
        status: problem.status,
        headers: BTreeMap::new(),
        body: serde_json::to_value(problem).unwrap_or_default(),
    }
}
