//! `/admin/inquiry-form` — the workspace's public inquiry form: on or off, the text
//! above it, the daily cap (with today's count), and how its inquiries are assigned:
//! to the pool, or in turn to chosen people, skipping anyone at the WIP limit.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::inquiry::{SaveInquirySettings, load_inquiry_settings};
use crate::components::escape::textarea_html;
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{AdminRefusal, FieldError, FormErrors, Refusal};
use crate::model::{
    InquiryAssignment, InquirySettings, MAX_INQUIRY_DAILY_CAP, MAX_INQUIRY_INTRO_CHARS,
};

#[component]
pub fn AdminInquiry() -> impl IntoView {
    let save = ServerAction::<SaveInquirySettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| load_inquiry_settings());
    view! {
        <Title text="Inquiry form"/>
        <p class="text-sm"><a href="/admin" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Admin"</a></p>
        <header class="mt-2">
            <h1 class="text-2xl font-semibold tracking-tight">"Inquiry form"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "A public page where anyone can write to the workspace; each inquiry becomes a case (source: web form)."
            </p>
        </header>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || settings.get().map(|result| match result {
                Ok(settings) => view! { <SettingsForm settings save/> }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(
    settings: InquirySettings,
    save: ServerAction<SaveInquirySettings>,
) -> impl IntoView {
    let query = use_query_map();
    let from_url = move |key: &str| query.with_untracked(|q| q.get(key));
    let url_error = from_url("error");
    // After a refused plain-form post, what was typed; else what is saved.
    let intro = from_url("intro")
        .filter(|_| url_error.is_some())
        .unwrap_or_else(|| settings.intro.clone());
    let daily_cap = from_url("daily_cap")
        .filter(|_| url_error.is_some())
        .unwrap_or_else(|| settings.daily_cap.to_string());
    let url_field = from_url("field");
    let saved = from_url("saved").is_some() && url_error.is_none();
    // A refusal about a setting goes beside it; anything else at the top.
    let errors = FormErrors::new(
        "inquiry-settings",
        &["intro", "daily_cap", "assignment", "people"],
        move || match save.value().get() {
            Some(Err(error)) => Some(Refusal::of(&error)),
            Some(Ok(())) => None,
            None => Refusal::from_query(url_error.clone(), url_field.clone()),
        },
    );
    let flash = move || match (save.value().get(), errors.general()) {
        (_, Some(error)) => Some((true, error)),
        (Some(Ok(())), None) => Some((false, "Saved.".to_string())),
        (None, None) if saved => Some((false, "Saved.".to_string())),
        _ => None,
    };
    let address = format!("/contact/{}", settings.slug);
    let wip = match settings.wip_limit {
        Some(limit) => {
            format!("The WIP limit is {limit} open cases per person (set it on the dashboard).")
        }
        None => "There is no WIP limit (set one on the dashboard): nobody is skipped.".to_string(),
    };
    let people = settings.people.clone();
    let empty = people.is_empty();
    view! {
        {move || flash().map(|(error, text)| view! {
            <p role=if error { "alert" } else { "status" } data-testid="inquiry-flash"
                class=if error {
                    "mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
                } else {
                    "mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
                }>
                {text}
            </p>
        })}
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 text-sm dark:border-slate-800 dark:bg-slate-900" aria-label="The form's address">
            <p>
                {if settings.enabled { "The form is on at " } else { "The form is off. When on, it is at " }}
                <a href=address.clone() data-testid="inquiry-address" class="font-mono text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">{address.clone()}</a>
                "."
            </p>
            <p class="mt-1 text-slate-600 dark:text-slate-400" data-testid="inquiry-today">
                {format!("Today (UTC): {} of {} inquiries taken.", settings.today, settings.daily_cap)}
            </p>
        </section>
        <ActionForm action=save attr:data-testid="inquiry-settings" attr:class="mt-6 max-w-3xl space-y-5 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <label class="flex items-center gap-2 text-sm font-medium">
                <input type="checkbox" name="enabled" checked=settings.enabled class="h-4 w-4 rounded border-slate-300"/>
                "Take inquiries through the public form"
            </label>
            <div class="text-sm">
                <label class="block">
                    <span class=LABEL>"Introduction (shown above the form)"</span>
                    <textarea name="intro" rows="4" maxlength=MAX_INQUIRY_INTRO_CHARS.to_string()
                        aria-invalid=errors.invalid("intro") aria-describedby=errors.described("intro")
                        class=format!("{FIELD} w-full") inner_html=textarea_html(&intro)></textarea>
                </label>
                <FieldError errors field="intro"/>
            </div>
            <div class="max-w-xs text-sm">
                <label class="block">
                    <span class=LABEL>"Daily cap (inquiries per UTC day)"</span>
                    <input type="number" name="daily_cap" min="1" max=MAX_INQUIRY_DAILY_CAP required value=daily_cap class=format!("{FIELD} w-full")
                        aria-invalid=errors.invalid("daily_cap") aria-describedby=errors.described("daily_cap")/>
                </label>
                <FieldError errors field="daily_cap"/>
            </div>
            <fieldset class="space-y-2 text-sm" aria-describedby=errors.described("assignment")>
                <legend class="mb-1 font-semibold">"Assignment"</legend>
                {InquiryAssignment::ALL.into_iter().map(|mode| view! {
                    <label class="flex items-start gap-2">
                        <input type="radio" name="assignment" value=mode.as_str() checked=settings.assignment == mode class="mt-1"/>
                        <span>{mode.label()}</span>
                    </label>
                }).collect_view()}
                <p class="text-slate-600 dark:text-slate-400">{wip}</p>
                <FieldError errors field="assignment"/>
            </fieldset>
            <fieldset class="text-sm" aria-describedby=errors.described("people")>
                <legend class="mb-1 font-semibold">"People who take inquiries in turn"</legend>
                {if empty {
                    view! { <p class="text-slate-600 dark:text-slate-400">"Nobody in this workspace works cases yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="max-h-80 divide-y divide-slate-100 overflow-y-auto rounded-md border border-slate-200 dark:divide-slate-800 dark:border-slate-700" data-testid="inquiry-people">
                            {people.into_iter().map(|person| view! {
                                <li>
                                    <label class="flex items-center gap-3 px-3 py-2">
                                        <input type="checkbox" name="people[]" value=person.id.to_string() checked=person.chosen class="h-4 w-4 rounded border-slate-300"/>
                                        <span class="flex-1">{person.display_name}</span>
                                        <span class="tabular-nums text-slate-500 dark:text-slate-400">{format!("{} open", person.open)}</span>
                                    </label>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <FieldError errors field="people"/>
            </fieldset>
            <button type="submit" data-testid="save-inquiry-settings" disabled=move || save.pending().get()
                class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
                {move || if save.pending().get() { "Saving…" } else { "Save" }}
            </button>
        </ActionForm>
    }
}
