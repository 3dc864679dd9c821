//! `/work` — "My work": the signed-in employee's cases. Every filter, sort and page is
//! in the URL (bookmarkable, shareable, and a plain GET form without JavaScript).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::api::cases::{BulkUpdateCases, my_queue};
use crate::components::{BulkOutcome, Filters, QueueError, Results, set_response_status};
use crate::model::{CaseFilter, QueuePageData};

#[component]
pub fn Work() -> impl IntoView {
    let location = use_location();
    let bulk = ServerAction::<BulkUpdateCases>::new();
    // Reloaded when the URL changes and after every bulk action. In the page itself it
    // carries only what hydration needs (`QueuePageData`).
    let page = Resource::<_, QueuePageData>::new_with_options(
        move || (location.search.get(), bulk.version().get()),
        |(search, _)| my_queue(search.trim_start_matches('?').to_string()),
        false,
    );
    // The filter as the form shows it; an unparseable URL shows the defaults.
    let filter = move || {
        let search = location.search.get();
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(search.trim_start_matches('?')).unwrap_or_default();
        CaseFilter::from_query(&pairs).unwrap_or_default()
    };

    view! {
        <Title text="My work"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"My work"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"The cases assigned to you."</p>
        </header>
        // A case just created into the team's pool (New case): it is not on this queue.
        {move || {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(location.search.get().trim_start_matches('?')).unwrap_or_default();
            pairs.into_iter().find(|(key, _)| key == "created").and_then(|(_, n)| n.parse::<i32>().ok()).map(|number| view! {
                <p role="status" data-testid="created-in-pool" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                    {format!("Case #{number} was created in the team's pool: an admin will assign it.")}
                </p>
            })
        }}
        {move || view! { <Filters filter=filter() assignees=None/> }}
        <BulkOutcome action=bulk/>
        // Transition, not Suspense: after a bulk action the old table stays until the new
        // one is ready, instead of flashing "Loading".
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading cases…"</p> }>
            // Rebuilt when the page's data arrives, never from the URL alone: the data
            // the page was hydrated with has no row text to build a table from, and the
            // URL changes before the next page's data is in.
            {move || page.get().map(|result| match result {
                Ok(page) => view! {
                    <Results page filter=untrack(filter) base="/work" extra=vec![] bulk people=vec![]/>
                }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <QueueError error base="/work"/> }.into_any()
                }
            })}
        </Transition>
    }
}
