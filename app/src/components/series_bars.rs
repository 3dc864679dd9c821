//! Bars in series, drawn as SVG where the page is rendered: stacked (the backlog of
//! each day by status) or side by side (opened against closed, per day). Each mark may
//! be a link to the rows it counts; each has its exact figure in its tooltip; a legend
//! names the series; the same figures follow as a table for screen readers (with the
//! same links). Colours come from the theme's classes, so dark mode works.

use leptos::prelude::*;

use super::chart::{format_figure, nice_max};

/// A series: its name, and its colour as SVG fill and legend swatch classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub fill: &'static str,
    pub swatch: &'static str,
}

/// One column (a day, a status): a value per series, and where each one's rows are
/// (`None`: a figure with no table to open, such as a past day's backlog).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub values: Vec<f64>,
    pub hrefs: Vec<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The series on top of each other: the column's height is their sum.
    Stacked,
    /// The series side by side within the column.
    Grouped,
}

/// The colours series take, in order (indigo, amber, teal, rose, slate).
pub const PALETTE: [(&str, &str); 5] = [
    (
        "fill-indigo-500 dark:fill-indigo-400",
        "bg-indigo-500 dark:bg-indigo-400",
    ),
    (
        "fill-amber-500 dark:fill-amber-400",
        "bg-amber-500 dark:bg-amber-400",
    ),
    (
        "fill-teal-500 dark:fill-teal-400",
        "bg-teal-500 dark:bg-teal-400",
    ),
    (
        "fill-rose-500 dark:fill-rose-400",
        "bg-rose-500 dark:bg-rose-400",
    ),
    (
        "fill-slate-400 dark:fill-slate-500",
        "bg-slate-400 dark:bg-slate-500",
    ),
];

/// Series named `names`, coloured from the palette in order.
pub fn series(names: &[&str]) -> Vec<Series> {
    names
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(name, (fill, swatch))| Series {
            name: (*name).to_string(),
            fill,
            swatch,
        })
        .collect()
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

/// One mark: where, how big, what, and its link.
struct Mark {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: &'static str,
    tip: String,
    series: String,
    label: String,
    value: f64,
    href: Option<String>,
}

fn mark_view(mark: Mark, column_hit: Option<(f64, f64)>) -> AnyView {
    let Mark {
        x,
        y,
        width,
        height,
        fill,
        tip,
        series,
        label,
        value,
        href,
    } = mark;
    let bar = view! {
        <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{width:.1}") height=format!("{height:.1}")
            rx="2" class=fill/>
    };
    // With one mark per column, the whole column is the link's target, not only the
    // (maybe tiny) bar.
    let hit = column_hit.map(|(left, step)| view! {
        <rect x=format!("{left:.1}") y=format!("{TOP}") width=format!("{step:.1}")
            height=format!("{:.1}", HEIGHT - TOP - BOTTOM) class="fill-transparent hover:fill-slate-100 dark:hover:fill-slate-800"/>
    });
    let value = format_figure(value);
    match href {
        // In a `<g>`, so the view macro makes the `<a>` (and its `<title>`) SVG
        // elements: an HTML `<a>` made in the browser would not draw inside an SVG.
        Some(href) => view! {
            <g>
                <a href=href data-testid="chart-bar" data-series=series data-label=label data-value=value>
                    <title>{tip}</title>
                    {hit}
                    {bar}
                </a>
            </g>
        }
        .into_any(),
        None => view! {
            <g data-testid="chart-segment" data-series=series data-label=label data-value=value>
                <title>{tip}</title>
                {bar}
            </g>
        }
        .into_any(),
    }
}

