//! `/contractors` — the contractor directory synced from Zoho CRM: a grid of cards
//! (photo thumbnails lazy-loaded with `srcset`, initials when there is no photo),
//! search and filters in the URL (a plain GET form without JavaScript), keyset pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_location;

use crate::api::contractors::list_contractors;
use crate::components::form_style::{FIELD, LABEL, without_unnamed};
use crate::components::{
    LoadError, NextPage, cards_html, set_response_status, spliced, use_viewer,
};
use crate::model::{AppError, ContractorFilter, DirectoryPage, FacetValue, QueuePageData, Role};

#[component]
pub fn Contractors() -> impl IntoView {
    let location = use_location();
    // In the page itself it carries the cards' ids only: their HTML is already there
    // (`QueuePageData`).
    let page = Resource::<_, QueuePageData>::new_with_options(
        move || location.search.get(),
        |search| list_contractors(search.trim_start_matches('?').to_string()),
        false,
    );
    let filter =
        move || ContractorFilter::from_query_string(&location.search.get()).unwrap_or_default();
    view! {
        <Title text="Contractors"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"Contractors"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"The directory, kept in step with Zoho CRM."</p>
        </header>
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading the directory…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => view! { <Directory page filter=filter()/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <DirectoryError error/> }.into_any()
                }
            })}
        </Transition>
    }
}

/// The search box and the three menus (their values and counts from the page).
#[component]
fn Filters(filter: ContractorFilter, menus: [Vec<FacetValue>; 3]) -> impl IntoView {
    let [trades, cities, statuses] = menus;
    let menu =
        |name: &'static str, label: &'static str, values: Vec<FacetValue>, chosen: String| {
            view! {
                <label class="text-sm">
                    <span class=LABEL>{label}</span>
                    <select name=name class=FIELD>
                        <option value="" selected=chosen.is_empty()>"Any"</option>
                        {values.into_iter().map(|facet| {
                            let selected = facet.value == chosen;
                            let label = facet.label();
                            view! { <option value=facet.value selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        };
    view! {
        <Form method="GET" action="" on_form_data=without_unnamed() attr:class="mt-6 flex flex-wrap items-end gap-x-4 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <label class="min-w-48 flex-1 text-sm">
                <span class=LABEL>"Search"</span>
                <input type="search" name="q" maxlength="200" value=filter.q.clone() placeholder="Name, trade, skill, city" class=format!("{FIELD} w-full")/>
            </label>
            {menu("trade", "Trade", trades, filter.trade.clone())}
            {menu("city", "City", cities, filter.city.clone())}
            {menu("status", "Status", statuses, filter.status.clone())}
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="archived" value="1" checked=filter.archived class="h-4 w-4"/>
                "Removed from Zoho"
            </label>
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Apply"</button>
        </Form>
    }
}

#[component]
fn Directory(page: DirectoryPage, filter: ContractorFilter) -> impl IntoView {
    let href = |after| {
        let query = ContractorFilter {
            after,
            ..filter.clone()
        }
        .to_query();
        if query.is_empty() {
            "/contractors".to_string()
        } else {
            format!("/contractors?{query}")
        }
    };
    let next_href = page.next.clone().map(|next| href(Some(next)));
    let first_href = filter.after.as_ref().map(|_| href(None));
    let count = page.count.label_for("contractor", "contractors");
    let empty = page.cards.is_empty();
    let connected = page.connected;
    let filtered = filter.is_filtered();
    view! {
        <Filters filter=filter.clone() menus=[page.trades, page.cities, page.statuses]/>
        <div class="mt-6 flex items-center justify-between text-sm">
            <p data-testid="match-count" class="font-medium">{count}</p>
            <nav aria-label="Pages" class="flex gap-3">
                {first_href.map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← First page"</A> })}
                {next_href.clone().map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Next page →"</A> })}
            </nav>
        </div>
        {if empty {
            view! { <Empty connected filtered/> }.into_any()
        } else {
            let cards = page.cards;
            let cards_markup = spliced(&cards, || cards_html(&cards));
            view! {
                <ul role="list" data-testid="contractor-grid" inner_html=cards_markup
                    class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-6"></ul>
            }.into_any()
        }}
        <NextPage href=next_href/>
    }
}

#[component]
fn Empty(connected: bool, filtered: bool) -> impl IntoView {
    let viewer = use_viewer();
    let is_admin = viewer.is_some_and(|v| v.role == Role::Admin);
    view! {
        <div data-testid="empty-contractors" class="mt-4 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
            {if filtered {
                view! {
                    <p class="font-medium text-slate-700 dark:text-slate-200">"No contractors match."</p>
                    <p class="mt-1"><a href="/contractors" class="text-indigo-700 underline dark:text-indigo-300">"Clear the filters"</a></p>
                }.into_any()
            } else if !connected {
                view! {
                    <p class="font-medium text-slate-700 dark:text-slate-200">"The directory is empty: Zoho CRM is not connected yet."</p>
                    {if is_admin {
                        view! { <p class="mt-1"><a href="/admin/integrations/zoho" class="text-indigo-700 underline dark:text-indigo-300">"Connect Zoho CRM"</a></p> }.into_any()
                    } else {
                        view! { <p class="mt-1">"An admin of the workspace can connect it."</p> }.into_any()
                    }}
                }.into_any()
            } else {
                view! {
                    <p class="font-medium text-slate-700 dark:text-slate-200">"No contractors yet."</p>
                    <p class="mt-1">"They appear here as the first sync from Zoho CRM runs."</p>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn DirectoryError(error: AppError) -> impl IntoView {
    let (heading, detail) = match &error {
        AppError::Invalid { .. } => ("These filters cannot be used", error.to_string()),
        other => ("The directory could not be loaded", other.to_string()),
    };
    view! { <LoadError heading detail back=("/contractors", "Reset the filters") testid="contractors-error"/> }
}
