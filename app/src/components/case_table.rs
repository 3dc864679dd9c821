//! The cases table of the work queues: one row per case, a checkbox per row for bulk
//! actions, and the keyboard: `j`/`k` move, `x` selects, `Enter` opens.
//!
//! The checkboxes are real form fields (`cases[]` = `id:version`), so selecting and
//! applying a bulk action works before the page hydrates; once it has, the selection is
//! also kept in a signal so the bulk bar can count it and the keyboard can toggle it.

use std::sync::Arc;

use leptos::prelude::*;

use time::OffsetDateTime;

use super::escape::escape_into;
use super::when::{now, push_relative_label};
use crate::model::{
    CasePriority, CaseRow, CaseSort, CaseStatus, push_machine_time, push_timestamp,
};

/// The row selection shared by the table and the bulk bar.
#[derive(Clone, Copy)]
pub struct Selection(pub RwSignal<Vec<i64>>);

impl Selection {
    pub fn new() -> Self {
        Self(RwSignal::new(Vec::new()))
    }

    pub fn contains(&self, id: i64) -> bool {
        self.0.with(|ids| ids.contains(&id))
    }

    pub fn toggle(&self, id: i64) {
        self.0.update(|ids| {
            if let Some(at) = ids.iter().position(|selected| *selected == id) {
                ids.remove(at);
            } else {
                ids.push(id);
            }
        });
    }

    pub fn count(&self) -> usize {
        self.0.with(Vec::len)
    }
}

impl Default for Selection {
    fn default() -> Self {
        Self::new()
    }
}

/// The orders the table's headers offer: the one shown, and the link to each (the
/// page's filter kept, from its first page).
#[derive(Debug, Clone, PartialEq)]
pub struct SortLinks {
    pub current: CaseSort,
    /// By number: newest first.
    pub created: String,
    pub priority: String,
    pub updated: String,
}

/// A header that sorts the queue when clicked (a link: it works without JavaScript),
/// saying which order is shown (`aria-sort`).
fn sort_header(
    label: &'static str,
    sort: CaseSort,
    links: &SortLinks,
    title: &'static str,
) -> impl IntoView + use<> {
    let href = match sort {
        CaseSort::Created => links.created.clone(),
        CaseSort::Priority => links.priority.clone(),
        CaseSort::Updated => links.updated.clone(),
    };
    let shown = links.current == sort;
    view! {
        <th scope="col" class="px-4 py-2 font-medium" aria-sort=shown.then_some("descending")>
            <a href=href title=title data-testid=format!("sort-{}", sort.as_str())
                class="inline-flex items-center gap-1 no-underline hover:text-slate-900 dark:hover:text-white">
                {label}
                {shown.then(|| view! { <span aria-hidden="true">"↓"</span> })}
            </a>
        </th>
    }
}

#[component]
pub fn CaseTable(
    rows: Arc<[CaseRow]>,
    selection: Selection,
    /// Cases that changed since the page was loaded.
    changed: RwSignal<Vec<i64>>,
    sorts: SortLinks,
) -> impl IntoView {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let numbers: Vec<i32> = rows.iter().map(|row| row.number).collect();
    keyboard::install(ids.clone(), numbers, selection);
    dom::mark_changed(changed);
    dom::keep_times_relative();

    let all_ids = StoredValue::new(ids);
    let all_selected = move || {
        all_ids.with_value(|all| {
            !all.is_empty()
                && selection
                    .0
                    .with(|selected| all.iter().all(|id| selected.contains(id)))
        })
    };
    let toggle_all = move |_| {
        let select = !all_selected();
        dom::tick_all(select);
        selection.0.set(if select {
            all_ids.get_value()
        } else {
            Vec::new()
        });
    };
    // A ticked box anywhere in the body (delegated: the rows are plain HTML).
    let ticked = move |ev: leptos::ev::Event| {
        if let Some(id) = dom::ticked_case(&ev) {
            selection.toggle(id);
        }
    };
    // The page's biggest block by far: it skips Leptos' render pipeline, and is made
    // once however often the server builds this view (html_splice).
    let body = super::spliced(&rows, || rows_html(&rows, now()));
    view! {
        <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table class="q-table min-w-full text-sm" data-testid="case-table">
                <thead class="border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:border-slate-800">
                    <tr>
                        <th scope="col" class="w-8 py-2 pl-4">
                            <input type="checkbox" aria-label="Select every case on this page" data-testid="select-page"
                                class="q-box"
                                prop:checked=all_selected on:change=toggle_all/>
                        </th>
                        {sort_header("#", CaseSort::Created, &sorts, "Sort by number, newest first")}
                        <th scope="col" class="px-4 py-2 font-medium">"Case"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Customer"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Status"</th>
                        {sort_header("Priority", CaseSort::Priority, &sorts, "Sort by priority, most urgent first")}
                        {sort_header("Updated", CaseSort::Updated, &sorts, "Sort by last update, most recent first")}
                    </tr>
                </thead>
                <tbody data-testid="case-rows" class="divide-y divide-slate-100 dark:divide-slate-800" on:change=ticked inner_html=body></tbody>
            </table>
        </div>
        <p class="mt-2 hidden text-xs text-slate-500 dark:text-slate-400 sm:block">
            <kbd class="rounded border px-1">"j"</kbd>" / "<kbd class="rounded border px-1">"k"</kbd>" move · "
            <kbd class="rounded border px-1">"x"</kbd>" select · "
            <kbd class="rounded border px-1">"Enter"</kbd>" open"
        </p>
    }
}

