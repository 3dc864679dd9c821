//! `/admin/system` — how every instance is serving, over the last 5 minutes or hour:
//! request rate and latency percentiles per route, errors, the slowest recent
//! requests of this workspace, rate-limit refusals by class, cache hit rate, database
//! pool use, job queues and open event streams; and, from the instance that answers,
//! each cache and the read replicas (components/instance_now.rs). Merged from every instance's minutes,
//! so it shows the whole system whichever instance answers; refreshed every 15 s once
//! the page is live (and by the Refresh link without JavaScript).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::admin::load_system;
use crate::components::AdminRefusal;
use crate::components::chart::{BarLineChart, Point, format_figure};
use crate::components::instance_now::InstanceNowSection;
use crate::model::{RouteFigures, SystemReport, WINDOWS};

#[component]
pub fn AdminSystem() -> impl IntoView {
    let query = use_query_map();
    let window = move || query.with(|q| q.get("window").unwrap_or_default());
    let tick = RwSignal::new(0u32);
    // Live: read again every 15 s (in the browser only; the server renders once).
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|n| *n += 1),
            std::time::Duration::from_secs(15),
        );
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
    let report = Resource::new(
        move || (window(), tick.get()),
        |(window, _)| load_system(window),
    );
    view! {
        <Title text="System"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"System"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Every instance, merged from the minutes each one writes. Updates every 15 seconds."
                </p>
            </div>
            <nav aria-label="Window" class="flex gap-2 text-sm">
                {WINDOWS.iter().map(|(minutes, label)| {
                    let href = format!("?window={minutes}");
                    let current = move || {
                        let chosen = window();
                        chosen == minutes.to_string() || (chosen.is_empty() && *minutes == 5)
                    };
                    view! {
                        <a href=href aria-current=move || current().then_some("page")
                            class="rounded-md border border-slate-300 px-3 py-1.5 aria-[current=page]:border-indigo-500 aria-[current=page]:font-medium dark:border-slate-700">
                            {*label}
                        </a>
                    }
                }).collect_view()}
                <a href=move || format!("?window={}", window()) class="rounded-md px-3 py-1.5 underline">"Refresh"</a>
            </nav>
        </header>
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || report.get().map(|result| match result {
                Ok(report) => view! { <Report report/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Report(report: SystemReport) -> impl IntoView {
    let total = report.total.clone();
    let hit_rate = report
        .cache_hit_rate()
        .map_or("—".to_string(), |rate| format!("{:.0} %", rate * 100.0));
    let pool = report
        .instances
        .iter()
        .fold((0, 0), |(used, size), instance| {
            (used + instance.pool_in_use, size + instance.pool_size)
        });
    let blocked: u64 = report.rate_limited.iter().map(|(_, count)| count).sum();
    let oldest = report
        .queues
        .iter()
        .map(|queue| queue.oldest_pending_s)
        .fold(0.0, f64::max);
    let waiting: i64 = report.queues.iter().map(|queue| queue.pending).sum();
    let points: Vec<Point> = report
        .series
        .iter()
        .map(|minute| Point {
            label: minute.label.clone(),
            bar: minute.requests as f64,
            line: Some(minute.p95_ms),
        })
        .collect();
    let card = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class="mt-1 text-xl font-semibold tabular-nums" data-testid=testid>{value}</dd>
            </div>
        }
    };
    view! {
        <dl class="mt-6 grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="system-summary">
            {card("Requests / min", format_figure(total.per_minute), "rate")}
            {card("p95 latency", format!("{} ms", format_figure(total.p95_ms)), "p95")}
            {card("Errors (5xx)", format!("{:.2} %", total.error_rate() * 100.0), "error-rate")}
            {card("Rate-limited", blocked.to_string(), "rate-limited")}
            {card("Cache hit rate", hit_rate, "cache-hit-rate")}
            {card("Database pool", format!("{} of {} in use", pool.0, pool.1), "pool")}
            {card("Jobs waiting", format!("{waiting} (oldest {} s)", format_figure(oldest)), "queue")}
            {card("Live streams", report.sse_open().to_string(), "sse")}
        </dl>
        <div class="mt-6">
            <BarLineChart title="Requests per minute and p95 latency".into() points bar_name="requests" line_name="p95 ms" testid="traffic-chart"/>
        </div>
        <Instances report=report.clone()/>
        <InstanceNowSection now=report.now.clone()/>
        <Routes routes=report.routes.clone() total/>
        <Slow report=report.clone()/>
        <Limits report/>
    }
}

const TABLE: &str = "mt-2 w-full text-sm";
const HEAD: &str = "border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400";
const NUM: &str = "px-3 py-2 text-right tabular-nums";

#[component]
fn Instances(report: SystemReport) -> impl IntoView {
    let none = report.instances.is_empty();
    let rows = report
        .instances
        .into_iter()
        .map(|instance| {
            let name = instance.instance.clone();
            view! {
                <tr data-testid="instance-row" data-instance=name>
                    <td class="px-3 py-2 font-mono text-xs">{instance.instance}</td>
                    <td class="px-3 py-2">{instance.version}</td>
                    <td class="px-3 py-2"><time datetime=instance.last_seen.clone()>{instance.last_seen.clone()}</time></td>
                    <td class=NUM data-testid="instance-requests">{instance.requests}</td>
                    <td class=NUM>{format!("{} ms", format_figure(instance.p95_ms))}</td>
                    <td class=NUM>{format!("{} / {}", instance.pool_in_use, instance.pool_size)}</td>
                    <td class=NUM>{instance.sse_open}</td>
                    <td class=NUM>{instance.redis_fallbacks}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mt-8" aria-labelledby="instances-heading">
            <h2 id="instances-heading" class="text-lg font-semibold">"Instances"</h2>
            {none.then(|| view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400" data-testid="no-instances">"No instance has written a minute in this window yet: each writes one as the minute ends."</p> })}
            <div class="overflow-x-auto">
                <table class=TABLE data-testid="instances">
                    <thead class=HEAD><tr>
                        <th scope="col" class="px-3 py-2">"Instance"</th><th scope="col" class="px-3 py-2">"Version"</th>
                        <th scope="col" class="px-3 py-2">"Last minute"</th><th scope="col" class="px-3 py-2 text-right">"Requests"</th>
                        <th scope="col" class="px-3 py-2 text-right">"p95"</th><th scope="col" class="px-3 py-2 text-right">"Pool"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Streams"</th><th scope="col" class="px-3 py-2 text-right">"Redis fallbacks"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Routes(routes: Vec<RouteFigures>, total: RouteFigures) -> impl IntoView {
    let row = |figures: RouteFigures, testid: &'static str| {
        view! {
            <tr data-testid=testid data-route=figures.route.clone()>
                <td class="px-3 py-2 font-mono text-xs">{figures.method.clone()} " " {figures.route.clone()}</td>
                <td class=NUM data-testid="route-requests">{figures.requests}</td>
                <td class=NUM>{format_figure(figures.per_minute)}</td>
                <td class=NUM>{format_figure(figures.p50_ms)}</td>
                <td class=NUM>{format_figure(figures.p95_ms)}</td>
                <td class=NUM>{format_figure(figures.p99_ms)}</td>
                <td class=NUM>{format!("{:.2} %", figures.error_rate() * 100.0)}</td>
            </tr>
        }
    };
    let empty = routes.is_empty();
    view! {
        <section class="mt-8" aria-labelledby="routes-heading">
            <h2 id="routes-heading" class="text-lg font-semibold">"Routes"</h2>
            <div class="overflow-x-auto">
                <table class=TABLE data-testid="routes">
                    <thead class=HEAD><tr>
                        <th scope="col" class="px-3 py-2">"Route"</th><th scope="col" class="px-3 py-2 text-right">"Requests"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Per min"</th><th scope="col" class="px-3 py-2 text-right">"p50 ms"</th>
                        <th scope="col" class="px-3 py-2 text-right">"p95 ms"</th><th scope="col" class="px-3 py-2 text-right">"p99 ms"</th>
                        <th scope="col" class="px-3 py-2 text-right">"Errors"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {routes.into_iter().map(|figures| row(figures, "route-row")).collect_view()}
                        {(!empty).then(|| row(total, "route-total"))}
                    </tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No requests recorded in this window."</p> })}
        </section>
    }
}

#[component]
fn Slow(report: SystemReport) -> impl IntoView {
    let empty = report.slow.is_empty();
    let rows = report
        .slow
        .into_iter()
        .map(|slow| {
            let who = if slow.user.is_empty() {
                "(removed user)".to_string()
            } else {
                slow.user
            };
            view! {
                <tr data-testid="slow-row">
                    <td class="px-3 py-2"><time datetime=slow.at.clone()>{slow.at.clone()}</time></td>
                    <td class="px-3 py-2 font-mono text-xs">{slow.method} " " {slow.route}</td>
                    <td class=NUM>{format!("{} ms", format_figure(slow.ms))}</td>
                    <td class=NUM>{slow.status}</td>
                    <td class="px-3 py-2">{who}</td>
                    <td class="px-3 py-2 font-mono text-xs">{slow.request_id}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mt-8" aria-labelledby="slow-heading">
            <h2 id="slow-heading" class="text-lg font-semibold">"Slowest requests (over 1 s) in this workspace"</h2>
            {if empty {
                view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400" data-testid="no-slow">"None in this window."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class=TABLE data-testid="slow">
                            <thead class=HEAD><tr>
                                <th scope="col" class="px-3 py-2">"When"</th><th scope="col" class="px-3 py-2">"Route"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Took"</th><th scope="col" class="px-3 py-2 text-right">"Status"</th>
                                <th scope="col" class="px-3 py-2">"Who"</th><th scope="col" class="px-3 py-2">"Request id"</th>
                            </tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Limits(report: SystemReport) -> impl IntoView {
    let limits = report.rate_limited.clone();
    let queues = report.queues.clone();
    view! {
        <div class="mt-8 grid gap-6 md:grid-cols-2">
            <section aria-labelledby="limits-heading">
                <h2 id="limits-heading" class="text-lg font-semibold">"Rate-limit refusals"</h2>
                {if limits.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"None in this window."</p> }.into_any()
                } else {
                    view! {
                        <table class=TABLE data-testid="limits">
                            <thead class=HEAD><tr><th scope="col" class="px-3 py-2">"Class"</th><th scope="col" class="px-3 py-2 text-right">"Refused"</th></tr></thead>
                            <tbody>{limits.into_iter().map(|(class, count)| {
                                let name = class.clone();
                                view! {
                                    <tr data-testid="limit-row" data-class=name><td class="px-3 py-2">{class}</td><td class=NUM>{count}</td></tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section aria-labelledby="queues-heading">
                <h2 id="queues-heading" class="text-lg font-semibold">"Job queues"</h2>
                {if queues.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No queue has been used yet."</p> }.into_any()
                } else {
                    view! {
                        <table class=TABLE data-testid="queues">
                            <thead class=HEAD><tr>
                                <th scope="col" class="px-3 py-2">"Queue"</th><th scope="col" class="px-3 py-2 text-right">"Waiting"</th>
                                <th scope="col" class="px-3 py-2 text-right">"Running"</th><th scope="col" class="px-3 py-2 text-right">"Oldest waiting"</th>
                            </tr></thead>
                            <tbody>{queues.into_iter().map(|queue| view! {
                                <tr><td class="px-3 py-2">{queue.name}</td><td class=NUM>{queue.pending}</td><td class=NUM>{queue.running}</td>
                                <td class=NUM>{format!("{} s", format_figure(queue.oldest_pending_s))}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
