//! The header's search box: a plain GET form to /search without JavaScript; once
//! hydrated, a combobox that shows what the typed text finds as one types (asked 150 ms
//! after the last key, the answer to an older text dropped and its request aborted),
//! the recently opened items when it is empty, and opens the chosen one with Enter.
//! `Ctrl/⌘-K` and `/` bring the keyboard to it from anywhere.

use leptos::prelude::*;

use super::local_store;
use crate::model::{HitKind, SearchHit, SearchResults};

/// At most this many recently opened items are kept (per person, on this device).
const RECENT: usize = 8;
const LISTBOX: &str = "site-search-results";

fn recent_key(user: &str) -> String {
    format!("casework.recent.{user}")
}

/// The items `user` opened lately, newest first.
pub fn recent_items(user: &str) -> Vec<SearchHit> {
    local_store::read(&recent_key(user))
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Puts `hit` first among `user`'s recent items (a page opened, a result chosen).
pub fn remember(user: &str, hit: SearchHit) {
    if hit.kind == HitKind::Page {
        return;
    }
    let mut items = recent_items(user);
    items.retain(|item| item.href != hit.href);
    items.insert(0, hit);
    items.truncate(RECENT);
    if let Ok(text) = serde_json::to_string(&items) {
        local_store::write(&recent_key(user), &text);
    }
}

/// Keeps the item a page shows among the viewer's recent items, once it has loaded
/// (in the browser: effects never run on the server). `item` reads the page's data.
pub fn remember_opened(item: impl Fn() -> Option<SearchHit> + Send + Sync + 'static) {
    let Some(user) = super::use_viewer().map(|viewer| viewer.user_id.to_string()) else {
        return;
    };
    Effect::new(move |_| {
        if let Some(hit) = item() {
            remember(&user, hit);
        }
    });
}

#[component]
pub fn SearchBox(user: String) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<SearchResults>);
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let recent = RwSignal::new(Vec::<SearchHit>::new());
    let input = NodeRef::<leptos::html::Input>::new();

    // What the list shows: the answer for the text, or the recent items when empty.
    let shown = Memo::new(move |_| {
        if text.with(|t| t.trim().is_empty()) {
            recent.get()
        } else {
            answer.with(|a| a.as_ref().map(|a| a.hits.clone()).unwrap_or_default())
        }
    });
    let ask = asker(text, answer, active);
    let choose = {
        let user = user.clone();
        move |hit: SearchHit| {
            remember(&user, hit.clone());
            open.set(false);
            active.set(None);
            text.set(String::new());
            if let Some(input) = input.get_untracked() {
                input.set_value("");
                let _ = input.blur();
            }
            leptos_router::hooks::use_navigate()(&hit.href, Default::default());
        }
    };
    install_shortcut(input);

    let on_input = move |event: leptos::ev::Event| {
        text.set(event_target_value(&event));
        open.set(true);
        ask();
    };
    let on_focus = {
        let user = user.clone();
        move |_| {
            recent.set(recent_items(&user));
            open.set(true);
        }
    };
    let on_keydown = {
        let choose = choose.clone();
        move |event: leptos::ev::KeyboardEvent| {
            let count = shown.with_untracked(Vec::len);
            match event.key().as_str() {
                "ArrowDown" | "ArrowUp" if count > 0 => {
                    event.prevent_default();
                    open.set(true);
                    let down = event.key() == "ArrowDown";
                    active.update(|a| {
                        *a = Some(match (*a, down) {
                            (None, true) => 0,
                            (None, false) => count - 1,
                            (Some(i), true) => (i + 1) % count,
                            (Some(i), false) => (i + count - 1) % count,
                        })
                    });
                }
                "Enter" => {
                    if let Some(hit) = active
                        .get_untracked()
                        .and_then(|i| shown.with_untracked(|hits| hits.get(i).cloned()))
                    {
                        event.prevent_default();
                        choose(hit);
                    }
                    // Otherwise the form goes to /search with the text.
                }
                "Escape" => {
                    if open.get_untracked() {
                        open.set(false);
                        active.set(None);
                    } else if let Some(input) = input.get_untracked() {
                        let _ = input.blur();
                    }
                }
                _ => {}
            }
        }
    };
    // Closing on blur waits a moment: a click on a result blurs the box first.
    let on_blur = move |_| {
        set_timeout(
            move || open.set(false),
            std::time::Duration::from_millis(150),
        );
    };

    let options = move || {
        let hits = shown.get();
        let empty = text.with(|t| t.trim().is_empty());
        if hits.is_empty() {
            let note = if empty {
                "Type a case number, a title, a customer, a company, a contractor, a person or a page."
            } else if answer.with(Option::is_none) {
                "Searching…"
            } else {
                "Nothing found. Enter searches the whole workspace."
            };
            return view! { <li class="px-3 py-2 text-sm text-slate-500 dark:text-slate-400" role="presentation">{note}</li> }
                .into_any();
        }
        let heading = empty.then(|| view! {
            <li role="presentation" class="px-3 pt-2 text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Recent"</li>
        });
        let choose = choose.clone();
        view! {
            {heading}
            {hits.into_iter().enumerate().map(|(i, hit)| {
                let choose = choose.clone();
                let chosen = hit.clone();
                view! {
                    <li id=format!("site-search-hit-{i}") role="option" data-testid="search-hit" data-kind=hit.kind.label()
                        aria-selected=move || (active.get() == Some(i)).to_string()
                        class="cursor-pointer px-3 py-2 aria-selected:bg-indigo-50 dark:aria-selected:bg-indigo-950"
                        on:mousedown=|event| event.prevent_default()
                        on:click=move |_| choose(chosen.clone())>
                        <span class="flex items-baseline justify-between gap-3">
                            <span class="truncate text-sm font-medium text-slate-900 dark:text-slate-100">{hit.title.clone()}</span>
                            <span class="shrink-0 text-xs text-slate-500 dark:text-slate-400">{hit.kind.label()}</span>
                        </span>
                        <span class="block truncate text-xs text-slate-600 dark:text-slate-400">{hit.detail.clone()}</span>
                    </li>
                }
            }).collect_view()}
        }
        .into_any()
    };

    view! {
        <form action="/search" method="get" role="search" class="relative" data-testid="search-box">
            <label for="site-search" class="sr-only">"Search"</label>
            <input id="site-search" node_ref=input type="search" name="q" autocomplete="off" maxlength="100"
                placeholder="Search…" aria-keyshortcuts="Control+K Meta+K /"
                role="combobox" aria-autocomplete="list" aria-controls=LISTBOX
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || active.get().map(|i| format!("site-search-hit-{i}"))
                on:input=on_input on:focus=on_focus on:keydown=on_keydown on:blur=on_blur
                class="w-32 rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm placeholder:text-slate-500 focus:w-56 sm:w-44 sm:focus:w-72 dark:border-slate-700 dark:bg-slate-950 dark:placeholder:text-slate-400"/>
            <ul id=LISTBOX role="listbox" aria-label="Search results" data-testid="search-results"
                class="absolute right-0 z-50 mt-1 max-h-96 w-80 overflow-y-auto rounded-lg border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900"
                class:hidden=move || !open.get()>
                {options}
            </ul>
        </form>
    }
}

