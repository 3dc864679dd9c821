//! Bars in series, drawn as SVG where the page is rendered: stacked (the backlog of
//! each day by status) or side by side (opened against closed, per day). Each mark may
//! be a link to the rows it counts; each has its exact figure in its tooltip; a legend
//! names the series; the same figures follow as a table for screen readers (with the
//! same links). Colours come from the theme's classes, so dark mode works.

use leptos::prelude::*;

use super::chart::{format_figure, nice_max};
use super::escape::escape_into;
use super::reading_memo::once_per_reading;

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

/// `value` with one decimal, written onto `out` (coordinates: whole tenths of a unit
/// are plenty, and integer arithmetic is many times cheaper than formatting a float to a
/// fixed precision, which was a tenth of a dashboard's server time: perf).
fn tenths(out: &mut String, value: f64) {
    use std::fmt::Write;
    let t = (value * 10.0).round() as i64;
    let sign = if t < 0 { "-" } else { "" };
    let t = t.unsigned_abs();
    let _ = write!(out, "{sign}{}.{}", t / 10, t % 10);
}

/// Writes `text` escaped (element text and quoted attribute values alike).
fn text(out: &mut String, text: &str) {
    escape_into(text, out);
}

/// One mark: where, how big, what, and its link.
struct Mark<'a> {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: &'static str,
    series: &'a str,
    label: &'a str,
    value: f64,
    href: Option<&'a str>,
    /// The whole column's left edge and width, when the column is the link's target.
    column_hit: Option<(f64, f64)>,
}

