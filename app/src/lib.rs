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
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::components::{AppFrame, ErrorPanel, SignedIn, theme_toggle, viewer};
use crate::pages::{
    AdminApiKeys, AdminInquiry, AdminSyncRun, AdminSystem, AdminUsage, AdminUsers, AdminWebhooks,
    AdminZoho, CasePage, Companies, CompanyPage, ContactPage, ContactSent, Contractor, Contractors,
    Dashboard, ImportNew, ImportPage, ListPage, Lists, Login, NewCasePage, NotFound, Section, Team,
    Work,
};

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
                <HydrationScripts options/>
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
    mark_hydrated();
    viewer::provide_viewer();

    view! {
        <Stylesheet id="leptos" href="/pkg/casework.css"/>
        // The one formatter every page's <Title> goes through: it escapes the title
        // on the server, where leptos_meta writes it into <title> verbatim.
        <Title formatter=crate::components::escape::page_title/>
        <Router>
            <AppFrame>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                    <Routes fallback=NotFound>
                        <Route path=path!("/login") view=Login/>
                        // The public inquiry forms: no sign-in (src/http/guard.rs).
                        <Route path=path!("/contact/:slug") ssr=SsrMode::Async view=ContactPage/>
                        <Route path=path!("/contact/:slug/sent") view=ContactSent/>
                        <Route path=path!("/") ssr=SsrMode::Async view=|| view! { <SignedIn><Dashboard/></SignedIn> }/>
                        <Route path=path!("/work") ssr=SsrMode::Async view=|| view! { <SignedIn><Work/></SignedIn> }/>
                        <Route path=path!("/cases") ssr=SsrMode::Async view=|| view! { <SignedIn><Team/></SignedIn> }/>
                        <Route path=path!("/cases/new") view=|| view! { <SignedIn><NewCasePage/></SignedIn> }/>
                        <Route path=path!("/imports/new") view=|| view! { <SignedIn><ImportNew/></SignedIn> }/>
                        <Route path=path!("/imports/:id") ssr=SsrMode::Async view=|| view! { <SignedIn><ImportPage/></SignedIn> }/>
                        <Route path=path!("/cases/:number") ssr=SsrMode::Async view=|| view! { <SignedIn><CasePage/></SignedIn> }/>
                        <Route path=path!("/companies") ssr=SsrMode::Async view=|| view! { <SignedIn><Companies/></SignedIn> }/>
                        <Route path=path!("/companies/:id") ssr=SsrMode::Async view=|| view! { <SignedIn><CompanyPage/></SignedIn> }/>
                        <Route path=path!("/contractors") ssr=SsrMode::Async view=|| view! { <SignedIn><Contractors/></SignedIn> }/>
                        <Route path=path!("/contractors/:id") ssr=SsrMode::Async view=|| view! { <SignedIn><Contractor/></SignedIn> }/>
                        <Route path=path!("/lists") ssr=SsrMode::Async view=|| view! { <SignedIn><Lists/></SignedIn> }/>
                        <Route path=path!("/lists/:id") ssr=SsrMode::Async view=|| view! { <SignedIn><ListPage/></SignedIn> }/>
                        <Route path=path!("/admin") ssr=SsrMode::Async view=|| view! { <SignedIn><Section section=pages::Area::Admin/></SignedIn> }/>
                        // Async: the whole page (and its status, e.g. 403) is ready before
                        // the first byte, so it needs no streaming script to show.
                        <Route path=path!("/admin/users") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminUsers/></SignedIn> }/>
                        <Route path=path!("/admin/usage") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminUsage/></SignedIn> }/>
                        <Route path=path!("/admin/api-keys") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminApiKeys/></SignedIn> }/>
                        <Route path=path!("/admin/webhooks") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminWebhooks/></SignedIn> }/>
                        <Route path=path!("/admin/inquiry-form") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminInquiry/></SignedIn> }/>
                        <Route path=path!("/admin/system") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminSystem/></SignedIn> }/>
                        <Route path=path!("/admin/integrations/zoho") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminZoho/></SignedIn> }/>
                        <Route path=path!("/admin/integrations/zoho/runs/:id") ssr=SsrMode::Async view=|| view! { <SignedIn><AdminSyncRun/></SignedIn> }/>
                    </Routes>
                </ErrorBoundary>
            </AppFrame>
        </Router>
    }
}

/// Sets `data-hydrated` on `<html>` once the WebAssembly has taken over. Effects run
/// only in the browser, so the attribute is an honest signal: end-to-end tests wait for
/// it before clicking things that need hydration, and it never appears without it.
fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
