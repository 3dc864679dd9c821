//! The link to a table's next page (keyset paging: a marker in the URL, no page
//! numbers), shown when there is one.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NextPage(href: Option<String>) -> impl IntoView {
    href.map(|href| {
        view! {
            <div class="mt-4 text-right text-sm">
                <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Next page →"</A>
            </div>
        }
    })
}
