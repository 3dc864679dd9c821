//! Keys that work on every page (in the browser only: the server has no keys).
//! `c` opens the New case form for people who work cases. Keys typed into a field
//! are the field's, never a shortcut.

#[cfg(not(feature = "hydrate"))]
pub fn install(_works_cases: bool) {}

#[cfg(feature = "hydrate")]
pub fn install(works_cases: bool) {
    use leptos::ev;
    use leptos::prelude::*;
    use leptos_router::hooks::use_navigate;

    if !works_cases {
        return;
    }
    let navigate = use_navigate();
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(&event) {
            return;
        }
        if event.key() == "c" {
            event.prevent_default();
            navigate("/cases/new", Default::default());
        }
    });
    on_cleanup(move || handle.remove());
}

/// Whether the key went to something that takes text (where `j` is a letter, not a
/// move): a text field, a text area, a select, or editable content. A checkbox does
/// not take text.
#[cfg(feature = "hydrate")]
pub fn typing(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    let Some(element) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    if element.is_content_editable() {
        return true;
    }
    match element.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => element
            .dyn_into::<web_sys::HtmlInputElement>()
            .map(|input| input.type_() != "checkbox")
            .unwrap_or(true),
        _ => false,
    }
}
