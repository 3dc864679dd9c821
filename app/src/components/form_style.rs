//! The look of form fields, shared by every page with a form or a filter bar.

/// An input or select.
pub const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
/// The small caps label above a field.
pub const LABEL: &str =
    "mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";

/// For the filter bars' `<Form method="GET">` (`on_form_data=without_unnamed()`): once
/// hydrated, leptos_router builds the address itself and adds the button that
/// submitted the form even when it has no name, which left a stray `&=` at the end of
/// every filtered address. A browser's own submission skips nameless controls; so does
/// this.
pub fn without_unnamed() -> std::sync::Arc<dyn Fn(&leptos::web_sys::FormData)> {
    std::sync::Arc::new(|data: &leptos::web_sys::FormData| data.delete(""))
}