/// The table's rows as plain HTML, every text escaped; "Updated" is relative to `now`.
///
/// Why not components: a page has 100 rows, and building, resolving and rendering them
/// as views cost more CPU than the page's SQL (bench/RESULTS.md). The rows are static
/// once rendered; what moves (the keyboard's row, ticks, "Updated" marks, the relative
/// times) is handled by event delegation and small DOM updates in `dom` and `keyboard`.
///
/// Every byte here is sent 100 times a page, so the markup is bare: the cells are styled
/// by position (`.q-table` in style/tailwind.css) and found by position in the DOM.
pub fn rows_html(rows: &[CaseRow], now: OffsetDateTime) -> String {
    // Plain pushes, no `write!`: the formatting machinery was a tenth of the server's
    // CPU on this page. About 460 bytes a row.
    let mut out = String::with_capacity(rows.len() * 512);
    let mut digits = itoa::Buffer::new();
    let mut number_digits = itoa::Buffer::new();
    for row in rows {
        let status = row.status.as_str();
        let number = number_digits.format(row.number);
        out.push_str(r#"<tr data-number=""#);
        out.push_str(number);
        out.push_str(r#"" data-status=""#);
        out.push_str(status);
        out.push_str(r#""><td><input type="checkbox" name="cases[]" value=""#);
        out.push_str(digits.format(row.id));
        out.push(':');
        out.push_str(digits.format(row.version));
        out.push_str(r#"" aria-label="Select case "#);
        out.push_str(number);
        out.push_str(r#""></td><td>"#);
        out.push_str(number);
        out.push_str(r#"</td><td><a href="/cases/"#);
        out.push_str(number);
        out.push_str(r#"">"#);
        escape_into(&row.title, &mut out);
        out.push_str("</a>");
        if let Some(comment) = &row.last_comment {
            out.push_str("<p>");
            // A glimpse: the words, not the Markdown (`**` and all).
            escape_into(&crate::model::markdown_glimpse(comment), &mut out);
            out.push_str("</p>");
        }
        out.push_str("</td><td>");
        escape_into(&row.customer_name, &mut out);
        out.push_str(r#"</td><td><span class="badge badge-"#);
        out.push_str(status);
        out.push_str(r#"">"#);
        out.push_str(status_label(row.status));
        out.push_str("</span></td><td>");
        out.push_str(priority_label(row.priority));
        out.push_str(r#"</td><td><time datetime=""#);
        push_machine_time(&mut out, row.updated_at);
        out.push_str(r#"" title=""#);
        push_timestamp(&mut out, row.updated_at);
        out.push_str(r#"">"#);
        push_relative_label(&mut out, row.updated_at, now);
        out.push_str("</time></td></tr>");
    }
    out
}

#[component]
pub fn StatusBadge(status: CaseStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status_label(status)}</span> }
}

pub fn status_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::New => "New",
        CaseStatus::Open => "Open",
        CaseStatus::Pending => "Pending",
        CaseStatus::Resolved => "Resolved",
        CaseStatus::Closed => "Closed",
    }
}

pub fn priority_label(priority: CasePriority) -> &'static str {
    match priority {
        CasePriority::Low => "Low",
        CasePriority::Normal => "Normal",
        CasePriority::High => "High",
        CasePriority::Urgent => "Urgent",
    }
}

/// The table's keyboard, in the browser only (the server has no keys to listen to).
mod keyboard {
    use super::Selection;

    #[cfg(not(feature = "hydrate"))]
    pub fn install(_ids: Vec<i64>, _numbers: Vec<i32>, _selection: Selection) {}

    #[cfg(feature = "hydrate")]
    pub fn install(ids: Vec<i64>, numbers: Vec<i32>, selection: Selection) {
        use super::dom;
        use crate::components::shortcuts::typing;
        use leptos::ev;
        use leptos::prelude::*;
        use leptos_router::hooks::use_navigate;
        use wasm_bindgen::JsCast;

        // The row the keyboard is on, by position.
        let current = StoredValue::new(None::<usize>);
        let navigate = use_navigate();
        let handle = window_event_listener(ev::keydown, move |event| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(&event) {
                return;
            }
            let Some(last) = ids.len().checked_sub(1) else {
                return;
            };
            match event.key().as_str() {
                "j" | "k" => {
                    let next = match (current.get_value(), event.key() == "j") {
                        (None, _) => 0,
                        (Some(at), true) => (at + 1).min(last),
                        (Some(at), false) => at.saturating_sub(1),
                    };
                    dom::make_current(current.get_value(), next);
                    current.set_value(Some(next));
                    event.prevent_default();
                }
                "x" => {
                    if let Some(at) = current.get_value()
                        && let Some(id) = ids.get(at)
                        && dom::toggle_tick(at)
                    {
                        selection.toggle(*id);
                        event.prevent_default();
                    }
                }
                "Enter" => {
                    // A focused link opens itself; this covers the row when focus is
                    // elsewhere (after `x`, say).
                    let on_link = event
                        .target()
                        .and_then(|target| target.dyn_into::<web_sys::HtmlAnchorElement>().ok())
                        .is_some();
                    if !on_link
                        && let Some(at) = current.get_value()
                        && let Some(number) = numbers.get(at)
                    {
                        navigate(&format!("/cases/{number}"), Default::default());
                        event.prevent_default();
                    }
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// The small DOM updates the plain-HTML rows need (browser only; no-ops on the server).
mod dom {
    use leptos::prelude::*;

    /// The case id of a row checkbox that was just changed, if the event is that.
    #[cfg(feature = "hydrate")]
    pub fn ticked_case(event: &leptos::ev::Event) -> Option<i64> {
        use wasm_bindgen::JsCast;
        let input = event
            .target()?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?;
        if input.name() != "cases[]" {
            return None;
        }
        input.value().split(':').next()?.parse().ok()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn ticked_case(_event: &leptos::ev::Event) -> Option<i64> {
        None
    }

    #[cfg(feature = "hydrate")]
    fn row_boxes() -> Vec<web_sys::HtmlInputElement> {
        use wasm_bindgen::JsCast;
        let Ok(list) = document().query_selector_all("input[name='cases[]']") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
            .collect()
    }

    /// Ticks or unticks every row.
    pub fn tick_all(ticked: bool) {
        #[cfg(feature = "hydrate")]
        for input in row_boxes() {
            input.set_checked(ticked);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ticked;
    }

    /// Flips the tick of row `index`; false if there is no such row.
    #[cfg(feature = "hydrate")]
    pub fn toggle_tick(index: usize) -> bool {
        match row_boxes().get(index) {
            Some(input) => {
                input.set_checked(!input.checked());
                true
            }
            None => false,
        }
    }

    /// The table's rows, in order (they carry no index: their position is it).
    #[cfg(feature = "hydrate")]
    fn rows() -> Vec<web_sys::Element> {
        let Ok(list) = document().query_selector_all("table.q-table > tbody > tr") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| {
                use wasm_bindgen::JsCast;
                list.item(i)?.dyn_into::<web_sys::Element>().ok()
            })
            .collect()
    }

    /// The link of a row (the case's title).
    #[cfg(feature = "hydrate")]
    fn link_of(row: &web_sys::Element) -> Option<web_sys::Element> {
        row.query_selector("td:nth-child(3) > a").ok().flatten()
    }

    /// Moves the keyboard's row marker (`aria-current`) and focus to row `next`.
    #[cfg(feature = "hydrate")]
    pub fn make_current(previous: Option<usize>, next: usize) {
        use wasm_bindgen::JsCast;
        let rows = rows();
        if let Some(old) = previous.and_then(|at| rows.get(at)) {
            let _ = old.remove_attribute("aria-current");
        }
        let Some(new) = rows.get(next) else {
            return;
        };
        let _ = new.set_attribute("aria-current", "true");
        // Focusing the row's link also scrolls it into view and lets screen readers
        // follow along.
        if let Some(link) =
            link_of(new).and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = link.focus();
        }
    }

    /// Marks the rows of the cases in `changed` "Updated", as they arrive.
    pub fn mark_changed(changed: RwSignal<Vec<i64>>) {
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            for id in changed.get() {
                // A row is found by its checkbox, whose value is `id:version`.
                let row = document()
                    .query_selector(&format!("table.q-table input[value^='{id}:']"))
                    .ok()
                    .flatten()
                    .and_then(|input| input.closest("tr").ok().flatten());
                let Some(link) = row.as_ref().and_then(link_of) else {
                    continue;
                };
                let marked = link.next_element_sibling().is_some_and(|next| {
                    next.get_attribute("data-testid").as_deref() == Some("row-changed")
                });
                if !marked {
                    let _ = link.insert_adjacent_html(
                        "afterend",
                        r#"<span data-testid="row-changed" title="Changed since this page was loaded" class="q-changed">Updated</span>"#,
                    );
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = changed;
    }

    /// Keeps the "Updated" column's relative times ("5 minutes ago") true while the
    /// page stays open: the server wrote them as of when it rendered.
    pub fn keep_times_relative() {
        #[cfg(feature = "hydrate")]
        {
            let refresh = || {
                let now = super::now();
                for row in rows() {
                    let Ok(Some(time)) = row.query_selector("time[datetime]") else {
                        continue;
                    };
                    let at = time.get_attribute("datetime").and_then(|value| {
                        time::OffsetDateTime::parse(
                            &value,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .ok()
                    });
                    if let Some(at) = at {
                        time.set_text_content(Some(&crate::components::relative_label(at, now)));
                    }
                }
            };
            if let Ok(handle) =
                set_interval_with_handle(refresh, std::time::Duration::from_secs(30))
            {
                on_cleanup(move || handle.clear());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rows_html;
    use crate::model::{CasePriority, CaseRow, CaseStatus};
    use time::macros::datetime;

    #[test]
    fn rows_escape_what_people_typed() {
        let row = CaseRow {
            id: 7,
            number: 42,
            title: r#"<script>alert("x")</script> & 'co' — café"#.into(),
            customer_name: "<b>Ada</b>".into(),
            status: CaseStatus::Open,
            priority: CasePriority::High,
            updated_at: datetime!(2026-11-29 12:00 UTC),
            created_at: datetime!(2026-11-01 12:00 UTC),
            version: 3,
            last_comment: Some("\"><img src=x onerror=alert(1)>".into()),
        };
        let html = rows_html(&[row], datetime!(2026-11-29 12:05 UTC));
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"));
        assert!(html.contains(
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39; — café</a>"
        ));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains(r#"value="7:3""#) && html.contains(r#"href="/cases/42""#));
        assert!(html.contains(r#"<span class="badge badge-open">Open</span>"#));
        assert!(html.contains(
            r#"<time datetime="2026-11-29T12:00:00Z" title="2026-11-29 12:00 UTC">5 minutes ago</time>"#
        ));
        assert!(html.contains(r#"<tr data-number="42" data-status="open">"#));
        assert_eq!(html.matches("<tr ").count(), 1);
    }

    #[test]
    fn the_last_comment_shows_as_words_not_markdown() {
        let row = CaseRow {
            id: 7,
            number: 42,
            title: "Kettle".into(),
            customer_name: "Ada".into(),
            status: CaseStatus::Open,
            priority: CasePriority::High,
            updated_at: datetime!(2026-11-29 12:00 UTC),
            created_at: datetime!(2026-11-01 12:00 UTC),
            version: 3,
            last_comment: Some("**Refund** sent, see [the <order>](https://x.example)".into()),
        };
        let html = rows_html(&[row], datetime!(2026-11-29 12:05 UTC));
        assert!(
            html.contains("<p>Refund sent, see the &lt;order&gt;</p>"),
            "{html}"
        );
    }
}
