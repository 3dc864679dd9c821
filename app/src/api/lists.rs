//! Lists: read them, create / rename / delete one, add companies to one, remove one,
//! and "Enrich all".
//!
//! Every write is also a plain HTML form (the pages work before they hydrate): a form
//! post is answered with a redirect to the page it belongs on, carrying what happened
//! (`error=…`, a report) in the URL. Ids arrive as form text and are parsed here, so a
//! wrong type is a 422 naming the field.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AddReport, AppError, CompanyList, EnrichAllReport, ListDetail, ListsOverview};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::Viewer;
#[cfg(feature = "ssr")]
use crate::model::{
    CompanyFilter, list_error_text, parse_checkbox, parse_id, parse_name, require_confirm,
};
#[cfg(feature = "ssr")]
use crate::server::authz::Capability;
#[cfg(feature = "ssr")]
use crate::server::{AppState, list_items, lists, request};

/// `/lists`: the viewer's lists and the shared ones, with counts.
#[server(endpoint = "lists/all", input = GetUrl)]
pub async fn load_lists() -> Result<ListsOverview, AppError> {
    let (state, viewer) = access().await?;
    let pool = &state.pool;
    lists::overview(pool, &viewer).await
}

/// `/lists/{id}`: the list and one page of its companies (`query`: the page's query
/// string, for its sort and page marker).
#[server(endpoint = "lists/detail", input = GetUrl)]
pub async fn load_list(id: i64, query: String) -> Result<ListDetail, AppError> {
    let (state, viewer) = access().await?;
    let pool = &state.pool;
    let filter = CompanyFilter::from_query_string(&query)?;
    list_items::detail(pool, &viewer, id, &filter).await
}

/// Creates a list (`shared` ticked: for the whole workspace, admins only). Without
/// JavaScript the browser goes to the new list, or back to `/lists` with the error and
/// the name typed.
#[server(endpoint = "lists/create")]
pub async fn create_list(name: String, shared: Option<String>) -> Result<i64, AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let pool = &state.pool;
        let name = parse_name("name", &name)?;
        let shared = parse_checkbox("shared", shared.as_deref())?;
        lists::create(pool, &viewer, &name, shared).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(id) => (format!("/lists/{id}"), vec![("created", "1".into())]),
        Err(error) => (
            "/lists".into(),
            vec![
                ("error", list_error_text(error)),
                ("name", name.chars().take(200).collect()),
            ],
        ),
    });
    outcome
}

/// Renames list `id` if it is still at `version` (409 otherwise).
#[server(endpoint = "lists/rename")]
pub async fn rename_list(
    id: String,
    version: String,
    name: String,
    back: Option<String>,
) -> Result<CompanyList, AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let pool = &state.pool;
        let id = parse_id("id", &id)?;
        let version: i32 = version
            .trim()
            .parse()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| AppError::invalid("version", "is not a version of this list"))?;
        let name = parse_name("name", &name)?;
        lists::rename(pool, &viewer, id, version, &name).await
    }
    .await;
    send_form_back(|| {
        let page = back_page(back.as_deref(), &id);
        match &outcome {
            Ok(_) => (page, vec![("renamed", "1".into())]),
            Err(error) => (page, vec![("error", list_error_text(error))]),
        }
    });
    outcome
}

/// Deletes list `id`; `confirm` must be `yes` (the confirmation step sends it).
#[server(endpoint = "lists/delete")]
pub async fn delete_list(id: String, confirm: Option<String>) -> Result<(), AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let pool = &state.pool;
        let id = parse_id("id", &id)?;
        require_confirm(confirm.as_deref())?;
        lists::delete(pool, &viewer, id).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(()) => ("/lists".into(), vec![("deleted", "1".into())]),
        Err(error) => ("/lists".into(), vec![("error", list_error_text(error))]),
    });
    outcome
}

