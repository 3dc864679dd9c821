//! `/contact/{slug}` — a workspace's public inquiry form, for people without an
//! account: name, email, company, subject, message. A plain form first: without
//! JavaScript the server answers with the confirmation page, or sends the browser back
//! here with the error and everything typed. `/contact/{slug}/sent` is the
//! confirmation, with the reference number.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::inquiry::{SendInquiry, load_inquiry_form};
use crate::components::escape::textarea_html;
use crate::components::form_style::{FIELD, LABEL};
use crate::components::{
    FieldError, FormAlert, FormErrors, LoadError, Refusal, set_response_status,
};
use crate::model::{AppError, MAX_INQUIRY_MESSAGE_CHARS, PublicInquiryForm, inquiry_error_text};

/// The fields a person fills in, as the server names them.
const FIELDS: &[&str] = &["name", "email", "company", "subject", "message"];

const CARD: &str = "mx-auto mt-4 max-w-2xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";

fn slug() -> String {
    use_params_map().with_untracked(|params| params.get("slug").unwrap_or_default())
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let form = Resource::new(slug, load_inquiry_form);
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading…"</p> }>
            {move || form.get().map(|result| match result {
                Ok(form) => view! { <InquiryForm form/> }.into_any(),
                Err(error) => view! { <NoForm error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn NoForm(error: AppError) -> impl IntoView {
    set_response_status(error.status());
    let detail = match error {
        AppError::NotFound => {
            "There is no inquiry form at this address: check the link you were given.".to_string()
        }
        other => inquiry_error_text(&other),
    };
    view! {
        <Title text="Contact"/>
        <div class="mx-auto max-w-2xl">
            <h1 class="text-2xl font-semibold tracking-tight">"Contact"</h1>
            <LoadError heading="This form is not available" detail back=("/", "Casework") testid="no-inquiry-form"/>
        </div>
    }
}

#[component]
fn InquiryForm(form: PublicInquiryForm) -> impl IntoView {
    let send = ServerAction::<SendInquiry>::new();
    let query = use_query_map();
    // After a refused plain-form post the URL carries the error and what was typed.
    let typed = move |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let url_error = typed("error");
    let url_field = typed("field");

    // Sent with JavaScript: the same confirmation page the plain post lands on.
    let navigate = use_navigate();
    let sent_to = format!("/contact/{}/sent", form.slug);
    Effect::new(move |_| {
        if let Some(Ok(number)) = send.value().get() {
            navigate(&format!("{sent_to}?reference={number}"), Default::default());
        }
    });
    // The refusal, beside the field it is about (from the action, or the URL after a
    // plain post), in the form's own words for its fields.
    let errors = FormErrors::new("inquiry", FIELDS, move || match send.value().get() {
        Some(Err(error)) => Some(Refusal {
            text: inquiry_error_text(&error),
            ..Refusal::of(&error)
        }),
        Some(Ok(_)) => None,
        None => Refusal::from_query(Some(url_error.clone()), Some(url_field.clone())),
    });
    let input = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      max: u32,
                      autocomplete: &'static str,
                      required: bool| {
        view! {
            <div>
                <label class="block text-sm">
                    <span class=LABEL>{label}{(!required).then_some(" (optional)")}</span>
                    <input type=kind name=name maxlength=max value=typed(name) required=required
                        autocomplete=autocomplete aria-invalid=errors.invalid(name)
                        aria-describedby=errors.described(name) data-field=name class=format!("{FIELD} w-full")/>
                </label>
                <FieldError errors field=name/>
            </div>
        }
    };
    let heading = format!("Contact {}", form.workspace);
    let intro = form.intro.clone();
    view! {
        <Title text=heading.clone()/>
        <div class="mx-auto max-w-2xl">
            <h1 class="text-2xl font-semibold tracking-tight">{heading}</h1>
            {if intro.is_empty() {
                view! {
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                        "Send us your question; it reaches the team, and we answer by email."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p data-testid="inquiry-intro" class="mt-2 whitespace-pre-line text-sm text-slate-700 dark:text-slate-300">{intro}</p>
                }.into_any()
            }}
        </div>
        <ActionForm action=send attr:data-testid="inquiry-form" attr:class=format!("{CARD} space-y-4")>
            <input type="hidden" name="slug" value=form.slug.clone()/>
            <input type="hidden" name="started" value=form.started.clone()/>
            <div class="grid gap-4 sm:grid-cols-2">
                {input("name", "Your name", "text", 200, "name", true)}
                {input("email", "Your email", "email", 254, "email", true)}
            </div>
            {input("company", "Company", "text", 200, "organization", false)}
            {input("subject", "Subject", "text", 300, "off", true)}
            <label class="block text-sm">
                <span class=LABEL>"Message"</span>
                <textarea name="message" rows="8" required maxlength=MAX_INQUIRY_MESSAGE_CHARS.to_string()
                    data-field="message" aria-invalid=errors.invalid("message") aria-describedby=errors.described("message")
                    class=format!("{FIELD} w-full") inner_html=textarea_html(&typed("message"))></textarea>
            </label>
            <FieldError errors field="message"/>
            // The honeypot: out of sight and out of the tab order; people leave it
            // empty, form-filling programs do not.
            <div class="absolute -left-[10000px] top-auto h-px w-px overflow-hidden" aria-hidden="true">
                <label>"Leave this field empty" <input type="text" name="website" tabindex="-1" autocomplete="off"/></label>
            </div>
            <div class="flex flex-wrap items-center gap-4">
                <button type="submit" data-testid="send-inquiry" disabled=move || send.pending().get()
                    class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
                    {move || if send.pending().get() { "Sending…" } else { "Send inquiry" }}
                </button>
            </div>
            <FormAlert errors testid="inquiry-error"/>
        </ActionForm>
    }
}

/// The confirmation: the reference is the case's number, as the team knows it.
#[component]
pub fn ContactSent() -> impl IntoView {
    let slug = slug();
    let query = use_query_map();
    let reference = query
        .with_untracked(|q| q.get("reference"))
        .and_then(|value| value.parse::<u32>().ok());
    view! {
        <Title text="Inquiry sent"/>
        <section class=CARD data-testid="inquiry-sent" aria-labelledby="sent-heading">
            <h1 id="sent-heading" class="text-2xl font-semibold tracking-tight">"Thank you — your inquiry was sent"</h1>
            {match reference {
                Some(number) => view! {
                    <p class="mt-3 text-sm">
                        "Your reference is "
                        <strong data-testid="inquiry-reference" class="font-mono text-base">{format!("#{number}")}</strong>
                        ". Mention it if you write to us again about the same thing."
                    </p>
                }.into_any(),
                None => view! { <p class="mt-3 text-sm">"It reached the team."</p> }.into_any(),
            }}
            <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"The team will answer at the email address you gave."</p>
            <p class="mt-5 text-sm">
                <a href=format!("/contact/{slug}") class="font-medium text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Send another inquiry"</a>
            </p>
        </section>
    }
}
