//! The panel a page shows when what it loads is refused or missing: a heading, the
//! reason, and one way back.

use leptos::prelude::*;

use super::set_response_status;
use crate::model::AppError;

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

/// What every admin page shows, with its status, when it may not be shown: 403 to
/// anyone but an admin, or the reason it could not be loaded.
#[component]
pub fn AdminRefusal(error: AppError) -> impl IntoView {
    set_response_status(error.status());
    let (heading, detail) = match error {
        AppError::Forbidden => (
            "Not allowed",
            "Only admins of this workspace can open the admin section.".to_string(),
        ),
        other => ("This page could not be loaded", other.to_string()),
    };
    view! { <LoadError heading detail back=("/", "Back to the dashboard") testid="not-allowed"/> }
}
