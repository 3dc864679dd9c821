//! `/imports/new?kind=cases|companies` — upload a CSV file to import; and
//! `/imports/{id}` — its columns matched to fields (chosen by header, changeable), a
//! preview of its first rows, the dry run that checks every row and lists what is
//! wrong (with the whole list as a CSV report), then the import with a live progress
//! bar. Every step is a plain form: it all works without JavaScript (the progress then
//! moves when the page is read again: its Refresh link).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::imports::{CheckImport, RunImport, get_import};
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{AdminRefusal, When};
use crate::model::{AppError, ImportKind, ImportStatus, ImportView, MAX_IMPORT_ROWS};

const BUTTON: &str =
    "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500";

fn kind_words(kind: ImportKind) -> (&'static str, &'static str) {
    match kind {
        ImportKind::Cases => ("cases", "/cases?source=import"),
        ImportKind::Companies => ("companies", "/companies"),
    }
}

#[component]
pub fn ImportNew() -> impl IntoView {
    let query = use_query_map();
    let kind = move || {
        query
            .with(|q| q.get("kind").and_then(|k| ImportKind::parse(&k)))
            .unwrap_or(ImportKind::Cases)
    };
    let error = move || query.with(|q| q.get("error"));
    view! {
        <Title text="Import from CSV"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">{move || format!("Import {} from a CSV file", kind_words(kind()).0)}</h1>
            <p class="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
                "A comma-separated file in UTF-8 with a header row, up to 50 MB and "
                {MAX_IMPORT_ROWS.to_string()} " rows. Its columns are matched to fields by their headers; you check the match and see every row's problems before anything is written. "
                "Give it an external id column to import it again later: rows with an id already imported update what they made instead of adding more."
            </p>
        </header>
        {move || error().map(|message| view! {
            <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200" data-testid="import-error">{message}</p>
        })}
        <form method="post" action="/imports" enctype="multipart/form-data" class="mt-6 grid max-w-xl gap-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid="import-upload">
            <fieldset>
                <legend class=LABEL>"What the file holds"</legend>
                <div class="mt-1 flex gap-4 text-sm">
                    {[ImportKind::Cases, ImportKind::Companies].into_iter().map(|k| view! {
                        <label class="flex items-center gap-2">
                            <input type="radio" name="kind" value=k.as_str() checked=move || kind() == k/>
                            {kind_words(k).0}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <label class="block">
                <span class=LABEL>"CSV file"</span>
                <input type="file" name="file" accept=".csv,text/csv" required class=format!("{FIELD} w-full")/>
            </label>
            <div><button type="submit" class=BUTTON>"Upload and match the columns"</button></div>
        </form>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let check = ServerAction::<CheckImport>::new();
    let run = ServerAction::<RunImport>::new();
    let tick = RwSignal::new(0u64);
    let import = Resource::new(
        move || (id(), tick.get(), check.version().get(), run.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_import(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // While a job works on it, read it again every second.
    Effect::new(move |_| {
        let running = import
            .get()
            .and_then(Result::ok)
            .is_some_and(|import| import.status.running());
        if running {
            set_timeout(
                move || tick.update(|n| *n += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });
    let error = move || {
        let failed = |value: Option<Result<(), AppError>>| value.and_then(Result::err);
        failed(check.value().get())
            .or(failed(run.value().get()))
            .map(|e| e.to_string())
            .or_else(|| use_query_map().with_untracked(|q| q.get("error")))
    };
    view! {
        <Title text="Import"/>
        {move || error().map(|message| view! {
            <p role="alert" class="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200" data-testid="import-error">{message}</p>
        })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || import.get().map(|result| match result {
                Ok(import) => view! { <Import import check run/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Import(
    import: ImportView,
    check: ServerAction<CheckImport>,
    run: ServerAction<RunImport>,
) -> impl IntoView {
    let (things, list) = kind_words(import.kind);
    let status = import.status;
    view! {
        <header>
            <p class="text-sm"><a href=format!("/imports/new?kind={}", import.kind.as_str()) class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Another file"</a></p>
            <h1 class="mt-2 text-2xl font-semibold tracking-tight">{format!("Import {things}: {}", import.file_name)}</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("{} rows, {} KB, uploaded ", crate::model::group_thousands(import.rows_total.max(0) as u64), (import.size_bytes + 1023) / 1024)}
                <When at=import.created_at/>
            </p>
        </header>
        {(status == ImportStatus::Failed && !import.resumable).then(|| view! {
            <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200" data-testid="import-failed">
                {import.error.clone().unwrap_or_default()}
            </p>
        })}
        {(status == ImportStatus::Failed && import.resumable).then(|| view! { <Stopped import=import.clone() run/> })}
        {status.running().then(|| view! { <Running import=import.clone()/> })}
        {(matches!(status, ImportStatus::Uploaded | ImportStatus::Checked | ImportStatus::Failed) && !import.resumable)
            .then(|| view! { <Mapping import=import.clone() check/> })}
        {(status == ImportStatus::Checked).then(|| view! { <Checked import=import.clone() run/> })}
        {(status == ImportStatus::Done).then(|| view! {
            <section role="status" class="mt-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950" data-testid="import-done">
                <h2 class="font-medium">"Imported"</h2>
                <p class="mt-1" data-testid="import-counts">
                    {format!("{} {things} added, {} updated, {} rows left out.", import.created, import.updated, import.rows_bad)}
                </p>
                <p class="mt-2"><a href=list class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">{format!("See the {things}")}</a></p>
            </section>
        })}
        {(import.rows_bad > 0 && !status.running()).then(|| view! { <Refused import=import.clone()/> })}
    }
}

/// An import stopped part way (its job gave up): what is in, and carrying on after it.
#[component]
fn Stopped(import: ImportView, run: ServerAction<RunImport>) -> impl IntoView {
    let (things, _) = kind_words(import.kind);
    view! {
        <section role="alert" class="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100" data-testid="import-stopped">
            <h2 class="font-medium">"Stopped before the end"</h2>
            <p class="mt-1">{import.error.clone().unwrap_or_default()}</p>
            <p class="mt-1" data-testid="import-counts">
                {format!("{} of {} rows handled: {} {things} added, {} updated, {} rows left out.",
                    import.rows_done, import.rows_total, import.created, import.updated, import.rows_bad)}
            </p>
            <ActionForm action=run attr:class="mt-3">
                <input type="hidden" name="id" value=import.id.to_string()/>
                <button type="submit" class=BUTTON disabled=move || run.pending().get()>"Resume the import"</button>
            </ActionForm>
        </section>
    }
}

/// The progress of the job working on it.
#[component]
fn Running(import: ImportView) -> impl IntoView {
    let total = import.rows_total.max(1);
    let percent = i64::from(import.rows_done) * 100 / i64::from(total);
    let what = if import.status == ImportStatus::Checking {
        "Checking every row"
    } else {
        "Importing"
    };
    view! {
        <section class="mt-6" data-testid="import-progress" data-status=format!("{:?}", import.status).to_lowercase()>
            <div class="flex justify-between text-sm">
                <span class="font-medium">{what} " · " <span data-testid="progress-percent">{percent} "%"</span></span>
                <span class="tabular-nums text-slate-600 dark:text-slate-400">
                    {format!("{} of {} rows", import.rows_done, import.rows_total)} " · "
                    // Live with JavaScript; without, this link reads the page again.
                    <a href=format!("/imports/{}", import.id) rel="external" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Refresh"</a>
                </span>
            </div>
            <progress max=total.to_string() value=import.rows_done.to_string() aria-label="Import progress"
                class="mt-2 h-2 w-full overflow-hidden rounded-full [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-indigo-600 [&::-moz-progress-bar]:bg-indigo-600 dark:[&::-webkit-progress-bar]:bg-slate-800">
                {percent} "%"
            </progress>
        </section>
    }
}

/// Which column feeds which field, and the first rows under them.
#[component]
fn Mapping(import: ImportView, check: ServerAction<CheckImport>) -> impl IntoView {
    let fields = import.kind.fields();
    let header = import.header.clone();
    view! {
        <section aria-labelledby="mapping" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="mapping" class="font-medium">"Columns"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Matched by their headers; change any that is wrong. Fields marked * need a column."</p>
            <ActionForm action=check attr:class="mt-3" attr:data-testid="import-mapping">
                <input type="hidden" name="id" value=import.id.to_string()/>
                <div class="grid gap-3 sm:grid-cols-2">
                    {fields.iter().map(|field| {
                        let chosen = import.mapping.get(field.key).copied();
                        let header = header.clone();
                        view! {
                            <label class="block">
                                <span class=LABEL>{field.label} {field.required.then_some(" *")}</span>
                                <select name=format!("map[{}]", field.key) class=format!("{FIELD} w-full") data-field=field.key>
                                    <option value="" selected=chosen.is_none()>"— not imported —"</option>
                                    {header.into_iter().enumerate().map(|(i, name)| view! {
                                        <option value=i.to_string() selected=chosen == Some(i)>{format!("{name} (column {})", i + 1)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        }
                    }).collect_view()}
                </div>
                <div class="mt-4 overflow-x-auto rounded border border-slate-200 dark:border-slate-800">
                    <table class="w-full text-left text-xs" data-testid="import-preview">
                        <caption class="sr-only">"The file's first rows"</caption>
                        <thead class="bg-slate-50 dark:bg-slate-900">
                            <tr>{import.header.iter().map(|name| view! { <th scope="col" class="px-2 py-1">{name.clone()}</th> }).collect_view()}</tr>
                        </thead>
                        <tbody>
                            {import.sample.iter().map(|row| view! {
                                <tr class="border-t border-slate-100 dark:border-slate-800">
                                    {row.iter().map(|value| view! { <td class="max-w-48 truncate px-2 py-1">{value.clone()}</td> }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <div class="mt-4">
                    <button type="submit" class=BUTTON>
                        {if import.status == ImportStatus::Checked { "Check every row again" } else { "Check every row (nothing is written)" }}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The dry run's answer, and the import of the good rows.
#[component]
fn Checked(import: ImportView, run: ServerAction<RunImport>) -> impl IntoView {
    let good = import.rows_done - import.rows_bad;
    view! {
        <section aria-labelledby="checked" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" data-testid="import-checked">
            <h2 id="checked" class="font-medium">"Checked"</h2>
            <p class="mt-1 text-sm" data-testid="import-check-counts">
                {format!("{good} rows can be imported; {} cannot (listed below).", import.rows_bad)}
            </p>
            {(good > 0).then(|| view! {
                <ActionForm action=run attr:class="mt-3">
                    <input type="hidden" name="id" value=import.id.to_string()/>
                    <button type="submit" class=BUTTON>{format!("Import {good} rows")}</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn Refused(import: ImportView) -> impl IntoView {
    view! {
        <section aria-labelledby="refused" class="mt-6">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="refused" class="font-medium">{format!("Rows left out: {}", import.rows_bad)}</h2>
                <a href=format!("/imports/{}/errors.csv", import.id) class="text-sm text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300" data-testid="import-error-report">"Download them all as CSV"</a>
            </div>
            <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                <table class="w-full text-left text-sm" data-testid="import-errors">
                    <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-900">
                        <tr><th scope="col" class="px-3 py-2">"Row"</th><th scope="col" class="px-3 py-2">"Field"</th><th scope="col" class="px-3 py-2">"Why"</th></tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {import.errors.into_iter().map(|error| view! {
                            <tr data-testid="import-error-row">
                                <td class="px-3 py-2 tabular-nums">{error.line}</td>
                                <td class="px-3 py-2"><code class="text-xs">{error.field.unwrap_or_default()}</code></td>
                                <td class="px-3 py-2">{error.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
