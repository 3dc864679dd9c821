//! The 404 page, for any path no route matches. On the server it also sets the status,
//! so crawlers and API clients see a real 404.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::set_response_status;

#[component]
pub fn NotFound() -> impl IntoView {
    set_response_status(404);
    view! {
        <Title text="Page not found"/>
        <section class="mx-auto max-w-md py-16 text-center">
            <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"Page not found"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">
                "There is nothing at this address. It may have moved, or the link may be mistyped."
            </p>
            <a
                href="/"
                class="mt-6 inline-flex rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
            >
                "Back to the dashboard"
            </a>
        </section>
    }
}
