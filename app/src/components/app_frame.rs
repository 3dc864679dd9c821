//! The page frame: header with the product name, the main navigation, the theme toggle
//! and the user menu, then the page itself.

use leptos::prelude::*;
use leptos_router::components::A;

use super::icons::Logo;
use super::menu::close_on_escape;
use super::use_viewer;
use super::{Later, NotificationBell, SearchBox, ShortcutsHelp, ThemeToggle};
use crate::model::{Capability, Viewer, allows};

/// The main navigation, in the order people reach for it, each entry with what its
/// page asks of the viewer (None: every signed-in person). The server decides access
/// either way, by the same table (model::capability); this keeps the menu honest: a
/// person is offered only the places they may open.
type NavEntry = (&'static str, &'static str, Option<Capability>);

const NAV: [NavEntry; 7] = [
    ("/", "Dashboard", None),
    ("/work", "My work", Some(Capability::WorkOwnCases)),
    ("/cases", "All cases", Some(Capability::ManageAllCases)),
    ("/companies", "Companies", Some(Capability::UseCompanies)),
    ("/lists", "Lists", Some(Capability::UseCompanies)),
    (
        "/contractors",
        "Contractors",
        Some(Capability::ViewContractors),
    ),
    ("/admin", "Admin", Some(Capability::ManageUsers)),
];

/// Whether `viewer` may open a place that asks for `needs`.
pub fn may_open(viewer: &Viewer, needs: Option<Capability>) -> bool {
    needs.is_none_or(|capability| allows(viewer, capability))
}

#[component]
pub fn AppFrame(children: Children) -> impl IntoView {
    let viewer = use_viewer();
    let works_cases = viewer
        .as_ref()
        .is_some_and(|v| allows(v, Capability::WorkOwnCases));
    super::shortcuts::install(works_cases);
    // What the deferred parts need, owned by them (they are made after the page).
    let searcher = viewer.as_ref().map(|viewer| viewer.user_id.to_string());
    let menu_viewer = viewer.clone();
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow dark:focus:bg-slate-800">
            "Skip to content"
        </a>
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
            <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 px-4 sm:h-14 sm:flex-nowrap sm:px-6">
                <a href="/" class="flex h-14 shrink-0 items-center gap-2 font-semibold tracking-tight text-slate-900 dark:text-white">
                    <Logo/>
                    <span>"Casework"</span>
                </a>
                {viewer.clone().map(|viewer| view! { <MainNav viewer/> })}
                <div class="ml-auto flex shrink-0 items-center gap-2">
                    // The search box and the menus are made and hydrated after the page
                    // (components/later.rs), so a tap waits less on a slow phone. The bell
                    // keeps its place: its unread count is a resource.
                    <Later class="contents">
                        {searcher.map(|user| view! { <SearchBox user/> })}
                    </Later>
                    {viewer
                        .as_ref()
                        .filter(|viewer| allows(viewer, Capability::Notifications))
                        .map(|_| view! { <NotificationBell/> })}
                    {works_cases.then(|| view! {
                        <a href="/cases/new" data-testid="new-case-button" aria-keyshortcuts="c" title="New case (c)"
                            class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
                            "New case"
                        </a>
                    })}
                    <Later class="contents">
                        <ThemeToggle/>
                        {menu_viewer.map(|viewer| view! { <UserMenu viewer/> })}
                    </Later>
                </div>
            </div>
        </header>
        <main id="main" class="mx-auto max-w-7xl px-4 py-8 sm:px-6">
            {children()}
        </main>
        <Later>
            <ShortcutsHelp works_cases/>
        </Later>
    }
}

#[component]
fn MainNav(viewer: Viewer) -> impl IntoView {
    view! {
        <nav aria-label="Main" class="order-last -mx-1 flex min-w-0 basis-full overflow-x-auto pb-2 sm:order-none sm:basis-auto sm:flex-1 sm:pb-0">
            <ul class="flex items-center gap-1 text-sm">
                {NAV
                    .into_iter()
                    .filter(|(_, _, needs)| may_open(&viewer, *needs))
                    .map(|(href, label, _)| {
                        view! {
                            <li>
                                <A
                                    href=href
                                    exact=href == "/"
                                    attr:class="block whitespace-nowrap rounded-md px-3 py-1.5 font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white dark:aria-[current=page]:bg-white dark:aria-[current=page]:text-slate-900"
                                >
                                    {label}
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Who is signed in, and the way out. Signing out is a form post (it changes state,
/// so it is CSRF-checked like every other write) that works without JavaScript.
#[component]
fn UserMenu(viewer: Viewer) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    close_on_escape(details);
    view! {
        <details node_ref=details class="relative" data-testid="user-menu">
            <summary class="flex cursor-pointer list-none items-center gap-2 rounded-md px-1 py-1 hover:bg-slate-100 dark:hover:bg-slate-800 [&::-webkit-details-marker]:hidden">
                <span
                    aria-hidden="true"
                    class="flex h-8 w-8 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700 dark:bg-indigo-900 dark:text-indigo-200"
                >
                    {viewer.initials()}
                </span>
                <span class="hidden text-sm font-medium sm:inline" data-testid="viewer-name">{viewer.display_name.clone()}</span>
            </summary>
            <div class="absolute right-0 z-50 mt-2 w-64 rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                <p class="font-medium">{viewer.display_name.clone()}</p>
                <p class="truncate text-slate-500 dark:text-slate-400">{viewer.email.clone()}</p>
                <p class="mt-1 text-slate-500 dark:text-slate-400">
                    <span data-testid="viewer-role">{viewer.role.label()}</span>
                    " · "
                    {viewer.tenant_name.clone()}
                </p>
                <form method="post" action="/auth/logout" class="mt-3 border-t border-slate-200 pt-3 dark:border-slate-700">
                    <button type="submit" class="w-full rounded-md px-2 py-1.5 text-left font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
                        "Sign out"
                    </button>
                </form>
            </div>
        </details>
    }
}
