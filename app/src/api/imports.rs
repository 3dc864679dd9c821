//! An import's page: read it, start its dry run with a mapping, start the import of
//! its good rows. Each function: a signed-in viewer; `server::imports` checks that
//! they may import what the file holds. (The upload itself is a plain multipart post
//! to `/imports`: src/http/imports.rs.)

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, ImportView};

#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, imports, request};

/// Someone who may import something: cases need `ManageAllCases`, companies
/// `AddCompanies`; `server::imports` then checks the one the file's kind needs.
#[cfg(feature = "ssr")]
fn signed_in() -> Result<crate::model::Viewer, AppError> {
    request::require(Capability::ManageAllCases)
        .or_else(|_| request::require(Capability::AddCompanies))
}

#[server(endpoint = "imports/get", input = GetUrl)]
pub async fn get_import(id: i64) -> Result<ImportView, AppError> {
    let viewer = signed_in()?;
    imports::view(&request::state()?.pool, &viewer, id).await
}

/// The dry run, with the columns mapped as the form says (`map[<field>]` = a column's
/// index, empty for none).
#[server(endpoint = "imports/check")]
pub async fn check_import(id: i64, map: Option<BTreeMap<String, String>>) -> Result<(), AppError> {
    let outcome = async {
        let viewer = signed_in()?;
        let state = request::state()?;
        let import = imports::view(&state.pool, &viewer, id).await?;
        let mapping = crate::model::parse_mapping(
            import.kind,
            import.header.len(),
            &map.clone().unwrap_or_default(),
        )?;
        imports::start(
            &state.pool,
            &state.jobs.imports,
            &viewer,
            id,
            Some(&mapping),
            true,
        )
        .await
    }
    .await;
    back(id, &outcome);
    outcome
}

/// The import of the rows the dry run found good.
#[server(endpoint = "imports/run")]
pub async fn run_import(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let viewer = signed_in()?;
        let state = request::state()?;
        imports::start(&state.pool, &state.jobs.imports, &viewer, id, None, false).await
    }
    .await;
    back(id, &outcome);
    outcome
}

#[cfg(feature = "ssr")]
fn back(id: i64, outcome: &Result<(), AppError>) {
    let page = format!("/imports/{id}");
    super::send_form_back(|| match outcome {
        Ok(()) => (page, vec![]),
        Err(error) => (page, vec![("error", error.to_string())]),
    });
}
