//! Light / dark / follow-the-system switch.
//!
//! The server renders `<html data-theme=…>` from the `theme` cookie (see `model::Theme`),
//! and CSS does the rest. The button needs the WebAssembly: once hydrated it flips the
//! attribute in place and stores the choice in the cookie for the next page load.

use leptos::prelude::*;

use super::icons::{MonitorIcon, MoonIcon, SunIcon};
use crate::model::Theme;

/// The theme this page was rendered with: from the request cookie on the server, from
/// `<html data-theme>` in the browser (which the server wrote), so both sides agree and
/// hydration sees the same markup.
pub fn requested_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(axum::http::header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .map(Theme::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|root| root.get_attribute("data-theme"))
            .map(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Theme::default()
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(requested_theme());
    let toggle = move |_| {
        let next = theme.get_untracked().next();
        theme.set(next);
        apply(next);
    };

    view! {
        <button
            type="button"
            data-testid="theme-toggle"
            class="inline-flex h-9 w-9 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
            aria-label=move || theme.get().label()
            title=move || theme.get().label()
            on:click=toggle
        >
            {move || match theme.get() {
                Theme::System => view! { <MonitorIcon/> }.into_any(),
                Theme::Light => view! { <SunIcon/> }.into_any(),
                Theme::Dark => view! { <MoonIcon/> }.into_any(),
            }}
        </button>
    }
}

/// Shows the theme at once and remembers it for a year (or forgets it for "system").
fn apply(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        let cookie = match theme {
            Theme::System => format!("{}=; Path=/; Max-Age=0; SameSite=Lax", Theme::COOKIE),
            _ => format!(
                "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                Theme::COOKIE,
                theme.as_str()
            ),
        };
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}
