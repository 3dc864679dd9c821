//! A bar chart whose every bar is a link to the rows it counts (a dashboard's panels),
//! drawn as SVG where the page is rendered: readable before (and without) the wasm,
//! each bar's exact figure in its tooltip, light and dark from the theme's classes,
//! and the same figures as a table (with the same links) for screen readers.

use leptos::prelude::*;

use super::chart::{format_figure, nice_max};

/// One bar: what it is, how many, and where the rows are.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub href: String,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

/// Vertical bars, one per entry, each a link. With many bars (a day per bar) only the
/// first, middle and last labels are written under the axis; every bar keeps its own
/// in the tooltip and the table.
#[component]
pub fn LinkedBars(
    title: String,
    bars: Vec<Bar>,
    /// What a bar counts ("cases"), for the tooltip and the table's heading.
    unit: &'static str,
    /// What the labels are ("Status", "Day").
    label_name: &'static str,
    #[prop(optional)] testid: &'static str,
    #[prop(optional)] empty: &'static str,
) -> impl IntoView {
    let total: f64 = bars.iter().map(|bar| bar.value).sum();
    if bars.is_empty() || (total == 0.0 && !empty.is_empty()) {
        return view! {
            <figure data-testid=testid class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">
                <figcaption class="font-medium text-slate-700 dark:text-slate-300">{title}</figcaption>
                <p class="mt-1" data-testid="chart-empty">{if empty.is_empty() { "Nothing to show yet." } else { empty }}</p>
            </figure>
        }
        .into_any();
    }
    let max = nice_max(bars.iter().map(|bar| bar.value).fold(0.0, f64::max));
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let step = plot_width / bars.len() as f64;
    let bar_width = (step * 0.72).max(1.0);
    let many = bars.len() > 12;
    let labelled =
        |index: usize| !many || index == 0 || index == bars.len() / 2 || index + 1 == bars.len();
    let marks = bars
        .iter()
        .enumerate()
        .map(|(index, bar)| {
            let x = LEFT + step * index as f64 + (step - bar_width) / 2.0;
            let height = (bar.value / max * plot_height).max(if bar.value > 0.0 { 1.5 } else { 0.0 });
            let top = TOP + plot_height - height;
            let tip = format!("{}: {} {unit}", bar.label, format_figure(bar.value));
            let label = labelled(index).then(|| {
                let anchor = if !many { "middle" } else if index == 0 { "start" } else if index + 1 == bars.len() { "end" } else { "middle" };
                let lx = if !many { x + bar_width / 2.0 } else if index == 0 { x } else if index + 1 == bars.len() { x + bar_width } else { x + bar_width / 2.0 };
                view! {
                    <text x=format!("{lx:.1}") y=format!("{}", HEIGHT - 6.0) text-anchor=anchor class="fill-slate-500 text-[11px] dark:fill-slate-400">{bar.label.clone()}</text>
                }
            });
            // In a `<g>`, so the view macro makes the `<a>` (and its `<title>`) SVG
            // elements: an HTML `<a>` made in the browser would not draw inside an SVG.
            view! {
                <g>
                <a href=bar.href.clone() data-testid="chart-bar" data-label=bar.label.clone() data-value=format_figure(bar.value)>
                    <title>{tip}</title>
                    // The whole column is the link's target, not only the (maybe tiny) bar.
                    <rect x=format!("{:.1}", LEFT + step * index as f64) y=format!("{TOP}") width=format!("{step:.1}")
                        height=format!("{plot_height:.1}") class="fill-transparent hover:fill-slate-100 dark:hover:fill-slate-800"/>
                    <rect x=format!("{x:.1}") y=format!("{top:.1}") width=format!("{bar_width:.1}") height=format!("{height:.1}")
                        rx="2" class="fill-indigo-500 dark:fill-indigo-400"/>
                </a>
                {label}
                </g>
            }
        })
        .collect_view();
    let rows = bars
        .iter()
        .map(|bar| {
            view! {
                <tr>
                    <th scope="row"><a href=bar.href.clone()>{bar.label.clone()}</a></th>
                    <td>{format_figure(bar.value)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure data-testid=testid class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <figcaption class="text-sm font-medium">{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("{title} (bar chart; the figures follow as a table)") class="mt-2 h-auto w-full">
                <line x1=format!("{LEFT}") y1=format!("{:.1}", TOP + plot_height) x2=format!("{}", WIDTH - RIGHT) y2=format!("{:.1}", TOP + plot_height) class="stroke-slate-300 dark:stroke-slate-700"/>
                <text x="0" y=format!("{:.1}", TOP + 8.0) class="fill-slate-500 text-[11px] dark:fill-slate-400">{format_figure(max)}</text>
                <text x="0" y=format!("{:.1}", TOP + plot_height) class="fill-slate-500 text-[11px] dark:fill-slate-400">"0"</text>
                {marks}
            </svg>
            <table class="sr-only">
                <caption>{title}</caption>
                <thead><tr><th scope="col">{label_name}</th><th scope="col">{unit}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(bars: Vec<Bar>) -> String {
        let owner = Owner::new();
        owner.with(|| {
            view! { <LinkedBars title="My open cases".into() bars unit="cases" label_name="Status" empty="No open cases."/> }
                .to_html()
        })
    }

    #[test]
    fn every_bar_links_to_its_rows_with_its_figure() {
        let html = render(vec![
            Bar {
                label: "New".into(),
                value: 3.0,
                href: "/work?status=new".into(),
            },
            Bar {
                label: "Open".into(),
                value: 12.0,
                href: "/work?status=open".into(),
            },
        ]);
        assert_eq!(
            html.matches(r#"data-testid="chart-bar""#).count(),
            2,
            "{html}"
        );
        assert!(html.contains(r#"href="/work?status=open""#));
        assert!(html.contains("Open: 12 cases"));
        assert!(html.contains(r#"class="sr-only""#));
        assert!(html.contains("dark:fill-indigo-400"));
    }

    #[test]
    fn nothing_counted_says_so() {
        let html = render(vec![Bar {
            label: "New".into(),
            value: 0.0,
            href: "/work".into(),
        }]);
        assert!(html.contains("No open cases."), "{html}");
        assert!(!html.contains("<svg"));
    }
}
