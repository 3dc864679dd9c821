//! Charts drawn as SVG where the page is rendered (on the server first): no chart
//! library and no script needed to read them. Each has a title, every mark has its
//! exact value as a tooltip (`<title>`), and the same figures follow as a table for
//! screen readers. Colours come from the theme's classes, so dark mode works.

use leptos::prelude::*;

/// One bar (and, optionally, one point of a line over the bars).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub bar: f64,
    pub line: Option<f64>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// Bars (`bar_name`, on the left scale) with an optional line (`line_name`, on its own
/// scale, marked on the right).
#[component]
pub fn BarLineChart(
    title: String,
    points: Vec<Point>,
    bar_name: &'static str,
    #[prop(optional)] line_name: Option<&'static str>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    if points.is_empty() {
        return view! {
            <figure data-testid=testid class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">
                <figcaption class="font-medium text-slate-700 dark:text-slate-300">{title}</figcaption>
                <p class="mt-1">"Nothing recorded in this window yet: figures appear a minute after requests are served."</p>
            </figure>
        }
        .into_any();
    }
    let bar_max = nice_max(points.iter().map(|p| p.bar).fold(0.0, f64::max));
    let line_max = nice_max(points.iter().filter_map(|p| p.line).fold(0.0, f64::max));
    let plot_width = WIDTH - LEFT - 40.0;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let step = plot_width / points.len() as f64;
    let bar_width = (step * 0.7).max(1.0);
    let y = move |value: f64, max: f64| TOP + plot_height - value / max * plot_height;
    let bars = points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            let x = LEFT + step * index as f64 + (step - bar_width) / 2.0;
            let top = y(point.bar, bar_max);
            let tip = format!("{}: {} {}", point.label, format_figure(point.bar), bar_name);
            view! {
                <rect x=format!("{x:.1}") y=format!("{top:.1}") width=format!("{bar_width:.1}")
                    height=format!("{:.1}", TOP + plot_height - top)
                    class="fill-indigo-400 dark:fill-indigo-500">
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let line = line_name.map(|name| {
        let coordinates: Vec<(f64, f64, String)> = points
            .iter()
            .enumerate()
            .filter_map(|(index, point)| {
                let value = point.line?;
                let x = LEFT + step * index as f64 + step / 2.0;
                Some((x, y(value, line_max), format!("{}: {} {name}", point.label, format_figure(value))))
            })
            .collect();
        let path = coordinates
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        let marks = coordinates
            .into_iter()
            .map(|(x, y, tip)| {
                view! {
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="3" class="fill-amber-500 dark:fill-amber-400">
                        <title>{tip}</title>
                    </circle>
                }
            })
            .collect_view();
        view! {
            <polyline points=path fill="none" stroke-width="2" class="stroke-amber-500 dark:stroke-amber-400"/>
            {marks}
            <text x=format!("{:.1}", WIDTH - 36.0) y=format!("{:.1}", TOP + 10.0) class="fill-amber-600 text-[10px] dark:fill-amber-400">{format_figure(line_max)}</text>
            <text x=format!("{:.1}", WIDTH - 36.0) y=format!("{:.1}", TOP + plot_height) class="fill-amber-600 text-[10px] dark:fill-amber-400">"0"</text>
        }
    });
    let first = points.first().map(|p| p.label.clone()).unwrap_or_default();
    let last = points.last().map(|p| p.label.clone()).unwrap_or_default();
    let rows = points
        .iter()
        .map(|point| {
            view! {
                <tr>
                    <th scope="row">{point.label.clone()}</th>
                    <td>{format_figure(point.bar)}</td>
                    {line_name.map(|_| view! { <td>{point.line.map(format_figure).unwrap_or_default()}</td> })}
                </tr>
            }
        })
        .collect_view();
    let legend = match line_name {
        Some(line) => format!("Bars: {bar_name}. Line: {line}."),
        None => format!("Bars: {bar_name}."),
    };
    view! {
        <figure data-testid=testid class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <figcaption class="text-sm font-medium">{title.clone()}</figcaption>
            <p class="text-xs text-slate-500 dark:text-slate-400">{legend}</p>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title.clone() class="mt-2 h-auto w-full text-slate-500 dark:text-slate-400">
                <line x1=format!("{LEFT}") y1=format!("{:.1}", TOP + plot_height) x2=format!("{}", WIDTH - 40.0) y2=format!("{:.1}", TOP + plot_height) class="stroke-slate-300 dark:stroke-slate-700"/>
                <text x="0" y=format!("{:.1}", TOP + 10.0) class="fill-slate-500 text-[10px] dark:fill-slate-400">{format_figure(bar_max)}</text>
                <text x="0" y=format!("{:.1}", TOP + plot_height) class="fill-slate-500 text-[10px] dark:fill-slate-400">"0"</text>
                {bars}
                {line}
                <text x=format!("{LEFT}") y=format!("{}", HEIGHT - 4.0) class="fill-slate-500 text-[10px] dark:fill-slate-400">{first}</text>
                <text x=format!("{}", WIDTH - 40.0) y=format!("{}", HEIGHT - 4.0) text-anchor="end" class="fill-slate-500 text-[10px] dark:fill-slate-400">{last}</text>
            </svg>
            // In a hidden box: a table is never narrower than its content.
            <div class="sr-only"><table>
                <caption>{title}</caption>
                <thead><tr><th scope="col">"Minute"</th><th scope="col">{bar_name}</th>{line_name.map(|name| view! { <th scope="col">{name}</th> })}</tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        </figure>
    }
    .into_any()
}

