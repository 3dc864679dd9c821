//! The public inquiry form (anyone, no sign-in) and its settings (admins). The form
//! works without JavaScript: the server sends the browser on to the confirmation page,
//! or back to the form with the error and everything typed.

// The form's server function takes one argument per field (the plain form posts them
// by name), and the code `#[server]` generates for it repeats them.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, InquirySettings, PublicInquiryForm};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::{InquirySettingsChange, TenantSlug, inquiry_error_text};
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, inquiry, request};

pub const INQUIRY_SETTINGS_PAGE: &str = "/admin/inquiry-form";

/// The public page of the workspace `slug` (404 when it has no form switched on).
#[server(endpoint = "contact/form", input = GetUrl)]
pub async fn load_inquiry_form(slug: String) -> Result<PublicInquiryForm, AppError> {
    inquiry::public_form(&request::state()?.pool, &slug).await
}

/// Sends an inquiry; answers with its reference number.
#[server(endpoint = "contact/send")]
pub async fn send_inquiry(
    slug: String,
    name: String,
    email: String,
    company: String,
    subject: String,
    message: String,
    website: Option<String>,
    started: String,
) -> Result<i32, AppError> {
    let outcome = async {
        let state = request::state()?;
        let sent = inquiry::Submission {
            name: &name,
            email: &email,
            company: &company,
            subject: &subject,
            message: &message,
            website: website.as_deref().unwrap_or_default(),
            started: &started,
        };
        let min_fill = state.config.protection.inquiry_min_fill_seconds;
        inquiry::submit(&state.pool, &slug, sent, min_fill)
            .await
            .map(|received| received.number)
    }
    .await;
    send_form_back(|| {
        // Only a real slug goes into the path: anything else could send the browser
        // elsewhere.
        let Ok(slug) = TenantSlug::parse(&slug) else {
            return ("/".to_string(), vec![]);
        };
        let form = format!("/contact/{}", slug.as_str());
        match &outcome {
            Ok(number) => (
                format!("{form}/sent"),
                vec![("reference", number.to_string())],
            ),
            Err(error) => {
                let mut back = vec![("error", inquiry_error_text(error))];
                if let AppError::Invalid { field, .. } = error {
                    back.push(("field", field.clone()));
                }
                for (key, value, keep) in [
                    ("name", &name, 200),
                    ("email", &email, 254),
                    ("company", &company, 200),
                    ("subject", &subject, 300),
                    ("message", &message, 5_000),
                ] {
                    back.push((key, value.chars().take(keep).collect()));
                }
                (form, back)
            }
        }
    });
    outcome
}

#[server(endpoint = "admin/inquiry-form", input = GetUrl)]
pub async fn load_inquiry_settings() -> Result<InquirySettings, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    inquiry::settings::load(&request::state()?.pool, &viewer).await
}

/// Saves the form's settings; `people[]` are the people round robin chooses among.
#[server(endpoint = "admin/inquiry-form/save")]
pub async fn save_inquiry_settings(
    enabled: Option<String>,
    intro: String,
    daily_cap: String,
    assignment: String,
    people: Option<Vec<String>>,
) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let change = InquirySettingsChange::parse(
            enabled.as_deref(),
            &intro,
            &daily_cap,
            &assignment,
            people.as_deref().unwrap_or_default(),
        )?;
        inquiry::settings::save(&request::state()?.pool, &viewer, &change).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(()) => (
            INQUIRY_SETTINGS_PAGE.to_string(),
            vec![("saved", "1".to_string())],
        ),
        Err(error) => {
            let mut back = vec![
                ("error", error.to_string()),
                ("intro", intro.chars().take(2_000).collect()),
                ("daily_cap", daily_cap.chars().take(20).collect()),
            ];
            back.extend(crate::components::field_error::field_param("field", error));
            (INQUIRY_SETTINGS_PAGE.to_string(), back)
        }
    });
    outcome
}
