//! `POST /imports` (a `multipart/form-data` form: `kind`, then `file`): the upload of a
//! CSV file to import, streamed through its checks into object storage (never whole in
//! memory), then a redirect to its page, `/imports/{id}`; a refused file back to the
//! upload page with the reason. Works the same with or without JavaScript: it is a
//! plain form post.
//!
//! `GET /imports/{id}/errors.csv`: every refused row of an import (row, field, reason),
//! formula-neutralised like every CSV Casework writes.

use app::model::{AppError, ImportKind, Viewer};
use app::server::AppState;
use app::server::imports;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::stream;

use super::error_response;
use super::export::text_cell;

/// Where files are posted.
pub const UPLOAD_PATH: &str = "/imports";

/// The upload's body: the file's 50 MB and the form around it.
pub const UPLOAD_BODY_BYTES: usize = 51 * 1024 * 1024;

pub async fn upload(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(Extension(viewer)) = viewer else {
        return error_response(AppError::Unauthenticated);
    };
    let mut kind = None;
    let outcome = async {
        let mut multipart =
            multipart.map_err(|_| AppError::invalid("file", "send the file as a form upload"))?;
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|error| broken(&error))?
                .ok_or_else(|| AppError::invalid("file", "choose a file to upload"))?;
            match field.name() {
                Some("kind") => {
                    let text = field.text().await.unwrap_or_default();
                    kind =
                        Some(ImportKind::parse(text.trim()).ok_or_else(|| {
                            AppError::invalid("kind", "choose cases or companies")
                        })?);
                }
                Some("file") => {
                    let kind = kind.ok_or_else(|| {
                        AppError::invalid("kind", "must come before the file in the form")
                    })?;
                    let name = field.file_name().unwrap_or_default().to_string();
                    // The field's chunks, as they arrive.
                    let chunks = stream::unfold(field, |mut field| async move {
                        match field.chunk().await {
                            Ok(Some(chunk)) => Some((Ok(chunk), field)),
                            Ok(None) => None,
                            Err(error) => Some((Err(broken(&error)), field)),
                        }
                    });
                    let chunks = Box::pin(chunks);
                    return imports::upload(
                        &state.pool,
                        &state.jobs.imports.task.storage,
                        &viewer,
                        kind,
                        &name,
                        chunks,
                    )
                    .await;
                }
                _ => {}
            }
        }
    };
    match outcome.await {
        Ok(id) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(error @ (AppError::Invalid { .. } | AppError::TooLarge { .. })) => {
            let kind = kind.map_or("cases", ImportKind::as_str);
            let query =
                serde_urlencoded::to_string([("kind", kind), ("error", &error.to_string())])
                    .unwrap_or_default();
            Redirect::to(&format!("/imports/new?{query}")).into_response()
        }
        Err(error) => error_response(error),
    }
}

/// A multipart body that could not be read: too large (the route's limit), or broken.
fn broken(error: &axum::extract::multipart::MultipartError) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::invalid("file", "is larger than 50 MB: split it into smaller files")
    } else {
        AppError::invalid("file", format!("could not be read ({error})"))
    }
}

pub async fn error_report(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    Path(id): Path<String>,
) -> Response {
    let outcome = async {
        let viewer = viewer.map(|v| v.0).ok_or(AppError::Unauthenticated)?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let errors = imports::refused_rows(&state.pool, &viewer, id).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |error: csv::Error| {
            tracing::error!(%error, "could not write the error report");
            AppError::Internal
        };
        out.write_record(["row", "field", "reason"])
            .map_err(failed)?;
        for error in errors {
            out.write_record([
                error.line.to_string(),
                text_cell(error.field.as_deref().unwrap_or_default()),
                text_cell(&error.reason),
            ])
            .map_err(failed)?;
        }
        let body = out.into_inner().map_err(|_| AppError::Internal)?;
        let disposition = format!("attachment; filename=\"import-{id}-errors.csv\"");
        Ok::<_, AppError>(
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition).map_err(|_| AppError::Internal)?,
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                body,
            )
                .into_response(),
        )
    };
    outcome.await.unwrap_or_else(error_response)
}
