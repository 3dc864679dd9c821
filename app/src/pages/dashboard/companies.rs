//! The workspace's companies, for analysts: the score histogram, the sector × stage
//! table with counts and mean scores, what was enriched lately, whose score moved
//! most, and the analyst's own lists. Every figure opens the companies it counts.

use leptos::prelude::*;

use crate::api::dashboard::companies_dashboard;
use crate::components::{
    Bar, FiguresAsOf, LinkedBars, LoadError, When, provide_reading, set_response_status,
};
use crate::model::{
    AnalystDashboard, CompanyLine, CompanyStage, OwnList, SectorRow, score_band_range,
};

const PANEL: &str = "rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900";
const LINK: &str =
    "text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300";

#[component]
pub fn CompanyPanels() -> impl IntoView {
    let data = Resource::new(|| (), |()| companies_dashboard());
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Counting the companies…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(dashboard) => view! { <Panels dashboard/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <LoadError heading="The companies' figures could not be loaded" detail=error.to_string() back=("/companies", "Open the companies") testid="companies-dashboard-error"/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Panels(dashboard: AnalystDashboard) -> impl IntoView {
    // Its charts are drawn once per read of these figures (components::reading_memo).
    provide_reading(dashboard.reading);
    let AnalystDashboard {
        read_at,
        companies,
        bands,
        unscored,
        stages,
        sectors,
        other_sectors,
        recently_enriched,
        biggest_changes,
        own_lists,
        ..
    } = dashboard;
    let histogram: Vec<Bar> = bands
        .iter()
        .enumerate()
        .map(|(band, n)| {
            let (low, high) = score_band_range(band);
            Bar {
                label: format!("{low}–{high}"),
                value: *n as f64,
                href: format!("/companies?min_score={low}&max_score={high}"),
            }
        })
        .collect();
    let scored: i64 = bands.iter().sum();
    view! {
        <section aria-labelledby="companies-figures" class="space-y-4" data-testid="companies-dashboard">
            <h2 id="companies-figures" class="text-lg font-semibold">
                <a href="/companies" class=LINK>"The workspace's companies: " <span data-testid="companies-total">{companies}</span></a>
            </h2>
            <FiguresAsOf at=read_at/>
            <div class="grid gap-4 lg:grid-cols-2">
                <div class="space-y-1">
                    <LinkedBars title=format!("Scores ({scored} scored)") bars=histogram unit="companies"
                        label_name="Score" testid="chart-scores" empty="No company has a score yet: enrich some."/>
                    <p class="text-xs text-slate-500 dark:text-slate-400" data-testid="unscored">
                        {format!("{unscored} not scored yet.")}
                    </p>
                </div>
                <SectorTable stages sectors other_sectors/>
            </div>
            <div class="grid gap-4 lg:grid-cols-3">
                <CompanyList title="Recently enriched" testid="recently-enriched" lines=recently_enriched
                    empty="Nothing enriched yet." show_change=false/>
                <CompanyList title="Biggest score changes at the last run" testid="score-changes" lines=biggest_changes
                    empty="No score has changed between two runs yet." show_change=true/>
                <OwnLists lists=own_lists/>
            </div>
        </section>
    }
}

/// Sectors (the largest first) × stages: each cell's count and mean score, a link to
/// those companies; shaded by the mean score (a heat table), readable as the table
/// it is.
#[component]
fn SectorTable(
    stages: Vec<Option<CompanyStage>>,
    sectors: Vec<SectorRow>,
    other_sectors: i64,
) -> impl IntoView {
    if sectors.is_empty() {
        return view! {
            <p class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400" data-testid="sectors-empty">
                "No companies yet: add some on the companies page."
            </p>
        }
        .into_any();
    }
    let shade = |mean: Option<f64>| match mean {
        None => "",
        Some(m) if m >= 80.0 => "bg-emerald-100 dark:bg-emerald-950",
        Some(m) if m >= 60.0 => "bg-sky-100 dark:bg-sky-950",
        Some(m) if m >= 40.0 => "bg-amber-50 dark:bg-amber-950",
        Some(_) => "bg-rose-50 dark:bg-rose-950",
    };
    let header = stages.clone();
    view! {
        <figure class=format!("{PANEL} overflow-x-auto") data-testid="sector-stage">
            <figcaption class="font-medium">"Sectors × stages: companies and mean score"</figcaption>
            <table class="mt-3 w-full text-xs">
                <thead>
                    <tr class="text-slate-500 dark:text-slate-400">
                        <th scope="col" class="px-2 py-1 text-left">"Sector"</th>
                        {header.into_iter().map(|stage| view! {
                            <th scope="col" class="px-2 py-1 text-right font-medium">{stage.map_or("No stage", CompanyStage::label)}</th>
                        }).collect_view()}
                        <th scope="col" class="px-2 py-1 text-right">"All"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {sectors.into_iter().map(|row| {
                        let sector_href = (!row.sector.is_empty()).then(|| format!(
                            "/companies?{}",
                            serde_urlencoded::to_string([("sector", row.sector.as_str())]).unwrap_or_default()
                        ));
                        let name = if row.sector.is_empty() { "No sector".to_string() } else { row.sector.clone() };
                        let cells = stages.iter().map(|stage| {
                            let cell = row.cells.iter().find(|c| c.stage == *stage).copied();
                            let (n, mean) = cell.map_or((0, None), |c| (c.companies, c.mean_score));
                            let text = match mean {
                                Some(mean) => format!("{n} · {mean:.0}"),
                                None if n > 0 => format!("{n} · –"),
                                None => "–".to_string(),
                            };
                            let href = match (&sector_href, stage) {
                                (Some(base), Some(stage)) if n > 0 => Some(format!("{base}&stage={}", stage.as_str())),
                                _ => None,
                            };
                            let tip = format!(
                                "{name}, {}: {n} companies{}",
                                stage.map_or("no stage", CompanyStage::label),
                                mean.map(|m| format!(", mean score {m:.1}")).unwrap_or_default()
                            );
                            view! {
                                <td class=format!("p-0 text-right tabular-nums {}", shade(mean))>
                                    {match href {
                                        Some(href) => view! {
                                            <a href=href title=tip data-testid="sector-cell" data-value=n.to_string() class="block px-2 py-1.5 hover:underline">{text}</a>
                                        }.into_any(),
                                        None => view! { <span title=tip class="block px-2 py-1.5 text-slate-500 dark:text-slate-400">{text}</span> }.into_any(),
                                    }}
                                </td>
                            }
                        }).collect_view();
                        let total = match row.mean_score {
                            Some(mean) => format!("{} · {mean:.0}", row.companies),
                            None => row.companies.to_string(),
                        };
                        view! {
                            <tr>
                                <th scope="row" class="px-2 py-1.5 text-left font-medium">
                                    {match sector_href.clone() {
                                        Some(href) => view! { <a href=href class=LINK data-testid="sector-row" data-value=row.companies.to_string()>{name.clone()}</a> }.into_any(),
                                        None => view! { <span class="text-slate-500 dark:text-slate-400">{name.clone()}</span> }.into_any(),
                                    }}
                                </th>
                                {cells}
                                <td class="px-2 py-1.5 text-right font-medium tabular-nums">{total}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                "Each cell: companies · mean score (of those scored)."
                {(other_sectors > 0).then(|| format!(" {other_sectors} smaller sectors are not shown."))}
            </p>
        </figure>
    }
    .into_any()
}

#[component]
fn CompanyList(
    title: &'static str,
    testid: &'static str,
    lines: Vec<CompanyLine>,
    empty: &'static str,
    show_change: bool,
) -> impl IntoView {
    view! {
        <div class=PANEL data-testid=testid>
            <h3 class="font-medium">{title}</h3>
            {if lines.is_empty() {
                view! { <p class="mt-2 text-slate-500 dark:text-slate-400">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800">
                        {lines.into_iter().map(|line| {
                            let change = match (line.previous_score, line.score) {
                                (Some(before), Some(now)) if show_change => {
                                    let delta = now - before;
                                    let tone = if delta >= 0 { "text-emerald-700 dark:text-emerald-300" } else { "text-red-700 dark:text-red-300" };
                                    Some(view! { <span class=format!("tabular-nums {tone}")>{format!("{before} → {now} ({delta:+})")}</span> })
                                }
                                _ => None,
                            };
                            view! {
                                <li class="flex items-center justify-between gap-3 py-2">
                                    <a href=format!("/companies/{}", line.id) class=format!("min-w-0 truncate {LINK}")>{line.name}</a>
                                    <span class="flex shrink-0 items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
                                        {change}
                                        {(!show_change).then(|| line.score.map(|s| format!("score {s}")))}
                                        {line.at.map(|at| view! { <When at/> })}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn OwnLists(lists: Vec<OwnList>) -> impl IntoView {
    view! {
        <div class=PANEL data-testid="own-lists">
            <h3 class="font-medium"><a href="/lists" class=LINK>"My lists"</a></h3>
            {if lists.is_empty() {
                view! { <p class="mt-2 text-slate-500 dark:text-slate-400">"You have no lists yet: add companies to one from the companies page."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800">
                        {lists.into_iter().map(|list| view! {
                            <li class="flex items-center justify-between gap-3 py-2">
                                <a href=format!("/lists/{}", list.id) class=format!("min-w-0 truncate {LINK}")>{list.name}</a>
                                <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400">{format!("{} companies", list.companies)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