/// Writes one mark's SVG: a bar, in a link (with the column as its target when it is
/// the column's only mark) or in a group, with its exact figure as its tooltip.
fn write_mark(out: &mut String, mark: &Mark, tip: &str) {
    let figure = format_figure(mark.value);
    let attributes = |out: &mut String| {
        out.push_str(r#" data-series=""#);
        text(out, mark.series);
        out.push_str(r#"" data-label=""#);
        text(out, mark.label);
        out.push_str(r#"" data-value=""#);
        out.push_str(&figure);
        out.push_str(r#""><title>"#);
        text(out, tip);
        out.push_str("</title>");
    };
    match mark.href {
        Some(href) => {
            out.push_str(r#"<g><a href=""#);
            text(out, href);
            out.push_str(r#"" data-testid="chart-bar""#);
            attributes(out);
            // With one mark per column, the whole column is the link's target, not only
            // the (maybe tiny) bar.
            if let Some((left, step)) = mark.column_hit {
                out.push_str(r#"<rect x=""#);
                tenths(out, left);
                out.push_str(r#"" y=""#);
                tenths(out, TOP);
                out.push_str(r#"" width=""#);
                tenths(out, step);
                out.push_str(r#"" height=""#);
                tenths(out, HEIGHT - TOP - BOTTOM);
                out.push_str(r#"" class="fill-transparent hover:fill-slate-100 dark:hover:fill-slate-800"></rect>"#);
            }
        }
        None => {
            out.push_str(r#"<g data-testid="chart-segment""#);
            attributes(out);
        }
    }
    out.push_str(r#"<rect x=""#);
    tenths(out, mark.x);
    out.push_str(r#"" y=""#);
    tenths(out, mark.y);
    out.push_str(r#"" width=""#);
    tenths(out, mark.width);
    out.push_str(r#"" height=""#);
    tenths(out, mark.height);
    out.push_str(r#"" rx="2" class=""#);
    out.push_str(mark.fill);
    out.push_str(r#""></rect>"#);
    out.push_str(if mark.href.is_some() {
        "</a></g>"
    } else {
        "</g>"
    });
}

/// The chart's drawing: the axis, its scale, every mark and the column labels, as one
/// block of SVG markup (every text escaped).
fn plot_markup(series: &[Series], columns: &[Column], layout: Layout, unit: &str) -> String {
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
    let mut out = String::with_capacity(400 + columns.len() * series.len() * 420);
    let axis_y = TOP + plot_height;
    out.push_str(r#"<line x1=""#);
    tenths(&mut out, LEFT);
    out.push_str(r#"" y1=""#);
    tenths(&mut out, axis_y);
    out.push_str(r#"" x2=""#);
    tenths(&mut out, WIDTH - RIGHT);
    out.push_str(r#"" y2=""#);
    tenths(&mut out, axis_y);
    out.push_str(r#"" class="stroke-slate-300 dark:stroke-slate-700"></line>"#);
    out.push_str(r#"<text x="0" y=""#);
    tenths(&mut out, TOP + 8.0);
    out.push_str(r#"" class="fill-slate-500 text-[11px] dark:fill-slate-400">"#);
    out.push_str(&format_figure(max));
    out.push_str(r#"</text><text x="0" y=""#);
    tenths(&mut out, axis_y);
    out.push_str(r#"" class="fill-slate-500 text-[11px] dark:fill-slate-400">0</text>"#);
    let mut tip = String::new();
    for (index, column) in columns.iter().enumerate() {
        let left = LEFT + step * index as f64;
        let x0 = left + (step - column_width) / 2.0;
        let mut base = axis_y;
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
                    (x0 + width * k as f64, width, axis_y - height)
                }
            };
            tip.clear();
            tip.push_str(&column.label);
            if !one_series {
                tip.push_str(", ");
                tip.push_str(&s.name);
            }
            tip.push_str(": ");
            tip.push_str(&format_figure(v));
            tip.push(' ');
            tip.push_str(unit);
            let mark = Mark {
                x,
                y,
                width,
                height,
                fill: s.fill,
                series: &s.name,
                label: &column.label,
                value: v,
                href: column.hrefs.get(k).and_then(Option::as_deref),
                column_hit: one_series.then_some((left, step)),
            };
            write_mark(&mut out, &mark, &tip);
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
            out.push_str(r#"<text x=""#);
            tenths(&mut out, lx);
            out.push_str(r#"" y=""#);
            tenths(&mut out, HEIGHT - 6.0);
            out.push_str(r#"" text-anchor=""#);
            out.push_str(anchor);
            out.push_str(r#"" class="fill-slate-500 text-[11px] dark:fill-slate-400">"#);
            text(&mut out, &column.label);
            out.push_str("</text>");
        }
    }
    out
}

/// The figures as table rows, each cell a link where its rows can be opened.
fn rows_markup(series: &[Series], columns: &[Column], stacked: bool) -> String {
    let mut out = String::with_capacity(columns.len() * (series.len() + 1) * 90);
    for column in columns {
        out.push_str(r#"<tr><th scope="row">"#);
        text(&mut out, &column.label);
        out.push_str("</th>");
        for k in 0..series.len() {
            let figure = format_figure(column.values.get(k).copied().unwrap_or(0.0));
            match column.hrefs.get(k).and_then(Option::as_deref) {
                Some(href) => {
                    out.push_str(r#"<td><a href=""#);
                    text(&mut out, href);
                    out.push_str(r#"">"#);
                    out.push_str(&figure);
                    out.push_str("</a></td>");
                }
                None => {
                    out.push_str("<td>");
                    out.push_str(&figure);
                    out.push_str("</td>");
                }
            }
        }
        if stacked {
            out.push_str("<td>");
            out.push_str(&format_figure(column.values.iter().sum()));
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out
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
    // The whole chart is one block of text, set aside past Leptos' render pipeline:
    // as hundreds of small views it was a third of the admin dashboard's server time,
    // and as text copied through the pipeline still a sixth (perf).
    // And drawn once per read of the figures, where the panels say which read it is.
    let markup = once_per_reading(testid, || {
        figure_markup(&title, &series, &columns, layout, unit, label_name, testid)
    });
    view! { <div inner_html=markup></div> }.into_any()
}

/// The chart as HTML: caption, legend, the drawing, and the figures as a table.
fn figure_markup(
    title: &str,
    series: &[Series],
    columns: &[Column],
    layout: Layout,
    unit: &str,
    label_name: &str,
    testid: &str,
) -> String {
    let one_series = series.len() == 1;
    let stacked = layout == Layout::Stacked && !one_series;
    let kind = match layout {
        Layout::Stacked if !one_series => "stacked bar chart",
        Layout::Grouped if !one_series => "paired bar chart",
        _ => "bar chart",
    };
    let plot = plot_markup(series, columns, layout, unit);
    let rows = rows_markup(series, columns, stacked);
    let mut out = String::with_capacity(plot.len() + rows.len() + 1200);
    out.push_str(r#"<figure data-testid=""#);
    text(&mut out, testid);
    out.push_str(r#"" class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"><figcaption class="text-sm font-medium">"#);
    text(&mut out, title);
    out.push_str("</figcaption>");
    if !one_series {
        out.push_str(r#"<ul class="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-400" aria-hidden="true">"#);
        for s in series {
            out.push_str(r#"<li class="flex items-center gap-1.5"><span class="inline-block h-2.5 w-2.5 rounded-sm "#);
            out.push_str(s.swatch);
            out.push_str(r#""></span>"#);
            text(&mut out, &s.name);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    // A drawing whose bars are links is a group of links, not an image: an image's
    // insides are hidden from assistive technology, and its links with them.
    let role = if plot.contains("<a ") { "group" } else { "img" };
    out.push_str(&format!(
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="{role}" aria-label=""#
    ));
    text(&mut out, title);
    out.push_str(" (");
    out.push_str(kind);
    out.push_str(r#"; the figures follow as a table)" class="mt-2 h-auto w-full">"#);
    out.push_str(&plot);
    // The table in a hidden box, not hidden itself: a table is never narrower than its
    // content, so a hidden table still widened the page on a phone.
    out.push_str(r#"</svg><div class="sr-only"><table><caption>"#);
    text(&mut out, title);
    out.push_str(r#"</caption><thead><tr><th scope="col">"#);
    text(&mut out, label_name);
    out.push_str("</th>");
    for s in series {
        out.push_str(r#"<th scope="col">"#);
        if one_series {
            text(&mut out, unit);
        } else {
            text(&mut out, &s.name);
            out.push_str(" (");
            text(&mut out, unit);
            out.push(')');
        }
        out.push_str("</th>");
    }
    if stacked {
        out.push_str(r#"<th scope="col">Total</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    out.push_str(&rows);
    out.push_str("</tbody></table></div></figure>");
    out
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
    fn every_text_is_escaped_and_coordinates_have_one_decimal() {
        let html = render(
            Layout::Stacked,
            vec![Column {
                label: "<img src=x onerror=alert(1)>".into(),
                values: vec![1.0, 2.0],
                hrefs: vec![Some("/cases?a=\"><script>".into()), None],
            }],
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/cases?a=&quot;&gt;&lt;script&gt;""#),
            "{html}"
        );
        let mut out = String::new();
        tenths(&mut out, 12.345);
        out.push(' ');
        tenths(&mut out, 0.04);
        out.push(' ');
        tenths(&mut out, 186.0);
        assert_eq!(out, "12.3 0.0 186.0");
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
