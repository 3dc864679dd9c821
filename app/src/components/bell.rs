//! The bell in the header: how many notifications are unread, and the newest few when
//! opened. Live: the person's notification stream (`/api/notifications/events`) says
//! when anything of theirs changed — a new one, or one read in another tab — and the
//! bell reads its count (and list, when open) again.
//!
//! Without JavaScript it is a `<details>` menu whose panel links to the notifications
//! page, with the count the server rendered.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::live::{StreamEvent, use_event_stream};
use super::menu::close_on_escape;
use crate::api::notifications::{
    MarkNotificationsRead, OpenNotification, notification_inbox, unread_notifications,
};
use crate::model::{BELL_ITEMS, Inbox, Notification};

/// The unread count as the badge shows it ("99+" past 99).
fn badge(count: i64) -> String {
    if count > 99 {
        "99+".to_string()
    } else {
        count.to_string()
    }
}

fn label(count: i64) -> String {
    match count {
        0 => "Notifications".to_string(),
        1 => "Notifications, 1 unread".to_string(),
        n => format!("Notifications, {n} unread"),
    }
}

#[component]
pub fn NotificationBell() -> impl IntoView {
    // Moves on whenever the stream says something changed, and after reading here.
    let changed = RwSignal::new(0u32);
    let open = RwSignal::new(false);
    let count = Resource::new(move || changed.get(), |_| unread_notifications());
    let items = Resource::new(
        move || (open.get(), changed.get()),
        |(open, _)| async move {
            if open {
                Some(notification_inbox(None, None, Some(BELL_ITEMS.to_string())).await)
            } else {
                None
            }
        },
    );
    follow_while_visible(changed);
    let opener = ServerAction::<OpenNotification>::new();
    let reader = ServerAction::<MarkNotificationsRead>::new();
    follow_opened(opener);
    Effect::new(move |_| {
        if reader.value().get().is_some() {
            changed.update(|n| *n += 1);
        }
    });
    let details = NodeRef::<leptos::html::Details>::new();
    close_on_escape(details);
    // Opening one goes to what it is about: the panel closes behind.
    Effect::new(move |_| {
        if let Some(Ok(_)) = opener.value().get()
            && let Some(details) = details.get_untracked()
        {
            details.set_open(false);
            changed.update(|n| *n += 1);
        }
    });

    let unread = move || count.get().and_then(Result::ok).unwrap_or(0);
    view! {
        <details node_ref=details class="relative" data-testid="notification-bell"
            on:toggle=move |_| {
                if let Some(details) = details.get_untracked() {
                    open.set(details.open());
                }
            }>
            <summary
                class="relative flex h-9 w-9 cursor-pointer list-none items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800 [&::-webkit-details-marker]:hidden"
                aria-label=move || label(unread())
                title="Notifications">
                <BellIcon/>
                <Transition fallback=|| ()>
                    {move || {
                        let n = unread();
                        (n > 0).then(|| view! {
                            <span data-testid="unread-count" aria-hidden="true"
                                class="absolute -right-1 -top-1 min-w-[1.25rem] rounded-full bg-red-600 px-1 text-center text-[0.7rem] font-semibold leading-5 text-white">
                                {badge(n)}
                            </span>
                        })
                    }}
                </Transition>
            </summary>
            <div role="region" aria-label="Newest notifications"
                class="absolute right-0 z-50 mt-2 w-[22rem] max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                <div class="flex items-center justify-between border-b border-slate-200 px-3 py-2 dark:border-slate-700">
                    <h2 class="font-semibold">"Notifications"</h2>
                    <Transition fallback=|| ()>
                        {move || items.get().flatten().and_then(Result::ok).and_then(|inbox| {
                            let newest = inbox.items.first().map(|n| n.id)?;
                            (inbox.unread > 0).then(|| view! {
                                <ActionForm action=reader>
                                    <input type="hidden" name="up_to" value=newest.to_string()/>
                                    <button type="submit" data-testid="bell-mark-all"
                                        class="text-xs font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                                        "Mark all as read"
                                    </button>
                                </ActionForm>
                            })
                        })}
                    </Transition>
                </div>
                <Transition fallback=|| view! { <p class="px-3 py-4 text-slate-500 dark:text-slate-400">"Loading…"</p> }>
                    {move || match items.get().flatten() {
                        None => ().into_any(),
                        Some(Err(_)) => view! {
                            <p class="px-3 py-4 text-red-700 dark:text-red-400">"Notifications could not be loaded. Open the page to try again."</p>
                        }.into_any(),
                        Some(Ok(inbox)) => view! { <BellList inbox opener/> }.into_any(),
                    }}
                </Transition>
                <a href="/notifications" data-testid="bell-see-all"
                    class="block border-t border-slate-200 px-3 py-2 text-center font-medium text-indigo-700 underline-offset-2 hover:underline dark:border-slate-700 dark:text-indigo-300">
                    "All notifications and settings"
                </a>
            </div>
        </details>
    }
}

