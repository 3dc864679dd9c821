//! "Add to list" on the companies page: the bar above the table (a list picker and
//! "Add ticked"), and the report of what was added.
//!
//! The bar, the table's tick boxes and each row's Add button are fields of one plain
//! form (see `CompanyTable`), so adding works before the page hydrates; the server then
//! redirects back here with the report in the URL.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::lists::AddToList;
use crate::model::{AddReport, CompanyList};

const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";

/// The picker and the bulk button. `query` is the page's filter and page marker, so a
/// form post without JavaScript comes back to the same page.
#[component]
pub fn AddToListBar(
    lists: Vec<CompanyList>,
    query: String,
    action: ServerAction<AddToList>,
) -> impl IntoView {
    let pending = action.pending();
    let (shared, mine): (Vec<_>, Vec<_>) = lists.into_iter().partition(|list| list.shared);
    view! {
        <div data-testid="add-to-list" class="mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-2.5 text-sm dark:border-slate-800 dark:bg-slate-900/60">
            <input type="hidden" name="query" value=query/>
            <label class="flex items-center gap-2">
                <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Add to list"</span>
                <select name="list_id" required class=FIELD data-testid="list-picker">
                    <option value="">"Choose a list…"</option>
                    {group("Your lists", mine)}
                    {group("Shared lists", shared)}
                </select>
            </label>
            <button type="submit" data-testid="add-ticked" disabled=move || pending.get()
                class="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-white disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800">
                "Add ticked"
            </button>
            <span class="text-xs text-slate-500 dark:text-slate-400">"or a row's own Add button. "<a href="/lists" class="underline">"Manage lists"</a></span>
            {move || pending.get().then(|| view! { <span role="status" class="text-slate-500 dark:text-slate-400">"Adding…"</span> })}
        </div>
    }
}

fn group(label: &'static str, lists: Vec<CompanyList>) -> impl IntoView {
    let options: Vec<_> = lists
        .into_iter()
        .map(|list| {
            view! { <option value=list.id.to_string()>{format!("{} ({})", list.name, list.companies)}</option> }
        })
        .collect();
    (!options.is_empty()).then(|| view! { <optgroup label=label>{options}</optgroup> })
}

/// What the last add did: from the action (with JavaScript) or from the URL the plain
/// form post was sent back to (`added=…` or `list_error=…`).
#[component]
pub fn AddOutcome(action: ServerAction<AddToList>, lists: Vec<CompanyList>) -> impl IntoView {
    let location = use_location();
    let from_url = move || -> Option<Result<AddReport, String>> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(location.search.get().trim_start_matches('?'))
                .unwrap_or_default();
        pairs
            .into_iter()
            .find_map(|(key, value)| match key.as_str() {
                "added" => AddReport::decode(&value).map(|mut report| {
                    report.list_name = lists
                        .iter()
                        .find(|list| list.id == report.list_id)
                        .map(|list| list.name.clone())
                        .unwrap_or_default();
                    Ok(report)
                }),
                "list_error" => Some(Err(value)),
                _ => None,
            })
    };
    move || {
        let outcome = match action.value().get() {
            Some(Ok(report)) => Some(Ok(report)),
            Some(Err(error)) => Some(Err(crate::model::list_error_text(&error))),
            None => from_url(),
        };
        outcome.map(|outcome| match outcome {
            Ok(report) => view! {
                <p role="status" data-testid="add-report" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                    {report.summary()}"."
                    " "<a href=format!("/lists/{}", report.list_id) class="font-medium underline">"Open the list"</a>
                </p>
            }.into_any(),
            Err(message) => view! {
                <p role="alert" data-testid="add-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                    "Could not add to the list — "{message}
                </p>
            }.into_any(),
        })
    }
}
