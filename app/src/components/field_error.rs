//! Where a refused form says what was wrong: beside the field it is about, in words
//! ("Email is already in use."), with the field marked `aria-invalid` and described by
//! the message, and the focus put on it; a refusal about nothing the form shows (not
//! allowed, too many requests, a field the form has no box for) goes in the form's
//! alert instead.
//!
//! The same with and without JavaScript: a hydrated form reads its action's error; a
//! plain post comes back as a page whose action carries the error decoded from the
//! address (Leptos' form redirects), or, for the forms the server sends elsewhere with
//! the outcome in the query string (`api::send_form_back`), `error` and `field` there.

use leptos::prelude::*;

use crate::model::AppError;

/// What a form was refused for: the field it is about, when it is about one, and the
/// sentence to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: Option<String>,
    pub text: String,
}

impl Refusal {
    pub fn of(error: &AppError) -> Self {
        Self {
            field: match error {
                AppError::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            text: error.to_string(),
        }
    }

    /// From a plain post's answer: `text` (the `error` parameter) about `field` (the
    /// `field` parameter, empty when about none).
    pub fn from_query(text: Option<String>, field: Option<String>) -> Option<Self> {
        let text = text.filter(|text| !text.is_empty())?;
        Some(Self {
            field: field.filter(|field| !field.is_empty()),
            text,
        })
    }
}

/// The query parameter that names the field a plain post was refused for, beside the
/// one with the message (`key` as the page reads it: `field`, `add_field`, …).
#[cfg(feature = "ssr")]
pub fn field_param(key: &'static str, error: &AppError) -> Option<(&'static str, String)> {
    match error {
        AppError::Invalid { field, .. } => Some((key, field.clone())),
        _ => None,
    }
}

/// One form's refusal, and the fields it shows (named as the server names them).
#[derive(Clone, Copy)]
pub struct FormErrors {
    form: &'static str,
    fields: &'static [&'static str],
    refusal: Signal<Option<Refusal>>,
}

impl FormErrors {
    /// `form` makes the messages' ids unique on the page.
    pub fn new(
        form: &'static str,
        fields: &'static [&'static str],
        refusal: impl Fn() -> Option<Refusal> + Send + Sync + 'static,
    ) -> Self {
        Self {
            form,
            fields,
            refusal: Signal::derive(refusal),
        }
    }

    /// The refusal of an action's last call.
    pub fn of_action<S, T>(
        form: &'static str,
        fields: &'static [&'static str],
        action: ServerAction<S>,
    ) -> Self
    where
        S: leptos::server_fn::ServerFn<Output = T, Error = AppError>
            + Clone
            + Send
            + Sync
            + 'static,
        T: Clone + Send + Sync + 'static,
    {
        Self::new(form, fields, move || {
            action
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| Refusal::of(&error))
        })
    }

    /// The message beside `field`, when the form was refused for it.
    pub fn on(&self, field: &str) -> Option<String> {
        self.refusal
            .get()
            .filter(|refusal| refusal.field.as_deref() == Some(field))
            .map(|refusal| refusal.text)
    }

    /// The message for the form's alert: a refusal about none of its fields.
    pub fn general(&self) -> Option<String> {
        self.refusal
            .get()
            .filter(|refusal| {
                !refusal
                    .field
                    .as_deref()
                    .is_some_and(|field| self.fields.contains(&field))
            })
            .map(|refusal| refusal.text)
    }

    /// The id of the message beside `field`.
    pub fn id(&self, field: &str) -> String {
        format!("{}-{}-error", self.form, field.replace('_', "-"))
    }

    /// For the field's `aria-invalid`.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> Option<&'static str> + Send + Sync {
        move || self.on(field).map(|_| "true")
    }

    /// For the field's `aria-describedby`: its message, while there is one.
    pub fn described(self, field: &'static str) -> impl Fn() -> Option<String> + Send + Sync {
        move || self.on(field).map(|_| self.id(field))
    }
}

/// The message beside one field (put it right under the field). It takes the focus to
/// the field it is about, so the person is where the correction goes.
#[component]
pub fn FieldError(errors: FormErrors, field: &'static str) -> impl IntoView {
    let id = errors.id(field);
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            if errors.on(field).is_some() {
                // After the frame's updates: the field's `aria-describedby` names the
                // message only once its own effect has run.
                let id = id.clone();
                request_animation_frame(move || focus_described_by(&id));
            }
        });
    }
    view! {
        {move || errors.on(field).map(|text| view! {
            <p id=id.clone() role="alert" data-field-error=field class="mt-1 text-sm text-red-700 dark:text-red-300">{text}</p>
        })}
    }
}

/// The form's own alert, for a refusal about none of its fields.
#[component]
pub fn FormAlert(errors: FormErrors, #[prop(optional)] testid: &'static str) -> impl IntoView {
    view! {
        {move || errors.general().map(|text| view! {
            <p role="alert" data-testid=testid class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">{text}</p>
        })}
    }
}

#[cfg(feature = "hydrate")]
fn focus_described_by(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    let found = document()
        .query_selector(&format!("[aria-describedby~='{id}']"))
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    if let Some(element) = found {
        let _ = element.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_about_a_field_knows_the_field_and_says_it_in_words() {
        let refusal = Refusal::of(&AppError::invalid("email", "is already in use"));
        assert_eq!(refusal.field.as_deref(), Some("email"));
        assert_eq!(refusal.text, "Email is already in use.");
        let refusal = Refusal::of(&AppError::Forbidden);
        assert_eq!(refusal.field, None);
        assert_eq!(Refusal::from_query(Some(String::new()), None), None);
        assert_eq!(
            Refusal::from_query(Some("No.".into()), Some(String::new())),
            Some(Refusal {
                field: None,
                text: "No.".into()
            })
        );
    }

    #[test]
    fn beside_its_field_or_in_the_alert() {
        let owner = Owner::new();
        owner.with(|| {
            let refused = RwSignal::new(Some(Refusal::of(&AppError::invalid(
                "email",
                "is already in use",
            ))));
            let errors = FormErrors::new("add", &["email", "display_name"], move || refused.get());
            assert_eq!(
                errors.on("email").as_deref(),
                Some("Email is already in use.")
            );
            assert_eq!(errors.on("display_name"), None);
            assert_eq!(errors.general(), None);
            assert_eq!(
                errors.described("email")().as_deref(),
                Some("add-email-error")
            );
            assert_eq!(errors.invalid("display_name")(), None);
            // About a field the form does not show: the alert.
            refused.set(Some(Refusal::of(&AppError::invalid(
                "tenant",
                "is not yours",
            ))));
            assert_eq!(errors.on("tenant").as_deref(), Some("Tenant is not yours."));
            assert_eq!(errors.general().as_deref(), Some("Tenant is not yours."));
            refused.set(Some(Refusal::of(&AppError::RateLimited { retry_after: 3 })));
            assert!(errors.general().is_some());
            assert_eq!(errors.on("email"), None);
        });
    }
}
