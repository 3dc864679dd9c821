//! A polite live region: screen readers say what changed on a page that updates by
//! itself (a comment arriving, an enrichment moving on), which sighted people see.
//!
//! The region is in the page from the start and empty, as assistive technology only
//! announces changes to a region it already knows. It says nothing about the state the
//! page was loaded in: `announce_changes` starts speaking from the second value on.

use leptos::prelude::*;

/// The region itself, visually hidden.
#[component]
pub fn Announcer(message: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    view! {
        <p class="sr-only" role="status" aria-live="polite" data-testid=testid>
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

/// Watches `state` (in the browser: effects never run on the server) and, each time it
/// becomes something new after the first value, sets `message` to what `describe`
/// says about the change from the previous value; `None` from it says nothing.
pub fn announce_changes<T, F, D>(message: RwSignal<Option<String>>, state: F, describe: D)
where
    T: Clone + PartialEq + Send + Sync + 'static,
    F: Fn() -> Option<T> + Send + Sync + 'static,
    D: Fn(&T, &T) -> Option<String> + Send + Sync + 'static,
{
    let last = StoredValue::new(None::<T>);
    Effect::new(move |_| {
        let Some(now) = state() else { return };
        let before = last.get_value();
        if before.as_ref() == Some(&now) {
            return;
        }
        if let Some(text) = before.as_ref().and_then(|before| describe(before, &now)) {
            message.set(Some(text));
        }
        last.set_value(Some(now));
    });
}
