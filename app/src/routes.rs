//! Every page as a lazily loaded route, grouped into a few areas.
//!
//! The browser bundle used to carry every page's code to every visitor (4.9 MB of
//! wasm, most of it the view and deserialisation code of pages the visitor never
//! opens). Each route here is a `LazyRoute` whose view lives in its *area*'s `#[lazy]`
//! function: `cargo leptos build --split` moves what only that area uses into a module
//! of its own, fetched when a page of the area is first shown (for the page a visit
//! starts on, before hydration; the server names its files in `<link rel="preload">`).
//! The initial bundle keeps the shell, the router, the navigation and the runtime.
//!
//! Why areas and not one split per page: the splitter gives every distinct set of
//! splits that shares a function a module of its own. One split per page (25) made
//! 881 modules, and a page needed 200–450 requests. Five areas make at most 26, and a
//! person's day mostly stays inside one (bench/RESULTS.md, "Browser bundle").
//!
//! `data()` starts nothing: each page creates its own resources, which the server has
//! already resolved into the document for the first page of a visit. On the server the
//! area functions simply render the page.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::components::SignedIn;
use crate::pages;

/// The pages of one area, each a variant, so that one `#[lazy]` function (one split)
/// renders them all.
macro_rules! area {
    (
        $(#[$doc:meta])*
        $area:ident, $preload:ident, $page:ident {
            $($route:ident => $view:expr),+ $(,)?
        }
    ) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $page {
            $($route),+
        }

        $(#[$doc])*
        #[allow(non_snake_case)]
        #[leptos::lazy]
        fn $area(page: $page) -> AnyView {
            match page {
                $($page::$route => $view.into_any()),+
            }
        }

        $(
            /// A route of this area (see the module's documentation).
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_this: Self) -> AnyView {
                    $area($page::$route).await
                }

                async fn preload() {
                    // Only the browser build has split modules to fetch.
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )+
    };
}

area! {
    /// What an anonymous visitor opens: sign-in and the public inquiry forms.
    public_area, __preload_public_area, PublicPage {
        LoginRoute => view! { <pages::Login/> },
        ContactRoute => view! { <pages::ContactPage/> },
        ContactSentRoute => view! { <pages::ContactSent/> },
    }
}

area! {
    /// Everyone's first page after signing in, and the search page.
    home_area, __preload_home_area, HomePage {
        DashboardRoute => view! { <SignedIn><pages::Dashboard/></SignedIn> },
        SearchRoute => view! { <SignedIn><pages::SearchPage/></SignedIn> },
        NotificationsRoute => view! { <SignedIn><pages::NotificationsPage/></SignedIn> },
    }
}

area! {
    /// Cases: the work queues, a case, a new case.
    cases_area, __preload_cases_area, CasesPage {
        WorkRoute => view! { <SignedIn><pages::Work/></SignedIn> },
        TeamRoute => view! { <SignedIn><pages::Team/></SignedIn> },
        CaseRoute => view! { <SignedIn><pages::CasePage/></SignedIn> },
        NewCaseRoute => view! { <SignedIn><pages::NewCasePage/></SignedIn> },
    }
}

area! {
    /// Companies, lists and the contractor directory.
    companies_area, __preload_companies_area, CompaniesPage {
        CompaniesRoute => view! { <SignedIn><pages::Companies/></SignedIn> },
        CompanyRoute => view! { <SignedIn><pages::CompanyPage/></SignedIn> },
        ListsRoute => view! { <SignedIn><pages::Lists/></SignedIn> },
        ListRoute => view! { <SignedIn><pages::ListPage/></SignedIn> },
        ContractorsRoute => view! { <SignedIn><pages::Contractors/></SignedIn> },
        ContractorRoute => view! { <SignedIn><pages::Contractor/></SignedIn> },
    }
}

area! {
    /// Administration: people, integrations, imports, system health.
    admin_area, __preload_admin_area, AdminPage {
        AdminRoute => view! { <SignedIn><pages::Section section=pages::Area::Admin/></SignedIn> },
        AdminUsersRoute => view! { <SignedIn><pages::AdminUsers/></SignedIn> },
        AdminUsageRoute => view! { <SignedIn><pages::AdminUsage/></SignedIn> },
        AdminApiKeysRoute => view! { <SignedIn><pages::AdminApiKeys/></SignedIn> },
        AdminWebhooksRoute => view! { <SignedIn><pages::AdminWebhooks/></SignedIn> },
        AdminInquiryRoute => view! { <SignedIn><pages::AdminInquiry/></SignedIn> },
        AdminSystemRoute => view! { <SignedIn><pages::AdminSystem/></SignedIn> },
        AdminZohoRoute => view! { <SignedIn><pages::AdminZoho/></SignedIn> },
        AdminSyncRunRoute => view! { <SignedIn><pages::AdminSyncRun/></SignedIn> },
        ImportNewRoute => view! { <SignedIn><pages::ImportNew/></SignedIn> },
        ImportRoute => view! { <SignedIn><pages::ImportPage/></SignedIn> },
    }
}

/// The area whose modules a page at `path` needs (the lazy function's name, as the split
/// manifest names it), so the first page's modules can be fetched alongside the main
/// one (components/hydration_start.rs). It follows the route table in lib.rs; a path it
/// does not know only has its modules fetched later, when the router asks for them
/// (end2end/tests/hydration.spec.ts checks every area's pages).
pub fn area_of(path: &str) -> Option<&'static str> {
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    Some(match first {
        "login" | "contact" => "public_area",
        "" | "search" | "notifications" => "home_area",
        "work" | "cases" => "cases_area",
        "companies" | "contractors" | "lists" => "companies_area",
        "admin" | "imports" => "admin_area",
        _ => return None,
    })
}
