//! `/cases` — the team view (admins): every case of the workspace, filterable by
//! assignee (including "unassigned"), with the same table, filters and paging as
//! "My work".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::api::cases::{BulkUpdateCases, team_queue};
use crate::components::{BulkOutcome, Filters, QueueError, Results, set_response_status};
use crate::model::{CaseFilter, QueuePageData};

#[component]
pub fn Team() -> impl IntoView {
    let location = use_location();
    let pairs = move || -> Vec<(String, String)> {
        serde_urlencoded::from_str(location.search.get().trim_start_matches('?'))
            .unwrap_or_default()
    };
    let assignee = move || {
        pairs()
            .into_iter()
            .find(|(key, _)| key == "assignee")
            .map(|(_, value)| value)
            .unwrap_or_default()
    };
    let filter = move || CaseFilter::from_query(&pairs()).unwrap_or_default();
    let bulk = ServerAction::<BulkUpdateCases>::new();
    // In the page itself it carries only what hydration needs (`QueuePageData`).
    let data = Resource::<_, QueuePageData>::new_with_options(
        move || (location.search.get(), bulk.version().get()),
        |(search, _)| team_queue(search.trim_start_matches('?').to_string()),
        false,
    );
    view! {
        <Title text="All cases"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"All cases"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Every case in the workspace, whoever has it."</p>
        </header>
        <BulkOutcome action=bulk/>
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading cases…"</p> }>
            // Rebuilt when the page's data arrives, never from the URL alone: the data
            // the page was hydrated with has no row text to build a table from, and the
            // URL changes before the next page's data is in.
            {move || data.get().map(|result| match result {
                Ok(team) => {
                    let (selected, filter) = untrack(|| (assignee(), filter()));
                    let extra = if selected.is_empty() { vec![] } else { vec![("assignee", selected.clone())] };
                    let people = team.assignees.clone();
                    view! {
                        <Filters filter=filter.clone() assignees=Some((selected, team.assignees))/>
                        <Results page=team.page filter base="/cases" extra bulk people/>
                    }.into_any()
                }
                Err(error) => {
                    set_response_status(error.status());
                    view! { <QueueError error base="/cases"/> }.into_any()
                }
            })}
        </Transition>
    }
}
