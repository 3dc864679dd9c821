//! What a page shows when something under it failed: the errors' public messages (never
//! internal detail — `AppError` does not carry any) and a way on.

use leptos::prelude::*;

#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| error.to_string())
            .collect::<Vec<_>>()
    };
    view! {
        <section role="alert" class="mx-auto max-w-xl rounded-lg border border-red-200 bg-red-50 p-6 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
            <h1 class="text-lg font-semibold">"This page could not be shown"</h1>
            <ul class="mt-2 list-disc pl-5 text-sm">
                {move || messages().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
            <p class="mt-4 text-sm">
                "Try again in a moment, or "
                <a href="/" class="font-medium underline">"go to the dashboard"</a>
                "."
            </p>
        </section>
    }
}
