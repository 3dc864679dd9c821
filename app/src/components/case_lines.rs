//! Short lists of cases (a dashboard's oldest, changed by others, unassigned) and a
//! day chart's bars.

use leptos::prelude::*;

use super::{Bar, StatusBadge, When};
use crate::model::{CaseLine, CaseStatus, DayFigure};

/// One bar per day, linked to `href_prefix` + the day.
pub fn day_bars(days: &[DayFigure], href_prefix: &str) -> Vec<Bar> {
    days.iter()
        .map(|figure| Bar {
            label: figure.day.to_string(),
            value: figure.n as f64,
            href: format!("{href_prefix}{}", figure.day),
        })
        .collect()
}

#[component]
pub fn CaseLines(
    testid: &'static str,
    lines: Vec<CaseLine>,
    empty: &'static str,
    verb: &'static str,
) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p data-testid=testid class="mt-3 text-sm text-slate-500 dark:text-slate-400">{empty}</p> }.into_any();
    }
    view! {
        <ul data-testid=testid class="mt-2 divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {lines.into_iter().map(|line| {
                let status: CaseStatus = line.status;
                view! {
                    <li class="flex items-center justify-between gap-3 py-2">
                        <a href=format!("/cases/{}", line.number) class="min-w-0 truncate text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">
                            <span class="text-slate-500 dark:text-slate-400">{format!("#{} ", line.number)}</span>
                            {line.title}
                        </a>
                        <span class="flex shrink-0 items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
                            <StatusBadge status/>
                            {line.by.map(|by| format!("{by}, "))}
                            {verb} " " <When at=line.at/>
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
