//! `/` — the dashboard of the signed-in person's role. Every chart is SVG drawn where
//! the page is rendered, and every bar a link to the table of exactly what it counts.
//! The window of the day charts (7 / 30 / 90 days) is in the URL (`range=`).

mod companies;
mod mine;
mod workspace;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::Area;
use crate::components::{may_open, use_viewer};
use crate::model::{Role, Window};
use companies::CompanyPanels;
use mine::MyCases;
use workspace::TeamCases;

#[component]
pub fn Dashboard() -> impl IntoView {
    let role = use_viewer().map(|viewer| viewer.role);
    let location = use_location();
    let window = move || Window::from_query_string(&location.search.get()).unwrap_or_default();
    view! {
        <Title text="Dashboard"/>
        <div class="space-y-8">
            <header class="flex flex-wrap items-end justify-between gap-4">
                <div>
                    <h1 class="text-2xl font-semibold tracking-tight">"Dashboard"</h1>
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "Every figure opens the list it counts."
                    </p>
                </div>
                {(role != Some(Role::Analyst)).then(|| view! { <WindowPicker current=window/> })}
            </header>
            {(role == Some(Role::Admin)).then(|| view! { <TeamCases/> })}
            {matches!(role, Some(Role::Employee) | Some(Role::Admin)).then(|| view! { <MyCases/> })}
            {(role == Some(Role::Analyst)).then(|| view! { <CompanyPanels/> })}
            <Areas/>
        </div>
    }
}

/// The 7 / 30 / 90 days links (plain links: the URL is the state).
#[component]
fn WindowPicker(current: impl Fn() -> Window + Send + Sync + Copy + 'static) -> impl IntoView {
    view! {
        <nav aria-label="Window of the day charts" class="flex rounded-md border border-slate-300 text-sm dark:border-slate-700" data-testid="window-picker">
            {Window::ALL.into_iter().map(|window| {
                let href = format!("/?range={}", window.days());
                view! {
                    <a href=href aria-current=move || (current() == window).then_some("page")
                        class="px-3 py-1.5 first:rounded-l-md last:rounded-r-md hover:bg-slate-100 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white dark:hover:bg-slate-800 dark:aria-[current=page]:bg-white dark:aria-[current=page]:text-slate-900">
                        {window.label()}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The areas of the product the viewer may open, as before the dashboards.
#[component]
fn Areas() -> impl IntoView {
    let viewer = use_viewer();
    view! {
        <nav aria-label="Areas">
            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                {Area::ALL
                    .into_iter()
                    .filter(|area| viewer.as_ref().is_some_and(|v| may_open(v, Some(area.needs()))))
                    .map(|area| {
                        view! {
                            <li>
                                <a
                                    href=area.href()
                                    class="block h-full rounded-lg border border-slate-200 bg-white p-5 shadow-sm transition hover:border-indigo-300 hover:shadow dark:border-slate-800 dark:bg-slate-900 dark:hover:border-indigo-700"
                                >
                                    <h2 class="font-medium">{area.title()}</h2>
                                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{area.summary()}</p>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
