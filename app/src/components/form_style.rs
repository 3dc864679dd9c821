//! The look of form fields, shared by every page with a form or a filter bar.

/// An input or select.
pub const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
/// The small caps label above a field.
pub const LABEL: &str = "mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500";
