//! The fake's HTTP answers: the protocol as Zoho speaks it (status codes, error
//! documents, `info` blocks, page tokens, 204 and 304), and `/_fake/…` controls.
// A refusal here is the answer itself, returned as `Err(Response)` by each check.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Faults, State, key, lock, notify};
use crate::client::{PAGED_LIMIT, PER_PAGE};
use crate::record::parse_time;

type Shared = Arc<Mutex<State>>;

pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/oauth/v2/token", post(token))
        .route("/crm/v8/actions/watch", post(watch))
        .route("/crm/v8/{module}", get(list))
        .route("/crm/v8/{module}/deleted", get(deleted))
        .route("/crm/v8/{module}/{id}/photo", get(photo))
        .route("/_fake/state", get(fake_state))
        .route("/_fake/faults", post(set_faults))
        .route("/_fake/edit", post(edit))
        .route("/_fake/modify", post(modify))
        .route("/_fake/create", post(create))
        .route("/_fake/delete", post(delete))
        .route("/_fake/expire-tokens", post(expire_tokens))
        .route("/_fake/notify", post(send_notification))
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"code": code, "details": {}, "message": message, "status": "error"})),
    )
        .into_response()
}

async fn token(
    Extract(state): Extract<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = lock(&state);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    // Zoho answers a refused grant with 200 and an `error` member.
    if field("grant_type") != "refresh_token" {
        state.counts.refused_grants += 1;
        return Json(json!({"error": "unsupported_grant_type"})).into_response();
    }
    if field("client_id") != state.config.client_id
        || field("client_secret") != state.config.client_secret
    {
        state.counts.refused_grants += 1;
        return Json(json!({"error": "invalid_client"})).into_response();
    }
    if field("refresh_token") != state.config.refresh_token {
        state.counts.refused_grants += 1;
        return Json(json!({"error": "invalid_code"})).into_response();
    }
    state.counts.grants += 1;
    let access = format!("1000.{:032x}", fastrand::u128(..));
    state.tokens.insert(access.clone());
    let api_domain = state.url.as_str().trim_end_matches('/').to_string();
    Json(json!({
        "access_token": access,
        "scope": "ZohoCRM.modules.ALL ZohoCRM.notifications.ALL",
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": 3600,
    }))
    .into_response()
}

/// What every API call passes first: the latency, the fault bursts, the token.
async fn gate(state: &Shared, headers: &HeaderMap, module: Option<&str>) -> Result<(), Response> {
    let latency = lock(state).faults.latency_ms.unwrap_or(0);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut state = lock(state);
    state.counts.api_requests += 1;
    let faults = &mut state.faults;
    if faults.rate_limit_next > 0 {
        faults.rate_limit_next -= 1;
        let wait = faults.retry_after_s.to_string();
        state.counts.rate_limited += 1;
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "too many requests",
        );
        if let Ok(value) = wait.parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    if faults.server_error_next > 0 {
        faults.server_error_next -= 1;
        let status = faults
            .server_error_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        state.counts.server_errors += 1;
        return Err(error(status, "INTERNAL_ERROR", "internal server error"));
    }
    if let Some(left) = faults.expire_tokens_after {
        if left == 0 {
            faults.expire_tokens_after = None;
            state.tokens.clear();
        } else {
            faults.expire_tokens_after = Some(left - 1);
        }
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Zoho-oauthtoken "));
    if !given.is_some_and(|t| state.tokens.contains(t)) {
        state.counts.refused_tokens += 1;
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "invalid oauth token",
        ));
    }
    if module.is_some_and(|m| m != state.config.module) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
        ));
    }
    Ok(())
}

