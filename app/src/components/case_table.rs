//! The cases table of the work queues: one row per case, a checkbox per row for bulk
//! actions, and the keyboard: `j`/`k` move, `x` selects, `Enter` opens.
//!
//! The checkboxes are real form fields (`cases[]` = `id:version`), so selecting and
//! applying a bulk action works before the page hydrates; once it has, the selection is
//! also kept in a signal so the bulk bar can count it and the keyboard can toggle it.

use leptos::prelude::*;

use crate::model::{CasePriority, CaseRow, CaseStatus, format_timestamp};

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

#[component]
pub fn CaseTable(
    rows: Vec<CaseRow>,
    selection: Selection,
    /// Cases that changed since the page was loaded.
    changed: RwSignal<Vec<i64>>,
) -> impl IntoView {
    // The row the keyboard is on, by position.
    let current = RwSignal::new(None::<usize>);
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let hrefs: Vec<String> = rows
        .iter()
        .map(|row| format!("/cases/{}", row.number))
        .collect();
    keyboard::install(current, ids.clone(), hrefs, selection);

    let all_ids = StoredValue::new(ids.clone());
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
        selection.0.set(if select {
            all_ids.get_value()
        } else {
            Vec::new()
        });
    };
    view! {
        <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm" data-testid="case-table">
                <thead class="border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800">
                    <tr>
                        <th scope="col" class="w-8 py-2 pl-4">
                            <input type="checkbox" aria-label="Select every case on this page" data-testid="select-page"
                                class="q-box"
                                prop:checked=all_selected on:change=toggle_all/>
                        </th>
                        <th scope="col" class="px-4 py-2 font-medium">"#"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Case"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Customer"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Status"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Priority"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Updated"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    // Each row type-erased: rendering resolves every child's future
                    // first, and moving 100 large row futures around (by value, in the
                    // join) was a fifth of the server's CPU; boxed, they move as pointers.
                    {rows.into_iter().enumerate().map(|(index, row)| view! { <CaseLine row index current selection changed/> }.into_any()).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="mt-2 hidden text-xs text-slate-500 sm:block">
            <kbd class="rounded border px-1">"j"</kbd>" / "<kbd class="rounded border px-1">"k"</kbd>" move · "
            <kbd class="rounded border px-1">"x"</kbd>" select · "
            <kbd class="rounded border px-1">"Enter"</kbd>" open"
        </p>
    }
}

#[component]
fn CaseLine(
    row: CaseRow,
    index: usize,
    current: RwSignal<Option<usize>>,
    selection: Selection,
    changed: RwSignal<Vec<i64>>,
) -> impl IntoView {
    let id = row.id;
    let is_current = move || current.get() == Some(index);
    let is_changed = move || changed.with(|ids| ids.contains(&id));
    let updated = row
        .updated_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    // Short markup on purpose: the `q-*` classes live in style/tailwind.css.
    view! {
        <tr data-testid="case-row" data-number=row.number data-status=row.status.as_str() data-priority=row.priority.as_str()
            class="q-row" aria-current=move || is_current().then_some("true")>
            <td class="q-check">
                <input type="checkbox" name="cases[]" value=format!("{}:{}", row.id, row.version)
                    aria-label=format!("Select case {}", row.number) data-testid="select-case" class="q-box"
                    prop:checked=move || selection.contains(id) on:change=move |_| selection.toggle(id)/>
            </td>
            <td class="q-num">{row.number}</td>
            <td class="q-title">
                <a href=format!("/cases/{}", row.number) data-row-link=index>{row.title}</a>
                {move || is_changed().then(|| view! {
                    <span data-testid="row-changed" title="Changed since this page was loaded"
                        class="ml-2 rounded-full bg-amber-100 px-1.5 py-0.5 text-[10px] font-semibold uppercase text-amber-800 dark:bg-amber-900 dark:text-amber-200">"Updated"</span>
                })}
                {row.last_comment.map(|comment| view! { <p>{comment}</p> })}
            </td>
            <td>{row.customer_name}</td>
            <td><StatusBadge status=row.status/></td>
            <td>{priority_label(row.priority)}</td>
            <td class="q-muted"><time datetime=updated>{format_timestamp(row.updated_at)}</time></td>
        </tr>
    }
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
    use leptos::prelude::*;

    #[cfg(not(feature = "hydrate"))]
    pub fn install(
        _current: RwSignal<Option<usize>>,
        _ids: Vec<i64>,
        _hrefs: Vec<String>,
        _selection: Selection,
    ) {
    }

    #[cfg(feature = "hydrate")]
    pub fn install(
        current: RwSignal<Option<usize>>,
        ids: Vec<i64>,
        hrefs: Vec<String>,
        selection: Selection,
    ) {
        use leptos::ev;
        use leptos_router::hooks::use_navigate;
        use wasm_bindgen::JsCast;

        let navigate = use_navigate();
        let handle = window_event_listener(ev::keydown, move |event| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(&event) {
                return;
            }
            let last = ids.len().checked_sub(1);
            let Some(last) = last else { return };
            match event.key().as_str() {
                "j" | "k" => {
                    let next = match (current.get_untracked(), event.key() == "j") {
                        (None, _) => 0,
                        (Some(at), true) => (at + 1).min(last),
                        (Some(at), false) => at.saturating_sub(1),
                    };
                    current.set(Some(next));
                    focus_row(next);
                    event.prevent_default();
                }
                "x" => {
                    if let Some(at) = current.get_untracked()
                        && let Some(id) = ids.get(at)
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
                        && let Some(at) = current.get_untracked()
                        && let Some(href) = hrefs.get(at)
                    {
                        navigate(href, Default::default());
                        event.prevent_default();
                    }
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    /// Keys typed into a field are text, not commands.
    #[cfg(feature = "hydrate")]
    fn typing(event: &web_sys::KeyboardEvent) -> bool {
        use wasm_bindgen::JsCast;
        let Some(element) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return false;
        };
        if element.is_content_editable() {
            return true;
        }
        match element.tag_name().as_str() {
            "TEXTAREA" | "SELECT" => true,
            "INPUT" => element
                .dyn_into::<web_sys::HtmlInputElement>()
                .map(|input| input.type_() != "checkbox")
                .unwrap_or(true),
            _ => false,
        }
    }

    /// Moves focus to the row's link, which also scrolls it into view and lets screen
    /// readers follow along.
    #[cfg(feature = "hydrate")]
    fn focus_row(index: usize) {
        use wasm_bindgen::JsCast;
        let link = document()
            .query_selector(&format!("[data-row-link='{index}']"))
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(link) = link {
            let _ = link.focus();
        }
    }
}
