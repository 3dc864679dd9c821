//! The page frame: header with the product name, the main navigation, the theme toggle
//! and the user menu, then the page itself.

use leptos::prelude::*;
use leptos_router::components::A;

use super::ThemeToggle;
use super::icons::Logo;

/// The main navigation, in the order people reach for it.
const NAV: [(&str, &str); 5] = [
    ("/", "Dashboard"),
    ("/work", "My work"),
    ("/companies", "Companies"),
    ("/lists", "Lists"),
    ("/admin", "Admin"),
];

#[component]
pub fn AppFrame(children: Children) -> impl IntoView {
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
                <nav aria-label="Main" class="order-last -mx-1 flex min-w-0 basis-full overflow-x-auto pb-2 sm:order-none sm:basis-auto sm:flex-1 sm:pb-0">
                    <ul class="flex items-center gap-1 text-sm">
                        {NAV
                            .into_iter()
                            .map(|(href, label)| {
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
                <div class="ml-auto flex shrink-0 items-center gap-2 sm:ml-0">
                    <ThemeToggle/>
                    <UserMenu/>
                </div>
            </div>
        </header>
        <main id="main" class="mx-auto max-w-7xl px-4 py-8 sm:px-6">
            {children()}
        </main>
    }
}

/// Who is signed in. Sign-in arrives with the Identity issue; until then the menu says
/// plainly that nobody is.
#[component]
fn UserMenu() -> impl IntoView {
    view! {
        <div class="flex items-center gap-2" data-testid="user-menu">
            <span
                aria-hidden="true"
                class="flex h-8 w-8 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-600 dark:bg-slate-700 dark:text-slate-200"
            >
                "?"
            </span>
            <span class="hidden text-sm text-slate-500 sm:inline dark:text-slate-400">"Not signed in"</span>
        </div>
    }
}
