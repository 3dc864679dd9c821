//! `/login` — email and password. A plain form post to `/auth/login`, so it works
//! before and without the WebAssembly; the outcome comes back in the query string.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::viewer::google_sign_in_enabled;

/// The message for an `error` / `notice` code the sign-in handler sent back.
fn message(error: &str, retry_after: Option<u64>) -> Option<String> {
    Some(match error {
        "invalid" => "Email or password is wrong.".to_string(),
        "missing" => "Enter your email and password.".to_string(),
        "deactivated" => {
            "This account is deactivated. Ask an admin of your workspace to reactivate it."
                .to_string()
        }
        "rate_limited" => format!(
            "Too many sign-in attempts. Try again in {} s.",
            retry_after.unwrap_or(60)
        ),
        "unavailable" => "Signing in is not possible right now. Try again in a moment.".to_string(),
        "google_off" => "Google sign-in is not set up for this workspace.".to_string(),
        "google_denied" => "Google sign-in was cancelled.".to_string(),
        "google_expired" => "That Google sign-in had expired or was already used. Please try again.".to_string(),
        "google_tampered" => "That Google sign-in could not be verified and was refused. Please try again.".to_string(),
        "google_failed" => "Google did not confirm the sign-in. Please try again.".to_string(),
        "google_unverified" => "Your Google account's email address is not verified, so it cannot be used to sign in.".to_string(),
        "google_no_account" => "There is no Casework account for that Google account. Ask an admin of your workspace to add you.".to_string(),
        _ => return None,
    })
}

#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with_untracked(|q| q.get(name)).unwrap_or_default();
    let retry_after = param("retry_after").parse().ok();
    let error = message(&param("error"), retry_after);
    let signed_out = param("notice") == "signed_out";
    let email = param("email");
    let next = param("next");
    let form_next = next.clone();

    view! {
        <Title text="Sign in"/>
        <div class="mx-auto mt-8 max-w-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in to Casework"</h1>
            {signed_out.then(|| view! {
                <p role="status" class="mt-4 rounded-md border border-slate-200 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
                    "You are signed out."
                </p>
            })}
            {error.map(|error| view! {
                <p role="alert" data-testid="login-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                    {error}
                </p>
            })}
            <form method="post" action="/auth/login" class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <input type="hidden" name="next" value=form_next/>
                <div>
                    <label for="email" class="block text-sm font-medium">"Email"</label>
                    <input
                        id="email" name="email" type="email" required autocomplete="username" maxlength="254"
                        value=email
                        class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
                    />
                </div>
                <div>
                    <label for="password" class="block text-sm font-medium">"Password"</label>
                    <input
                        id="password" name="password" type="password" required autocomplete="current-password" maxlength="1024"
                        class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
                    />
                </div>
                <button type="submit" class="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                    "Sign in"
                </button>
            </form>
            {google_sign_in_enabled().then(|| {
                let href = if next.is_empty() {
                    "/auth/google/start".to_string()
                } else {
                    format!("/auth/google/start?{}", serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default())
                };
                view! {
                    <div class="mt-4 flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>"or"<span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
                    </div>
                    <a
                        href=href rel="external" data-testid="google-sign-in"
                        class="mt-4 flex w-full items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
                    >
                        "Sign in with Google"
                    </a>
                }
            })}
        </div>
    }
}
