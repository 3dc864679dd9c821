//! `/contractors/{id}` — one contractor: the large photo, every field synced from Zoho,
//! and a link to the record in Zoho CRM.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::contractors::get_contractor;
use crate::components::{LoadError, Portrait, When, set_response_status};
use crate::model::{AppError, ContractorDetail};

#[component]
pub fn Contractor() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) if id > 0 => get_contractor(id).await,
            _ => Err(AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => view! { <Profile detail/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    let (heading, detail) = match &error {
                        AppError::NotFound => ("No such contractor", "It is not in this workspace's directory.".to_string()),
                        other => ("The contractor could not be loaded", other.to_string()),
                    };
                    view! {
                        <Title text="Contractor"/>
                        <LoadError heading detail back=("/contractors", "Back to the directory") testid="contractor-error"/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Profile(detail: ContractorDetail) -> impl IntoView {
    let card = detail.card.clone();
    let place = [card.city.clone(), card.region.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let row = |label: &'static str, value: Option<AnyView>| {
        value.map(|value| view! {
            <div class="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
                <dt class="text-sm font-medium text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class="text-sm text-slate-900 sm:col-span-2 dark:text-slate-100">{value}</dd>
            </div>
        })
    };
    let text = |value: Option<String>| value.filter(|v| !v.is_empty()).map(|v| v.into_any());
    let email = detail.email.clone().map(|email| view! {
        <a href=format!("mailto:{email}") class="text-indigo-700 underline dark:text-indigo-300">{email.clone()}</a>
    }.into_any());
    let phone = detail.phone.clone().map(|phone| {
        let dial: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        view! { <a href=format!("tel:{dial}") class="text-indigo-700 underline dark:text-indigo-300">{phone.clone()}</a> }.into_any()
    });
    let skills = (!detail.skills.is_empty()).then(|| view! {
        <ul class="flex flex-wrap gap-2" aria-label="Skills">
            {detail.skills.iter().map(|skill| view! {
                <li class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-800 dark:text-slate-200">{skill.clone()}</li>
            }).collect_view()}
        </ul>
    }.into_any());
    view! {
        <Title text=card.name.clone()/>
        <p class="text-sm"><a href="/contractors" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Contractors"</a></p>
        {detail.archived_at.map(|at| view! {
            <p role="status" data-testid="archived-banner" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                "Removed from Zoho CRM " <When at/> ". Kept here for reference."
            </p>
        })}
        <section class="mt-6 flex flex-col gap-8 sm:flex-row">
            <div class="shrink-0"><Portrait card=card.clone() size=240/></div>
            <div class="min-w-0 flex-1">
                <h1 data-testid="contractor-name" class="text-2xl font-semibold tracking-tight">{card.name.clone()}</h1>
                <p class="mt-1 text-slate-600 dark:text-slate-400">
                    {[card.trade.clone(), (!place.is_empty()).then_some(place.clone())].into_iter().flatten().collect::<Vec<_>>().join(" · ")}
                </p>
                <dl class="mt-6 divide-y divide-slate-200 dark:divide-slate-800">
                    {row("Trade", text(card.trade.clone()))}
                    {row("Skills", skills)}
                    {row("Company", text(detail.company.clone()))}
                    {row("City", text(card.city.clone()))}
                    {row("Region", text(card.region.clone()))}
                    {row("Email", email)}
                    {row("Phone", phone)}
                    {row("Status", text(card.status.clone()))}
                    {row("Changed in Zoho", Some(view! { <When at=detail.zoho_modified_at/> }.into_any()))}
                </dl>
                {detail.zoho_url.clone().map(|url| view! {
                    <p class="mt-6"><a href=url rel="noopener noreferrer external" target="_blank" data-testid="zoho-link"
                        class="text-sm font-medium text-indigo-700 underline dark:text-indigo-300">"Open in Zoho CRM ↗"</a></p>
                })}
            </div>
        </section>
    }
}