/// Asks the server for the text in `text`, 150 ms after the last change, and puts the
/// answer in `answer`; a newer text aborts the older request (its future is dropped,
/// which aborts the browser's fetch) so only the latest answer ever lands.
#[cfg(feature = "hydrate")]
fn asker(
    text: RwSignal<String>,
    answer: RwSignal<Option<SearchResults>>,
    active: RwSignal<Option<usize>>,
) -> impl Fn() + Clone + 'static {
    use futures::future::{AbortHandle, Abortable};
    let timer = StoredValue::new_local(None::<TimeoutHandle>);
    let in_flight = StoredValue::new_local(None::<AbortHandle>);
    move || {
        if let Some(timer) = timer.get_value() {
            timer.clear();
        }
        if let Some(request) = in_flight.get_value() {
            request.abort();
        }
        answer.set(None);
        active.set(None);
        let q = text.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                let (abort, registration) = AbortHandle::new_pair();
                in_flight.set_value(Some(abort));
                leptos::task::spawn_local(async move {
                    let request = crate::api::search::search(q, false);
                    if let Ok(Ok(found)) = Abortable::new(request, registration).await {
                        answer.set(Some(found));
                    }
                });
            },
            std::time::Duration::from_millis(150),
        );
        timer.set_value(handle.ok());
    }
}

#[cfg(not(feature = "hydrate"))]
fn asker(
    _text: RwSignal<String>,
    _answer: RwSignal<Option<SearchResults>>,
    _active: RwSignal<Option<usize>>,
) -> impl Fn() + Clone + 'static {
    || {}
}

/// `Ctrl/⌘-K` anywhere, or `/` outside a text field: the keyboard to the search box.
#[cfg(feature = "hydrate")]
fn install_shortcut(input: NodeRef<leptos::html::Input>) {
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        let palette =
            (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("k");
        let slash = event.key() == "/" && !super::shortcuts::typing(&event);
        if (palette || slash)
            && let Some(input) = input.get_untracked()
        {
            event.prevent_default();
            let _ = input.focus();
            input.select();
        }
    });
    on_cleanup(move || handle.remove());
}

#[cfg(not(feature = "hydrate"))]
fn install_shortcut(_input: NodeRef<leptos::html::Input>) {}
