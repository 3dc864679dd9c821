//! The product's areas as they appear in the navigation. Each gets its own page module
//! with its issue; until then its route says what it will hold instead of a 404.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::admin_access;
use crate::components::AdminRefusal;
use crate::model::Capability;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Work,
    Companies,
    Lists,
    Contractors,
    Admin,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::Work,
        Area::Companies,
        Area::Lists,
        Area::Contractors,
        Area::Admin,
    ];

    pub fn href(self) -> &'static str {
        match self {
            Area::Work => "/work",
            Area::Companies => "/companies",
            Area::Lists => "/lists",
            Area::Contractors => "/contractors",
            Area::Admin => "/admin",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Area::Work => "My work",
            Area::Companies => "Companies",
            Area::Lists => "Lists",
            Area::Contractors => "Contractors",
            Area::Admin => "Admin",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Area::Work => "The cases assigned to you: filter, sort, open, update.",
            Area::Companies => {
                "Tracked companies with enrichment scores, notes and saved searches."
            }
            Area::Lists => "Personal and shared lists of companies.",
            Area::Contractors => "The contractor directory, kept in step with Zoho CRM.",
            Area::Admin => "Users and roles, integrations, and system health.",
        }
    }

    /// What its page asks of the viewer (the same check as the server's).
    pub fn needs(self) -> Capability {
        match self {
            Area::Work => Capability::WorkOwnCases,
            Area::Companies | Area::Lists => Capability::UseCompanies,
            Area::Contractors => Capability::ViewContractors,
            Area::Admin => Capability::ManageUsers,
        }
    }
}

#[component]
pub fn Section(section: Area) -> impl IntoView {
    view! {
        <Title text=section.title()/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">{section.title()}</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{section.summary()}</p>
        </header>
        {if section == Area::Admin {
            view! { <AdminHome/> }.into_any()
        } else {
            view! {
                <div class="mt-8 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">
                    "Nothing to show here yet."
                </div>
            }.into_any()
        }}
    }
}

/// The admin section's landing page: for those who may manage users, like every page
/// under it (403 for anyone else, decided on the server).
#[component]
fn AdminHome() -> impl IntoView {
    let access = Resource::new(|| (), |()| admin_access());
    view! {
        <Suspense fallback=|| ()>
            {move || access.get().map(|result| match result {
                Ok(()) => view! {
                    <ul class="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="admin-links">
                        <li>
                            <a href="/admin/users" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"Users and roles"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Add people, change roles, deactivate accounts, see who changed what."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/usage" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"Enrichment usage"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Enrichments, tokens and cost per person and month; the monthly budget."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/integrations/zoho" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"Zoho CRM"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Connect Zoho, sync the contractor directory with photos, watch the runs."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/inquiry-form" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"Inquiry form"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"The public contact form: on or off, its introduction, daily cap, and who its inquiries go to."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/api-keys" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"API keys"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Keys for other tools to use the API, each with its scopes and expiry; last use; revoke."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/webhooks" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"Webhooks"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Send case, company and contractor events to other tools, signed; the delivery log; resend."</p>
                            </a>
                        </li>
                        <li>
                            <a href="/admin/system" class="block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300 dark:border-slate-800 dark:bg-slate-900">
                                <h2 class="font-medium">"System"</h2>
                                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Request rate, latency and errors per route across every instance; slow requests, rate limits, queues."</p>
                            </a>
                        </li>
                    </ul>
                }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}
