//! `/admin/webhooks` — outbound webhooks: register an endpoint (its address, the events
//! it wants; its signing secret shown once, right after), turn endpoints on and off or
//! delete them, and read the delivery log (state, attempts, the receiver's answer and
//! how long it took), with "Resend" on every finished delivery. Works without
//! JavaScript: plain form posts come back to this page.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::webhooks::{
    CreateWebhook, DeleteWebhook, EnableWebhook, ResendDelivery, list_webhooks,
};
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{AdminRefusal, FieldError, FormErrors, Refusal, When};
use crate::model::{
    DeliveryState, MAX_WEBHOOK_DESCRIPTION_CHARS, MAX_WEBHOOK_URL_CHARS, MadeWebhook,
    WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhooksPage, format_timestamp,
};

const SMALL_BUTTON: &str = "rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800";

/// Every action of the page, so a change to any reloads it.
#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateWebhook>,
    enable: ServerAction<EnableWebhook>,
    delete: ServerAction<DeleteWebhook>,
    resend: ServerAction<ResendDelivery>,
}

impl Actions {
    fn error(&self) -> Option<Refusal> {
        let create = self.create.value().get().and_then(Result::err);
        let enable = self.enable.value().get().and_then(Result::err);
        let delete = self.delete.value().get().and_then(Result::err);
        let resend = self.resend.value().get().and_then(Result::err);
        create
            .or(enable)
            .or(delete)
            .or(resend)
            .map(|error| Refusal::of(&error))
    }
}

