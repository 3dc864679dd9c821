//! `/notifications` — everything that concerned the person, newest first (all, or
//! unread only), opened or marked read one by one or all at once, and which kinds they
//! want to hear of. Plain forms: it works without JavaScript; hydrated, it follows the
//! person's notification stream like the bell.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::notifications::{
    MarkNotificationsRead, OpenNotification, SaveNotificationSettings, my_notification_settings,
    notification_inbox,
};
use crate::components::{
    LoadError, NotificationItem, StreamEvent, set_response_status, use_event_stream,
};
use crate::model::{Inbox, NotificationKind, NotificationSettings};

const TAB: &str = "rounded-md px-3 py-1.5 text-sm font-medium";
const TAB_ON: &str = "bg-slate-900 text-white dark:bg-white dark:text-slate-900";
const TAB_OFF: &str =
    "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800";

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let changed = RwSignal::new(0u32);
    let opener = ServerAction::<OpenNotification>::new();
    let reader = ServerAction::<MarkNotificationsRead>::new();
    let saver = ServerAction::<SaveNotificationSettings>::new();
    let inbox = Resource::new(
        move || (param("before"), param("unread"), changed.get()),
        |(before, unread, _)| notification_inbox(before, unread, None),
    );
    let settings = Resource::new(|| (), |_| my_notification_settings());
    use_event_stream("/api/notifications/events".into(), move |event| {
        if matches!(event, StreamEvent::Notification | StreamEvent::Resync) {
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if reader.value().get().is_some() {
            changed.update(|n| *n += 1);
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(href)) = opener.value().get() {
                navigate(&href, Default::default());
            }
        });
    }
    let unread_only = move || param("unread").is_some();
    let url_error = move || param("error");

    view! {
        <Title text="Notifications"/>
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Notifications"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Cases assigned to you, comments on your cases, mentions, and enrichments you asked for."
                </p>
            </div>
            <nav aria-label="Which notifications" class="flex gap-1">
                <a href="/notifications" aria-current=move || (!unread_only()).then_some("page")
                    class=move || format!("{TAB} {}", if unread_only() { TAB_OFF } else { TAB_ON })>"All"</a>
                <a href="/notifications?unread=on" aria-current=move || unread_only().then_some("page")
                    class=move || format!("{TAB} {}", if unread_only() { TAB_ON } else { TAB_OFF })>"Unread"</a>
            </nav>
        </div>
        {move || url_error().map(|error| view! {
            <p role="alert" data-testid="notifications-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">{error}</p>
        })}
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-400">"Loading…"</p> }>
            {move || inbox.get().map(|result| match result {
                Ok(inbox) => view! { <InboxList inbox unread_only=unread_only() opener reader/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! {
                        <LoadError heading="Your notifications could not be loaded" detail=error.to_string()
                            back=("/notifications", "Try again") testid="notifications-load-error"/>
                    }.into_any()
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || settings.get().map(|result| match result {
                Ok(current) => view! { <SettingsForm current saver/> }.into_any(),
                Err(error) => view! {
                    <p class="mt-10 text-sm text-red-700 dark:text-red-400">"Settings could not be loaded: "{error.to_string()}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn InboxList(
    inbox: Inbox,
    unread_only: bool,
    opener: ServerAction<OpenNotification>,
    reader: ServerAction<MarkNotificationsRead>,
) -> impl IntoView {
    let newest = inbox.items.first().map(|n| n.id);
    let older = inbox.next.map(|before| {
        let unread = if unread_only { "&unread=on" } else { "" };
        format!("/notifications?before={before}{unread}")
    });
    let summary = match inbox.unread {
        0 => "All read.".to_string(),
        1 => "1 unread.".to_string(),
        n => format!(
            "{} unread.",
            crate::model::group_thousands(u64::try_from(n).unwrap_or(0))
        ),
    };
    view! {
        <div class="mt-6 flex items-center justify-between gap-4">
            <p class="text-sm text-slate-700 dark:text-slate-300" data-testid="unread-summary" aria-live="polite">{summary}</p>
            {newest.filter(|_| inbox.unread > 0).map(|newest| view! {
                <ActionForm action=reader attr:data-testid="mark-all-read">
                    <input type="hidden" name="up_to" value=newest.to_string()/>
                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                        "Mark all as read"
                    </button>
                </ActionForm>
            })}
        </div>
        {if inbox.items.is_empty() {
            view! {
                <div data-testid="notifications-empty" class="mt-4 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                    <p class="font-medium text-slate-800 dark:text-slate-200">
                        {if unread_only { "Nothing unread." } else { "No notifications yet." }}
                    </p>
                    <p class="mt-1">"You will hear here when a case is assigned to you, someone comments on a case of yours or mentions you (@ and your name), or an enrichment you asked for finishes."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <ul data-testid="notification-list" class="mt-3 divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                    {inbox.items.into_iter().map(|item| {
                        let id = item.id;
                        let unread = !item.read;
                        view! {
                            <li class="flex items-center gap-2 pr-3">
                                <div class="min-w-0 flex-1"><NotificationItem item opener/></div>
                                {unread.then(|| view! {
                                    <ActionForm action=reader>
                                        <input type="hidden" name="id" value=id.to_string()/>
                                        <button type="submit" data-testid="mark-read"
                                            class="whitespace-nowrap rounded px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
                                            "Mark read"
                                        </button>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {older.map(|href| view! {
            <p class="mt-4 text-right"><a href=href data-testid="older" class="text-sm font-medium text-indigo-700 underline underline-offset-2 dark:text-indigo-300">"Older notifications"</a></p>
        })}
    }
}

#[component]
fn SettingsForm(
    current: NotificationSettings,
    saver: ServerAction<SaveNotificationSettings>,
) -> impl IntoView {
    let query = use_query_map();
    let saved_in_url = query.with_untracked(|q| q.get("saved").is_some());
    let message = move || match saver.value().get() {
        Some(Ok(_)) => Some(Ok("Saved.")),
        Some(Err(_)) => Some(Err("Your settings could not be saved. Try again.")),
        None => saved_in_url.then_some(Ok("Saved.")),
    };
    view! {
        <section aria-labelledby="notification-settings" class="mt-10 max-w-xl">
            <h2 id="notification-settings" class="text-lg font-semibold">"Settings"</h2>
            <ActionForm action=saver attr:data-testid="notification-settings" attr:class="mt-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <fieldset>
                    <legend class="text-sm font-medium">"Tell me when"</legend>
                    <div class="mt-2 space-y-2">
                        {NotificationKind::ALL.into_iter().map(|kind| {
                            let id = format!("hear-{}", kind.as_str());
                            view! {
                                <div class="flex items-center gap-2 text-sm">
                                    <input type="checkbox" id=id.clone() name=kind.as_str() value="on"
                                        checked=current.hears(kind)
                                        class="h-4 w-4 rounded border-slate-300 dark:border-slate-600"/>
                                    <label for=id>{kind.setting_label()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <div class="mt-4 flex items-center gap-3">
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Save settings"</button>
                    <span role="status" data-testid="settings-status" class="text-sm">
                        {move || message().map(|m| match m {
                            Ok(text) => view! { <span class="text-emerald-700 dark:text-emerald-400">{text}</span> }.into_any(),
                            Err(text) => view! { <span class="text-red-700 dark:text-red-400">{text}</span> }.into_any(),
                        })}
                    </span>
                </div>
            </ActionForm>
        </section>
    }
}
