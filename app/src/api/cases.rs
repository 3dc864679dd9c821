//! The work queues: one's own, and the team's (admins).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, BulkReport, CasePage, TeamPage};

#[cfg(feature = "ssr")]
use crate::model::{BulkChange, BulkTarget, CaseFilter, SeenCase, Viewer};
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, bulk, cases, request};

/// The signed-in employee's own queue, for the filter in `query` (the page's URL query
/// string, parsed here so a bad value is a clear 422, never a guess).
#[server(endpoint = "cases/mine", input = GetUrl)]
pub async fn my_queue(query: String) -> Result<CasePage, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let filter = CaseFilter::from_query(&parse_query(&query)?)?;
    cases::queue(
        &request::state()?.pool,
        &viewer,
        cases::Scope::Mine,
        &filter,
    )
    .await
}

/// Every case of the tenant (admins), optionally one assignee's or the unassigned.
#[server(endpoint = "cases/team", input = GetUrl)]
pub async fn team_queue(query: String) -> Result<TeamPage, AppError> {
    let viewer = request::require(Capability::ManageAllCases)?;
    let pairs = parse_query(&query)?;
    let filter = CaseFilter::from_query(&pairs)?;
    let assignee = pairs
        .iter()
        .find(|(key, _)| key == "assignee")
        .map(|(_, value)| value.as_str());
    let scope = cases::Scope::from_assignee_param(assignee)?;
    let state = request::state()?;
    let pool = &state.pool;
    let page = cases::queue(pool, &viewer, scope, &filter).await?;
    Ok(TeamPage {
        page,
        assignees: cases::assignees(pool, &state.caches, &viewer).await?,
    })
}

/// A bulk action from the queue page's bulk bar (a plain form, so it works before the
/// page hydrates): `change` to the ticked `cases` (`id:version` each) or, with
/// `target=all`, to every case matching the page's filter (`query`) as of `as_of`.
/// `queue` is `mine` (My work) or `team` (All cases, admins).
///
/// Without JavaScript the browser is sent back to the queue with the report (or the
/// error) in the URL, where the page shows it.
#[server(endpoint = "cases/bulk")]
pub async fn bulk_update_cases(
    queue: String,
    query: String,
    change: String,
    target: String,
    as_of: String,
    cases: Option<Vec<String>>,
) -> Result<BulkReport, AppError> {
    let outcome = run_bulk(&queue, &query, &change, &target, &as_of, cases).await;
    super::send_form_back(|| back_to_queue(&queue, &query, &outcome));
    outcome
}

#[cfg(feature = "ssr")]
async fn run_bulk(
    queue: &str,
    query: &str,
    change: &str,
    target: &str,
    as_of: &str,
    cases: Option<Vec<String>>,
) -> Result<BulkReport, AppError> {
    let (viewer, scope) = queue_scope(queue, query)?;
    let filter = CaseFilter::from_query(&parse_query(query)?)?;
    let change = BulkChange::parse(change)?;
    let target = match target {
        "selected" => BulkTarget::Selected(
            cases
                .unwrap_or_default()
                .iter()
                .map(|case| SeenCase::parse(case))
                .collect::<Result<_, _>>()?,
        ),
        "all" => BulkTarget::AllMatching {
            as_of_micros: as_of
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("as_of", "is not a time this page was loaded at"))?,
        },
        _ => return Err(AppError::invalid("target", "must be selected or all")),
    };
    bulk::apply(
        &request::state()?.pool,
        &viewer,
        scope,
        &filter,
        target,
        change,
    )
    .await
}

/// Who may act on which queue: their own (employees and admins), or the team's
/// (admins, optionally narrowed to one assignee by the page's filter).
#[cfg(feature = "ssr")]
fn queue_scope(queue: &str, query: &str) -> Result<(Viewer, cases::Scope), AppError> {
    match queue {
        "mine" => Ok((
            request::require(Capability::WorkOwnCases)?,
            cases::Scope::Mine,
        )),
        "team" => {
            let viewer = request::require(Capability::ManageAllCases)?;
            let pairs = parse_query(query)?;
            let assignee = pairs
                .iter()
                .find(|(key, _)| key == "assignee")
                .map(|(_, value)| value.as_str());
            Ok((viewer, cases::Scope::from_assignee_param(assignee)?))
        }
        _ => Err(AppError::invalid("queue", "must be mine or team")),
    }
}

/// The queue page the form came from, with the filter re-encoded (never echoed raw into
/// a header) and the outcome: `bulk=updated.skipped.unchanged` or `bulk_error=…`.
#[cfg(feature = "ssr")]
fn back_to_queue(
    queue: &str,
    query: &str,
    outcome: &Result<BulkReport, AppError>,
) -> (String, Vec<(&'static str, String)>) {
    let base = if queue == "team" { "/cases" } else { "/work" };
    let pairs = parse_query(query).unwrap_or_default();
    let mut kept: Vec<(&str, String)> = CaseFilter::from_query(&pairs)
        .map(|filter| filter.to_query(filter.after.as_ref()))
        .unwrap_or_default();
    if queue == "team"
        && let Some((_, assignee)) = pairs.iter().find(|(key, _)| key == "assignee")
    {
        kept.push(("assignee", assignee.clone()));
    }
    match outcome {
        Ok(report) => kept.push(("bulk", report.encode())),
        Err(error) => kept.push(("bulk_error", error.to_string())),
    }
    (base.to_string(), kept)
}

#[cfg(feature = "ssr")]
fn parse_query(query: &str) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(query)
        .map_err(|_| AppError::invalid("query", "is not a valid query string"))
}
