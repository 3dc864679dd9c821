//! `GET /companies.csv?{the companies page's query}`: the filtered companies as a CSV
//! file, in the page's order, at most [`EXPORT_LIMIT`] rows; `GET /work.csv` and
//! `GET /cases.csv` the same for one's own queue and the team's (admins), with the
//! queue pages' filters (and the team view's `assignee`).
//!
//! Quoting is the `csv` crate's (RFC 4180: commas, quotes and newlines survive). A
//! spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and
//! `HYPERLINK` can send data elsewhere), so such a text cell is written with a leading
//! `'`, which spreadsheets show as text (OWASP "CSV injection"). A tab or carriage
//! return at the start is treated the same way, as some spreadsheets skip them.

use app::model::{AppError, CaseFilter, CompanyFilter, CompanyRow, Viewer};
use app::server::AppState;
use app::server::authz::{self, Capability};
use app::server::case_export::{self, ExportedCase};
use app::server::{cases, companies};
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use time::format_description::well_known::Rfc3339;

use super::error_response;

/// Rows in one export; a filter that matches more is cut here, and the response says
/// so in its `X-Export-Truncated` header (the page says so beside the link).
pub const EXPORT_LIMIT: usize = 10_000;

pub const TRUNCATED_HEADER: &str = "x-export-truncated";

const COLUMNS: [&str; 12] = [
    "id",
    "name",
    "website",
    "website_url",
    "sector",
    "stage",
    "location",
    "score",
    "confidence",
    "enriched_at",
    "enrichment_status",
    "added_at",
];

pub async fn companies_csv(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    RawQuery(query): RawQuery,
) -> Response {
    match export(&state, viewer.map(|v| v.0), query.as_deref().unwrap_or("")).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

async fn export(
    state: &AppState,
    viewer: Option<Viewer>,
    query: &str,
) -> Result<Response, AppError> {
    let viewer = authz::require(viewer.as_ref(), Capability::UseCompanies)?;
    let filter = CompanyFilter::from_query_string(query)?;
    // One more than the limit, to know whether there were more.
    let mut rows = companies::export(&state.pool, viewer, &filter, EXPORT_LIMIT + 1).await?;
    let truncated = rows.len() > EXPORT_LIMIT;
    rows.truncate(EXPORT_LIMIT);
    let body = to_csv(&rows);
    csv_file("companies.csv", body, truncated)
}

/// `GET /work.csv?{My work's query}`: one's own cases.
pub async fn my_cases_csv(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    RawQuery(query): RawQuery,
) -> Response {
    let viewer = viewer.map(|v| v.0);
    let outcome = async {
        let viewer = authz::require(viewer.as_ref(), Capability::WorkOwnCases)?;
        let pairs = pairs(query.as_deref())?;
        export_cases(&state, viewer, cases::Scope::Mine, &pairs, "my-cases.csv").await
    };
    outcome.await.unwrap_or_else(error_response)
}

/// `GET /cases.csv?{All cases' query}`: the team's cases (admins), optionally one
/// assignee's or the unassigned.
pub async fn team_cases_csv(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    RawQuery(query): RawQuery,
) -> Response {
    let viewer = viewer.map(|v| v.0);
    let outcome = async {
        let viewer = authz::require(viewer.as_ref(), Capability::ManageAllCases)?;
        let pairs = pairs(query.as_deref())?;
        let assignee = pairs
            .iter()
            .find(|(key, _)| key == "assignee")
            .map(|(_, value)| value.as_str());
        let scope = cases::Scope::from_assignee_param(assignee)?;
        export_cases(&state, viewer, scope, &pairs, "cases.csv").await
    };
    outcome.await.unwrap_or_else(error_response)
}

fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| AppError::invalid("query", "is not a valid query string"))
}

async fn export_cases(
    state: &AppState,
    viewer: &Viewer,
    scope: cases::Scope,
    pairs: &[(String, String)],
    name: &str,
) -> Result<Response, AppError> {
    let filter = CaseFilter::from_query(pairs)?;
    let mut rows =
        case_export::export(&state.pool, viewer, scope, &filter, EXPORT_LIMIT + 1).await?;
    let truncated = rows.len() > EXPORT_LIMIT;
    rows.truncate(EXPORT_LIMIT);
    csv_file(name, cases_to_csv(&rows), truncated)
}

/// A CSV download named `name`, saying when it was cut at [`EXPORT_LIMIT`].
fn csv_file(
    name: &str,
    body: Result<Vec<u8>, csv::Error>,
    truncated: bool,
) -> Result<Response, AppError> {
    let body = body.map_err(|error| {
        tracing::error!(%error, "could not write the CSV export");
        AppError::Internal
    })?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|_| AppError::Internal)?;
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response();
    if truncated {
        response.headers_mut().insert(
            TRUNCATED_HEADER,
            HeaderValue::from_static("first 10000 rows only; narrow the filter for the rest"),
        );
    }
    Ok(response)
}

/// The CSV text: a header row, then one row per company.
pub fn to_csv(rows: &[CompanyRow]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 160 + 200));
    writer.write_record(COLUMNS)?;
    for row in rows {
        let time = |at: Option<time::OffsetDateTime>| {
            at.and_then(|at| at.format(&Rfc3339).ok())
                .unwrap_or_default()
        };
        writer.write_record([
            row.id.to_string(),
            text_cell(&row.name),
            text_cell(&row.website),
            text_cell(&row.website_url),
            text_cell(&row.sector),
            row.stage
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            text_cell(&row.location),
            row.score.map(|s| s.to_string()).unwrap_or_default(),
            row.confidence
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            time(row.enriched_at),
            row.enrichment_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            time(Some(row.created_at)),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|error| error.into_error().into())
}

const CASE_COLUMNS: [&str; 15] = [
    "number",
    "title",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_company",
    "status",
    "priority",
    "source",
    "assignee_email",
    "assignee_name",
    "archived",
    "opened_at",
    "updated_at",
    "closed_at",
];

/// The CSV text of cases: a header row, then one row per case.
pub fn cases_to_csv(rows: &[ExportedCase]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 200 + 200));
    writer.write_record(CASE_COLUMNS)?;
    let time = |at: Option<time::OffsetDateTime>| {
        at.and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_default()
    };
    for row in rows {
        writer.write_record([
            row.number.to_string(),
            text_cell(&row.title),
            text_cell(&row.customer_name),
            text_cell(&row.customer_email),
            text_cell(&row.customer_phone),
            text_cell(&row.customer_company),
            row.status.as_str().to_string(),
            row.priority.as_str().to_string(),
            row.source.as_str().to_string(),
            text_cell(row.assignee_email.as_deref().unwrap_or_default()),
            text_cell(row.assignee_name.as_deref().unwrap_or_default()),
            row.archived.to_string(),
            time(Some(row.created_at)),
            time(Some(row.updated_at)),
            time(row.closed_at),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|error| error.into_error().into())
}

/// Text typed by people, made safe to open in a spreadsheet.
pub fn text_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_kept() {
        for (input, output) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("Acme = good", "Acme = good"),
            ("", ""),
        ] {
            assert_eq!(text_cell(input), output, "{input:?}");
        }
    }
}
