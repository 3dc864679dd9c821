//! Saved searches of the companies page: list the viewer's, save the current filter
//! under a name, delete one. Plain forms too: without JavaScript the browser goes back
//! to the companies page with the outcome in the URL.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, SavedSearch};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::{CompanyFilter, list_error_text, parse_id, parse_name};
#[cfg(feature = "ssr")]
use crate::server::authz::Capability;
#[cfg(feature = "ssr")]
use crate::server::{request, saved_searches};

/// The viewer's saved searches, by name.
#[server(endpoint = "searches/mine", input = GetUrl)]
pub async fn my_saved_searches() -> Result<Vec<SavedSearch>, AppError> {
    let pool = &request::state()?.pool;
    let viewer = request::require(Capability::UseCompanies)?;
    saved_searches::mine(pool, &viewer).await
}

/// Saves the filter in `query` (the companies page's query string; stored in its
/// canonical form, without the page marker) as `name`. An empty filter, a bad query or
/// a bad name is a 422; a name already used is a 409.
#[server(endpoint = "searches/save")]
pub async fn save_search(name: String, query: String) -> Result<SavedSearch, AppError> {
    let filter = CompanyFilter::from_query_string(&query);
    let outcome = async {
        let pool = &request::state()?.pool;
        let viewer = request::require(Capability::UseCompanies)?;
        let name = parse_name("name", &name)?;
        let filter = filter.clone().map_err(|error| match error {
            // Whatever parameter was bad, it came in `query`.
            AppError::Invalid { field, message } => {
                AppError::invalid("query", format!("{field} {message}"))
            }
            other => other,
        })?;
        saved_searches::save(pool, &viewer, &name, &filter).await
    }
    .await;
    send_form_back(|| {
        let mut back = filter
            .map(|filter| filter.to_query(None))
            .unwrap_or_default();
        match &outcome {
            Ok(search) => back.push(("saved", search.id.to_string())),
            Err(error) => {
                back.push(("search_error", list_error_text(error)));
                back.push(("search_name", name.chars().take(200).collect()));
            }
        }
        ("/companies".into(), back)
    });
    outcome
}

/// Deletes the viewer's saved search `id` (404 if it is not theirs).
#[server(endpoint = "searches/delete")]
pub async fn delete_search(id: String) -> Result<(), AppError> {
    let outcome = async {
        let pool = &request::state()?.pool;
        let viewer = request::require(Capability::UseCompanies)?;
        let id = parse_id("id", &id)?;
        saved_searches::delete(pool, &viewer, id).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(()) => ("/companies".into(), vec![("search_deleted", "1".into())]),
        Err(error) => (
            "/companies".into(),
            vec![("search_error", error.to_string())],
        ),
    });
    outcome
}