async fn list(
    Extract(state): Extract<Shared>,
    Path(module): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = gate(&state, &headers, Some(&module)).await {
        return refused;
    }
    let mut state = lock(&state);
    state.counts.list_calls += 1;
    let Some(fields) = query.get("fields").filter(|f| !f.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
        );
    };
    let fields: Vec<&str> = fields.split(',').collect();
    if fields.len() > 50 {
        return error(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "fields: at most 50",
        );
    }
    if let Some(ids) = query.get("ids") {
        let data: Vec<Value> = ids
            .split(',')
            .filter_map(|id| state.contacts.get(&key(id)))
            .map(|c| c.to_json(&fields))
            .collect();
        if data.is_empty() {
            return StatusCode::NO_CONTENT.into_response();
        }
        return Json(json!({"data": data, "info": {"count": data.len(), "more_records": false}}))
            .into_response();
    }
    let since = match since(&headers) {
        Ok(since) => since,
        Err(refused) => return refused,
    };
    let matching: Vec<&super::Contact> = state
        .contacts
        .values()
        .filter(|c| since.is_none_or(|s| c.modified > s))
        .collect();
    if matching.is_empty() && since.is_some() {
        state.counts.not_modified += 1;
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let data_len = matching.len();
    let (offset, page, per_page) = match paging(&mut state, &query) {
        Ok(at) => at,
        Err(refused) => return refused,
    };
    let state = &mut *state;
    let data: Vec<Value> = state
        .contacts
        .values()
        .filter(|c| since.is_none_or(|s| c.modified > s))
        .skip(offset)
        .take(per_page)
        .map(|c| c.to_json(&fields))
        .collect();
    if data.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let more = offset + data.len() < data_len;
    let next_token = more.then(|| {
        let token = format!("{:x}{:024x}", offset + data.len(), fastrand::u128(..));
        state.page_tokens.insert(token.clone(), offset + data.len());
        token
    });
    Json(json!({
        "data": data,
        "info": {
            "per_page": per_page,
            "count": data.len(),
            "page": page,
            "sort_by": "id",
            "sort_order": "asc",
            "more_records": more,
            "next_page_token": next_token,
            "previous_page_token": null,
            "page_token_expiry": null,
        }
    }))
    .into_response()
}

/// Where a list call starts: `page` within the first 2,000 records, `page_token` past
/// them (Zoho refuses a page number that reaches further).
fn paging(
    state: &mut State,
    query: &HashMap<String, String>,
) -> Result<(usize, Option<u32>, usize), Response> {
    let per_page: u32 = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(PER_PAGE);
    if !(1..=PER_PAGE).contains(&per_page) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "per_page: 1 to 200",
        ));
    }
    match (query.get("page"), query.get("page_token")) {
        (Some(_), Some(_)) => Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "page and page_token together",
        )),
        (_, Some(token)) => {
            state.counts.paged_with_token += 1;
            let offset = state.page_tokens.get(token).copied();
            offset.map(|o| (o, None, per_page as usize)).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_DATA",
                    "invalid page_token",
                )
            })
        }
        (page, None) => {
            let page: u32 = page
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1);
            if page * per_page > PAGED_LIMIT {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "cannot fetch more than 2000 records without page_token",
                ));
            }
            Ok((
                ((page - 1) * per_page) as usize,
                Some(page),
                per_page as usize,
            ))
        }
    }
}

fn since(headers: &HeaderMap) -> Result<Option<time::OffsetDateTime>, Response> {
    match headers.get(header::IF_MODIFIED_SINCE) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(parse_time)
            .map(Some)
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_DATA",
                    "If-Modified-Since: not an ISO 8601 date-time",
                )
            }),
    }
}

async fn deleted(
    Extract(state): Extract<Shared>,
    Path(module): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = gate(&state, &headers, Some(&module)).await {
        return refused;
    }
    let since = match since(&headers) {
        Ok(since) => since,
        Err(refused) => return refused,
    };
    let mut state = lock(&state);
    let matching: Vec<Value> = state
        .deleted
        .iter()
        .filter(|(_, at)| since.is_none_or(|s| *at > s))
        .map(|(id, at)| {
            json!({
                "id": id, "display_name": "Deleted contact", "type": "recycle",
                "deleted_time": crate::record::format_time(*at),
                "deleted_by": {"name": "Fake Admin", "id": "1"},
            })
        })
        .collect();
    if matching.is_empty() {
        return if since.is_some() {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::NO_CONTENT
        }
        .into_response();
    }
    let total = matching.len();
    let (offset, page, per_page) = match paging(&mut state, &query) {
        Ok(at) => at,
        Err(refused) => return refused,
    };
    let data: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(PER_PAGE as usize)
        .collect();
    let more = offset + data.len() < total;
    let next_token = more.then(|| {
        let token = format!("d{:x}{:024x}", offset + data.len(), fastrand::u128(..));
        state.page_tokens.insert(token.clone(), offset + data.len());
        token
    });
    Json(json!({"data": data, "info": {"per_page": per_page, "count": data.len(), "page": page, "more_records": more, "next_page_token": next_token}})).into_response()
}

