//! Saved searches on the companies page: the menu of the viewer's searches (links to
//! `/companies?{query}`, each deletable), and "Save this search" for the filter shown.
//! Plain forms: without JavaScript the server redirects back with the outcome.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::saved_searches::{DeleteSearch, SaveSearch};
use crate::model::{CompanyFilter, SavedSearch, list_error_text};

const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";

#[component]
pub fn SavedSearchMenu(
    searches: Vec<SavedSearch>,
    forget: ServerAction<DeleteSearch>,
) -> impl IntoView {
    let count = searches.len();
    view! {
        <details data-testid="saved-searches" class="relative text-sm">
            <summary class="cursor-pointer rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-white dark:border-slate-700 dark:hover:bg-slate-800">
                {format!("Saved searches ({count})")}
            </summary>
            <div class="absolute right-0 z-10 mt-2 w-80 rounded-lg border border-slate-200 bg-white p-3 shadow-lg dark:border-slate-800 dark:bg-slate-900">
                {if searches.is_empty() {
                    view! { <p class="text-slate-500 dark:text-slate-400">"None yet. Filter the list, then “Save this search”."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-1">
                            {searches.into_iter().map(|search| {
                                let href = search.href();
                                view! {
                                    <li class="flex items-center justify-between gap-2">
                                        <a href=href data-testid="saved-search" class="truncate text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">{search.name.clone()}</a>
                                        <ActionForm action=forget>
                                            <input type="hidden" name="id" value=search.id.to_string()/>
                                            <button type="submit" title=format!("Delete the saved search {}", search.name)
                                                class="text-xs text-slate-500 dark:text-slate-400 hover:text-red-700">"Delete"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </details>
    }
}

/// "Save this search" for `filter` (only offered when it narrows the list), and what
/// the last save or delete did.
#[component]
pub fn SaveSearchForm(
    filter: CompanyFilter,
    save: ServerAction<SaveSearch>,
    forget: ServerAction<DeleteSearch>,
) -> impl IntoView {
    let query = use_query_map();
    let url = move |key: &str| query.with_untracked(|q| q.get(key));
    let url_error = url("search_error");
    let open = url_error.is_some();
    let typed = url("search_name").unwrap_or_default();
    let url_saved = url("saved").is_some();
    let url_deleted = url("search_deleted").is_some();
    let message = Signal::derive(move || -> Option<Result<String, String>> {
        match (save.value().get(), forget.value().get()) {
            (Some(Ok(search)), _) => Some(Ok(format!("Saved as “{}”.", search.name))),
            (Some(Err(error)), _) => Some(Err(list_error_text(&error))),
            (_, Some(Ok(()))) => Some(Ok("Saved search deleted.".to_string())),
            (_, Some(Err(error))) => Some(Err(error.to_string())),
            _ => match (&url_error, url_saved, url_deleted) {
                (Some(error), ..) => Some(Err(error.clone())),
                (None, true, _) => Some(Ok("Search saved.".to_string())),
                (None, false, true) => Some(Ok("Saved search deleted.".to_string())),
                _ => None,
            },
        }
    });
    // A refused name is the one field here: the message right under it describes it.
    let refused = move || matches!(message.get(), Some(Err(_)));
    let savable = !filter.is_everything();
    view! {
        {savable.then(|| view! {
            <details open=open class="mt-3 text-sm">
                <summary class="cursor-pointer font-medium text-indigo-700 dark:text-indigo-300">"Save this search"</summary>
                <ActionForm action=save attr:data-testid="save-search" attr:class="mt-2 flex flex-wrap items-center gap-2">
                    <input type="hidden" name="query" value=filter.query_string(None)/>
                    <input type="text" name="name" required maxlength="100" placeholder="Name, e.g. Berlin fintech"
                        aria-label="Name of the saved search" value=typed.clone() class=FIELD
                        aria-invalid=move || refused().then_some("true")
                        aria-describedby=move || refused().then_some("search-error")/>
                    <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500">"Save"</button>
                </ActionForm>
            </details>
        })}
        {move || message.get().map(|message| match message {
            Ok(text) => view! { <p role="status" data-testid="search-report" class="mt-2 text-sm text-emerald-800 dark:text-emerald-300">{text}</p> }.into_any(),
            Err(text) => view! { <p role="alert" id="search-error" data-testid="search-error" class="mt-2 text-sm text-red-700 dark:text-red-300">"Could not save the search — "{text}</p> }.into_any(),
        })}
    }
}
