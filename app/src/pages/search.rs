//! `/search?q=` — everything the text finds that the viewer may open, ranked, as a
//! plain page: the header box's answer without JavaScript, and the longer lists when
//! the palette's few of each kind are not enough.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::search::search;
use crate::components::form_style::without_unnamed;
use crate::components::{LoadError, set_response_status};
use crate::model::{SearchHit, SearchResults};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            Ok(SearchResults::default())
        } else {
            search(q, true).await
        }
    });
    view! {
        <Title text=move || if q().trim().is_empty() { "Search".to_owned() } else { format!("{} · Search", q().trim()) }/>
        <h1 class="text-2xl font-semibold tracking-tight">"Search"</h1>
        <Form method="GET" action="" on_form_data=without_unnamed() attr:role="search" attr:class="mt-4 flex max-w-xl gap-2">
            <label for="search-page-q" class="sr-only">"Search for"</label>
            <input id="search-page-q" type="search" name="q" maxlength="100" prop:value=q value=q()
                placeholder="A case number, a title, a customer, a company, a person, a page"
                class="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"/>
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Search"</button>
        </Form>
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Searching…"</p> }>
            {move || results.get().map(|result| match result {
                Ok(results) => view! { <Hits results/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! {
                        <LoadError heading="This search could not be run" detail=error.to_string()
                            back=("/search", "Start a new search") testid="search-error"/>
                    }
                    .into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Hits(results: SearchResults) -> impl IntoView {
    if results.query.trim().is_empty() {
        return view! {
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-400" data-testid="search-hint">
                "Type a case number (1042 or #1042), words from a title, a customer, a company or a contractor, a person's name, or the name of a page."
            </p>
        }
        .into_any();
    }
    if results.hits.is_empty() {
        return view! {
            <div data-testid="search-empty" class="mt-6 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                <p class="font-medium text-slate-800 dark:text-slate-200">"Nothing found for “"{results.query.clone()}"”."</p>
                <p class="mt-1">"Words match from their start (“ket” finds “kettle”); try fewer or shorter words."</p>
            </div>
        }
        .into_any();
    }
    let count = results.hits.len();
    view! {
        <p class="mt-6 text-sm text-slate-600 dark:text-slate-400" data-testid="search-count">
            {format!("{count} {}", if count == 1 { "result" } else { "results" })}
            {results.more.then_some(" (the best of each kind; more words narrow it)")}
        </p>
        <ol class="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" data-testid="search-hits">
            {results.hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    view! {
        <li data-testid="search-hit" data-kind=hit.kind.label()>
            <a href=hit.href.clone() class="flex items-baseline justify-between gap-4 px-4 py-3 hover:bg-slate-50 dark:hover:bg-slate-800/50">
                <span class="min-w-0">
                    <span class="block truncate font-medium text-indigo-700 dark:text-indigo-300">{hit.title.clone()}</span>
                    <span class="block truncate text-sm text-slate-600 dark:text-slate-400">{hit.detail.clone()}</span>
                </span>
                <span class="shrink-0 rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">{hit.kind.label()}</span>
            </a>
        </li>
    }
}
