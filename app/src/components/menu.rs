//! Menus built on `<details>` (they open and close without JavaScript): once hydrated,
//! Escape closes an open one and gives focus back to its summary, and a click
//! anywhere else closes it, as people expect of a menu.

use leptos::html::Details;
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
pub fn close_on_escape(details: NodeRef<Details>) {
    use wasm_bindgen::JsCast;

    let close = move |focus_summary: bool| {
        let Some(details) = details.get_untracked() else {
            return;
        };
        if !details.open() {
            return;
        }
        details.set_open(false);
        if focus_summary
            && let Ok(Some(summary)) = details.query_selector("summary")
            && let Ok(summary) = summary.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = summary.focus();
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" {
            close(true);
        }
    });
    let clicks = window_event_listener(leptos::ev::click, move |event| {
        let inside = details.get_untracked().is_some_and(|details| {
            event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Node>().ok())
                .is_some_and(|node| details.contains(Some(&node)))
        });
        if !inside {
            close(false);
        }
    });
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn close_on_escape(_details: NodeRef<Details>) {}
