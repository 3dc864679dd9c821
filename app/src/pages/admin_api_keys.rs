//! `/admin/api-keys` — the workspace's API keys: make one (name, scopes, optional
//! expiry; its secret shown once, right after), see each key's prefix, scopes and last
//! use, and revoke. Works without JavaScript: a plain form post comes back to this page,
//! the new secret carried in the session rather than the URL.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::api_keys::{CreateApiKey, RevokeApiKey, list_api_keys};
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{AdminRefusal, FieldError, FormErrors, Refusal, When, now};
use crate::model::{
    ApiKeySummary, ApiKeysPage, ApiScope, MAX_API_KEY_NAME_CHARS, MadeApiKey, format_timestamp,
};

#[component]
pub fn AdminApiKeys() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let page = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    view! {
        <Title text="API keys"/>
        <p class="text-sm"><a href="/admin" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Admin"</a></p>
        <header class="mt-2">
            <h1 class="text-2xl font-semibold tracking-tight">"API keys"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Keys let other tools use this workspace through the API (" <code>"/api/v1"</code>
                "), each limited to what its scopes allow. A key acts as its own identity: the audit trail names it. "
                // Not an app route: a whole page of its own, so the router must not take it.
                <a href="/api/docs" rel="external" data-testid="api-reference-link"
                    class="font-medium text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"API reference"</a>
            </p>
        </header>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => view! { <Keys page create revoke/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Keys(
    page: ApiKeysPage,
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let query = use_query_map();
    let url_error = query.with_untracked(|q| q.get("error"));
    let typed_name = query.with_untracked(|q| q.get("name")).unwrap_or_default();
    // The key made just now: from the form's answer (with JavaScript) or the session
    // (a plain post, redirected here).
    let from_session = page.just_made.clone();
    let made = move || match create.value().get() {
        Some(Ok(made)) => Some(made),
        _ => from_session.clone(),
    };
    let url_field = query.with_untracked(|q| q.get("field"));
    // A refusal about a field of the form goes beside it; any other (a revoke refused)
    // at the top.
    let errors = FormErrors::new(
        "api-key",
        &["name", "scopes", "expires_on"],
        move || match (create.value().get(), revoke.value().get()) {
            (Some(Err(error)), _) | (_, Some(Err(error))) => Some(Refusal::of(&error)),
            _ => Refusal::from_query(url_error.clone(), url_field.clone()),
        },
    );
    // The browser's clock once hydrated (wasm has no system clock), the server's before.
    let now = now();
    view! {
        {move || made().map(|made| view! { <JustMade made/> })}
        {move || errors.general().map(|message| view! {
            <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200" data-testid="api-key-error">{message}</p>
        })}
        <section aria-labelledby="new-key" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 id="new-key" class="font-medium">"Make a key"</h2>
            <ActionForm action=create attr:class="mt-3 grid gap-4" attr:data-testid="api-key-form">
                <div class="max-w-md">
                <label class="block">
                    <span class=LABEL>"Name"</span>
                    <input type="text" name="name" required maxlength=MAX_API_KEY_NAME_CHARS.to_string() value=typed_name
                        placeholder="What uses it, e.g. Zapier" class=FIELD
                        aria-invalid=errors.invalid("name") aria-describedby=errors.described("name")/>
                </label>
                <FieldError errors field="name"/>
                </div>
                <fieldset aria-describedby=errors.described("scopes")>
                    <legend class=LABEL>"Scopes"</legend>
                    <div class="mt-1 grid gap-2 sm:grid-cols-2">
                        {ApiScope::ALL.into_iter().map(|scope| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" name="scopes[]" value=scope.as_str() class="h-4 w-4 rounded border-slate-300"/>
                                <span>{scope.label()}</span>
                                <code class="text-xs text-slate-500 dark:text-slate-400">{scope.as_str()}</code>
                            </label>
                        }).collect_view()}
                    </div>
                    <FieldError errors field="scopes"/>
                </fieldset>
                <div class="max-w-xs">
                    <label class="block">
                        <span class=LABEL>"Expires on (optional)"</span>
                        <input type="date" name="expires_on" class=FIELD
                            aria-invalid=errors.invalid("expires_on") aria-describedby=errors.described("expires_on")/>
                    </label>
                    <FieldError errors field="expires_on"/>
                </div>
                <div>
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Make the key"</button>
                </div>
            </ActionForm>
        </section>
        <section aria-labelledby="keys" class="mt-6">
            <h2 id="keys" class="font-medium">"Keys"</h2>
            {if page.keys.is_empty() {
                view! {
                    <p class="mt-3 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400" data-testid="api-keys-empty">
                        "No API keys yet. Make one above for each tool that should reach this workspace."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                        <table class="w-full text-left text-sm" data-testid="api-keys">
                            <thead class="bg-slate-50 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-900">
                                <tr>
                                    <th scope="col" class="px-3 py-2">"Name"</th>
                                    <th scope="col" class="px-3 py-2">"Key"</th>
                                    <th scope="col" class="px-3 py-2">"Scopes"</th>
                                    <th scope="col" class="px-3 py-2">"Made"</th>
                                    <th scope="col" class="px-3 py-2">"Last used"</th>
                                    <th scope="col" class="px-3 py-2">"Status"</th>
                                    <th scope="col" class="px-3 py-2"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {page.keys.into_iter().map(|key| view! { <KeyRow entry=key now revoke/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The secret of the key just made, once.
#[component]
fn JustMade(made: MadeApiKey) -> impl IntoView {
    view! {
        <section role="status" class="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950" data-testid="api-key-made">
            <h2 class="font-medium">"Key “" {made.name} "” made"</h2>
            <p class="mt-1">"Copy it now: it is shown this once, and only its hash is kept."</p>
            <label class="mt-2 block">
                <span class="sr-only">"The new key"</span>
                <input type="text" readonly value=made.secret data-testid="api-key-secret"
                    class="w-full rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs dark:border-emerald-800 dark:bg-slate-900"/>
            </label>
            <p class="mt-2 text-xs">"Send it as " <code>"Authorization: Bearer <key>"</code> "."</p>
        </section>
    }
}

#[component]
fn KeyRow(
    entry: ApiKeySummary,
    now: time::OffsetDateTime,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let key = entry;
    // Moments as everywhere else: relative, exact on hover. A future one (an expiry
    // to come) stays a date.
    let status = match (key.revoked_at, key.expires_at) {
        (Some(at), _) => view! { "Revoked " <When at/> }.into_any(),
        (None, Some(at)) if at <= now => view! { "Expired " <When at/> }.into_any(),
        (None, Some(at)) => format!("Active, expires {}", format_timestamp(at)).into_any(),
        (None, None) => "Active".into_any(),
    };
    let refused = key.refused_at(now);
    let used = match (key.last_used_at, key.last_used_ip.clone()) {
        (Some(at), Some(ip)) => view! { <When at/> {format!(" from {ip}")} }.into_any(),
        (Some(at), None) => view! { <When at/> }.into_any(),
        (None, _) => "Never".into_any(),
    };
    let made = {
        let at = key.created_at;
        let by = key.created_by.clone().map(|by| format!(" by {by}"));
        view! { <When at/> {by} }
    };
    let scopes = key
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let name = key.name.clone();
    let prefix = key.prefix.clone();
    view! {
        <tr data-testid="api-key-row" data-prefix=prefix>
            <td class="px-3 py-2 font-medium">{key.name}</td>
            <td class="px-3 py-2"><code class="text-xs">{key.prefix} "_…"</code></td>
            <td class="px-3 py-2 text-xs">{scopes}</td>
            <td class="px-3 py-2 text-xs text-slate-600 dark:text-slate-400">{made}</td>
            <td class="px-3 py-2 text-xs text-slate-600 dark:text-slate-400">{used}</td>
            <td class="px-3 py-2 text-xs" data-testid="api-key-status">{status}</td>
            <td class="px-3 py-2 text-right">
                {(!refused).then(|| view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="id" value=key.id.to_string()/>
                        <button type="submit" aria-label=format!("Revoke the key {name}")
                            class="rounded-md border border-red-300 px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950">
                            "Revoke"
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
