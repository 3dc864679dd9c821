//! The admin dashboard's panels beside today's cases: the backlog's history (stacked
//! by status, and by priority), this month's enrichment spend against the budget, and
//! the background work (enrichments waiting or failing, the directory's last sync).
//! Here rather than in the page's module: pages share nothing with each other.

use leptos::prelude::*;

use super::chart::bar_width;
use super::{Column, Layout, SeriesBars, When, priority_label, series, status_label};
use crate::model::{
    BacklogDay, CasePriority, CaseStatus, SpendFigures, SyncStatus, Window, WorkHealth, format_usd,
};

const OPEN: [CaseStatus; 3] = [CaseStatus::New, CaseStatus::Open, CaseStatus::Pending];
const PANEL: &str = "rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900";
const LINK: &str =
    "text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300";

/// Two stacked charts of the backlog per day. Today's marks open today's cases; a
/// past day's figure has no table to open (the cases have moved on since), so it is
/// a figure with its tooltip, not a link.
#[component]
pub fn BacklogHistory(days: Vec<BacklogDay>, window: Window) -> impl IntoView {
    let today = days.last().map(|d| d.day);
    let since = days.first().map(|d| d.day);
    let started_late = days.len() < window.days() as usize;
    let column = |day: &BacklogDay, values: Vec<f64>, hrefs: Vec<String>| Column {
        label: day.day.to_string(),
        values,
        hrefs: hrefs
            .into_iter()
            .map(|href| (Some(day.day) == today).then_some(href))
            .collect(),
    };
    let by_status: Vec<Column> = days
        .iter()
        .map(|day| {
            column(
                day,
                OPEN.iter().map(|s| day.status_total(*s) as f64).collect(),
                OPEN.iter()
                    .map(|s| format!("/cases?status={}", s.as_str()))
                    .collect(),
            )
        })
        .collect();
    let priorities: Vec<CasePriority> = CasePriority::ALL.into_iter().rev().collect();
    let by_priority: Vec<Column> = days
        .iter()
        .map(|day| {
            column(
                day,
                priorities
                    .iter()
                    .map(|p| day.priority_total(*p) as f64)
                    .collect(),
                priorities
                    .iter()
                    .map(|p| {
                        format!(
                            "/cases?status=new&status=open&status=pending&priority={}",
                            p.as_str()
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let status_names: Vec<&str> = OPEN.iter().map(|s| status_label(*s)).collect();
    let priority_names: Vec<&str> = priorities.iter().map(|p| priority_label(*p)).collect();
    let note = match (started_late, since) {
        (true, Some(since)) => {
            format!("The history starts on {since}, when it was first recorded.")
        }
        _ => format!(
            "Each day as it ended (UTC); today as it is now. Last {}.",
            window.label()
        ),
    };
    view! {
        <section aria-labelledby="backlog-history" class="space-y-2" data-testid="backlog-history">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h3 id="backlog-history" class="text-sm font-medium">"Backlog per day"</h3>
                <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="backlog-history-note">{note}</p>
            </div>
            <div class="grid gap-4 lg:grid-cols-2">
                <SeriesBars title="By status".into() series=series(&status_names) columns=by_status
                    layout=Layout::Stacked unit="open cases" label_name="Day" testid="chart-backlog-status"
                    empty="No open cases in this window."/>
                <SeriesBars title="By priority".into() series=series(&priority_names) columns=by_priority
                    layout=Layout::Stacked unit="open cases" label_name="Day" testid="chart-backlog-priority"
                    empty="No open cases in this window."/>
            </div>
        </section>
    }
}

/// This month's enrichment spend against the budget, with a bar that turns amber past
/// 80 % and red past the budget.
#[component]
pub fn SpendPanel(spend: SpendFigures) -> impl IntoView {
    let SpendFigures {
        month,
        enrichments,
        failed,
        cost_micros,
        budget_micros,
    } = spend;
    let share = (budget_micros > 0).then(|| cost_micros as f64 / budget_micros as f64);
    let colour = match share {
        Some(share) if share > 1.0 => "bg-red-500",
        Some(share) if share >= 0.8 => "bg-amber-500",
        _ => "bg-emerald-500",
    };
    let headline = match share {
        Some(share) => format!(
            "{} of {} ({:.0} %)",
            format_usd(cost_micros),
            format_usd(budget_micros),
            share * 100.0
        ),
        None => format!("{} (no budget set)", format_usd(cost_micros)),
    };
    view! {
        <div class=PANEL data-testid="spend">
            <h3 class="font-medium">
                <a href=format!("/admin/usage?month={month}") class=LINK>{format!("Enrichment spend, {month}")}</a>
            </h3>
            <p class="mt-2 text-lg font-semibold tabular-nums" data-testid="spend-headline"
                data-cost=cost_micros.to_string() data-budget=budget_micros.to_string()>{headline}</p>
            {share.map(|share| view! {
                <div class="mt-2 h-2 rounded bg-slate-100 dark:bg-slate-800" aria-hidden="true">
                    <div class=format!("h-2 rounded {} {colour}", bar_width(share))></div>
                </div>
            })}
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                {format!("{enrichments} enrichments asked for this month, {failed} failed.")}
            </p>
        </div>
    }
}

/// Enrichments waiting and failing, and the directory's last sync.
#[component]
pub fn WorkPanel(work: WorkHealth) -> impl IntoView {
    let WorkHealth {
        enrichments_queued,
        enrichments_running,
        enrichments_failed_day,
        oldest_queued,
        zoho_connected,
        last_sync,
    } = work;
    let sync = match (zoho_connected, last_sync) {
        (false, _) => view! {
            <p data-testid="sync-health">"Zoho CRM is not connected. "
                <a href="/admin/integrations/zoho" class=LINK>"Connect it"</a></p>
        }
        .into_any(),
        (true, None) => view! {
            <p data-testid="sync-health">"Connected; no sync has run yet. "
                <a href="/admin/integrations/zoho" class=LINK>"Sync now"</a></p>
        }
        .into_any(),
        (true, Some(run)) => {
            let (tone, what) = match run.status {
                SyncStatus::Failed => ("text-red-700 dark:text-red-300", "failed"),
                SyncStatus::Done if run.failed > 0 => (
                    "text-amber-700 dark:text-amber-300",
                    "done, with records that failed",
                ),
                SyncStatus::Done => ("text-emerald-700 dark:text-emerald-300", "done"),
                SyncStatus::Running => ("text-slate-700 dark:text-slate-300", "running"),
                SyncStatus::Queued => ("text-slate-700 dark:text-slate-300", "queued"),
            };
            let at = run.finished_at.unwrap_or(run.requested_at);
            view! {
                <p data-testid="sync-health" data-status=run.status.label()>
                    <a href=format!("/admin/integrations/zoho/runs/{}", run.id) class=LINK>{format!("Sync run {}", run.id)}</a>
                    ": " <span class=format!("font-medium {tone}")>{what}</span> " " <When at/>
                    {(run.failed > 0).then(|| format!(" · {} records failed", run.failed))}
                    {run.error.map(|error| view! { <span class="block text-xs text-red-700 dark:text-red-300">{error}</span> })}
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div class=PANEL data-testid="work-health">
            <h3 class="font-medium"><a href="/admin/system" class=LINK>"Background work"</a></h3>
            <dl class="mt-2 grid grid-cols-3 gap-2 text-center">
                <div class="rounded-md bg-slate-50 p-2 dark:bg-slate-800/60">
                    <dt class="text-xs text-slate-500 dark:text-slate-400">"Enrichments waiting"</dt>
                    <dd class="text-lg font-semibold tabular-nums" data-testid="enrichments-queued">{enrichments_queued}</dd>
                </div>
                <div class="rounded-md bg-slate-50 p-2 dark:bg-slate-800/60">
                    <dt class="text-xs text-slate-500 dark:text-slate-400">"Running"</dt>
                    <dd class="text-lg font-semibold tabular-nums" data-testid="enrichments-running">{enrichments_running}</dd>
                </div>
                <div class="rounded-md bg-slate-50 p-2 dark:bg-slate-800/60">
                    <dt class="text-xs text-slate-500 dark:text-slate-400">"Failed, last 24 h"</dt>
                    <dd class=format!("text-lg font-semibold tabular-nums {}", if enrichments_failed_day > 0 { "text-red-700 dark:text-red-300" } else { "" })
                        data-testid="enrichments-failed">{enrichments_failed_day}</dd>
                </div>
            </dl>
            {oldest_queued.map(|at| view! {
                <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"The longest waiting was asked for " <When at/> "."</p>
            })}
            <div class="mt-3 border-t border-slate-100 pt-3 dark:border-slate-800">{sync}</div>
        </div>
    }
}

/// When a section's figures were read: they may be a few seconds old (the server
/// keeps them briefly, dropping them as soon as anything they count changes).
#[component]
pub fn FiguresAsOf(at: time::OffsetDateTime) -> impl IntoView {
    let machine = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let clock = format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second());
    view! {
        <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="figures-read-at">
            "Figures as of " <time datetime=machine>{clock}</time>
        </p>
    }
}
