//! The Casework application: the HTML shell, the root component and the route table.
//!
//! Data flows one way: `pages/` → `api/` (server functions) → `server/` (domain + SQL,
//! ssr only) → Postgres, and back as `model/` types.

// The case page's view types nest deeper than the default limit (128) allows when the
// release build lays out their hydration futures.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod model;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::components::{AppFrame, ErrorPanel, theme_toggle, viewer};
use crate::pages::NotFound;

/// The document around the app. It is rendered only on the server; the browser
/// hydrates `<App/>` inside `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = theme_toggle::requested_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.as_str()>
            <head>
                {head_basics()}
                <AutoReload options=options.clone()/>
                // By its content-hashed name in a release build (components/stylesheet.rs).
                <link rel="stylesheet" id="leptos" href=crate::components::stylesheet::href()/>
                // Not Leptos' <HydrationScripts>: the browser's code starts after the
                // first paint (components/hydration_start.rs).
                <crate::components::hydration_start::HydrationStart/>
                <MetaTags/>
                {viewer::viewer_meta()}
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// The tags every document's `<head>` starts with (the app's shell, and the pages the
/// server answers with before a request reaches the app).
pub fn head_basics() -> impl IntoView {
    view! {
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    viewer::provide_viewer();

    view! {
        // The one formatter every page's <Title> goes through: it escapes the title
        // on the server, where leptos_meta writes it into <title> verbatim.
        <Title formatter=crate::components::escape::page_title/>
        <Router>
            <AppFrame>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                    <Routes fallback=NotFound>
                        <Route path=path!("/login") view={Lazy::<routes::LoginRoute>::new()}/>
                        // The public inquiry forms: no sign-in (src/http/guard.rs).
                        <Route path=path!("/contact/:slug") ssr=SsrMode::Async view={Lazy::<routes::ContactRoute>::new()}/>
                        <Route path=path!("/contact/:slug/sent") view={Lazy::<routes::ContactSentRoute>::new()}/>
                        <Route path=path!("/") ssr=SsrMode::Async view={Lazy::<routes::DashboardRoute>::new()}/>
                        <Route path=path!("/search") ssr=SsrMode::Async view={Lazy::<routes::SearchRoute>::new()}/>
                        <Route path=path!("/notifications") ssr=SsrMode::Async view={Lazy::<routes::NotificationsRoute>::new()}/>
                        <Route path=path!("/work") ssr=SsrMode::Async view={Lazy::<routes::WorkRoute>::new()}/>
                        <Route path=path!("/cases") ssr=SsrMode::Async view={Lazy::<routes::TeamRoute>::new()}/>
                        <Route path=path!("/cases/new") view={Lazy::<routes::NewCaseRoute>::new()}/>
                        <Route path=path!("/imports/new") view={Lazy::<routes::ImportNewRoute>::new()}/>
                        <Route path=path!("/imports/:id") ssr=SsrMode::Async view={Lazy::<routes::ImportRoute>::new()}/>
                        <Route path=path!("/cases/:number") ssr=SsrMode::Async view={Lazy::<routes::CaseRoute>::new()}/>
                        <Route path=path!("/companies") ssr=SsrMode::Async view={Lazy::<routes::CompaniesRoute>::new()}/>
                        <Route path=path!("/companies/:id") ssr=SsrMode::Async view={Lazy::<routes::CompanyRoute>::new()}/>
                        <Route path=path!("/contractors") ssr=SsrMode::Async view={Lazy::<routes::ContractorsRoute>::new()}/>
                        <Route path=path!("/contractors/:id") ssr=SsrMode::Async view={Lazy::<routes::ContractorRoute>::new()}/>
                        <Route path=path!("/lists") ssr=SsrMode::Async view={Lazy::<routes::ListsRoute>::new()}/>
                        <Route path=path!("/lists/:id") ssr=SsrMode::Async view={Lazy::<routes::ListRoute>::new()}/>
                        <Route path=path!("/admin") ssr=SsrMode::Async view={Lazy::<routes::AdminRoute>::new()}/>
                        // Async: the whole page (and its status, e.g. 403) is ready before
                        // the first byte, so it needs no streaming script to show.
                        <Route path=path!("/admin/users") ssr=SsrMode::Async view={Lazy::<routes::AdminUsersRoute>::new()}/>
                        <Route path=path!("/admin/usage") ssr=SsrMode::Async view={Lazy::<routes::AdminUsageRoute>::new()}/>
                        <Route path=path!("/admin/api-keys") ssr=SsrMode::Async view={Lazy::<routes::AdminApiKeysRoute>::new()}/>
                        <Route path=path!("/admin/webhooks") ssr=SsrMode::Async view={Lazy::<routes::AdminWebhooksRoute>::new()}/>
                        <Route path=path!("/admin/inquiry-form") ssr=SsrMode::Async view={Lazy::<routes::AdminInquiryRoute>::new()}/>
                        <Route path=path!("/admin/system") ssr=SsrMode::Async view={Lazy::<routes::AdminSystemRoute>::new()}/>
                        <Route path=path!("/admin/integrations/zoho") ssr=SsrMode::Async view={Lazy::<routes::AdminZohoRoute>::new()}/>
                        <Route path=path!("/admin/integrations/zoho/runs/:id") ssr=SsrMode::Async view={Lazy::<routes::AdminSyncRunRoute>::new()}/>
                    </Routes>
                </ErrorBoundary>
            </AppFrame>
        </Router>
    }
}
