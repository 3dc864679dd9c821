//! A company's enrichment as its page shows it: where the latest run is (queued, the
//! step it is on, or why it failed) and the last good result (score gauge, confidence,
//! summary, what they do, keywords, signals with their evidence, sources, provider and
//! cost).

use leptos::prelude::*;

use crate::components::{When, score_band};
use crate::model::{EnrichmentResult, EnrichmentStatus, EnrichmentView, Step, format_usd};
use enrich::SignalKind;

#[component]
pub fn EnrichmentPanel(view: Option<EnrichmentView>) -> impl IntoView {
    let Some(view) = view else {
        return view! {
            <section data-testid="enrichment" class="mt-6 rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                <p class="font-medium text-slate-700 dark:text-slate-200">"Not enriched yet."</p>
                <p class="mt-1">"Enrich reads the company's website and scores it; it runs in the background."</p>
            </section>
        }
        .into_any();
    };
    let status = view.status;
    view! {
        <section data-testid="enrichment" data-status=status.as_str() class="mt-6 space-y-6">
            <RunStatus view=view.clone()/>
            {view.result.map(|result| view! { <ResultView result/> })}
        </section>
    }
    .into_any()
}

/// Where the latest run is: queued, the step it is on, or why it failed.
#[component]
fn RunStatus(view: EnrichmentView) -> impl IntoView {
    let box_class = "rounded-lg border px-4 py-3 text-sm";
    match view.status {
        EnrichmentStatus::Queued => view! {
            <div data-testid="run-status" class=format!("{box_class} border-indigo-200 bg-indigo-50 text-indigo-900 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-100")>
                <p class="font-medium">"Queued"</p>
                {view.error.map(|error| view! { <p class="mt-1">{error}</p> })}
            </div>
        }
        .into_any(),
        EnrichmentStatus::Running => {
            let step = view.step.unwrap_or(Step::Fetching);
            // A width class, not a style attribute: the Content-Security-Policy allows
            // no inline styles.
            let (done, width) = match step {
                Step::Fetching => (1, "w-1/3"),
                Step::Extracting => (2, "w-2/3"),
                Step::Scoring => (3, "w-full"),
            };
            view! {
                <div data-testid="run-status" class=format!("{box_class} border-indigo-200 bg-indigo-50 text-indigo-900 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-100")>
                    <p class="font-medium">{step.label()} "…"</p>
                    <div class="mt-2 h-1.5 w-full overflow-hidden rounded bg-indigo-100 dark:bg-indigo-900" role="progressbar" aria-valuemin="0" aria-valuemax="3" aria-valuenow=done.to_string()>
                        <div class=format!("h-full bg-indigo-600 transition-all {width}")></div>
                    </div>
                    {(view.attempts > 1).then(|| view! { <p class="mt-1 text-xs">"Attempt " {view.attempts}</p> })}
                </div>
            }
            .into_any()
        }
        EnrichmentStatus::Failed => view! {
            <div data-testid="run-status" role="alert" class=format!("{box_class} border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100")>
                <p class="font-medium">"The last enrichment failed"</p>
                <p class="mt-1">{view.error.unwrap_or_default()}</p>
                {view.result.is_some().then(|| view! { <p class="mt-1 text-xs">"The previous result is shown below."</p> })}
            </div>
        }
        .into_any(),
        EnrichmentStatus::Done => ().into_any(),
    }
}

