//! A company's score as a badge coloured by band, and where its enrichment is when one
//! is under way.

use leptos::prelude::*;

use crate::model::EnrichmentStatus;

/// The band a score falls in: the colour and the word screen readers get.
pub fn score_band(score: i16) -> (&'static str, &'static str) {
    match score {
        80.. => (
            "strong",
            "bg-emerald-100 text-emerald-900 ring-emerald-600/30 dark:bg-emerald-950 dark:text-emerald-200",
        ),
        60..=79 => (
            "good",
            "bg-sky-100 text-sky-900 ring-sky-600/30 dark:bg-sky-950 dark:text-sky-200",
        ),
        40..=59 => (
            "fair",
            "bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-200",
        ),
        _ => (
            "weak",
            "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-300",
        ),
    }
}

#[component]
pub fn ScoreBadge(score: Option<i16>, status: Option<EnrichmentStatus>) -> impl IntoView {
    let active = status.filter(|status| status.is_active());
    view! {
        <span class="inline-flex items-center gap-2">
            {score.map(|score| {
                let (band, colours) = score_band(score);
                view! {
                    <span data-testid="score" title=format!("Score {score} of 100 ({band})")
                        class=format!("inline-flex min-w-9 justify-center rounded-full px-2 py-0.5 text-xs font-semibold tabular-nums ring-1 ring-inset {colours}")>
                        {score}
                    </span>
                }
            })}
            {match (score, active) {
                (_, Some(status)) => Some(view! {
                    <span class="text-xs text-indigo-700 dark:text-indigo-300">{if status == EnrichmentStatus::Queued { "queued" } else { "enriching…" }}</span>
                }.into_any()),
                // The last run failed: said on the list too (the company's page says why;
                // a score shown is the previous run's).
                (_, None) if status == Some(EnrichmentStatus::Failed) => Some(view! {
                    <span data-testid="enrichment-failed" title="The last enrichment failed: open the company to see why"
                        class="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950 dark:text-red-200 dark:ring-red-900">
                        "failed"
                    </span>
                }.into_any()),
                (None, None) => Some(view! { <span class="text-xs text-slate-500 dark:text-slate-400">"—"</span> }.into_any()),
                _ => None,
            }}
        </span>
    }
}
