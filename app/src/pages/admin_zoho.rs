//! `/admin/integrations/zoho` — connecting Zoho CRM, and the syncs that fill the
//! contractor directory: "Sync now" / "Full resync", the live progress of the run under
//! way (over the event stream, no reload), the runs' history, the connection settings
//! and field mapping, the connection test and mapping preview, and the webhook URL.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::integrations::{
    DisconnectZoho, RequestSync, SaveZoho, TestZoho, load_sync_runs, load_zoho_settings,
    preview_zoho_mapping,
};
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{
    AdminRefusal, FieldError, FormAlert, FormErrors, Refusal, StreamEvent, SyncProgress, When,
    use_event_stream,
};
use crate::model::{MappingPreview, SyncRequested, SyncRunView, ZohoSettingsView};

const BUTTON: &str = "rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50";
const QUIET_BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn AdminZoho() -> impl IntoView {
    let save = ServerAction::<SaveZoho>::new();
    let disconnect = ServerAction::<DisconnectZoho>::new();
    let sync = ServerAction::<RequestSync>::new();
    let settings = Resource::new(
        move || (save.version().get(), disconnect.version().get()),
        |_| load_zoho_settings(),
    );
    // Every progress event re-reads the runs; so does a run being asked for.
    let moved = RwSignal::new(0u64);
    let runs = Resource::new(
        move || (moved.get(), sync.version().get()),
        |_| load_sync_runs(),
    );
    use_event_stream("/api/sync/events".into(), move |event| {
        if matches!(event, StreamEvent::Sync(_) | StreamEvent::Resync) {
            moved.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="Zoho CRM"/>
        <p class="text-sm"><a href="/admin" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Admin"</a></p>
        <header class="mt-2">
            <h1 class="text-2xl font-semibold tracking-tight">"Zoho CRM"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Contacts from Zoho CRM fill the contractor directory, with their photos."</p>
        </header>
        <Flash sync/>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || settings.get().map(|result| match result {
                Ok(settings) => view! {
                    <SyncPanel settings=settings.clone() runs sync/>
                    <ConnectionForm settings=settings.clone() save/>
                    {settings.connected.then(|| view! {
                        <Checks/>
                        <Webhook settings=settings.clone()/>
                        <Disconnect action=disconnect/>
                    })}
                }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// What the last form did, from the action (with JavaScript) or the query string the
/// server sent the browser back with (without).
#[component]
fn Flash(sync: ServerAction<RequestSync>) -> impl IntoView {
    let query = use_query_map();
    let get = move |key: &str| query.with(|q| q.get(key));
    let message = move || {
        if let Some(result) = sync.value().get() {
            return Some(match result {
                Ok(SyncRequested::Queued(id)) => (false, format!("Sync run {id} queued.")),
                Ok(SyncRequested::AlreadyRunning(id)) => {
                    (false, format!("A sync is already running (run {id})."))
                }
                Err(error) => (true, error.to_string()),
            });
        }
        // A refused connection field is said beside that field (ConnectionForm).
        if let Some(error) = get("error")
            && !get("field").is_some_and(|field| CONNECTION_FIELDS.contains(&field.as_str()))
        {
            return Some((true, error));
        }
        if let Some(id) = get("queued") {
            return Some((false, format!("Sync run {id} queued.")));
        }
        if let Some(id) = get("running") {
            return Some((false, format!("A sync is already running (run {id}).")));
        }
        if get("saved").is_some() {
            return Some((false, "Saved.".to_string()));
        }
        if get("tested").is_some() {
            return Some((false, "Zoho answered: the connection works.".to_string()));
        }
        get("disconnected").map(|_| {
            (
                false,
                "Zoho CRM disconnected. The directory stays as it is.".to_string(),
            )
        })
    };
    view! {
        {move || message().map(|(error, text)| {
            let class = if error {
                "mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
            } else {
                "mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
            };
            let running = text.contains("already running");
            view! {
                <p role=if error { "alert" } else { "status" } data-testid="zoho-flash" class=class>
                    {text}
                    {running.then(|| view! { " " <a href="#runs" class="font-medium underline">"See its progress"</a> })}
                </p>
            }
        })}
    }
}

#[component]
fn SyncPanel(
    settings: ZohoSettingsView,
    runs: Resource<Result<Vec<SyncRunView>, crate::model::AppError>>,
    sync: ServerAction<RequestSync>,
) -> impl IntoView {
    let connected = settings.connected;
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="sync-heading">
            <div class="flex flex-wrap items-center justify-between gap-4">
                <h2 id="sync-heading" class="font-medium">"Sync"</h2>
                <div class="flex flex-wrap items-center gap-2">
                    <ActionForm action=sync attr:data-testid="sync-now">
                        <button type="submit" class=BUTTON disabled=move || !connected || sync.pending().get()>"Sync now"</button>
                    </ActionForm>
                    <ActionForm action=sync attr:data-testid="full-resync">
                        <input type="hidden" name="full" value="1"/>
                        <button type="submit" class=QUIET_BUTTON disabled=move || !connected || sync.pending().get()>"Full resync"</button>
                    </ActionForm>
                </div>
            </div>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                {if connected {
                    match settings.next_manual_at {
                        Some(at) => view! { "A manual sync can run once every ten minutes; the next one " <When at/> "." }.into_any(),
                        None => "Sync now fetches what changed since the last run; a full resync reads every record and archives those Zoho no longer has.".into_any(),
                    }
                } else {
                    "Connect Zoho CRM below first.".into_any()
                }}
            </p>
            <Transition fallback=|| ()>
                {move || runs.get().map(|result| match result {
                    Ok(runs) => view! { <Runs runs/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-sm text-red-700 dark:text-red-300">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Runs(runs: Vec<SyncRunView>) -> impl IntoView {
    let active = runs.iter().find(|r| r.status.is_active()).cloned();
    let cell = "px-3 py-2 text-right tabular-nums";
    view! {
        {active.map(|run| view! { <SyncProgress run/> })}
        <h3 id="runs" class="mt-6 text-sm font-medium">"Runs"</h3>
        {if runs.is_empty() {
            view! { <p data-testid="no-runs" class="mt-2 rounded-md border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">"No sync has run yet."</p> }.into_any()
        } else {
            view! {
                <div class="mt-2 overflow-x-auto">
                    <table data-testid="sync-runs" class="min-w-full text-sm">
                        <caption class="sr-only">"Sync runs, newest first"</caption>
                        <thead class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                            <tr>
                                <th scope="col" class="px-3 py-2 text-left">"Run"</th>
                                <th scope="col" class="px-3 py-2 text-left">"Started"</th>
                                <th scope="col" class="px-3 py-2 text-left">"Status"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Took"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Created"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Updated"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Unchanged"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Archived"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Photos"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Failed"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {runs.into_iter().map(|run| view! {
                                <tr data-testid="sync-run" data-status=run.status.label() class="border-t border-slate-200 dark:border-slate-800">
                                    <td class="px-3 py-2">
                                        <a href=format!("/admin/integrations/zoho/runs/{}", run.id) class="text-indigo-700 underline dark:text-indigo-300">{format!("#{}", run.id)}</a>
                                        <span class="ml-1 text-xs text-slate-500 dark:text-slate-400">{if run.full_sync { "full" } else { "incremental" }} " · " {run.trigger.clone()}</span>
                                    </td>
                                    <td class="px-3 py-2">{run.started_at.map(|at| view! { <When at/> })}</td>
                                    <td class="px-3 py-2">{run.status.label()}</td>
                                    <td class=cell>{(!run.status.is_active()).then(|| run.elapsed_s.map(crate::components::duration_label)).flatten()}</td>
                                    <td class=cell>{run.created}</td>
                                    <td class=cell>{run.updated}</td>
                                    <td class=cell>{run.unchanged}</td>
                                    <td class=cell>{run.archived}</td>
                                    <td class=cell>{run.photos_fetched}</td>
                                    <td class=cell>{run.failed}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// The connection form's fields, as the server names them in a refusal.
const CONNECTION_FIELDS: &[&str] = &[
    "data_centre",
    "client_id",
    "client_secret",
    "refresh_token",
    "module",
    "schedule_minutes",
    "map_name",
    "map_trade",
    "map_skills",
    "map_company",
    "map_city",
    "map_region",
    "map_email",
    "map_phone",
    "map_status",
];

#[component]
fn ConnectionForm(settings: ZohoSettingsView, save: ServerAction<SaveZoho>) -> impl IntoView {
    let query = use_query_map();
    let url = move |key: &str| query.with_untracked(|q| q.get(key));
    let (url_error, url_field) = (url("error"), url("field"));
    // With JavaScript the action's refusal; without, the one the server sent back. Each
    // beside its field; one about none of them (not allowed, say) under the button.
    let errors = FormErrors::new("zoho", CONNECTION_FIELDS, move || {
        match save.value().get() {
            Some(Err(error)) => Some(Refusal::of(&error)),
            Some(Ok(())) => None,
            None => Refusal::from_query(url_error.clone(), url_field.clone()).filter(|refusal| {
                refusal
                    .field
                    .as_deref()
                    .is_some_and(|field| CONNECTION_FIELDS.contains(&field))
            }),
        }
    });
    let text = move |name: &'static str, label: &'static str, input: AnyView| {
        view! {
            <div class="text-sm">
                <label class="block"><span class=LABEL>{label}</span>{input}</label>
                <FieldError errors field=name/>
            </div>
        }
    };
    let secret_hint = |set: bool| {
        if set {
            "Saved — leave empty to keep"
        } else {
            ""
        }
    };
    let schedules = [
        ("off", "Only by hand"),
        ("15", "Every 15 minutes"),
        ("60", "Every hour"),
        ("360", "Every 6 hours"),
        ("1440", "Every day"),
    ];
    let chosen = settings
        .schedule_minutes
        .map(|m| m.to_string())
        .unwrap_or_else(|| "off".into());
    // The secret fields empty again once a save went through: what was typed is not
    // left in the page.
    let cleared = move || {
        save.version().get();
        String::new()
    };
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="connection-heading">
            <h2 id="connection-heading" class="font-medium">{if settings.connected { "Connection" } else { "Connect Zoho CRM" }}</h2>
            {settings.accounts_override.clone().map(|url| view! {
                <p data-testid="accounts-override" class="mt-1 text-xs text-amber-800 dark:text-amber-300">
                    "This server talks to the Zoho accounts server at " <code>{url}</code> " (ZOHO_ACCOUNTS_URL), whatever the data centre."
                </p>
            })}
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"A self client from Zoho's API console: its client id and secret, and a refresh token with the scopes ZohoCRM.modules.ALL and ZohoCRM.notifications.ALL. Secrets are never shown again after saving."</p>
            <ActionForm action=save attr:data-testid="zoho-connection" attr:class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {text("data_centre", "Data centre", view! {
                    <select name="data_centre" class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("data_centre") aria-describedby=errors.described("data_centre")>
                        {settings.data_centres.iter().map(|(code, name)| view! {
                            <option value=code.clone() selected=*code == settings.data_centre>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                }.into_any())}
                {text("client_id", "Client id", view! {
                    <input type="text" name="client_id" required maxlength="200" autocomplete="off" value=settings.client_id.clone() class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("client_id") aria-describedby=errors.described("client_id")/>
                }.into_any())}
                {text("client_secret", "Client secret", view! {
                    <input type="password" name="client_secret" maxlength="500" autocomplete="new-password" required=!settings.secret_set placeholder=secret_hint(settings.secret_set) prop:value=cleared class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("client_secret") aria-describedby=errors.described("client_secret")/>
                }.into_any())}
                {text("refresh_token", "Refresh token", view! {
                    <input type="password" name="refresh_token" maxlength="500" autocomplete="new-password" required=!settings.refresh_token_set placeholder=secret_hint(settings.refresh_token_set) prop:value=cleared class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("refresh_token") aria-describedby=errors.described("refresh_token")/>
                }.into_any())}
                {text("module", "Module", view! {
                    <input type="text" name="module" maxlength="100" value=settings.module.clone() class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("module") aria-describedby=errors.described("module")/>
                }.into_any())}
                {text("schedule_minutes", "Scheduled sync", view! {
                    <select name="schedule_minutes" class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("schedule_minutes") aria-describedby=errors.described("schedule_minutes")>
                        {schedules.into_iter().map(|(value, label)| view! { <option value=value selected=value == chosen>{label}</option> }).collect_view()}
                    </select>
                }.into_any())}
                <fieldset class="sm:col-span-2 lg:col-span-3">
                    <legend class=LABEL>"Field mapping (Zoho field API names)"</legend>
                    <div class="mt-1 grid gap-3 sm:grid-cols-3 lg:grid-cols-5">
                        {settings.field_map.iter().map(|(field, api)| {
                            // The server's name for it; a mapping it does not know has no message.
                            let name = CONNECTION_FIELDS.iter().copied().find(|known| known.strip_prefix("map_") == Some(field.as_str()));
                            view! {
                                <div class="text-sm">
                                    <label class="block">
                                        <span class="block text-xs text-slate-600 dark:text-slate-400">{field.clone()}</span>
                                        <input type="text" name=format!("map_{field}") maxlength="100" value=api.clone() class=format!("{FIELD} w-full font-mono")
                                            aria-invalid=move || name.and_then(|name| errors.invalid(name)())
                                            aria-describedby=move || name.and_then(|name| errors.described(name)())/>
                                    </label>
                                    {name.map(|field| view! { <FieldError errors field/> })}
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <div class="sm:col-span-2 lg:col-span-3">
                    <button type="submit" class=BUTTON disabled=move || save.pending().get()>{if settings.connected { "Save" } else { "Connect" }}</button>
                    <div class="mt-2"><FormAlert errors/></div>
                </div>
            </ActionForm>
        </section>
    }
}

/// The connection test and the mapping preview (loaded on request: `?preview=1` works
/// without JavaScript too).
#[component]
fn Checks() -> impl IntoView {
    let test = ServerAction::<TestZoho>::new();
    let query = use_query_map();
    let asked = RwSignal::new(query.with_untracked(|q| q.get("preview").is_some()));
    let preview = Resource::new(
        move || asked.get(),
        |asked| async move {
            if asked {
                Some(preview_zoho_mapping().await)
            } else {
                None
            }
        },
    );
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="checks-heading">
            <h2 id="checks-heading" class="font-medium">"Check"</h2>
            <div class="mt-3 flex flex-wrap items-center gap-3">
                <ActionForm action=test attr:data-testid="zoho-test">
                    <button type="submit" class=QUIET_BUTTON disabled=move || test.pending().get()>"Test the connection"</button>
                </ActionForm>
                <a href="?preview=1" data-testid="zoho-preview" class=QUIET_BUTTON
                    on:click=move |ev| { ev.prevent_default(); asked.set(true); }>"Preview the mapping"</a>
                {move || test.value().get().map(|result| match result {
                    Ok(()) => view! { <p role="status" data-testid="zoho-test-result" class="text-sm text-emerald-800 dark:text-emerald-300">"Zoho answered: the connection works."</p> }.into_any(),
                    Err(error) => view! { <p role="alert" data-testid="zoho-test-result" class="text-sm text-red-700 dark:text-red-300">{error.to_string()}</p> }.into_any(),
                })}
            </div>
            <Transition fallback=|| view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">"Reading from Zoho…"</p> }>
                {move || preview.get().flatten().map(|result| match result {
                    Ok(preview) => view! { <Preview preview/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-3 text-sm text-red-700 dark:text-red-300">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Preview(preview: MappingPreview) -> impl IntoView {
    if preview.rows.is_empty() {
        return view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">"The module has no records yet."</p> }.into_any();
    }
    view! {
        <div class="mt-3 overflow-x-auto">
            <table data-testid="mapping-preview" class="min-w-full text-sm">
                <caption class="sr-only">"The first records of the module, as they would be saved"</caption>
                <thead class="text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                    <tr>{preview.fields.iter().map(|f| view! { <th scope="col" class="px-3 py-2 text-left">{f.clone()}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {preview.rows.into_iter().map(|row| view! {
                        <tr class="border-t border-slate-200 dark:border-slate-800">{row.into_iter().map(|v| view! { <td class="px-3 py-2">{v}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }.into_any()
}

#[component]
fn Webhook(settings: ZohoSettingsView) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" aria-labelledby="webhook-heading">
            <h2 id="webhook-heading" class="font-medium">"Changes as they happen"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Casework asks Zoho to notify it of every change to the module, and renews that each day. Zoho calls this address, which must be reachable from the internet:"</p>
            <p class="mt-2"><code data-testid="webhook-url" class="break-all rounded bg-slate-100 px-2 py-1 text-sm dark:bg-slate-800">{settings.webhook_url.clone()}</code></p>
            <p class="mt-2 text-sm" data-testid="channel-status">
                {match (settings.channel_expires_at, settings.channel_error.clone()) {
                    (_, Some(error)) => view! { <span class="text-red-700 dark:text-red-300">"Zoho refused the notification channel: " {error} " (retried every minute)."</span> }.into_any(),
                    (Some(at), None) => view! { <span>"Notifications are on until " <When at/> "; renewed before then."</span> }.into_any(),
                    (None, None) => view! { <span class="text-slate-500 dark:text-slate-400">"Notifications are being switched on."</span> }.into_any(),
                }}
            </p>
        </section>
    }
}

#[component]
fn Disconnect(action: ServerAction<DisconnectZoho>) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-lg border border-red-200 p-5 dark:border-red-900" aria-labelledby="disconnect-heading">
            <h2 id="disconnect-heading" class="font-medium">"Disconnect"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Forgets the credentials and stops syncing. The directory keeps what it has."</p>
            <ActionForm action attr:class="mt-3">
                <button type="submit" class="rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 dark:border-red-800 dark:text-red-200 dark:hover:bg-red-950">"Disconnect Zoho CRM"</button>
            </ActionForm>
        </section>
    }
}