async fn photo(
    Extract(state): Extract<Shared>,
    Path((module, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = gate(&state, &headers, Some(&module)).await {
        return refused;
    }
    let mut state = lock(&state);
    state.counts.photo_calls += 1;
    if state.faults.failing_photos.contains(&id) {
        state.counts.server_errors += 1;
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "could not read the image",
        );
    }
    let Some(contact) = state.contacts.get(&key(&id)) else {
        return error(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "the record does not exist",
        );
    };
    let Some(version) = contact.photo_version else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let bytes = state.photos.photo(&contact.id, version);
    ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response()
}

#[derive(Deserialize)]
struct WatchBody {
    watch: Vec<WatchItem>,
}

#[derive(Deserialize)]
struct WatchItem {
    channel_id: String,
    events: Vec<String>,
    #[serde(default)]
    token: String,
    notify_url: String,
}

async fn watch(
    Extract(state): Extract<Shared>,
    headers: HeaderMap,
    body: Option<Json<WatchBody>>,
) -> Response {
    if let Err(refused) = gate(&state, &headers, None).await {
        return refused;
    }
    let Some(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the body is not a watch request",
        );
    };
    let mut state = lock(&state);
    let Some(item) = body.watch.into_iter().next() else {
        return error(StatusCode::BAD_REQUEST, "INVALID_DATA", "no channel given");
    };
    if item.token.len() > 50 || url::Url::parse(&item.notify_url).is_err() || item.events.is_empty()
    {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "token over 50 characters, a bad notify_url or no events",
        );
    }
    let module = state.config.module.clone();
    state.channel = Some(super::Channel {
        channel_id: item.channel_id.clone(),
        token: item.token,
        notify_url: item.notify_url,
    });
    Json(json!({"watch": [{"code": "SUCCESS", "details": {"events": [{"channel_id": item.channel_id, "resource_name": module}]}, "message": "Successfully subscribed for actions-watch of the given module", "status": "success"}]})).into_response()
}

async fn fake_state(Extract(state): Extract<Shared>) -> Response {
    let state = lock(&state);
    Json(json!({
        "counts": state.counts,
        "faults": state.faults,
        "channel": state.channel,
        "contacts": state.contacts.len(),
        "deleted": state.deleted.len(),
    }))
    .into_response()
}

async fn set_faults(Extract(state): Extract<Shared>, Json(faults): Json<Faults>) -> Response {
    lock(&state).faults = faults;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct EditBody {
    id: String,
    fields: serde_json::Map<String, Value>,
}

async fn edit(Extract(state): Extract<Shared>, Json(body): Json<EditBody>) -> Response {
    let edited = lock(&state).edit(&body.id, &body.fields);
    if !edited {
        return error(StatusCode::NOT_FOUND, "INVALID_DATA", "no such record");
    }
    // Zoho tells the channel, as it would after an edit in its UI.
    let told = notify(&state, "update", std::slice::from_ref(&body.id), None)
        .await
        .ok();
    Json(json!({"edited": body.id, "notified": told})).into_response()
}

#[derive(Deserialize)]
struct CountBody {
    count: usize,
    #[serde(default)]
    photos: bool,
}

async fn modify(Extract(state): Extract<Shared>, Json(body): Json<CountBody>) -> Response {
    let ids = lock(&state).modify(body.count, body.photos);
    Json(json!({"modified": ids})).into_response()
}

async fn create(Extract(state): Extract<Shared>, Json(body): Json<CountBody>) -> Response {
    let ids = lock(&state).create(body.count);
    Json(json!({"created": ids})).into_response()
}

#[derive(Deserialize)]
struct IdsBody {
    ids: Vec<String>,
    #[serde(default)]
    operation: Option<String>,
}

async fn delete(Extract(state): Extract<Shared>, Json(body): Json<IdsBody>) -> Response {
    let removed = lock(&state).delete(&body.ids);
    Json(json!({"deleted": removed})).into_response()
}

async fn expire_tokens(Extract(state): Extract<Shared>) -> Response {
    lock(&state).tokens.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn send_notification(Extract(state): Extract<Shared>, Json(body): Json<IdsBody>) -> Response {
    let operation = body.operation.as_deref().unwrap_or("update");
    match notify(&state, operation, &body.ids, None).await {
        Ok(status) => Json(json!({"status": status})).into_response(),
        Err(why) => error(StatusCode::CONFLICT, "NO_CHANNEL", &why),
    }
}
