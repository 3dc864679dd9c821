//! The case queue's view pieces, shared by "My work" (`/work`) and the team view
//! (`/cases`): the filter form, the results (table, bulk bar, pager, live marks) and
//! the panel for a refused filter.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::{A, Form};

use super::form_style::without_unnamed;
use super::{
    BulkBar, BulkContext, CaseTable, NextPage, Selection, SortLinks, StreamEvent, priority_label,
    status_label, use_event_stream, use_viewer,
};
use crate::api::cases::BulkUpdateCases;
use crate::model::{
    AppError, Assignee, CaseFilter, CasePage, CasePriority, CaseSort, CaseSource, CaseStatus,
    Cursor,
};

/// The team view's assignee filter: who is selected, and who can be.
pub type AssigneeChoice = Option<(String, Vec<Assignee>)>;

#[component]
pub fn Filters(filter: CaseFilter, assignees: AssigneeChoice) -> impl IntoView {
    let field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    view! {
        <Form method="GET" action="" on_form_data=without_unnamed() attr:class="mt-6 flex flex-wrap items-end gap-x-4 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <fieldset class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <legend class="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Status"</legend>
                {CaseStatus::ALL.into_iter().map(|status| view! {
                    <label class="inline-flex items-center gap-1.5 text-sm">
                        <input type="checkbox" name="status" value=status.as_str() checked=filter.statuses.contains(&status)/>
                        {status_label(status)}
                    </label>
                }).collect_view()}
            </fieldset>
            <label class="text-sm">
                <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Priority"</span>
                <select name="priority" class=field>
                    <option value="" selected=filter.priority.is_none()>"Any"</option>
                    {CasePriority::ALL.into_iter().rev().map(|priority| view! {
                        <option value=priority.as_str() selected=filter.priority == Some(priority)>{priority_label(priority)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="text-sm">
                <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Source"</span>
                <select name="source" class=field data-testid="source-filter">
                    <option value="" selected=filter.source.is_none()>"Any"</option>
                    {CaseSource::ALL.into_iter().map(|source| view! {
                        <option value=source.as_str() selected=filter.source == Some(source)>{source.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            {assignees.map(|(selected, people)| view! {
                <label class="text-sm">
                    <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Assignee"</span>
                    <select name="assignee" class=field>
                        <option value="" selected=selected.is_empty()>"Anyone"</option>
                        <option value="unassigned" selected=selected == "unassigned">"Unassigned"</option>
                        {people.into_iter().map(|person| {
                            let id = person.id.to_string();
                            let is_selected = id == selected;
                            view! { <option value=id selected=is_selected>{person.display_name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            <label class="text-sm">
                <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Sort"</span>
                <select name="sort" class=field>
                    <option value="updated" selected=filter.sort.as_str() == "updated">"Recently updated"</option>
                    <option value="created" selected=filter.sort.as_str() == "created">"Newest"</option>
                    <option value="priority" selected=filter.sort.as_str() == "priority">"Most urgent"</option>
                </select>
            </label>
            {if filter.any_archived {
                // Set by a dashboard's link: archived or not, kept while ticked.
                view! {
                    <label class="inline-flex items-center gap-1.5 rounded-full border border-indigo-200 bg-indigo-50 px-2.5 py-1 text-sm dark:border-indigo-800 dark:bg-indigo-950">
                        <input type="checkbox" name="archived" value="any" checked=true/>
                        "Archived or not"
                    </label>
                }.into_any()
            } else {
                view! {
                    <label class="inline-flex items-center gap-1.5 text-sm">
                        <input type="checkbox" name="archived" value="true" checked=filter.archived/>
                        "Archived"
                    </label>
                }.into_any()
            }}
            <label class="min-w-48 flex-1 text-sm">
                <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Search"</span>
                <input type="search" name="q" maxlength="200" value=filter.q.clone() placeholder="Title, customer, email, company" class=format!("{field} w-full")/>
            </label>
            // Days set by a dashboard's link: kept while ticked, dropped by unticking.
            {[("opened", "Opened", filter.opened), ("closed", "Closed", filter.closed)].into_iter().filter_map(|(name, label, range)| {
                range.map(|range| view! {
                    <label class="inline-flex items-center gap-1.5 rounded-full border border-indigo-200 bg-indigo-50 px-2.5 py-1 text-sm dark:border-indigo-800 dark:bg-indigo-950" data-testid=format!("{name}-filter")>
                        <input type="checkbox" name=name value=range.to_param() checked=true/>
                        {format!("{label} {}", range.to_param().replace("..", " to "))}
                    </label>
                })
            }).collect_view()}
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Apply"</button>
        </Form>
    }
}

/// The count, the bulk bar, the table and the page links. `extra` are parameters of the
/// page beyond the filter (the team view's assignee) that every link must keep.
#[component]
pub fn Results(
    page: CasePage,
    filter: CaseFilter,
    base: &'static str,
    extra: Vec<(&'static str, String)>,
    bulk: ServerAction<BulkUpdateCases>,
    /// Who the team view can assign to; empty in one's own queue.
    people: Vec<Assignee>,
) -> impl IntoView {
    let query_of = |after: Option<&Cursor>| {
        let mut pairs = filter.to_query(after);
        pairs.extend(extra.iter().cloned());
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    };
    let href = |after: Option<&Cursor>| {
        let query = query_of(after);
        if query.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{query}")
        }
    };
    let next_href = page.next.map(|next| href(Some(&next)));
    let sort_href = |sort: CaseSort| {
        let mut sorted = filter.clone();
        sorted.sort = sort;
        sorted.after = None;
        let mut pairs = sorted.to_query(None);
        pairs.extend(extra.iter().cloned());
        match serde_urlencoded::to_string(pairs).unwrap_or_default() {
            query if query.is_empty() => base.to_string(),
            query => format!("{base}?{query}"),
        }
    };
    let sorts = SortLinks {
        current: filter.sort,
        created: sort_href(CaseSort::Created),
        priority: sort_href(CaseSort::Priority),
        updated: sort_href(CaseSort::Updated),
    };
    let first_href = filter.after.map(|_| href(None));
    let empty = page.rows.is_empty();
    let context = BulkContext {
        queue: if base == "/cases" { "team" } else { "mine" },
        query: query_of(filter.after.as_ref()),
        as_of_micros: page.as_of_micros,
        count: page.count,
        archived: filter.archived,
        people,
    };
    let selection = Selection::new();
    // Cases on this page that changed since it was loaded (someone else's edit, a new
    // comment): marked in the table until the next load.
    let changed = RwSignal::new(Vec::<i64>::new());
    let shown: Vec<i64> = page.rows.iter().map(|row| row.id).collect();
    let me = use_viewer().map(|viewer| viewer.user_id);
    // Cases created since the page loaded (by hand, or through the public form) that
    // this queue may show: counted, and offered with a link that loads them.
    let arrived = RwSignal::new(Vec::<i64>::new());
    use_event_stream("/api/events".to_string(), move |event| {
        let StreamEvent::Changed(change) = event else {
            return;
        };
        if change.kind == "create" && !shown.contains(&change.case_id) {
            arrived.update(|ids| {
                if !ids.contains(&change.case_id) {
                    ids.push(change.case_id);
                }
            });
            return;
        }
        // One's own changes (a bulk action just now) reload the table anyway.
        if shown.contains(&change.case_id) && change.actor_id != me {
            changed.update(|ids| {
                if !ids.contains(&change.case_id) {
                    ids.push(change.case_id);
                }
            });
        }
    });
    // A finished bulk action reloads the rows; what was ticked is done with.
    Effect::watch(
        move || bulk.version().get(),
        move |_, _, _| selection.0.set(Vec::new()),
        false,
    );
    let reload_href = href(None);
    let export_href = format!("{base}.csv?{}", query_of(None));
    let export_name = if base == "/cases" {
        "cases.csv"
    } else {
        "my-cases.csv"
    };
    view! {
        <p role="status" aria-live="polite" class="text-sm">
            {move || {
                let n = arrived.with(Vec::len);
                (n > 0).then(|| view! {
                    <span data-testid="cases-arrived" class="mt-4 flex items-center justify-between rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-indigo-900 dark:border-indigo-800 dark:bg-indigo-950 dark:text-indigo-100">
                        {if n == 1 { "1 new case arrived.".to_string() } else { format!("{n} new cases arrived.") }}
                        // A full load: the router would see the same URL and keep the page.
                        <a href=reload_href.clone() rel="external" class="font-medium underline">"Show them"</a>
                    </span>
                })
            }}
        </p>
        <div class="mt-6 flex items-center justify-between text-sm">
            <p class="flex items-center gap-3">
                <span data-testid="match-count" class="font-medium">{page.count.label()}</span>
                // rel="external": a download, not a page for the router. The whole
                // filtered set, from the first row.
                <a href=export_href rel="external" download=export_name data-testid="export-csv"
                    title="The filtered cases as a CSV file (up to 10,000 rows)"
                    class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Export CSV"</a>
                // The team's view is the admins': they import cases.
                {(base == "/cases").then(|| view! {
                    <a href="/imports/new?kind=cases" data-testid="import-csv"
                        class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Import CSV"</a>
                })}
            </p>
            <nav aria-label="Pages" class="flex gap-3">
                {first_href.map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← First page"</A> })}
                {next_href.clone().map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Next page →"</A> })}
            </nav>
        </div>
        {if empty {
            view! {
                <div data-testid="empty-queue" class="mt-4 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                    <p class="font-medium text-slate-700 dark:text-slate-200">"No cases match."</p>
                    <p class="mt-1">"Try fewer filters, or " <a href=base class="text-indigo-700 underline dark:text-indigo-300">"show everything not archived"</a> "."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <ActionForm action=bulk attr:data-testid="bulk-form">
                    <BulkBar context selection action=bulk/>
                    <CaseTable rows=page.rows selection changed sorts=sorts.clone()/>
                </ActionForm>
            }.into_any()
        }}
        <NextPage href=next_href/>
    }
}

#[component]
pub fn QueueError(error: AppError, base: &'static str) -> impl IntoView {
    let (heading, detail, reset) = match &error {
        AppError::Forbidden => (
            "Not allowed",
            "Only admins can see every case in the workspace.".to_string(),
            false,
        ),
        AppError::Invalid { .. } => ("These filters cannot be used", error.to_string(), true),
        other => ("The cases could not be loaded", other.to_string(), true),
    };
    view! {
        <section role="alert" data-testid="queue-error" class="mt-6 rounded-lg border border-red-200 bg-red-50 p-6 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
            <p class="font-semibold">{heading}</p>
            <p class="mt-1">{detail}</p>
            {reset.then(|| view! { <p class="mt-3"><a href=base class="font-medium underline">"Reset the filters"</a></p> })}
        </section>
    }
}