#[component]
fn BellList(inbox: Inbox, opener: ServerAction<OpenNotification>) -> impl IntoView {
    if inbox.items.is_empty() {
        return view! {
            <p class="px-3 py-6 text-center text-slate-500 dark:text-slate-400" data-testid="bell-empty">
                "Nothing yet. You will hear here when a case is assigned to you, someone comments on or mentions you in one, or an enrichment you asked for finishes."
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="max-h-96 divide-y divide-slate-100 overflow-y-auto dark:divide-slate-800" data-testid="bell-items">
            {inbox.items.into_iter().map(|item| view! { <li><NotificationItem item opener compact=true/></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One notification: a button that marks it read and opens what it is about (a plain
/// form without JavaScript: the server redirects there).
#[component]
pub fn NotificationItem(
    item: Notification,
    opener: ServerAction<OpenNotification>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let headline = item.headline();
    let unread = !item.read;
    let padding = if compact { "px-3 py-2" } else { "px-4 py-3" };
    view! {
        <ActionForm action=opener attr:data-testid="notification" attr:data-unread=unread.to_string()>
            <input type="hidden" name="id" value=item.id.to_string()/>
            <button type="submit"
                class=format!("flex w-full items-start gap-3 text-left hover:bg-slate-50 dark:hover:bg-slate-800 {padding}")>
                <span aria-hidden="true"
                    class=if unread { "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-indigo-600 dark:bg-indigo-400" } else { "mt-1.5 h-2 w-2 shrink-0" }></span>
                <span class="min-w-0 flex-1">
                    <span class=if unread { "block font-semibold text-slate-900 dark:text-white" } else { "block text-slate-700 dark:text-slate-300" }>
                        {unread.then(|| view! { <span class="sr-only">"Unread: "</span> })}
                        {headline}
                    </span>
                    {(!item.excerpt.is_empty()).then(|| view! {
                        <span class="mt-0.5 block truncate text-slate-600 dark:text-slate-400">{item.excerpt.clone()}</span>
                    })}
                    <span class="mt-0.5 block text-xs text-slate-600 dark:text-slate-400">
                        <super::When at=item.created_at/>
                    </span>
                </span>
            </button>
        </ActionForm>
    }
}

/// Once an opened notification answers where it leads, go there.
fn follow_opened(opener: ServerAction<OpenNotification>) {
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(href)) = opener.value().get() {
                navigate(&href, Default::default());
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = opener;
}

/// Listens to the person's notification stream while the tab is visible, and moves
/// `changed` on with each event. A hidden tab closes its stream (a browser holds at
/// most six connections to a server over HTTP/1.1, and every open tab keeps one per
/// stream) and reads the count again when it is shown.
fn follow_while_visible(changed: RwSignal<u32>) {
    let visible = RwSignal::new(true);
    #[cfg(feature = "hydrate")]
    {
        let seen = move || !document().hidden();
        visible.set(seen());
        let handle =
            window_event_listener_untyped("visibilitychange", move |_| visible.set(seen()));
        on_cleanup(move || handle.remove());
    }
    Effect::new(move |was_visible: Option<bool>| {
        let now = visible.get();
        if now {
            use_event_stream("/api/notifications/events".into(), move |event| {
                if matches!(event, StreamEvent::Notification | StreamEvent::Resync) {
                    changed.update(|n| *n += 1);
                }
            });
            // Back from hidden: what arrived meanwhile was not heard.
            if was_visible == Some(false) {
                changed.update(|n| *n += 1);
            }
        }
        now
    });
}

#[component]
fn BellIcon() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/>
            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>
        </svg>
    }
}
