//! Keys that work on every page (in the browser only: the server has no keys).
//! `c` opens the New case form for people who work cases, `?` the list of every key.
//! Keys typed into a field are the field's, never a shortcut.

use leptos::prelude::*;

/// Every key the app answers to, for the `?` list: (keys, what they do, only for people
/// who work cases).
const KEYS: [(&str, &str, bool); 8] = [
    ("Ctrl K, ⌘ K or /", "Search everything", false),
    ("?", "This list of keys", false),
    ("c", "New case", true),
    ("j / k", "Next / previous row of a queue", true),
    ("x", "Tick the row for the bulk bar", true),
    ("Enter", "Open the row, or the chosen search result", false),
    ("↓ / ↑", "Move through search results", false),
    ("Esc", "Close a menu, a dialog or the search results", false),
];

/// The list `?` opens: a modal dialog (focus kept inside, Escape closes it).
#[component]
pub fn ShortcutsHelp(works_cases: bool) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    install_help_key(dialog);
    view! {
        <dialog node_ref=dialog aria-labelledby="shortcuts-title" data-testid="shortcuts-help"
            class="m-auto w-full max-w-md rounded-xl bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:bg-slate-900 dark:text-slate-100">
            <h2 id="shortcuts-title" class="text-lg font-semibold">"Keyboard shortcuts"</h2>
            <dl class="mt-4 space-y-2 text-sm">
                {KEYS.into_iter().filter(|(_, _, cases)| works_cases || !cases).map(|(keys, what, _)| view! {
                    <div class="flex items-baseline justify-between gap-4">
                        <dt><kbd class="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800">{keys}</kbd></dt>
                        <dd class="text-right text-slate-600 dark:text-slate-300">{what}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <form method="dialog" class="mt-5 text-right">
                <button type="submit" autofocus class="rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">"Close"</button>
            </form>
        </dialog>
    }
}

#[cfg(feature = "hydrate")]
fn install_help_key(dialog: NodeRef<leptos::html::Dialog>) {
    let handle = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "?"
            && !event.ctrl_key()
            && !event.meta_key()
            && !typing(&event)
            && let Some(dialog) = dialog.get_untracked()
            && !dialog.open()
        {
            event.prevent_default();
            let _ = dialog.show_modal();
        }
    });
    on_cleanup(move || handle.remove());
}

#[cfg(not(feature = "hydrate"))]
fn install_help_key(_dialog: NodeRef<leptos::html::Dialog>) {}

#[cfg(not(feature = "hydrate"))]
pub fn install(_works_cases: bool) {}

#[cfg(feature = "hydrate")]
pub fn install(works_cases: bool) {
    use leptos::ev;
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
