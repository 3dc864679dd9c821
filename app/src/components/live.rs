//! Listening to a live-update stream (`src/http/events.rs`) while a component lives.
//!
//! The browser's `EventSource` reconnects by itself after a drop and sends the last
//! event id it saw, so the server can replay what was missed. On the server this does
//! nothing: there is no stream to listen to while rendering.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;
use serde::Deserialize;

/// One event from a stream.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LiveChange {
    pub case_id: i64,
    pub action_id: i64,
    pub kind: String,
    pub actor_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Changed(LiveChange),
    /// A company changed (its enrichment moved on): the id.
    Company(i64),
    /// A sync run moved on: its id.
    Sync(i64),
    /// The viewer's notifications changed.
    Notification,
    /// Events may have been lost: reload what the page shows.
    Resync,
}

/// Opens `url` as an event stream until the calling component is cleaned up.
#[cfg(not(feature = "hydrate"))]
pub fn use_event_stream(_url: String, _on_event: impl Fn(StreamEvent) + 'static) {}

#[cfg(feature = "hydrate")]
pub fn use_event_stream(url: String, on_event: impl Fn(StreamEvent) + 'static) {
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };
    let on_event = Rc::new(on_event);
    let change = {
        let on_event = on_event.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let parsed = event
                .data()
                .as_string()
                .and_then(|data| serde_json::from_str::<LiveChange>(&data).ok());
            if let Some(change) = parsed {
                on_event(StreamEvent::Changed(change));
            }
        })
    };
    let company = {
        let on_event = on_event.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            #[derive(Deserialize)]
            struct CompanyChange {
                company_id: i64,
            }
            let parsed = event
                .data()
                .as_string()
                .and_then(|data| serde_json::from_str::<CompanyChange>(&data).ok());
            if let Some(change) = parsed {
                on_event(StreamEvent::Company(change.company_id));
            }
        })
    };
    let sync = {
        let on_event = on_event.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            #[derive(Deserialize)]
            struct SyncChange {
                run_id: i64,
            }
            let parsed = event
                .data()
                .as_string()
                .and_then(|data| serde_json::from_str::<SyncChange>(&data).ok());
            if let Some(change) = parsed {
                on_event(StreamEvent::Sync(change.run_id));
            }
        })
    };
    let notification = {
        let on_event = on_event.clone();
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
            on_event(StreamEvent::Notification)
        })
    };
    let resync =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| on_event(StreamEvent::Resync));
    let _ = source.add_event_listener_with_callback("change", change.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("resync", resync.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("company", company.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("sync", sync.as_ref().unchecked_ref());
    let _ = source
        .add_event_listener_with_callback("notification", notification.as_ref().unchecked_ref());
    // The closures live as long as the stream; all go when the component does.
    let held = StoredValue::new_local(Some((source, change, resync, company, sync, notification)));
    on_cleanup(move || {
        if let Some(Some((source, ..))) = held.try_update_value(Option::take) {
            source.close();
        }
    });
}
