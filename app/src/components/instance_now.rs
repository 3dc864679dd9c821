//! Admin → System's "This instance" section: each cache's hit rate and size, and the
//! read replicas with the share of reads they served. Only the instance that answered
//! knows these (each keeps its own caches and watches the replicas itself), so the
//! section says which instance it is.

use leptos::prelude::*;

use crate::components::chart::format_figure;
use crate::model::InstanceNow;

const TABLE: &str = "mt-2 w-full text-sm";
const HEAD: &str = "border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400";
const NUM: &str = "px-3 py-2 text-right tabular-nums";
const MUTED: &str = "mt-2 text-sm text-slate-600 dark:text-slate-400";

fn percent(share: Option<f64>) -> String {
    share.map_or("—".to_string(), |share| format!("{:.1} %", share * 100.0))
}

#[component]
pub fn InstanceNowSection(now: InstanceNow) -> impl IntoView {
    let heading = format!("This instance ({})", now.instance);
    let share = percent(now.replica_share());
    let reads = format!(
        "{} of {} reads",
        format_figure((now.replica_reads) as f64),
        format_figure((now.replica_reads + now.primary_reads) as f64)
    );
    let caches = now
        .caches
        .into_iter()
        .map(|cache| {
            let name = cache.name.clone();
            let rate = percent(cache.hit_rate());
            view! {
                <tr data-testid="cache-row" data-cache=name>
                    <td class="px-3 py-2">{cache.name}</td>
                    <td class=NUM data-testid="cache-hit-rate">{rate}</td>
                    <td class=NUM>{cache.hits}</td>
                    <td class=NUM>{cache.misses}</td>
                    <td class=NUM data-testid="cache-entries">{cache.entries}</td>
                </tr>
            }
        })
        .collect_view();
    let no_replicas = now.replicas.is_empty();
    let replicas = now
        .replicas
        .into_iter()
        .map(|replica| {
            let state = match (replica.up, replica.fresh) {
                (false, _) => "Down: reads go to the primary",
                (true, false) => "Behind: reads go to the primary",
                (true, true) => "Serving reads",
            };
            let name = replica.name.clone();
            view! {
                <tr data-testid="replica-row" data-replica=name>
                    <td class="px-3 py-2 font-mono text-xs">{replica.name}</td>
                    <td class="px-3 py-2" data-testid="replica-state">{state}</td>
                    <td class=NUM>{format!("{} KB", format_figure(replica.behind_bytes as f64 / 1024.0))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mt-8" aria-labelledby="instance-now-heading" data-testid="instance-now">
            <h2 id="instance-now-heading" class="text-lg font-semibold">{heading}</h2>
            <p class=MUTED>"Since it started. Another instance keeps its own caches."</p>
            <div class="mt-2 grid gap-6 md:grid-cols-2">
                <div class="overflow-x-auto">
                    <h3 class="text-sm font-semibold">"Caches"</h3>
                    <table class=TABLE data-testid="caches">
                        <thead class=HEAD><tr>
                            <th scope="col" class="px-3 py-2">"Cache"</th><th scope="col" class="px-3 py-2 text-right">"Hit rate"</th>
                            <th scope="col" class="px-3 py-2 text-right">"Hits"</th><th scope="col" class="px-3 py-2 text-right">"Misses"</th>
                            <th scope="col" class="px-3 py-2 text-right">"Entries"</th>
                        </tr></thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{caches}</tbody>
                    </table>
                </div>
                <div class="overflow-x-auto">
                    <h3 class="text-sm font-semibold">"Read replicas"</h3>
                    {if no_replicas {
                        view! {
                            <p class=MUTED data-testid="no-replicas">
                                "None: every read goes to the primary. Set DATABASE_READ_URL to add replicas."
                            </p>
                        }.into_any()
                    } else {
                        view! {
                            <p class=MUTED data-testid="replica-share">
                                "Served by a replica: " <strong>{share}</strong> " (" {reads} ")"
                            </p>
                            <table class=TABLE data-testid="replicas">
                                <thead class=HEAD><tr>
                                    <th scope="col" class="px-3 py-2">"Replica"</th><th scope="col" class="px-3 py-2">"State"</th>
                                    <th scope="col" class="px-3 py-2 text-right">"Behind"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{replicas}</tbody>
                            </table>
                        }.into_any()
                    }}
                </div>
            </div>
        </section>
    }
}
