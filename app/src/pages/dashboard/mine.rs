//! The signed-in person's own cases (employees, and admins for the cases they hold):
//! open by status and by age, the oldest, what others changed, closed per day.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::dashboard::{MarkCasesSeen, my_dashboard};
use crate::components::{
    Bar, CaseLines, FiguresAsOf, LinkedBars, LoadError, When, day_bars, provide_reading,
    set_response_status, status_label,
};
use crate::model::{AGE_BUCKETS, EmployeeDashboard, age_bucket_days};

/// The signed-in person's own cases.
#[component]
pub fn MyCases() -> impl IntoView {
    let location = use_location();
    let seen = ServerAction::<MarkCasesSeen>::new();
    let data = Resource::new(
        move || (location.search.get(), seen.version().get()),
        |(search, _)| my_dashboard(search.trim_start_matches('?').to_string()),
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Counting your cases…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(dashboard) => view! { <MyPanels dashboard seen/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <LoadError heading="The dashboard could not be loaded" detail=error.to_string() back=("/", "Show the last 30 days") testid="dashboard-error"/> }.into_any()
                }
            })}
        </Transition>
    }
}

const OPEN_QUERY: &str = "status=new&status=open&status=pending";

#[component]
fn MyPanels(dashboard: EmployeeDashboard, seen: ServerAction<MarkCasesSeen>) -> impl IntoView {
    // Its charts are drawn once per read of these figures (components::reading_memo).
    provide_reading(dashboard.reading);
    let EmployeeDashboard {
        window,
        read_at,
        today,
        open_by_status,
        by_age,
        oldest,
        changed_by_others,
        seen_at,
        closed_per_day,
        ..
    } = dashboard;
    let by_status: Vec<Bar> = open_by_status
        .iter()
        .map(|(status, n)| Bar {
            label: status_label(*status).to_string(),
            value: *n as f64,
            href: format!("/work?status={}", status.as_str()),
        })
        .collect();
    let open_total: i64 = open_by_status.iter().map(|(_, n)| n).sum();
    let ages: Vec<Bar> = AGE_BUCKETS
        .iter()
        .zip(&by_age)
        .map(|((label, first, last), n)| Bar {
            label: label.to_string(),
            value: *n as f64,
            href: format!(
                "/work?{OPEN_QUERY}&opened={}&sort=created",
                age_bucket_days(today, *first, *last).to_param()
            ),
        })
        .collect();
    let closed = day_bars(
        &closed_per_day,
        "/work?status=resolved&status=closed&archived=any&closed=",
    );
    let closed_total: i64 = closed_per_day.iter().map(|d| d.n).sum();
    view! {
        <section aria-labelledby="my-cases" class="space-y-4" data-testid="my-dashboard">
            <h2 id="my-cases" class="text-lg font-semibold">
                "My open cases: " <span data-testid="my-open-total">{open_total}</span>
            </h2>
            <FiguresAsOf at=read_at/>
            <div class="grid gap-4 lg:grid-cols-2">
                <LinkedBars title="By status".into() bars=by_status unit="cases" label_name="Status"
                    testid="chart-my-status" empty="No open cases: nothing waits on you."/>
                <LinkedBars title="By age (days since opened)".into() bars=ages unit="cases" label_name="Age"
                    testid="chart-my-age" empty="No open cases."/>
            </div>
            <div class="grid gap-4 lg:grid-cols-2">
                <div class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <h3 class="text-sm font-medium">"Oldest open"</h3>
                    <CaseLines testid="my-oldest" lines=oldest empty="Nothing open." verb="opened"/>
                </div>
                <div class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                    <div class="flex items-start justify-between gap-3">
                        <h3 class="text-sm font-medium">
                            "Changed by others "
                            {match seen_at {
                                Some(at) => view! { "since you looked " <When at/> }.into_any(),
                                None => view! { "in the last 7 days" }.into_any(),
                            }}
                        </h3>
                        <ActionForm action=seen attr:data-testid="mark-seen">
                            <button type="submit" class="text-xs font-medium text-indigo-700 hover:underline dark:text-indigo-300">"Mark as seen"</button>
                        </ActionForm>
                    </div>
                    <CaseLines testid="my-changed" lines=changed_by_others empty="Nobody else has touched your cases." verb="changed"/>
                </div>
            </div>
            <LinkedBars title=format!("Closed per day, last {} ({closed_total} in all)", window.label())
                bars=closed unit="cases closed" label_name="Day" testid="chart-my-closed"
                empty="Nothing closed in this window yet."/>
        </section>
    }
}
