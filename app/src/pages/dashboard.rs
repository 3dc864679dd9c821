//! `/` — the landing page. Per-role dashboards (open cases by status and age, team
//! throughput, score distribution, job health) arrive with the Dashboards issue; until
//! then it points people at the areas of the product.

use leptos::prelude::*;
use leptos_meta::Title;

use super::Area;
use crate::components::use_viewer;
use crate::model::Role;

#[component]
pub fn Dashboard() -> impl IntoView {
    let is_admin = use_viewer().is_some_and(|viewer| viewer.role == Role::Admin);
    view! {
        <Title text="Dashboard"/>
        <div class="space-y-8">
            <header>
                <h1 class="text-2xl font-semibold tracking-tight">"Dashboard"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Cases, companies and the jobs that keep them current, in one place."
                </p>
            </header>
            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                {Area::ALL
                    .into_iter()
                    .filter(|area| *area != Area::Admin || is_admin)
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
        </div>
    }
}
