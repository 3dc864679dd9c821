//! `/cases/new` — a case entered by hand (employees and admins): title, customer,
//! priority, assignee, first comment. A plain form first: without JavaScript the server
//! redirects to the new case, or back here with the error and everything typed.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::case::CreateCase;
use crate::components::escape::textarea_html;
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{
    FieldError, FormAlert, FormErrors, PersonSearch, Refusal, field_label, priority_label,
    use_viewer,
};
use crate::model::{Assignee, CasePriority, MAX_COMMENT_CHARS, NewCase, Role};

/// The fields of the form, as the server names them in a refusal.
const FIELDS: &[&str] = &[
    "title",
    "priority",
    "assignee_id",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_company",
    "comment",
];

#[component]
pub fn NewCasePage() -> impl IntoView {
    let viewer = use_viewer();
    let works_cases = viewer
        .as_ref()
        .is_some_and(|viewer| viewer.role != Role::Analyst);
    view! {
        <Title text="New case"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"New case"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "For a request that reached you outside Casework: a call, a visit, a letter."
            </p>
        </header>
        {if works_cases {
            view! { <NewCaseForm/> }.into_any()
        } else {
            view! {
                <p data-testid="new-case-forbidden" class="mt-6 rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-300">
                    "Analysts do not work cases; an employee or an admin of the workspace can open one."
                </p>
            }.into_any()
        }}
    }
}

#[component]
fn NewCaseForm() -> impl IntoView {
    let create = ServerAction::<CreateCase>::new();
    let query = use_query_map();
    // After a refused plain-form post the URL carries the error and what was typed.
    let typed = move |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let url_error = typed("error");
    let url_field = typed("field");
    let viewer = use_viewer();
    let is_admin = viewer.as_ref().is_some_and(|v| v.role == Role::Admin);
    let me = viewer.as_ref().map(|v| Assignee {
        id: v.user_id,
        display_name: format!("{} (me)", v.display_name),
    });
    let options = RwSignal::new(me.into_iter().collect::<Vec<_>>());
    // Employees take what they open unless they choose the pool; admins start from the
    // pool. After a refused post, what was chosen.
    let chosen = if url_error.is_empty() {
        match viewer.as_ref() {
            Some(v) if v.role != Role::Admin => v.user_id.to_string(),
            _ => String::new(),
        }
    } else {
        typed("assignee")
    };
    let assignee = RwSignal::new(chosen);
    let priority_typed = typed("priority");

    // A case created with JavaScript opens its page, as the plain form post does.
    let navigate = use_navigate();
    let creator = viewer.clone();
    Effect::new(move |_| {
        if let Some(Ok(number)) = create.value().get()
            && let Some(creator) = creator.as_ref()
        {
            let chosen = assignee.with_untracked(|id| id.parse().ok());
            navigate(
                &NewCase::page_after(creator, chosen, number),
                Default::default(),
            );
        }
    });
    // A refusal goes beside its field: from the action, or the URL after a plain post.
    let errors = FormErrors::new("new-case", FIELDS, move || match create.value().get() {
        Some(Err(error)) => Some(Refusal::of(&error)),
        Some(Ok(_)) => None,
        None => Refusal::from_query(Some(url_error.clone()), Some(url_field.clone())),
    });
    let text = move |name: &'static str, label: &'static str, kind: &'static str, max: u32| {
        view! {
            <div>
                <label class="block text-sm">
                    <span class=LABEL>{label}</span>
                    <input type=kind name=name maxlength=max value=typed(name) aria-invalid=errors.invalid(name)
                        aria-describedby=errors.described(name)
                        required=name == "title" class=format!("{FIELD} w-full") data-field=name/>
                </label>
                <FieldError errors field=name/>
            </div>
        }
    };
    view! {
        <ActionForm action=create attr:data-testid="new-case" attr:class="mt-6 max-w-3xl space-y-5 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            {text("title", "Title", "text", 300)}
            <div class="grid gap-4 sm:grid-cols-2">
                <label class="block text-sm">
                    <span class=LABEL>"Priority"</span>
                    <select name="priority" class=format!("{FIELD} w-full") data-field="priority"
                        aria-invalid=errors.invalid("priority") aria-describedby=errors.described("priority")>
                        {CasePriority::ALL.into_iter().map(|priority| {
                            let chosen = if priority_typed.is_empty() {
                                priority == CasePriority::Normal
                            } else {
                                priority_typed == priority.as_str()
                            };
                            view! { <option value=priority.as_str() selected=chosen>{priority_label(priority)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError errors field="priority"/>
                </label>
                <label class="block text-sm">
                    <span class=LABEL>{field_label("assignee_id")}</span>
                    <select name="assignee" class=format!("{FIELD} w-full") data-field="assignee"
                        aria-invalid=errors.invalid("assignee_id") aria-describedby=errors.described("assignee_id")
                        on:change=move |ev| assignee.set(event_target_value(&ev))>
                        <option value="" selected=move || assignee.with(String::is_empty)>"Unassigned (the team's pool)"</option>
                        {move || options.get().into_iter().map(|person| {
                            let id = person.id.to_string();
                            let chosen = id.clone();
                            view! { <option value=id selected=move || assignee.with(|a| *a == chosen)>{person.display_name}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError errors field="assignee_id"/>
                </label>
            </div>
            {is_admin.then(|| view! { <PersonSearch on_pick=move |person: Assignee| {
                let id = person.id.to_string();
                options.update(|people| {
                    if !people.iter().any(|p| p.id == person.id) {
                        people.push(person);
                    }
                });
                assignee.set(id);
            }/> })}
            <fieldset class="grid gap-4 sm:grid-cols-2">
                <legend class="mb-2 text-sm font-semibold">"Customer"</legend>
                {text("customer_name", "Name", "text", 200)}
                {text("customer_email", "Email", "email", 254)}
                {text("customer_phone", "Phone", "tel", 50)}
                {text("customer_company", "Company", "text", 200)}
            </fieldset>
            <label class="block text-sm">
                <span class=LABEL>"First comment"</span>
                <textarea name="comment" rows="6" maxlength=MAX_COMMENT_CHARS.to_string() data-field="comment"
                    placeholder="What was asked, what was promised (Markdown)"
                    aria-invalid=errors.invalid("comment") aria-describedby=errors.described("comment")
                    class=format!("{FIELD} w-full") inner_html=textarea_html(&typed("comment"))></textarea>
            </label>
            <FieldError errors field="comment"/>
            <div class="flex flex-wrap items-center gap-4">
                <button type="submit" data-testid="create-case" disabled=move || create.pending().get()
                    class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
                    {move || if create.pending().get() { "Creating…" } else { "Create case" }}
                </button>
                <a href="/work" class="text-sm text-slate-600 hover:underline dark:text-slate-300">"Cancel"</a>
                <FormAlert errors testid="new-case-error"/>
            </div>
        </ActionForm>
    }
}
