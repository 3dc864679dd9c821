//! A bar chart whose every bar is a link to the rows it counts (a dashboard's panels),
//! drawn as SVG where the page is rendered: readable before (and without) the wasm,
//! each bar's exact figure in its tooltip, light and dark from the theme's classes,
//! and the same figures as a table (with the same links) for screen readers.

use leptos::prelude::*;

use super::series_bars::{Column, Layout, SeriesBars, series};

/// One bar: what it is, how many, and where the rows are.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub href: String,
}

/// Vertical bars, one per entry, each a link. With many bars (a day per bar) only the
/// first, middle and last labels are written under the axis; every bar keeps its own
/// in the tooltip and the table. One series of [`SeriesBars`].
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
    let columns = bars
        .into_iter()
        .map(|bar| Column {
            label: bar.label,
            values: vec![bar.value],
            hrefs: vec![Some(bar.href)],
        })
        .collect();
    view! {
        <SeriesBars title series=series(&[unit]) columns layout=Layout::Stacked unit label_name testid empty/>
    }
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
