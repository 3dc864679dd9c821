//! A whole HTML page for a request refused before it reached a page (a body over the
//! limit, a control character in the query, …): the same look as the app's own error
//! panels, readable without the WebAssembly, in light and dark mode.

use leptos::prelude::*;

use crate::model::{AppError, Theme};

/// The page for `error`, as a complete document.
pub fn error_document(error: &AppError, theme: Theme) -> String {
    // The error's words as a sentence (an `Invalid` one already is), then the outcome.
    let unchanged = || {
        let said = error.to_string();
        let stop = if said.ends_with(['.', '?', '!']) {
            ""
        } else {
            "."
        };
        format!("{said}{stop} Nothing was changed.")
    };
    let (heading, detail) = match error {
        AppError::Invalid { .. } => ("This request could not be used", unchanged()),
        AppError::TooLarge { .. } => ("Too large", unchanged()),
        AppError::RateLimited { .. } => ("Too many requests", error.to_string()),
        AppError::Forbidden => ("Not allowed", error.to_string()),
        other => ("This page could not be shown", other.to_string()),
    };
    let status = error.status();
    let owner = Owner::new();
    owner.with(|| {
        view! {
            <!DOCTYPE html>
            <html lang="en" data-theme=theme.as_str()>
                <head>
                    {crate::head_basics()}
                    <title>{format!("{heading} · Casework")}</title>
                    <link rel="stylesheet" href=crate::components::stylesheet::href()/>
                </head>
                <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                    <main class="mx-auto max-w-xl px-4 py-16">
                        <section role="alert" data-testid="request-refused" data-status=status
                            class="rounded-lg border border-red-200 bg-red-50 p-6 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                            <h1 class="text-lg font-semibold">{heading}</h1>
                            <p class="mt-2 text-sm">{detail}</p>
                            <p class="mt-4 text-sm">
                                "Go back and try again, or "
                                <a href="/" class="font-medium underline">"go to the dashboard"</a>
                                "."
                            </p>
                        </section>
                    </main>
                </body>
            </html>
        }
        .to_html()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_was_refused_escaped_and_in_the_chosen_theme() {
        let error = AppError::invalid("q<b>", "contains a control character (U+0000)");
        let html = error_document(&error, Theme::Dark);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains(r#"data-theme="dark""#), "{html}");
        assert!(html.contains("This request could not be used"), "{html}");
        assert!(
            html.contains("Q&lt;b&gt; contains a control character (U+0000). Nothing was changed."),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        let large = error_document(&AppError::TooLarge { limit_bytes: 1024 }, Theme::System);
        assert!(
            large.contains("Too large") && large.contains("1024 bytes"),
            "{large}"
        );
    }
}