/// Adds companies to list `list_id`: the row whose button was pressed (`company`), or
/// else the ticked rows (`companies[]`). Already on it is counted, not an error.
/// Without JavaScript the browser goes back to the companies page it came from
/// (`query`, re-encoded) with the report.
#[server(endpoint = "lists/add")]
pub async fn add_to_list(
    list_id: String,
    company: Option<String>,
    companies: Option<Vec<String>>,
    query: Option<String>,
) -> Result<AddReport, AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let pool = &state.pool;
        if list_id.trim().is_empty() {
            return Err(AppError::invalid("list_id", "choose a list"));
        }
        let list_id = parse_id("list_id", &list_id)?;
        let ids: Vec<i64> = match &company {
            Some(one) => vec![parse_id("company", one)?],
            None => companies
                .iter()
                .flatten()
                .map(|id| parse_id("companies", id))
                .collect::<Result<_, _>>()?,
        };
        list_items::add(pool, &viewer, list_id, &ids).await
    }
    .await;
    send_form_back(|| {
        let mut back = companies_query(query.as_deref());
        match &outcome {
            Ok(report) => back.push(("added", report.encode())),
            Err(error) => back.push(("list_error", list_error_text(error))),
        }
        ("/companies".into(), back)
    });
    outcome
}

/// Removes company `company_id` from list `list_id`; `confirm` must be `yes`. `false`
/// when it was not on the list.
#[server(endpoint = "lists/remove")]
pub async fn remove_from_list(
    list_id: String,
    company_id: String,
    confirm: Option<String>,
) -> Result<bool, AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let pool = &state.pool;
        let list_id = parse_id("list_id", &list_id)?;
        let company_id = parse_id("company_id", &company_id)?;
        require_confirm(confirm.as_deref())?;
        list_items::remove(pool, &viewer, list_id, company_id).await
    }
    .await;
    send_form_back(|| {
        let page = back_page(None, &list_id);
        match &outcome {
            Ok(true) => (page, vec![("removed", "1".into())]),
            Ok(false) => (page, vec![("removed", "0".into())]),
            Err(error) => (page, vec![("error", list_error_text(error))]),
        }
    });
    outcome
}

/// Queues an enrichment of every company on list `id`, within the person's hourly
/// limit and the workspace's budget; reports what was queued, already running and
/// refused (and why).
#[server(endpoint = "lists/enrich")]
pub async fn enrich_list(id: String) -> Result<EnrichAllReport, AppError> {
    let outcome = async {
        let (state, viewer) = access().await?;
        let id = parse_id("id", &id)?;
        list_items::enrich_all(
            &state.pool,
            &state.jobs.enrich,
            &viewer,
            id,
            &state.config.enrich_per_hour,
        )
        .await
    }
    .await;
    send_form_back(|| {
        let page = back_page(None, &id);
        match &outcome {
            Ok(report) => (page, vec![("enrich", report.encode())]),
            Err(error) => (page, vec![("error", list_error_text(error))]),
        }
    });
    outcome
}

/// Lists are for everyone with company access (analysts, admins, and employees where
/// the workspace lets them enrich): 401 / 403 otherwise.
#[cfg(feature = "ssr")]
async fn access() -> Result<(AppState, Viewer), AppError> {
    let state = request::state()?;
    let viewer = request::require(Capability::UseCompanies)?;
    Ok((state, viewer))
}

/// Where a form on a list goes back to: `/lists` when it was posted there, else the
/// list's own page (only ever one of these two, never a path from the request).
#[cfg(feature = "ssr")]
fn back_page(back: Option<&str>, id: &str) -> String {
    match (back, parse_id("id", id)) {
        (Some("lists"), _) | (_, Err(_)) => "/lists".to_string(),
        (_, Ok(id)) => format!("/lists/{id}"),
    }
}

/// The companies page's filter and page marker, re-encoded (never echoed raw into a
/// header); an unreadable one is dropped.
#[cfg(feature = "ssr")]
fn companies_query(query: Option<&str>) -> Vec<(&'static str, String)> {
    CompanyFilter::from_query_string(query.unwrap_or_default())
        .map(|filter| filter.to_query(filter.after.as_ref()))
        .unwrap_or_default()
}
