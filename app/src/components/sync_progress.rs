//! A sync run's progress: a native `<progress>` bar (accessible as it is, styled
//! without inline styles, which the CSP forbids), records and photos done of the total
//! known so far, the rate and the time left.

use leptos::prelude::*;

use crate::model::SyncRunView;

#[component]
pub fn SyncProgress(run: SyncRunView) -> impl IntoView {
    let (done, total) = run.progress();
    let percent = if total > 0 { done * 100 / total } else { 0 };
    let rate = run.rate_and_eta();
    let records = match run.records_total {
        Some(total) => format!(
            "{} of {} records",
            run.records_done,
            total.max(run.records_done)
        ),
        None => format!("{} records", run.records_done),
    };
    let photos = format!("{} of {} photos", run.photos_done, run.photos_total);
    let label = format!("Sync run {} progress", run.id);
    view! {
        <div data-testid="sync-progress" data-status=run.status.label() class="mt-3">
            <div class="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                <span class="font-medium">{run.status.label()} " · " <span data-testid="progress-percent">{percent} "%"</span></span>
                <span class="tabular-nums text-slate-600 dark:text-slate-400">
                    <span data-testid="progress-records">{records}</span> " · " <span data-testid="progress-photos">{photos}</span>
                    {rate.map(|(rate, eta)| view! {
                        " · " {format!("{rate:.0}/s")}
                        {eta.map(|s| format!(" · about {} left", duration_label(s)))}
                    })}
                </span>
            </div>
            <progress max=total.max(1).to_string() value=done.to_string() aria-label=label
                class="mt-2 h-2 w-full overflow-hidden rounded-full [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-indigo-600 [&::-moz-progress-bar]:bg-indigo-600 dark:[&::-webkit-progress-bar]:bg-slate-800">
                {percent} "%"
            </progress>
        </div>
    }
}

/// "45 s", "3 min", "1 h 5 min".
pub fn duration_label(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", (s + 30) / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
