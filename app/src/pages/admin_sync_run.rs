//! `/admin/integrations/zoho/runs/{id}` — one sync run: its progress (live while it
//! runs), its counts, and each record that failed with why.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::integrations::load_sync_run;
use crate::components::{
    AdminRefusal, StreamEvent, SyncProgress, When, duration_label, use_event_stream,
};
use crate::model::{AppError, SyncRunDetail};

#[component]
pub fn AdminSyncRun() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let moved = RwSignal::new(0u64);
    let detail = Resource::new(
        move || (id(), moved.get()),
        |(id, _)| async move {
            match id {
                Some(id) if id > 0 => load_sync_run(id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    use_event_stream("/api/sync/events".into(), move |event| match event {
        StreamEvent::Sync(run) if Some(run) == id() => moved.update(|n| *n += 1),
        StreamEvent::Resync => moved.update(|n| *n += 1),
        _ => {}
    });
    view! {
        <Title text="Sync run"/>
        <p class="text-sm"><a href="/admin/integrations/zoho" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Zoho CRM"</a></p>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => view! { <Run detail/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Run(detail: SyncRunDetail) -> impl IntoView {
    let run = detail.run.clone();
    let counts = [
        ("Created", run.created),
        ("Updated", run.updated),
        ("Unchanged", run.unchanged),
        ("Archived", run.archived),
        ("Photos fetched", run.photos_fetched),
        ("Failed", run.failed),
    ];
    view! {
        <header class="mt-2">
            <h1 class="text-2xl font-semibold tracking-tight">{format!("Sync run #{}", run.id)}</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {if run.full_sync { "Full resync" } else { "Incremental sync" }}
                {match &run.requested_by { Some(name) => format!(", asked for by {name}"), None => format!(", {}", run.trigger) }}
                {run.started_at.map(|at| view! { ", started " <When at/> })}
                {(run.attempts > 1).then(|| format!(" (taken over after a worker stopped: attempt {})", run.attempts))}
            </p>
        </header>
        <SyncProgress run=run.clone()/>
        {run.error.clone().map(|error| view! {
            <p role="alert" data-testid="run-error" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">{error}</p>
        })}
        <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
            {counts.into_iter().map(|(label, value)| view! {
                <div class="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
                    <dt class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
                    <dd class="mt-1 text-xl font-semibold tabular-nums">{value}</dd>
                </div>
            }).collect_view()}
        </dl>
        {(!run.status.is_active()).then(|| run.elapsed_s.map(|s| view! {
            <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"Took " {duration_label(s)} "."</p>
        }))}
        <h2 class="mt-8 font-medium">"Records that failed"</h2>
        {if detail.errors.is_empty() {
            view! { <p data-testid="no-run-errors" class="mt-2 text-sm text-slate-500 dark:text-slate-400">"None."</p> }.into_any()
        } else {
            view! {
                <table data-testid="run-errors" class="mt-2 min-w-full text-sm">
                    <caption class="sr-only">"Records that failed in this run"</caption>
                    <thead class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        <tr>
                            <th scope="col" class="px-3 py-2 text-left">"Zoho record"</th>
                            <th scope="col" class="px-3 py-2 text-left">"Step"</th>
                            <th scope="col" class="px-3 py-2 text-left">"What went wrong"</th>
                            <th scope="col" class="px-3 py-2 text-left">"When"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {detail.errors.into_iter().map(|e| view! {
                            <tr data-testid="run-error-row" class="border-t border-slate-200 dark:border-slate-800">
                                <td class="px-3 py-2 font-mono">{e.zoho_id}</td>
                                <td class="px-3 py-2">{e.stage}</td>
                                <td class="px-3 py-2">{e.message}</td>
                                <td class="px-3 py-2"><When at=e.at/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
