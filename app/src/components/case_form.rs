//! The case page's field editor and its conflict dialog.
//!
//! What the person types lives in [`FormState`] (owned by the page), not in the DOM
//! alone: when a colleague's change arrives live, a clean form takes the new values
//! (and flashes the fields that changed), while a form with unsaved edits keeps them
//! and says who changed the case. A save from a stale version comes back as a
//! conflict, and the dialog shows, per field, what you started from, yours, and
//! theirs now — keep yours (saved again on their version) or take theirs.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::case_table::{priority_label, status_label};
use super::field_error::{FieldError, FormErrors};
use super::viewer::use_viewer;
use crate::api::case::{SaveCase, find_people};
use crate::model::{
    Assignee, CaseFields, CasePriority, CaseRecord, CaseStatus, ConflictState, Role,
};

/// The editor's state: the record it started from, the values shown, and whether they
/// differ from it because the person typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FormState {
    pub base: CaseRecord,
    pub values: CaseFields,
    pub dirty: bool,
    /// Someone else changed the case while this form had unsaved edits.
    pub changed_under: Option<String>,
}

impl FormState {
    pub fn clean(record: CaseRecord) -> Self {
        Self {
            values: record.fields.clone(),
            base: record,
            dirty: false,
            changed_under: None,
        }
    }
}

/// The field names the page shows, for labels in the dialog and the live flash.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "customer_name" => "Customer",
        "customer_email" => "Email",
        "customer_phone" => "Phone",
        "customer_company" => "Company",
        "status" => "Status",
        "priority" => "Priority",
        "assignee_id" => "Assignee",
        _ => "Field",
    }
}

fn field_value(fields: &CaseFields, field: &str, people: &[Assignee]) -> String {
    match field {
        "title" => fields.title.clone(),
        "customer_name" => fields.customer_name.clone(),
        "customer_email" => fields.customer_email.clone(),
        "customer_phone" => fields.customer_phone.clone(),
        "customer_company" => fields.customer_company.clone(),
        "status" => status_label(fields.status).to_string(),
        "priority" => priority_label(fields.priority).to_string(),
        "assignee_id" => match fields.assignee_id {
            None => "Unassigned".to_string(),
            Some(id) => people
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| "someone else".to_string()),
        },
        _ => String::new(),
    }
}

const INPUT: &str = "mt-1 w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm transition-shadow dark:border-slate-700 dark:bg-slate-950";
const FLASH: &str = " ring-2 ring-amber-400";

