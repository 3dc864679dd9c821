//! `GET /contractors/{id}/photo/{size}`: a contractor's photo (`original`) or one of
//! its thumbnails (`160`, `480`), from object storage, behind the same tenant check as
//! the directory: the lookup runs in the viewer's tenant, so another tenant's id is a
//! 404 like an unknown one. `ETag` is the content hash; the URL carries it too (`?v=`),
//! so a day of private caching never shows an old photo.

use app::model::{AppError, Viewer};
use app::server::AppState;
use app::server::authz::{self, Capability};
use app::server::contractors;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error_response;

const CACHE: &str = "private, max-age=86400";

pub async fn photo(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    Path((id, size)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match serve(&state, viewer.map(|v| v.0), &id, &size, &headers).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

async fn serve(
    state: &AppState,
    viewer: Option<Viewer>,
    id: &str,
    size: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let viewer = authz::require(viewer.as_ref(), Capability::ViewContractors)?;
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)?;
    let width = match size {
        "original" => None,
        other => Some(other.parse::<u32>().map_err(|_| AppError::NotFound)?),
    };
    let object = contractors::photo(&state.pool, viewer, id, width).await?;
    let etag = HeaderValue::from_str(&object.etag).map_err(|_| AppError::Internal)?;
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| {
            given
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == object.etag)
        });
    if revalidated {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
            ],
        )
            .into_response());
    }
    let bytes = state.storage.get(&object.key).await?.ok_or_else(|| {
        tracing::warn!(
            key = object.key,
            "a photo the database names is missing from storage"
        );
        AppError::NotFound
    })?;
    let content_type =
        HeaderValue::from_str(&object.content_type).map_err(|_| AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
        ],
        bytes,
    )
        .into_response())
}
