//! The panel a page shows when what it loads is refused or missing: a heading, the
//! reason, and one way back.

use leptos::prelude::*;

#[component]
pub fn LoadError(
    heading: &'static str,
    detail: String,
    /// Where the way back leads, and what it says.
    back: (&'static str, &'static str),
    testid: &'static str,
) -> impl IntoView {
    let (href, label) = back;
    view! {
        <section role="alert" data-testid=testid class="mt-6 rounded-lg border border-red-200 bg-red-50 p-6 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
            <p class="font-semibold">{heading}</p>
            <p class="mt-1">{detail}</p>
            <p class="mt-3"><a href=href class="font-medium underline">{label}</a></p>
        </section>
    }
}
