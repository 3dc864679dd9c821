//! `/admin/usage` — what enrichment cost this month (or another), per person: how many
//! were asked for, how many failed, tokens in and out, and cost, with totals against
//! the workspace's monthly budget; and the workspace's enrichment settings.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::admin::{SaveEnrichmentSettings, load_usage};
use crate::components::form_style::without_unnamed;
use crate::components::{AdminRefusal, FieldError, FormAlert, FormErrors, Refusal};
use crate::model::{UsageReport, UsageRow, format_usd};

#[component]
pub fn AdminUsage() -> impl IntoView {
    let query = use_query_map();
    let month = move || query.with(|q| q.get("month").unwrap_or_default());
    let settings = ServerAction::<SaveEnrichmentSettings>::new();
    let report = Resource::new(
        move || (month(), settings.version().get()),
        |(month, _)| load_usage(month),
    );
    view! {
        <Title text="Usage"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"Enrichment usage"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Enrichments, tokens and cost per person, by month."</p>
        </header>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || report.get().map(|result| match result {
                Ok(report) => view! { <Report report settings/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Report(report: UsageReport, settings: ServerAction<SaveEnrichmentSettings>) -> impl IntoView {
    let query = use_query_map();
    let url_error = query.with_untracked(|q| q.get("error"));
    let saved_by_form = query.with_untracked(|q| q.get("saved").is_some());
    let cell = "px-3 py-2 text-right tabular-nums";
    let row_view = move |row: UsageRow, total: bool| {
        let name = if row.name.is_empty() {
            "(removed user)".to_string()
        } else {
            row.name
        };
        view! {
            <tr data-testid=if total { "usage-total" } else { "usage-row" } class=if total { "border-t-2 border-slate-300 font-semibold dark:border-slate-700" } else { "" }>
                <td class="px-3 py-2">{name}</td>
                <td class=cell>{row.enrichments}</td>
                <td class=cell>{row.failed}</td>
                <td class=cell>{row.tokens_in}</td>
                <td class=cell>{row.tokens_out}</td>
                <td class=cell>{format_usd(row.cost_micros)}</td>
            </tr>
        }
    };
    let budget = format_usd(report.budget_micros);
    let budget_value = format!("{:.2}", report.budget_micros as f64 / 1_000_000.0);
    let spent = report.total.cost_micros;
    let months = report.months.clone();
    let current = report.month.clone();
    let url_field = query.with_untracked(|q| q.get("field"));
    // The budget is the one field that can be refused: said under it.
    let errors = FormErrors::new("settings", &["budget"], move || {
        match settings.value().get() {
            Some(Err(error)) => Some(Refusal::of(&error)),
            Some(Ok(())) => None,
            None => Refusal::from_query(url_error.clone(), url_field.clone()),
        }
    });
    let saved = move || saved_by_form || matches!(settings.value().get(), Some(Ok(())));
    view! {
        <div class="mt-6 flex flex-wrap items-end justify-between gap-4">
            <Form method="GET" action="" on_form_data=without_unnamed() attr:class="flex items-end gap-2 text-sm">
                <label>
                    <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Month"</span>
                    <input type="month" name="month" value=current.clone() class="rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-950"/>
                </label>
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 dark:border-slate-700">"Show"</button>
            </Form>
            <p class="text-sm">
                {format_usd(spent)} " of " {budget} " budget"
                {(!months.is_empty()).then(|| format!(" · months with usage: {}", months.join(", ")))}
            </p>
        </div>
        <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table data-testid="usage-table" class="min-w-full text-sm">
                <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-950">
                    <tr>
                        <th scope="col" class="px-3 py-2 text-left">"Person"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Enrichments"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Failed"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Tokens in"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Tokens out"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Cost"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {if report.rows.is_empty() {
                        view! { <tr><td colspan="6" class="px-3 py-6 text-center text-slate-500 dark:text-slate-400">{format!("No enrichments in {}.", report.month)}</td></tr> }.into_any()
                    } else {
                        report.rows.into_iter().map(|row| row_view(row, false)).collect_view().into_any()
                    }}
                    {row_view(report.total, true)}
                </tbody>
            </table>
        </div>
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-sm font-semibold">"Enrichment settings"</h2>
            <ActionForm action=settings attr:data-testid="enrichment-settings" attr:class="mt-3 space-y-3 text-sm">
                <div>
                    <label class="block">
                        <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Monthly budget (US $)"</span>
                        <input name="budget" inputmode="decimal" required value=budget_value class="w-40 rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-950"
                            aria-invalid=errors.invalid("budget") aria-describedby=errors.described("budget")/>
                    </label>
                    <FieldError errors field="budget"/>
                </div>
                <label class="inline-flex items-center gap-2">
                    <input type="checkbox" name="employees_may_enrich" value="true" checked=report.employees_may_enrich/>
                    "Employees may see companies and run enrichments"
                </label>
                <div class="flex items-center gap-3">
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500">"Save settings"</button>
                    {move || saved().then(|| view! { <span role="status" class="text-emerald-700 dark:text-emerald-300">"Saved"</span> })}
                    <FormAlert errors/>
                </div>
            </ActionForm>
        </section>
    }
}
