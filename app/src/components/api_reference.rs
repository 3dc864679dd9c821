//! `/api/docs`: the REST API's reference, a whole HTML page of its own (not an app
//! page: it needs none of the app's WebAssembly, and the interactive part is Swagger
//! UI, whose script and stylesheet come from the npm registry at build time and are
//! served from `/pkg/swagger-ui/`, see scripts/site-assets.mjs).
//!
//! The server writes every operation of the OpenAPI document as a plain list, so the
//! page is a reference without JavaScript too; `/api-reference.js` mounts Swagger UI
//! beside it and hides the list once the interactive reference has rendered. Nothing
//! inline: the page passes the same Content-Security-Policy as every other.

use leptos::prelude::*;

use crate::model::Theme;

/// Where the OpenAPI document is served (what Swagger UI loads).
pub const DOCUMENT_URL: &str = "/api/v1/openapi.json";

/// One operation of the document, as the plain list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceOperation {
    /// Upper case: `GET`, `POST`, …
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    /// The operation's first tag (the section it is listed under).
    pub tag: String,
}

/// The page, as a complete document. `operations` in the order they are listed
/// (grouped by tag, the caller sorts them).
pub fn api_reference_document(
    title: &str,
    version: &str,
    operations: &[ReferenceOperation],
    theme: Theme,
) -> String {
    // Swagger UI's own dark styles hang off `html.dark-mode`: set here for a chosen dark
    // theme; for "follow the system" the script sets it from `prefers-color-scheme`.
    let class = (theme == Theme::Dark).then_some("dark-mode");
    let mut sections: Vec<(String, Vec<ReferenceOperation>)> = Vec::new();
    for operation in operations {
        match sections.last_mut() {
            Some((tag, list)) if *tag == operation.tag => list.push(operation.clone()),
            _ => sections.push((operation.tag.clone(), vec![operation.clone()])),
        }
    }
    let heading = format!("{title} reference");
    let owner = Owner::new();
    owner.with(|| {
        view! {
            <!DOCTYPE html>
            <html lang="en" data-theme=theme.as_str() class=class>
                <head>
                    {crate::head_basics()}
                    <title>{format!("{heading} · Casework")}</title>
                    <link rel="stylesheet" href=crate::components::stylesheet::href()/>
                    <link rel="stylesheet" href="/pkg/swagger-ui/swagger-ui.css"/>
                    <link rel="stylesheet" href="/api-reference.css"/>
                    <script src="/pkg/swagger-ui/swagger-ui-bundle.js" defer></script>
                    <script src="/api-reference.js" defer></script>
                </head>
                <body class="min-h-screen bg-white text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                    <header class="border-b border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-900">
                        <nav aria-label="API reference" class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 text-sm">
                            <a href="/" class="font-semibold text-slate-900 dark:text-white">"Casework"</a>
                            <span class="text-slate-600 dark:text-slate-300">"API reference · v" {version.to_string()}</span>
                            <a href=DOCUMENT_URL class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"OpenAPI document (JSON)"</a>
                            <a href="/admin/api-keys" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"API keys"</a>
                        </nav>
                    </header>
                    <main class="mx-auto max-w-6xl px-4 py-6">
                        <h1 class="text-2xl font-semibold tracking-tight">{heading}</h1>
                        <p class="mt-2 max-w-3xl text-sm text-slate-700 dark:text-slate-300">
                            "Every request sends an API key as " <code>"Authorization: Bearer cwk_…"</code>
                            ". An admin makes keys, each limited to the scopes it needs, on "
                            <a href="/admin/api-keys" class="text-indigo-700 underline dark:text-indigo-300">"API keys"</a>
                            ". To try a request from this page, choose Authorize and paste a key: it stays in this tab only."
                        </p>
                        <div id="api-reference" data-url=DOCUMENT_URL data-testid="api-reference"></div>
                        <section id="api-reference-list" data-testid="api-reference-list" class="mt-6">
                            <p class="text-sm text-slate-600 dark:text-slate-400">
                                {format!("{} operations. ", operations.len())}
                                "The interactive reference (parameters, bodies, answers, trying a request) needs JavaScript; the "
                                <a href=DOCUMENT_URL class="text-indigo-700 underline dark:text-indigo-300">"OpenAPI document"</a>
                                " describes each in full."
                            </p>
                            {sections.into_iter().map(|(tag, list)| view! {
                                <h2 class="mt-6 text-lg font-semibold capitalize">{tag}</h2>
                                <table class="mt-2 w-full text-left text-sm">
                                    <thead class="sr-only">
                                        <tr><th scope="col">"Method"</th><th scope="col">"Path"</th><th scope="col">"What it does"</th></tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-200 dark:divide-slate-800">
                                        {list.into_iter().map(|operation| view! {
                                            <tr data-testid="api-operation">
                                                <td class="w-20 py-2 pr-3 font-mono text-xs font-semibold">{operation.method}</td>
                                                <td class="py-2 pr-3 font-mono text-xs">{operation.path}</td>
                                                <td class="py-2 text-slate-700 dark:text-slate-300">{operation.summary}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }).collect_view()}
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

    fn operation(method: &'static str, path: &str, tag: &str) -> ReferenceOperation {
        ReferenceOperation {
            method,
            path: path.into(),
            summary: format!("Does <{path}>"),
            tag: tag.into(),
        }
    }

    #[test]
    fn lists_every_operation_under_its_tag_escaped_in_the_chosen_theme() {
        let operations = [
            operation("GET", "/api/v1/cases", "cases"),
            operation("POST", "/api/v1/cases", "cases"),
            operation("GET", "/api/v1/users", "users"),
        ];
        let html = api_reference_document("Casework API", "1", &operations, Theme::Dark);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains(r#"class="dark-mode""#), "{html}");
        assert_eq!(html.matches(r#"data-testid="api-operation""#).count(), 3);
        assert_eq!(html.matches("<h2").count(), 2, "{html}");
        assert!(html.contains("Does &lt;/api/v1/users&gt;"), "{html}");
        assert!(!html.contains("<script>"), "nothing inline: {html}");
        let light = api_reference_document("Casework API", "1", &operations, Theme::System);
        assert!(!light.contains("dark-mode"), "{light}");
    }
}
