//! The companies list, and adding a company.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::model::{AppError, CompanyPage};

#[cfg(feature = "ssr")]
use crate::model::{CompanyFilter, NewCompany, Website};
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, companies, request};

/// One page of the workspace's companies for the filter in `query` (the page's URL
/// query string; a bad value is a clear 422).
#[server(endpoint = "companies/list", input = GetUrl)]
pub async fn list_companies(query: String) -> Result<CompanyPage, AppError> {
    let pool = &request::state()?.pool;
    let viewer = request::require(Capability::UseCompanies)?;
    let filter = CompanyFilter::from_query_string(&query)?;
    companies::list(pool, &viewer, &filter).await
}

/// A company already tracked under a website, so the add form can warn while the
/// person types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownCompany {
    pub id: i64,
    pub name: String,
}

#[server(endpoint = "companies/check-website", input = GetUrl)]
pub async fn check_website(website: String) -> Result<Option<KnownCompany>, AppError> {
    let viewer = request::require(Capability::AddCompanies)?;
    // Half-typed addresses are not an error here: there is just nothing to warn about.
    let Ok(website) = Website::parse(&website) else {
        return Ok(None);
    };
    Ok(
        companies::find_by_website(&request::state()?.pool, &viewer, &website.key)
            .await?
            .map(|existing| KnownCompany {
                id: existing.id,
                name: existing.name,
            }),
    )
}

/// Adds a company. A website already tracked is a 409 whose `current` is the existing
/// company (`{"id", "name"}`). Without JavaScript the browser goes to the new company,
/// or back to the list with the error and what was typed.
#[server(endpoint = "companies/create")]
pub async fn create_company(
    name: String,
    website: String,
    sector: String,
    stage: String,
    location: String,
) -> Result<i64, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::AddCompanies)?;
        let new = NewCompany::parse(&name, &website, &sector, &stage, &location)?;
        companies::create(&request::state()?.pool, &viewer, &new).await
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(id) => (format!("/companies/{id}"), vec![]),
        Err(error) => {
            let mut back = vec![("add_error", error_text(error))];
            back.extend(crate::components::field_error::field_param(
                "add_field",
                error,
            ));
            if let AppError::Conflict { current } = error
                && let Some(id) = current.get("id").and_then(|id| id.as_i64())
            {
                back.push(("duplicate", id.to_string()));
            }
            for (key, value) in [
                ("name", &name),
                ("website", &website),
                ("sector", &sector),
                ("stage", &stage),
                ("location", &location),
            ] {
                back.push((key, value.chars().take(300).collect()));
            }
            ("/companies".into(), back)
        }
    });
    outcome
}

/// What the add form says about a refused company.
pub fn error_text(error: &AppError) -> String {
    match error {
        AppError::Conflict { current } => {
            let name = current
                .get("name")
                .and_then(|name| name.as_str())
                .unwrap_or("another company");
            format!("This website is already tracked as {name}.")
        }
        other => other.to_string(),
    }
}