#[component]
fn ResultView(result: EnrichmentResult) -> impl IntoView {
    let found = result.enrichment;
    let (band, colours) = score_band(i16::from(found.score));
    let mut kinds: Vec<SignalKind> = found.signals.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    let signals = found.signals.clone();
    let card =
        "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";
    let heading =
        "text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
    let cost = if result.provider == "heuristic" {
        "free".to_string()
    } else {
        format!(
            "{} ({} tokens in, {} out)",
            format_usd(result.cost_micros),
            result.tokens_in,
            result.tokens_out
        )
    };
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <div class=format!("{card} flex flex-col items-center text-center")>
                <ScoreGauge score=found.score/>
                <p class="mt-2 text-sm">
                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {colours}")>{band}</span>
                    " · " <span data-testid="confidence" class="capitalize">{found.confidence.as_str()}</span> " confidence"
                </p>
                <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">
                    {result.provider.clone()} {result.model.clone().map(|m| format!(" · {m}"))} " · " <When at=result.enriched_at/>
                </p>
                <p data-testid="cost" class="text-xs text-slate-500 dark:text-slate-400">{cost}</p>
            </div>
            <div class=format!("{card} lg:col-span-2")>
                <h2 class=heading>"Summary"</h2>
                <p data-testid="summary" class="mt-2 text-sm leading-relaxed">{found.summary.clone()}</p>
                {(!found.what_they_do.is_empty()).then(|| view! {
                    <h2 class=format!("{heading} mt-5")>"What they do"</h2>
                    <ul class="mt-2 list-disc space-y-1 pl-5 text-sm">
                        {found.what_they_do.iter().map(|item| view! { <li>{item.clone()}</li> }).collect_view()}
                    </ul>
                })}
                {(!found.keywords.is_empty()).then(|| view! {
                    <h2 class=format!("{heading} mt-5")>"Keywords"</h2>
                    <ul data-testid="keywords" class="mt-2 flex flex-wrap gap-1.5">
                        {found.keywords.iter().map(|keyword| view! {
                            <li class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs dark:bg-slate-800">{keyword.clone()}</li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
        </div>
        <div class=card>
            <h2 class=heading>"Signals"</h2>
            {if kinds.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No signals were found on the site."</p> }.into_any()
            } else {
                view! {
                    <div data-testid="signals" class="mt-3 grid gap-4 sm:grid-cols-2">
                        {kinds.into_iter().map(|kind| {
                            let group: Vec<_> = signals.iter().filter(|s| s.kind == kind).cloned().collect();
                            view! {
                                <div data-kind=kind.as_str()>
                                    <h3 class="text-sm font-semibold">{kind.title()}</h3>
                                    <ul class="mt-1 space-y-2 text-sm">
                                        {group.into_iter().map(|signal| view! {
                                            <li>
                                                <p>{signal.label}</p>
                                                <ul class="mt-0.5 space-y-0.5 text-xs text-slate-500 dark:text-slate-400">
                                                    {signal.evidence.into_iter().map(|evidence| view! {
                                                        <li>
                                                            "“" {evidence.excerpt} "” — "
                                                            <a href=evidence.url.clone() rel="noopener noreferrer nofollow" target="_blank" class="underline">{short_url(&evidence.url)}</a>
                                                        </li>
                                                    }).collect_view()}
                                                </ul>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </div>
        <div class=card>
            <h2 class=heading>"Sources"</h2>
            <ul data-testid="sources" class="mt-2 space-y-1 text-sm">
                {found.sources.into_iter().map(|source| view! {
                    <li>
                        <a href=source.url.clone() rel="noopener noreferrer nofollow" target="_blank" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">
                            {source.title.unwrap_or_else(|| short_url(&source.url))}
                        </a>
                        <span class="ml-2 text-xs text-slate-500 dark:text-slate-400">{short_url(&source.url)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The score as a ring filled to its share of 100, coloured by band.
#[component]
fn ScoreGauge(score: u8) -> impl IntoView {
    let circumference = 2.0 * std::f64::consts::PI * 42.0;
    let filled = circumference * f64::from(score.min(100)) / 100.0;
    let stroke = match score {
        80.. => "stroke-emerald-500",
        60..=79 => "stroke-sky-500",
        40..=59 => "stroke-amber-500",
        _ => "stroke-slate-400",
    };
    view! {
        <svg viewBox="0 0 100 100" class="h-32 w-32" role="img" aria-label=format!("Score {score} of 100")>
            <circle cx="50" cy="50" r="42" fill="none" stroke-width="10" class="stroke-slate-200 dark:stroke-slate-800"/>
            <circle cx="50" cy="50" r="42" fill="none" stroke-width="10" stroke-linecap="round"
                class=stroke transform="rotate(-90 50 50)"
                stroke-dasharray=format!("{filled:.1} {circumference:.1}")/>
            <text x="50" y="50" text-anchor="middle" dominant-baseline="central" data-testid="score-value"
                class="fill-current text-2xl font-semibold" font-size="26">{score}</text>
        </svg>
    }
}

/// "acme.com/about" for a link's text.
fn short_url(url: &str) -> String {
    let rest = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    rest.trim_end_matches('/').chars().take(60).collect()
}