#[component]
pub fn SeriesBars(
    title: String,
    series: Vec<Series>,
    columns: Vec<Column>,
    layout: Layout,
    /// What a value counts ("cases"), for the tooltips and the table.
    unit: &'static str,
    /// What the columns are ("Day", "Status").
    label_name: &'static str,
    #[prop(optional)] testid: &'static str,
    #[prop(optional)] empty: &'static str,
) -> impl IntoView {
    let total: f64 = columns.iter().flat_map(|c| c.values.iter()).sum();
    if columns.is_empty() || (total == 0.0 && !empty.is_empty()) {
        return view! {
            <figure data-testid=testid class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">
                <figcaption class="font-medium text-slate-700 dark:text-slate-300">{title}</figcaption>
                <p class="mt-1" data-testid="chart-empty">{if empty.is_empty() { "Nothing to show yet." } else { empty }}</p>
            </figure>
        }
        .into_any();
    }
    let value = |column: &Column, k: usize| column.values.get(k).copied().unwrap_or(0.0);
    let tallest = columns
        .iter()
        .map(|column| match layout {
            Layout::Stacked => column.values.iter().sum(),
            Layout::Grouped => column.values.iter().copied().fold(0.0, f64::max),
        })
        .fold(0.0, f64::max);
    let max = nice_max(tallest);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let step = plot_width / columns.len() as f64;
    let column_width = (step * 0.72).max(1.0);
    let one_series = series.len() == 1;
    let many = columns.len() > 12;
    let count = columns.len();
    let scaled = |v: f64| (v / max * plot_height).max(if v > 0.0 { 1.5 } else { 0.0 });
    let tip = |column: &Column, name: &str, v: f64| {
        if one_series {
            format!("{}: {} {unit}", column.label, format_figure(v))
        } else {
            format!("{}, {name}: {} {unit}", column.label, format_figure(v))
        }
    };
    let mut marks = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let left = LEFT + step * index as f64;
        let x0 = left + (step - column_width) / 2.0;
        let mut base = TOP + plot_height;
        for (k, s) in series.iter().enumerate() {
            let v = value(column, k);
            let height = scaled(v);
            let (x, width, y) = match layout {
                Layout::Stacked => {
                    base -= height;
                    (x0, column_width, base)
                }
                Layout::Grouped => {
                    let width = column_width / series.len() as f64;
                    (x0 + width * k as f64, width, TOP + plot_height - height)
                }
            };
            let mark = Mark {
                x,
                y,
                width,
                height,
                fill: s.fill,
                tip: tip(column, &s.name, v),
                series: s.name.clone(),
                label: column.label.clone(),
                value: v,
                href: column.hrefs.get(k).cloned().flatten(),
            };
            marks.push(mark_view(mark, one_series.then_some((left, step))));
        }
        let labelled = !many || index == 0 || index == count / 2 || index + 1 == count;
        if labelled {
            let (anchor, lx) = if !many {
                ("middle", x0 + column_width / 2.0)
            } else if index == 0 {
                ("start", x0)
            } else if index + 1 == count {
                ("end", x0 + column_width)
            } else {
                ("middle", x0 + column_width / 2.0)
            };
            marks.push(view! {
                <text x=format!("{lx:.1}") y=format!("{}", HEIGHT - 6.0) text-anchor=anchor class="fill-slate-500 text-[11px] dark:fill-slate-400">{column.label.clone()}</text>
            }.into_any());
        }
    }
    let legend = (!one_series).then(|| {
        view! {
            <ul class="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-400" aria-hidden="true">
                {series.iter().map(|s| view! {
                    <li class="flex items-center gap-1.5"><span class=format!("inline-block h-2.5 w-2.5 rounded-sm {}", s.swatch)></span>{s.name.clone()}</li>
                }).collect_view()}
            </ul>
        }
    });
    let stacked = layout == Layout::Stacked && !one_series;
    let rows = columns
        .iter()
        .map(|column| {
            let cells = series
                .iter()
                .enumerate()
                .map(|(k, _)| {
                    let figure = format_figure(value(column, k));
                    match column.hrefs.get(k).cloned().flatten() {
                        Some(href) => view! { <td><a href=href>{figure}</a></td> }.into_any(),
                        None => view! { <td>{figure}</td> }.into_any(),
                    }
                })
                .collect_view();
            let sum =
                stacked.then(|| view! { <td>{format_figure(column.values.iter().sum())}</td> });
            view! { <tr><th scope="row">{column.label.clone()}</th>{cells}{sum}</tr> }
        })
        .collect_view();
    let kind = match layout {
        Layout::Stacked if !one_series => "stacked bar chart",
        Layout::Grouped if !one_series => "paired bar chart",
        _ => "bar chart",
    };
    view! {
        <figure data-testid=testid class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <figcaption class="text-sm font-medium">{title.clone()}</figcaption>
            {legend}
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("{title} ({kind}; the figures follow as a table)") class="mt-2 h-auto w-full">
                <line x1=format!("{LEFT}") y1=format!("{:.1}", TOP + plot_height) x2=format!("{}", WIDTH - RIGHT) y2=format!("{:.1}", TOP + plot_height) class="stroke-slate-300 dark:stroke-slate-700"/>
                <text x="0" y=format!("{:.1}", TOP + 8.0) class="fill-slate-500 text-[11px] dark:fill-slate-400">{format_figure(max)}</text>
                <text x="0" y=format!("{:.1}", TOP + plot_height) class="fill-slate-500 text-[11px] dark:fill-slate-400">"0"</text>
                {marks}
            </svg>
            <table class="sr-only">
                <caption>{title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{label_name}</th>
                        {series.iter().map(|s| {
                            let heading = if one_series { unit.to_string() } else { format!("{} ({unit})", s.name) };
                            view! { <th scope="col">{heading}</th> }
                        }).collect_view()}
                        {stacked.then(|| view! { <th scope="col">"Total"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(layout: Layout, columns: Vec<Column>) -> String {
        let owner = Owner::new();
        owner.with(|| {
            view! {
                <SeriesBars title="Backlog".into() series=series(&["New", "Open"]) columns layout
                    unit="cases" label_name="Day" empty="Nothing open."/>
            }
            .to_html()
        })
    }

    fn day(label: &str, values: [f64; 2], linked: bool) -> Column {
        Column {
            label: label.into(),
            values: values.to_vec(),
            hrefs: if linked {
                vec![
                    Some("/cases?status=new".into()),
                    Some("/cases?status=open".into()),
                ]
            } else {
                vec![None, None]
            },
        }
    }

    #[test]
    fn stacked_marks_link_where_there_is_a_table_and_say_their_figure() {
        let html = render(
            Layout::Stacked,
            vec![
                day("2026-12-03", [2.0, 5.0], false),
                day("2026-12-04", [3.0, 4.0], true),
            ],
        );
        assert_eq!(
            html.matches(r#"data-testid="chart-bar""#).count(),
            2,
            "{html}"
        );
        assert_eq!(html.matches(r#"data-testid="chart-segment""#).count(), 2);
        assert!(html.contains("2026-12-04, Open: 4 cases"));
        assert!(html.contains(r#"href="/cases?status=open""#));
        assert!(html.contains("stacked bar chart"));
        // The table has the sum of each stack.
        assert!(html.contains("<td>7</td>"), "{html}");
        assert!(html.contains("dark:fill-amber-400"));
    }

    #[test]
    fn paired_bars_stand_side_by_side_and_nothing_counted_says_so() {
        let html = render(Layout::Grouped, vec![day("Mon", [1.0, 2.0], true)]);
        assert!(html.contains("paired bar chart"));
        let html = render(Layout::Grouped, vec![day("Mon", [0.0, 0.0], true)]);
        assert!(html.contains("Nothing open."));
        assert!(!html.contains("<svg"));
    }
}
