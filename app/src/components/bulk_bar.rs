//! The bulk bar above a queue table: pick a change, apply it to the ticked rows or to
//! every case matching the filter; and the report of what happened.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::case_table::{Selection, status_label};
use crate::api::cases::BulkUpdateCases;
use crate::model::{Assignee, BULK_LIMIT, BulkReport, CaseStatus, MatchCount};

/// What the bar needs to know about the page it sits on.
pub struct BulkContext {
    /// `mine` or `team`.
    pub queue: &'static str,
    /// The page's filter as a query string (what "all matching" means).
    pub query: String,
    pub as_of_micros: i64,
    pub count: MatchCount,
    /// Whether the page shows archived cases (then the bar offers "Unarchive").
    pub archived: bool,
    /// People cases can be assigned to (the team view); empty in one's own queue.
    pub people: Vec<Assignee>,
}

#[component]
pub fn BulkBar(
    context: BulkContext,
    selection: Selection,
    action: ServerAction<BulkUpdateCases>,
) -> impl IntoView {
    let BulkContext {
        queue,
        query,
        as_of_micros,
        count,
        archived,
        people,
    } = context;
    let field = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    let button = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";
    let (all_label, all_allowed) = match count {
        MatchCount::Exact(n) if n as usize <= BULK_LIMIT => {
            (format!("Apply to all {} matching", count.label()), n > 0)
        }
        _ => ("Narrow the filter to apply to all".to_string(), false),
    };
    // "all 1,234 cases", or "the 1 case".
    let all_count = match count {
        MatchCount::Exact(1) => "the 1 case".to_string(),
        _ => format!("all {}", count.label()),
    };
    let ask = format!("Apply the chosen change to {all_count} matching this filter?");
    let yes = format!("Yes, apply to {all_count}");
    let selected_label = move || match selection.count() {
        0 => "Apply to selected".to_string(),
        n => format!("Apply to {n} selected"),
    };
    let pending = action.pending();
    // Without JavaScript nothing knows what is ticked until the server is asked (it
    // says so when nothing is); once hydrated, the button waits for a tick.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let nothing_ticked = move || hydrated.get() && selection.count() == 0;
    let team = queue == "team";
    view! {
        <div data-testid="bulk-bar" class="mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-2.5 text-sm dark:border-slate-800 dark:bg-slate-900/60">
            <input type="hidden" name="queue" value=queue/>
            <input type="hidden" name="query" value=query/>
            <input type="hidden" name="as_of" value=as_of_micros.to_string()/>
            <label class="flex items-center gap-2">
                <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Bulk change"</span>
                <select name="change" required class=field data-testid="bulk-change">
                    <option value="">"Choose…"</option>
                    <optgroup label="Status">
                        {CaseStatus::ALL.into_iter().map(|status| view! {
                            <option value=format!("status:{}", status.as_str())>{format!("Mark {}", status_label(status).to_lowercase())}</option>
                        }).collect_view()}
                    </optgroup>
                    <optgroup label="Assignee">
                        {people.into_iter().map(|person| view! {
                            <option value=format!("assign:{}", person.id)>{format!("Assign to {}", person.display_name)}</option>
                        }).collect_view()}
                        <option value="assign:unassigned">{if team { "Unassign" } else { "Return to the unassigned pool" }}</option>
                    </optgroup>
                    <optgroup label="Archive">
                        {if archived {
                            view! { <option value="unarchive">"Unarchive"</option> }.into_any()
                        } else {
                            view! { <option value="archive">"Archive"</option> }.into_any()
                        }}
                    </optgroup>
                </select>
            </label>
            <button type="submit" name="target" value="selected" class=button data-testid="apply-selected"
                disabled=move || pending.get() || nothing_ticked()>{selected_label}</button>
            // Every matching case at once is asked again, with the count, before it is
            // done: a disclosure, so it works the same without JavaScript.
            {if all_allowed {
                view! {
                    <details class="group relative" data-testid="apply-all-confirm">
                        <summary class=format!("{button} cursor-pointer list-none") data-testid="apply-all">{all_label}</summary>
                        <div class="absolute left-0 z-20 mt-2 w-72 rounded-md border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                            <p>{ask}</p>
                            <button type="submit" name="target" value="all" data-testid="apply-all-yes"
                                class="mt-3 rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50"
                                disabled=move || pending.get()>{yes}</button>
                        </div>
                    </details>
                }.into_any()
            } else {
                view! {
                    <button type="button" class=button data-testid="apply-all" disabled=true>{all_label}</button>
                }.into_any()
            }}
            {move || pending.get().then(|| view! { <span class="text-slate-500 dark:text-slate-400" role="status">"Applying…"</span> })}
        </div>
    }
}

/// The outcome of the last bulk action: from the action (with JavaScript) or from the
/// URL the plain form post was redirected to (without).
#[component]
pub fn BulkOutcome(action: ServerAction<BulkUpdateCases>) -> impl IntoView {
    let location = use_location();
    // A report belongs to the page it was made on: moving to another page or filter
    // dismisses it.
    Effect::watch(
        move || location.search.get(),
        move |_, _, _| action.value().set(None),
        false,
    );
    let from_url = move || -> Option<Result<BulkReport, String>> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(location.search.get().trim_start_matches('?'))
                .unwrap_or_default();
        pairs
            .into_iter()
            .find_map(|(key, value)| match key.as_str() {
                "bulk" => BulkReport::decode(&value).map(Ok),
                "bulk_error" => Some(Err(value)),
                _ => None,
            })
    };
    move || {
        let outcome = match action.value().get() {
            Some(Ok(report)) => Some(Ok(report)),
            Some(Err(error)) => Some(Err(error.to_string())),
            None => from_url(),
        };
        outcome.map(|outcome| match outcome {
            Ok(report) => view! {
                <p role="status" data-testid="bulk-report" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                    {report.summary()}"."
                </p>
            }.into_any(),
            Err(message) => view! {
                <p role="alert" data-testid="bulk-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                    "Could not apply the change — "{message}
                </p>
            }.into_any(),
        })
    }
}
