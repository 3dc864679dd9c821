//! The companies table, shared by the companies page and a list's page: one row per
//! company, and per row what the page offers (tick it and add it to a list, or remove
//! it from the list shown).
//!
//! Every control is a real form field, so both work without JavaScript: on the
//! companies page the whole table sits in the "add to list" form (the ticks are
//! `companies[]`, a row's own Add button sends `company`); on a list's page each row
//! has a small confirm form of its own.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{ScoreBadge, When};
use crate::api::lists::RemoveFromList;
use crate::model::CompanyRow;

/// What each row offers besides its link.
#[derive(Clone, Copy)]
pub enum RowAction {
    /// Nothing: a plain table.
    None,
    /// A tick box (`companies[]`) and an Add button (`company`) for the enclosing
    /// "add to list" form.
    AddToList,
    /// Remove from this list, after a confirmation step.
    RemoveFrom {
        list_id: i64,
        action: ServerAction<RemoveFromList>,
    },
}

#[component]
pub fn CompanyTable(rows: Vec<CompanyRow>, action: RowAction) -> impl IntoView {
    let ticks = matches!(action, RowAction::AddToList);
    let trailing = !matches!(action, RowAction::None);
    view! {
        <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table data-testid="companies-table" class="min-w-full text-sm">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-950">
                    <tr>
                        {ticks.then(|| view! { <th scope="col" class="w-8 py-2 pl-3"><span class="sr-only">"Select"</span></th> })}
                        <th scope="col" class="px-3 py-2">"Name"</th>
                        <th scope="col" class="px-3 py-2">"Website"</th>
                        <th scope="col" class="px-3 py-2">"Sector"</th>
                        <th scope="col" class="px-3 py-2">"Stage"</th>
                        <th scope="col" class="px-3 py-2">"Location"</th>
                        <th scope="col" class="px-3 py-2">"Score"</th>
                        <th scope="col" class="px-3 py-2">"Confidence"</th>
                        <th scope="col" class="px-3 py-2">"Enriched"</th>
                        {trailing.then(|| view! { <th scope="col" class="px-3 py-2"><span class="sr-only">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {rows.into_iter().map(|row| view! { <Row row action/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: CompanyRow, action: RowAction) -> impl IntoView {
    let link = format!("/companies/{}", row.id);
    let id = row.id.to_string();
    let name = row.name.clone();
    let leading = matches!(action, RowAction::AddToList).then(|| {
        view! {
            <td class="py-2 pl-3">
                <input type="checkbox" name="companies[]" value=id.clone() data-testid="select-company"
                    aria-label=format!("Select {name}")/>
            </td>
        }
    });
    let trailing = match action {
        RowAction::None => None,
        RowAction::AddToList => Some(
            view! {
                <td class="px-3 py-2 text-right">
                    <button type="submit" name="company" value=id.clone() data-testid="add-one"
                        title=format!("Add {} to the chosen list", row.name)
                        class="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                        "Add"
                    </button>
                </td>
            }
            .into_any(),
        ),
        RowAction::RemoveFrom { list_id, action } => Some({
            let company_id = id.clone();
            view! {
                <td class="px-3 py-2 text-right">
                    <details class="inline-block text-left">
                        <summary class="cursor-pointer text-xs text-red-700 hover:underline dark:text-red-300">"Remove…"</summary>
                        <ActionForm action attr:data-testid="remove-form" attr:class="mt-1 flex items-center gap-2">
                            <input type="hidden" name="list_id" value=list_id.to_string()/>
                            <input type="hidden" name="company_id" value=company_id/>
                            <input type="hidden" name="confirm" value="yes"/>
                            <button type="submit" class="rounded bg-red-600 px-2 py-0.5 text-xs font-medium text-white hover:bg-red-500">
                                "Yes, remove from this list"
                            </button>
                        </ActionForm>
                    </details>
                </td>
            }
            .into_any()
        }),
    };
    view! {
        <tr data-testid="company-row" data-id=id.clone() class="hover:bg-slate-50 dark:hover:bg-slate-800/50">
            {leading}
            <td class="px-3 py-2 font-medium"><a href=link class="text-indigo-700 hover:underline dark:text-indigo-300">{row.name}</a></td>
            <td class="px-3 py-2 text-slate-600 dark:text-slate-400">
                <a href=row.website_url rel="noopener noreferrer nofollow" target="_blank" class="hover:underline">{row.website}</a>
            </td>
            <td class="px-3 py-2">{row.sector}</td>
            <td class="px-3 py-2">{row.stage.map(|stage| stage.label())}</td>
            <td class="px-3 py-2">{row.location}</td>
            <td class="px-3 py-2"><ScoreBadge score=row.score status=row.enrichment_status/></td>
            <td class="px-3 py-2 capitalize">{row.confidence.map(|c| c.as_str())}</td>
            <td class="px-3 py-2 text-slate-600 dark:text-slate-400">{row.enriched_at.map(|at| view! { <When at/> })}</td>
            {trailing}
        </tr>
    }
}
