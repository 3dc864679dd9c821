//! The workspace's cases, for admins: the backlog by status and priority (now, and per
//! day), cases opened and closed per day, the unassigned pool, each person's load
//! against the work-in-progress limit (which the admin sets here), the enrichment
//! spend and the background work.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::dashboard::{SetWipLimit, team_dashboard};
use crate::components::chart::bar_width;
use crate::components::form_style::FIELD;
use crate::components::{
    BacklogHistory, CaseLines, Column, FiguresAsOf, Layout, LoadError, SeriesBars, SpendPanel,
    When, WorkPanel, priority_label, provide_reading, series, set_response_status, status_label,
};
use crate::model::{AdminDashboard, CasePriority, LoadLine};

const OPEN: [crate::model::CaseStatus; 3] = [
    crate::model::CaseStatus::New,
    crate::model::CaseStatus::Open,
    crate::model::CaseStatus::Pending,
];
const OPEN_QUERY: &str = "status=new&status=open&status=pending";

#[component]
pub fn TeamCases() -> impl IntoView {
    let location = use_location();
    let wip = ServerAction::<SetWipLimit>::new();
    let data = Resource::new(
        move || (location.search.get(), wip.version().get()),
        |(search, _)| team_dashboard(search.trim_start_matches('?').to_string()),
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Counting the workspace's cases…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(dashboard) => view! { <TeamPanels dashboard wip/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <LoadError heading="The team's figures could not be loaded" detail=error.to_string() back=("/", "Show the last 30 days") testid="team-dashboard-error"/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamPanels(dashboard: AdminDashboard, wip: ServerAction<SetWipLimit>) -> impl IntoView {
    // Its charts are drawn once per read of these figures (components::reading_memo).
    provide_reading(dashboard.reading);
    let AdminDashboard {
        window,
        read_at,
        backlog,
        opened_per_day,
        closed_per_day,
        unassigned,
        unassigned_oldest,
        load,
        people_with_cases,
        at_or_over_limit,
        wip_limit,
        backlog_days,
        spend,
        work,
        ..
    } = dashboard;
    let backlog_total: i64 = backlog.iter().map(|(_, _, n)| n).sum();
    let opened_total: i64 = opened_per_day.iter().map(|d| d.n).sum();
    let closed_total: i64 = closed_per_day.iter().map(|d| d.n).sum();
    // Opened against closed, a pair of bars a day, each opening the cases it counts.
    let flow: Vec<Column> = opened_per_day
        .iter()
        .zip(&closed_per_day)
        .map(|(opened, closed)| Column {
            label: opened.day.to_string(),
            values: vec![opened.n as f64, closed.n as f64],
            hrefs: vec![
                Some(format!("/cases?archived=any&opened={}", opened.day)),
                Some(format!(
                    "/cases?status=resolved&status=closed&archived=any&closed={}",
                    closed.day
                )),
            ],
        })
        .collect();
    view! {
        <section aria-labelledby="team-cases" class="space-y-4" data-testid="team-dashboard">
            <h2 id="team-cases" class="text-lg font-semibold">
                "The workspace's open cases: " <span data-testid="team-open-total">{backlog_total}</span>
            </h2>
            <FiguresAsOf at=read_at/>
            <div class="grid gap-4 lg:grid-cols-2">
                <BacklogTable backlog/>
                <div class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <h3 class="text-sm font-medium">
                        <a href=format!("/cases?assignee=unassigned&{OPEN_QUERY}&sort=created") data-testid="unassigned-count"
                            class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">
                            {if unassigned == 1 { "1 open case unassigned".to_string() } else { format!("{unassigned} open cases unassigned") }}
                        </a>
                    </h3>
                    <CaseLines testid="unassigned-oldest" lines=unassigned_oldest empty="None: every open case has someone." verb="opened"/>
                </div>
            </div>
            <SeriesBars title=format!("Opened and closed per day, last {} ({opened_total} opened, {closed_total} closed)", window.label())
                series=series(&["Opened", "Closed"]) columns=flow layout=Layout::Grouped unit="cases"
                label_name="Day" testid="chart-team-flow" empty="No case opened or closed in this window."/>
            <BacklogHistory days=backlog_days window/>
            <LoadPanel load people_with_cases at_or_over_limit wip_limit wip/>
            <div class="grid gap-4 lg:grid-cols-2">
                <SpendPanel spend/>
                <WorkPanel work/>
            </div>
        </section>
    }
}

/// Status × priority, each cell a link to those cases: a heat table (the darker, the
/// more), readable as the table it is.
#[component]
fn BacklogTable(backlog: Vec<(crate::model::CaseStatus, CasePriority, i64)>) -> impl IntoView {
    let most = backlog.iter().map(|(_, _, n)| *n).max().unwrap_or(0).max(1);
    let cell = move |status: crate::model::CaseStatus, priority: CasePriority| {
        let n = backlog
            .iter()
            .find(|(s, p, _)| *s == status && *p == priority)
            .map(|(_, _, n)| *n)
            .unwrap_or(0);
        // Five steps of shade, as classes (the CSP allows no inline style).
        let shade = match (n * 5 + most - 1) / most {
            0 => "bg-white dark:bg-slate-900",
            1 => "bg-indigo-50 dark:bg-indigo-950",
            2 => "bg-indigo-100 dark:bg-indigo-900",
            3 => "bg-indigo-200 dark:bg-indigo-800",
            4 => "bg-indigo-300 dark:bg-indigo-700",
            // White on indigo-600 (not 400): AA contrast for the figure (4.5:1).
            _ => "bg-indigo-600 text-white dark:bg-indigo-600",
        };
        view! {
            <td class=format!("p-0 text-right tabular-nums {shade}")>
                <a href=format!("/cases?status={}&priority={}", status.as_str(), priority.as_str())
                    data-testid="backlog-cell" data-value=n.to_string()
                    title=format!("{} · {}: {n} cases", status_label(status), priority_label(priority))
                    class="block px-3 py-2 hover:underline">{n}</a>
            </td>
        }
    };
    view! {
        <figure class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" data-testid="backlog">
            <figcaption class="text-sm font-medium">"Backlog now, by status and priority"</figcaption>
            <table class="mt-3 w-full text-sm">
                <thead>
                    <tr class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        <th scope="col" class="px-3 py-1 text-left">"Status"</th>
                        {CasePriority::ALL.into_iter().rev().map(|p| view! { <th scope="col" class="px-3 py-1 text-right">{priority_label(p)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {OPEN.into_iter().map(|status| view! {
                        <tr>
                            <th scope="row" class="px-3 py-2 text-left font-medium">{status_label(status)}</th>
                            {CasePriority::ALL.into_iter().rev().map(|priority| cell(status, priority)).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}

#[component]
fn LoadPanel(
    load: Vec<LoadLine>,
    people_with_cases: i64,
    at_or_over_limit: i64,
    wip_limit: Option<i32>,
    wip: ServerAction<SetWipLimit>,
) -> impl IntoView {
    let query = use_query_map();
    let url_error = query.with_untracked(|q| q.get("wip_error").unwrap_or_default());
    let error = Signal::derive(move || match wip.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => (!url_error.is_empty()).then(|| url_error.clone()),
    });
    let most = load.iter().map(|line| line.open).max().unwrap_or(0);
    let scale = most.max(i64::from(wip_limit.unwrap_or(0))).max(1) as f64;
    let summary = match wip_limit {
        Some(limit) => format!(
            "{people_with_cases} people hold open cases; {at_or_over_limit} at or over the limit of {limit}."
        ),
        None => format!("{people_with_cases} people hold open cases. No limit set."),
    };
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" data-testid="load">
            <div class="flex flex-wrap items-end justify-between gap-3">
                <div>
                    <h3 class="text-sm font-medium">"Load per person (most loaded first)"</h3>
                    <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="load-summary">{summary}</p>
                </div>
                <ActionForm action=wip attr:class="flex items-end gap-2 text-sm" attr:data-testid="wip-form">
                    <label>
                        <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"WIP limit"</span>
                        <input type="number" name="wip_limit" min="1" max="100000" value=wip_limit.map(|l| l.to_string())
                            placeholder="None" class=format!("{FIELD} w-28")
                            aria-invalid=move || error.get().map(|_| "true") aria-describedby=move || error.get().map(|_| "wip-error")/>
                    </label>
                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">"Save"</button>
                </ActionForm>
            </div>
            {move || error.get().map(|message| view! { <p role="alert" id="wip-error" class="mt-2 text-sm text-red-700 dark:text-red-300" data-testid="wip-error">{message}</p> })}
            {if load.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400" data-testid="load-empty">"Nobody holds an open case."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-3 w-full text-sm">
                        <thead class="sr-only"><tr><th scope="col">"Person"</th><th scope="col">"Open cases"</th><th scope="col">"Oldest"</th></tr></thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                            {load.into_iter().map(|line| {
                                let over = wip_limit.is_some_and(|limit| line.open >= i64::from(limit));
                                let width = bar_width(line.open as f64 / scale);
                                let colour = if over { "bg-amber-500" } else { "bg-indigo-500 dark:bg-indigo-400" };
                                view! {
                                    <tr data-testid="load-line" data-open=line.open.to_string() data-over=over.to_string()>
                                        <th scope="row" class="w-48 py-2 pr-3 text-left font-normal">
                                            <a href=format!("/cases?assignee={}&{OPEN_QUERY}", line.user_id) class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">{line.name}</a>
                                        </th>
                                        <td class="py-2">
                                            <div class="flex items-center gap-2">
                                                <div class="h-2 flex-1 rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
                                                    <div class=format!("h-2 rounded {width} {colour}")></div>
                                                </div>
                                                <span class="w-16 text-right tabular-nums">{line.open}</span>
                                                {over.then(|| view! { <span class="text-xs font-medium text-amber-700 dark:text-amber-300">"over limit"</span> })}
                                            </div>
                                        </td>
                                        <td class="w-40 py-2 pl-3 text-right text-xs text-slate-500 dark:text-slate-400">
                                            {line.oldest.map(|at| view! { "oldest opened " <When at/> })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}