/// A round number at or above `max` for the top of a scale (1, 2, 5 × 10ⁿ).
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|candidate| *candidate >= max)
        .unwrap_or(max)
}

/// The width class of a horizontal bar filled to `fraction` (0–1), in twelfths: the
/// CSP allows no inline style, so a width is one of Tailwind's fractions.
pub fn bar_width(fraction: f64) -> &'static str {
    const WIDTHS: [&str; 13] = [
        "w-0", "w-1/12", "w-2/12", "w-3/12", "w-4/12", "w-5/12", "w-6/12", "w-7/12", "w-8/12",
        "w-9/12", "w-10/12", "w-11/12", "w-full",
    ];
    let twelfths = (fraction.clamp(0.0, 1.0) * 12.0).round() as usize;
    // Something, however small, shows as a sliver rather than nothing.
    let twelfths = if fraction > 0.0 {
        twelfths.max(1)
    } else {
        twelfths
    };
    WIDTHS[twelfths.min(12)]
}

/// A figure as people read it: whole numbers whole, small ones with a decimal.
///
/// Written with integers: formatting a float to a precision takes the slow exact path
/// of the standard library, and a dashboard writes a few hundred figures (it was 7 %
/// of the admin's dashboard's server time: perf).
pub fn format_figure(value: f64) -> String {
    if !value.is_finite() || value.abs() >= 1e15 {
        return format!("{value:.0}");
    }
    let (digits, scale) = if value.abs() >= 100.0 || value.fract() == 0.0 {
        (0, 1.0)
    } else if value.abs() >= 10.0 {
        (1, 10.0)
    } else {
        (2, 100.0)
    };
    let scaled = (value * scale).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let scaled = scaled.unsigned_abs();
    let whole = scaled / scale as u64;
    match digits {
        0 => format!("{sign}{whole}"),
        1 => format!("{sign}{whole}.{}", scaled % 10),
        _ => format!("{sign}{whole}.{:02}", scaled % 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_round_numbers() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(12.0), 20.0);
        assert_eq!(nice_max(480.0), 500.0);
        assert_eq!(format_figure(3.0), "3");
        assert_eq!(format_figure(2.345), "2.35");
        assert_eq!(format_figure(23.45), "23.5");
        assert_eq!(format_figure(0.05), "0.05");
        assert_eq!(format_figure(9.999), "10.00");
        assert_eq!(format_figure(1234.6), "1235");
        assert_eq!(format_figure(-2.5), "-2.50");
        assert_eq!(format_figure(1_000_000.0), "1000000");
    }

    #[test]
    fn draws_every_value_with_its_tooltip_and_a_table() {
        let owner = Owner::new();
        let html = owner.with(|| {
            view! {
                <BarLineChart title="Requests".into() bar_name="requests" line_name="p95 ms"
                    points=vec![
                        Point { label: "14:00".into(), bar: 12.0, line: Some(8.5) },
                        Point { label: "14:01".into(), bar: 30.0, line: Some(22.0) },
                    ]/>
            }
            .to_html()
        });
        assert!(html.contains("<svg"), "{html}");
        assert_eq!(html.matches("<rect").count(), 2);
        assert!(html.contains("14:01: 30 requests"));
        assert!(html.contains("14:00: 8.50 p95 ms"));
        assert!(html.contains("class=\"sr-only\""));
        assert!(html.contains("dark:fill-indigo-500"));
    }
}
