//! `/api/docs`: the REST API's reference page (app/src/components/api_reference.rs),
//! public like the OpenAPI document it is built from: the page lists every operation
//! the document has, and Swagger UI (from the npm registry, copied into the site at
//! build time by scripts/site-assets.mjs) makes it interactive.

use std::sync::LazyLock;

use app::components::api_reference::{ReferenceOperation, api_reference_document};
use app::model::Theme;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::OpenApi;

pub const PATH: &str = "/api/docs";

/// What the page shows of the document, read once (the document is fixed at build).
struct Reference {
    title: String,
    version: String,
    operations: Vec<ReferenceOperation>,
}

static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let document = super::api::document();
    Reference {
        title: document.info.title.clone(),
        version: document.info.version.clone(),
        operations: operations(&document),
    }
});

pub async fn page(headers: HeaderMap) -> Response {
    let theme = headers
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .map(Theme::from_cookie_header)
        .unwrap_or_default();
    let reference = &*REFERENCE;
    Html(api_reference_document(
        &reference.title,
        &reference.version,
        &reference.operations,
        theme,
    ))
    .into_response()
}

/// Every operation of the document, grouped by its first tag, then by path, in the
/// order of HTTP methods the document uses.
pub fn operations(document: &OpenApi) -> Vec<ReferenceOperation> {
    let mut operations = Vec::new();
    for (path, item) in &document.paths.paths {
        let methods = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("HEAD", &item.head),
            ("OPTIONS", &item.options),
            ("TRACE", &item.trace),
            ("QUERY", &item.query),
        ];
        for (method, operation) in methods {
            let Some(operation) = operation else { continue };
            operations.push(ReferenceOperation {
                method,
                path: path.clone(),
                summary: operation
                    .summary
                    .clone()
                    .or_else(|| operation.description.clone())
                    .unwrap_or_default(),
                tag: operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first().cloned())
                    .unwrap_or_else(|| "other".into()),
            });
        }
    }
    // Stable: paths are already in order (a BTreeMap), methods in the order above.
    operations.sort_by(|a, b| a.tag.cmp(&b.tag));
    operations
}