#[component]
pub fn CaseForm(
    form: RwSignal<FormState>,
    save: ServerAction<SaveCase>,
    people: Vec<Assignee>,
    /// Fields a live update just changed, highlighted for a moment.
    flash: RwSignal<Vec<&'static str>>,
    /// A refused save, said beside the field it is about.
    errors: FormErrors,
) -> impl IntoView {
    let initial = form.get_untracked();
    let number = initial.base.number;
    let text = move |field: &'static str, label: &'static str, kind: &'static str| {
        let get = move |f: &FormState| match field {
            "title" => f.values.title.clone(),
            "customer_name" => f.values.customer_name.clone(),
            "customer_email" => f.values.customer_email.clone(),
            "customer_phone" => f.values.customer_phone.clone(),
            _ => f.values.customer_company.clone(),
        };
        let initial = form.with_untracked(get);
        let class = move || {
            if flash.with(|f| f.contains(&field)) {
                format!("{INPUT}{FLASH}")
            } else {
                INPUT.to_string()
            }
        };
        view! {
            <div>
            <label class="block text-sm">
                <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</span>
                <input type=kind name=field value=initial class=class data-field=field
                    aria-invalid=errors.invalid(field) aria-describedby=errors.described(field)
                    prop:value=move || form.with(get)
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        form.update(|f| {
                            match field {
                                "title" => f.values.title = value,
                                "customer_name" => f.values.customer_name = value,
                                "customer_email" => f.values.customer_email = value,
                                "customer_phone" => f.values.customer_phone = value,
                                _ => f.values.customer_company = value,
                            }
                            f.dirty = f.values != f.base.fields;
                        });
                    }/>
            </label>
            <FieldError errors field/>
            </div>
        }
    };
    let select_class = move |field: &'static str| {
        move || {
            if flash.with(|f| f.contains(&field)) {
                format!("{INPUT}{FLASH}")
            } else {
                INPUT.to_string()
            }
        }
    };
    let pending = save.pending();
    // The people the select offers: the viewer and the current assignee to begin with,
    // plus whoever an admin finds with the search below it.
    let options = RwSignal::new(people);
    let can_search = use_viewer().is_some_and(|viewer| viewer.role == Role::Admin);
    view! {
        <ActionForm action=save attr:data-testid="case-form" attr:class="space-y-3">
            <input type="hidden" name="number" value=number/>
            <input type="hidden" name="version" prop:value=move || form.with(|f| f.base.version.to_string())
                value=initial.base.version.to_string()/>
            {text("title", "Title", "text")}
            // One above the other: side by side in the sidebar they cut their own words
            // ("Resolvec", "Unassigr").
            <div class="grid gap-3">
                <label class="block text-sm">
                    <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Status"</span>
                    <select name="status" class=select_class("status") data-field="status"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            form.update(|f| {
                                if let Some(status) = CaseStatus::parse(&value) {
                                    f.values.status = status;
                                }
                                f.dirty = f.values != f.base.fields;
                            });
                        }>
                        {CaseStatus::ALL.into_iter().map(|status| view! {
                            <option value=status.as_str() selected=move || form.with(|f| f.values.status == status)>{status_label(status)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="block text-sm">
                    <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Priority"</span>
                    <select name="priority" class=select_class("priority") data-field="priority"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            form.update(|f| {
                                if let Some(priority) = CasePriority::parse(&value) {
                                    f.values.priority = priority;
                                }
                                f.dirty = f.values != f.base.fields;
                            });
                        }>
                        {CasePriority::ALL.into_iter().map(|priority| view! {
                            <option value=priority.as_str() selected=move || form.with(|f| f.values.priority == priority)>{priority_label(priority)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="block text-sm">
                    <span class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"Assignee"</span>
                    <select name="assignee" class=select_class("assignee_id") data-field="assignee_id"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            form.update(|f| {
                                f.values.assignee_id = value.parse().ok();
                                f.dirty = f.values != f.base.fields;
                            });
                        }>
                        <option value="" selected=move || form.with(|f| f.values.assignee_id.is_none())>"Unassigned"</option>
                        {move || options.get().into_iter().map(|person| {
                            let id = person.id;
                            view! { <option value=id.to_string() selected=move || form.with(|f| f.values.assignee_id == Some(id))>{person.display_name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {can_search.then(|| view! { <PersonSearch on_pick=move |person: Assignee| {
                let id = person.id;
                options.update(|people| {
                    if !people.iter().any(|p| p.id == id) {
                        people.push(person);
                    }
                });
                form.update(|f| {
                    f.values.assignee_id = Some(id);
                    f.dirty = f.values != f.base.fields;
                });
            }/> })}
            <fieldset class="grid gap-3 sm:grid-cols-2">
                <legend class="mb-1 text-sm font-semibold">"Customer"</legend>
                {text("customer_name", "Name", "text")}
                {text("customer_email", "Email", "email")}
                {text("customer_phone", "Phone", "tel")}
                {text("customer_company", "Company", "text")}
            </fieldset>
            <div class="flex items-center gap-3">
                <button type="submit" data-testid="save-case" disabled=move || pending.get()
                    class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
                    {move || if pending.get() { "Saving…" } else { "Save changes" }}
                </button>
                {move || form.with(|f| f.dirty).then(|| view! { <span class="text-xs text-slate-500 dark:text-slate-400" data-testid="unsaved">"Unsaved changes"</span> })}
                <span role="status" class="text-xs font-medium text-emerald-700 dark:text-emerald-400">
                    {move || (!form.with(|f| f.dirty) && matches!(save.value().get(), Some(Ok(_))))
                        .then(|| view! { <span data-testid="saved">"Saved"</span> })}
                </span>
            </div>
        </ActionForm>
    }
}

/// The assignee picker's search (admins): type part of a name or email, pick a person,
/// and `on_pick` gets them (the case page and the New case form make them the assignee).
#[component]
pub fn PersonSearch(#[prop(into)] on_pick: Callback<Assignee>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    // An action, not a resource: a resource read outside a Suspense would hold up the
    // page's own Transition (on the server for ever, as it never runs there). Each
    // answer carries the text it was for, so a slower, older one is never shown.
    let find = Action::new(|text: &String| {
        let text = text.clone();
        async move {
            let people = if text.trim().chars().count() < 2 {
                Ok(Vec::new())
            } else {
                find_people(text.clone()).await
            };
            (text, people)
        }
    });
    let found = move || {
        find.value().with(|answer| match answer {
            Some((text, Ok(people))) if query.with(|q| q == text) => Some(people.clone()),
            _ => None,
        })
    };
    let pick = move |person: Assignee| {
        on_pick.run(person);
        query.set(String::new());
    };
    view! {
        <div class="text-sm">
            <label for="person-search" class="text-xs font-medium text-slate-600 dark:text-slate-400">"Find someone to assign by name or email"</label>
            <input id="person-search" type="search" placeholder="Two letters or more…"
                data-testid="person-search" class=INPUT
                prop:value=move || query.get() on:input=move |ev| {
                    let text = event_target_value(&ev);
                    query.set(text.clone());
                    find.dispatch(text);
                }/>
            // No Suspense: the list appears once found. The case page makes this form after
            // hydrating (components/later.rs), where a Suspense could not be numbered in the
            // server's order.
            {move || found().filter(|people| !people.is_empty()).map(|people| view! {
                <ul class="mt-1 divide-y divide-slate-100 rounded-md border border-slate-200 bg-white shadow-sm dark:divide-slate-800 dark:border-slate-700 dark:bg-slate-950" data-testid="person-results">
                    {people.into_iter().map(|person| {
                        let name = person.display_name.clone();
                        view! {
                            <li>
                                <button type="button" class="w-full px-3 py-1.5 text-left hover:bg-slate-50 dark:hover:bg-slate-800"
                                    on:click=move |_| pick(person.clone())>{name}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// Shown when a save met a newer version: per field, what you started from, yours,
/// and theirs now.
#[component]
pub fn ConflictDialog(
    conflict: RwSignal<Option<ConflictState>>,
    form: RwSignal<FormState>,
    save: ServerAction<SaveCase>,
    people: Vec<Assignee>,
) -> impl IntoView {
    let people = StoredValue::new(people);
    move || {
        conflict.get().map(|state| {
            let (started, yours) = form.with_untracked(|f| (f.base.fields.clone(), f.values.clone()));
            let theirs = state.current.fields.clone();
            // Their assignee may be someone this page has not listed yet.
            if let (Some(id), Some(name)) = (theirs.assignee_id, state.current.assignee_name.clone()) {
                people.update_value(|people| {
                    if !people.iter().any(|p| p.id == id) {
                        people.push(Assignee { id, display_name: name });
                    }
                });
            }
            let fields: Vec<&'static str> = {
                let mut all = started.differences(&yours);
                for field in started.differences(&theirs) {
                    if !all.contains(&field) {
                        all.push(field);
                    }
                }
                all
            };
            let rows = fields
                .into_iter()
                .map(|field| {
                    people.with_value(|people| {
                        let (s, y, t) = (
                            field_value(&started, field, people),
                            field_value(&yours, field, people),
                            field_value(&theirs, field, people),
                        );
                        view! {
                            <tr data-testid="conflict-row" data-field=field>
                                <th scope="row" class="py-1.5 pr-3 text-left font-medium">{field_label(field)}</th>
                                <td class="py-1.5 pr-3 text-slate-500 dark:text-slate-400" data-testid="conflict-started">{s}</td>
                                <td class="py-1.5 pr-3 font-medium text-indigo-700 dark:text-indigo-300" data-testid="conflict-yours">{y}</td>
                                <td class="py-1.5 font-medium text-amber-700 dark:text-amber-300" data-testid="conflict-theirs">{t}</td>
                            </tr>
                        }
                    })
                })
                .collect_view();
            let who = state
                .changed_by
                .clone()
                .unwrap_or_else(|| "Someone".to_string());
            let current = state.current.clone();
            // A modal <dialog>: the browser keeps focus inside it and the page behind
            // inert, and Escape closes it. Closing decides nothing: the edits stay
            // unsaved in the form, and saving again shows the choice again.
            let dialog = NodeRef::<leptos::html::Dialog>::new();
            Effect::new(move |_| {
                if let Some(dialog) = dialog.get() {
                    let _ = dialog.show_modal();
                }
            });
            // Closed first: while the modal is open, the page behind it (the Save
            // button) cannot take focus; removing it would leave focus nowhere.
            let close = move || {
                if let Some(dialog) = dialog.get_untracked() {
                    dialog.close();
                }
                conflict.set(None);
                focus_save_button();
            };
            let keep_mine = {
                let current = current.clone();
                move |_| {
                    let yours = form.with_untracked(|f| {
                        CaseFields::rebased(&f.base.fields, &f.values, &current.fields)
                    });
                    form.update(|f| {
                        f.base = current.clone();
                        f.values = yours.clone();
                        f.changed_under = None;
                    });
                    close();
                    save.dispatch(SaveCase {
                        number: current.number,
                        version: current.version,
                        title: yours.title,
                        customer_name: yours.customer_name,
                        customer_email: yours.customer_email,
                        customer_phone: yours.customer_phone,
                        customer_company: yours.customer_company,
                        status: yours.status.as_str().to_string(),
                        priority: yours.priority.as_str().to_string(),
                        assignee: yours.assignee_id.map(|id| id.to_string()).unwrap_or_default(),
                    });
                }
            };
            let take_theirs = move |_| {
                form.set(FormState::clean(current.clone()));
                close();
            };
            let dismiss = move |event: leptos::ev::Event| {
                event.prevent_default();
                close();
            };
            view! {
                <dialog node_ref=dialog on:cancel=dismiss aria-labelledby="conflict-title" data-testid="conflict-dialog"
                    class="m-auto w-full max-w-2xl rounded-xl bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:bg-slate-900 dark:text-slate-100">
                        <h2 id="conflict-title" class="text-lg font-semibold">"This case changed while you were editing"</h2>
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                            {who}" saved a newer version. Nothing of yours was saved yet; choose what to keep."
                        </p>
                        <table class="mt-4 w-full text-sm">
                            <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                                <tr><th></th><th class="pb-1">"You started from"</th><th class="pb-1">"Yours"</th><th class="pb-1">"Theirs now"</th></tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                        <div class="mt-5 flex justify-end gap-3">
                            <button type="button" data-testid="take-theirs" on:click=take_theirs
                                class="rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">"Take theirs"</button>
                            <button type="button" data-testid="keep-mine" on:click=keep_mine autofocus
                                class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Keep mine"</button>
                        </div>
                </dialog>
            }
        })
    }
}

/// Back to the Save button once the conflict dialog is gone, where the keyboard was
/// before it opened (the dialog's own return of focus is lost when it is removed).
fn focus_save_button() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(button) = document()
            .query_selector("[data-testid='save-case']")
            .ok()
            .flatten()
            .and_then(|button| button.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = button.focus();
        }
    }
}