#[component]
pub fn AdminWebhooks() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::<CreateWebhook>::new(),
        enable: ServerAction::<EnableWebhook>::new(),
        delete: ServerAction::<DeleteWebhook>::new(),
        resend: ServerAction::<ResendDelivery>::new(),
    };
    let query = use_query_map();
    let endpoint = move || query.with(|q| q.get("endpoint").and_then(|id| id.parse().ok()));
    let page = Resource::new(
        move || {
            (
                endpoint(),
                actions.create.version().get(),
                actions.enable.version().get(),
                actions.delete.version().get(),
                actions.resend.version().get(),
            )
        },
        |(endpoint, ..)| list_webhooks(endpoint),
    );
    view! {
        <Title text="Webhooks"/>
        <p class="text-sm"><a href="/admin" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Admin"</a></p>
        <header class="mt-2">
            <h1 class="text-2xl font-semibold tracking-tight">"Webhooks"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Casework tells other tools what happens here by sending each event as a signed JSON "
                <code>"POST"</code> " (the Standard Webhooks scheme), and tries again for about a day when a receiver does not answer with 2xx."
            </p>
        </header>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => view! { <Webhooks page actions/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Webhooks(page: WebhooksPage, actions: Actions) -> impl IntoView {
    let query = use_query_map();
    let url_error = query.with_untracked(|q| q.get("error"));
    let typed_url = query.with_untracked(|q| q.get("url")).unwrap_or_default();
    let typed_description = query
        .with_untracked(|q| q.get("description"))
        .unwrap_or_default();
    let from_session = page.just_made.clone();
    let made = move || match actions.create.value().get() {
        Some(Ok(made)) => Some(made),
        _ => from_session.clone(),
    };
    let url_field = query.with_untracked(|q| q.get("field"));
    // About a field of the form: beside it; anything else (a resend refused) at the top.
    let errors = FormErrors::new("webhook", &["url", "description", "events"], move || {
        actions
            .error()
            .or_else(|| Refusal::from_query(url_error.clone(), url_field.clone()))
    });
    view! {
        {move || made().map(|made| view! { <JustMade made/> })}
        {move || errors.general().map(|message| view! {
            <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200" data-testid="webhook-error">{message}</p>
        })}
        <section aria-labelledby="new-endpoint" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="new-endpoint" class="font-medium">"Add an endpoint"</h2>
            <ActionForm action=actions.create attr:class="mt-3 grid gap-4" attr:data-testid="webhook-form">
                <div class="max-w-xl">
                    <label class="block">
                        <span class=LABEL>"Address"</span>
                        <input type="url" name="url" required maxlength=MAX_WEBHOOK_URL_CHARS.to_string() value=typed_url
                            placeholder="https://example.com/hooks/casework" class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("url") aria-describedby=errors.described("url")/>
                    </label>
                    <FieldError errors field="url"/>
                </div>
                <div class="max-w-xl">
                    <label class="block">
                        <span class=LABEL>"Description (optional)"</span>
                        <input type="text" name="description" maxlength=MAX_WEBHOOK_DESCRIPTION_CHARS.to_string() value=typed_description
                            placeholder="What receives it, e.g. the billing system" class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("description") aria-describedby=errors.described("description")/>
                    </label>
                    <FieldError errors field="description"/>
                </div>
                <fieldset aria-describedby=errors.described("events")>
                    <legend class=LABEL>"Events"</legend>
                    <div class="mt-1 grid gap-2 sm:grid-cols-2">
                        {WebhookEvent::ALL.into_iter().map(|event| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" name="events[]" value=event.as_str() class="h-4 w-4 rounded border-slate-300"/>
                                <span>{event.label()}</span>
                                <code class="text-xs text-slate-500 dark:text-slate-400">{event.as_str()}</code>
                            </label>
                        }).collect_view()}
                    </div>
                    <FieldError errors field="events"/>
                </fieldset>
                <div>
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Add the endpoint"</button>
                </div>
            </ActionForm>
        </section>
        <Endpoints endpoints=page.endpoints actions/>
        <Deliveries deliveries=page.deliveries actions/>
    }
}

/// The secret of the endpoint registered just now, once.
#[component]
fn JustMade(made: MadeWebhook) -> impl IntoView {
    view! {
        <section role="status" class="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950" data-testid="webhook-made">
            <h2 class="font-medium">"Endpoint added: " <span class="break-all">{made.url}</span></h2>
            <p class="mt-1">"Give its receiver this signing secret now: it is shown this once."</p>
            <label class="mt-2 block">
                <span class="sr-only">"The signing secret"</span>
                <input type="text" readonly value=made.secret data-testid="webhook-secret"
                    class="w-full rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs dark:border-emerald-800 dark:bg-slate-900"/>
            </label>
            <p class="mt-2 text-xs">
                "Each delivery carries " <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code> " and "
                <code>"webhook-signature"</code> ": " <code>"v1,"</code> " and the base64 HMAC-SHA256, keyed by the secret's decoded part, of "
                <code>"id.timestamp.body"</code> "."
            </p>
        </section>
    }
}

#[component]
fn Endpoints(endpoints: Vec<WebhookEndpoint>, actions: Actions) -> impl IntoView {
    view! {
        <section aria-labelledby="endpoints" class="mt-6">
            <h2 id="endpoints" class="font-medium">"Endpoints"</h2>
            {if endpoints.is_empty() {
                view! {
                    <p class="mt-3 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400" data-testid="webhooks-empty">
                        "No endpoints yet. Add one above for each tool that should hear about changes."
                    </p>
                }.into_any()
            } else {
                view! {
                    <ul class="mt-3 grid gap-3" data-testid="webhook-endpoints">
                        {endpoints.into_iter().map(|endpoint| view! { <EndpointCard endpoint actions/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EndpointCard(endpoint: WebhookEndpoint, actions: Actions) -> impl IntoView {
    let events = endpoint
        .events
        .iter()
        .map(|event| event.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let toggle_to = (!endpoint.enabled).to_string();
    let toggle_label = if endpoint.enabled {
        "Turn off"
    } else {
        "Turn on"
    };
    let url = endpoint.url.clone();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="webhook-endpoint" data-id=endpoint.id.to_string()>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <p class="break-all font-mono text-xs">{endpoint.url.clone()}</p>
                    {(!endpoint.description.is_empty()).then(|| view! { <p class="mt-1">{endpoint.description.clone()}</p> })}
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{events}</p>
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="webhook-endpoint-counts">
                        {if endpoint.enabled { "On" } else { "Off" }} " · added " <When at=endpoint.created_at/> " · "
                        {endpoint.delivered} " delivered, " {endpoint.failed} " failed, " {endpoint.pending} " on their way · "
                        <a href=format!("/admin/webhooks?endpoint={}", endpoint.id) class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"its deliveries"</a>
                    </p>
                </div>
                <div class="flex items-start gap-2">
                    <ActionForm action=actions.enable>
                        <input type="hidden" name="id" value=endpoint.id.to_string()/>
                        <input type="hidden" name="enabled" value=toggle_to/>
                        <button type="submit" class=SMALL_BUTTON aria-label=format!("{toggle_label} the endpoint {url}")>{toggle_label}</button>
                    </ActionForm>
                    <details class="relative">
                        <summary class="cursor-pointer rounded-md border border-red-300 px-2 py-1 text-xs font-medium text-red-700 dark:border-red-800 dark:text-red-300">"Delete…"</summary>
                        <div class="absolute right-0 z-10 mt-1 w-64 rounded-md border border-slate-200 bg-white p-3 shadow-lg dark:border-slate-700 dark:bg-slate-900">
                            <p class="text-xs">"Delete this endpoint and its delivery log? Deliveries on their way stop."</p>
                            <ActionForm action=actions.delete attr:class="mt-2">
                                <input type="hidden" name="id" value=endpoint.id.to_string()/>
                                <button type="submit" class="rounded-md bg-red-600 px-2 py-1 text-xs font-medium text-white hover:bg-red-500">"Delete the endpoint"</button>
                            </ActionForm>
                        </div>
                    </details>
                </div>
            </div>
        </li>
    }
}

#[component]
fn Deliveries(deliveries: Vec<WebhookDelivery>, actions: Actions) -> impl IntoView {
    view! {
        <section aria-labelledby="deliveries" class="mt-6">
            <h2 id="deliveries" class="font-medium">"Latest deliveries"</h2>
            {if deliveries.is_empty() {
                view! {
                    <p class="mt-3 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400" data-testid="deliveries-empty">
                        "Nothing sent yet. Deliveries appear here as events happen."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                        <table class="w-full text-left text-sm" data-testid="webhook-deliveries">
                            <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-900">
                                <tr>
                                    <th scope="col" class="px-3 py-2">"Event"</th>
                                    <th scope="col" class="px-3 py-2">"Endpoint"</th>
                                    <th scope="col" class="px-3 py-2">"State"</th>
                                    <th scope="col" class="px-3 py-2">"Answer"</th>
                                    <th scope="col" class="px-3 py-2"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {deliveries.into_iter().map(|delivery| view! { <DeliveryRow delivery actions/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeliveryRow(delivery: WebhookDelivery, actions: Actions) -> impl IntoView {
    let state = match (delivery.state, delivery.next_attempt_at) {
        (DeliveryState::Retrying, Some(at)) => format!(
            "Retrying ({} attempts; next {})",
            delivery.attempts,
            format_timestamp(at)
        ),
        (state, _) if delivery.attempts > 1 => {
            format!("{} after {} attempts", state.label(), delivery.attempts)
        }
        (state, _) => state.label().to_string(),
    };
    let tone = match delivery.state {
        DeliveryState::Delivered => "text-emerald-700 dark:text-emerald-300",
        DeliveryState::Failed => "text-red-700 dark:text-red-300",
        _ => "text-amber-700 dark:text-amber-300",
    };
    let answer = match (delivery.response_status, delivery.latency_ms) {
        (Some(status), Some(ms)) => format!("HTTP {status} in {ms} ms"),
        _ => delivery.error.clone().unwrap_or_default(),
    };
    let detail = match (&delivery.error, &delivery.response_excerpt) {
        (Some(error), Some(excerpt)) if !excerpt.is_empty() => {
            Some(format!("{error}\n\n{excerpt}"))
        }
        (_, Some(excerpt)) if !excerpt.is_empty() => Some(excerpt.clone()),
        (Some(error), _) if delivery.response_status.is_some() => Some(error.clone()),
        _ => None,
    };
    let finished = matches!(
        delivery.state,
        DeliveryState::Delivered | DeliveryState::Failed
    );
    let event_id = delivery.event_id.clone();
    view! {
        <tr data-testid="webhook-delivery" data-state=format!("{:?}", delivery.state).to_lowercase()>
            <td class="px-3 py-2">
                <code class="text-xs">{delivery.event_type}</code>
                <p class="text-xs text-slate-500 dark:text-slate-400"><When at=delivery.created_at/></p>
            </td>
            <td class="max-w-56 truncate px-3 py-2 font-mono text-xs" title=delivery.endpoint_url.clone()>{delivery.endpoint_url.clone()}</td>
            <td class=format!("px-3 py-2 text-xs {tone}") data-testid="webhook-delivery-state">{state}</td>
            <td class="px-3 py-2 text-xs">
                {answer}
                {detail.map(|detail| view! {
                    <details class="mt-1">
                        <summary class="cursor-pointer text-slate-500 dark:text-slate-400">"What it said"</summary>
                        <pre class="mt-1 max-h-40 max-w-md overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{detail}</pre>
                    </details>
                })}
            </td>
            <td class="px-3 py-2 text-right">
                {finished.then(|| view! {
                    <ActionForm action=actions.resend>
                        <input type="hidden" name="id" value=delivery.id.to_string()/>
                        <button type="submit" class=SMALL_BUTTON aria-label=format!("Resend {event_id}")>"Resend"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
