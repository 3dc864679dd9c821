//! One case: read it, save its fields, and its comment thread.
//!
//! Every write is also a plain HTML form (the page works before it hydrates): a form
//! post is answered with a redirect back to the case, carrying what happened in the
//! URL (`saved`, `error`, and for a stale save the values the person sent, so nothing
//! they typed is lost).

// `save_case` takes one argument per form field (that is what a plain form posts),
// and the lint also fires on the client stub the macro generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, Assignee, CaseDetail, CaseRecord, Comment};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::{CaseFields, CasePriority, CaseStatus, NewCase};
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, case_create, case_detail, case_edit, comments, request};

#[server(endpoint = "case/detail", input = GetUrl)]
pub async fn load_case(number: i32) -> Result<CaseDetail, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let state = request::state()?;
    let mut detail = case_detail::load(&state.pool, &viewer, number).await?;
    // An admin's assignee menu lists everyone who works cases, when they are few enough
    // for a menu (the list is kept per workspace: server::caches); past that, the
    // search box under it finds them.
    if crate::server::authz::allows(&viewer, Capability::ManageAllCases) {
        let everyone = crate::server::cases::assignees(&state.pool, &state.caches, &viewer).await?;
        if everyone.len() <= case_detail::FULL_ASSIGNEE_MENU {
            for person in everyone {
                if !detail.assignees.iter().any(|p| p.id == person.id) {
                    detail.assignees.push(person);
                }
            }
        }
    }
    Ok(detail)
}

/// People a case can be given to, by name or email (admins: everyone who works cases).
#[server(endpoint = "case/people", input = GetUrl)]
pub async fn find_people(query: String) -> Result<Vec<Assignee>, AppError> {
    let viewer = request::require(Capability::ManageAllCases)?;
    case_detail::find_people(&request::state()?.pool, &viewer, &query).await
}

/// Saves the case's fields if it is still at `version` (409 with the current case
/// otherwise).
#[server(endpoint = "case/save")]
pub async fn save_case(
    number: i32,
    version: i32,
    title: String,
    customer_name: String,
    customer_email: String,
    customer_phone: String,
    customer_company: String,
    status: String,
    priority: String,
    assignee: String,
) -> Result<CaseRecord, AppError> {
    let fields = || -> Result<CaseFields, AppError> {
        Ok(CaseFields {
            title: title.clone(),
            customer_name: customer_name.clone(),
            customer_email: customer_email.clone(),
            customer_phone: customer_phone.clone(),
            customer_company: customer_company.clone(),
            status: CaseStatus::parse(status.trim()).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "is not a status (new, open, pending, resolved, closed)",
                )
            })?,
            priority: CasePriority::parse(priority.trim()).ok_or_else(|| {
                AppError::invalid("priority", "is not a priority (low, normal, high, urgent)")
            })?,
            assignee_id: match assignee.trim() {
                "" | "unassigned" => None,
                id => Some(id.parse().map_err(|_| {
                    AppError::invalid("assignee_id", "is not someone in this workspace")
                })?),
            },
        })
    };
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        case_edit::save(&request::state()?.pool, &viewer, number, version, fields()?).await
    }
    .await;
    send_form_back(|| {
        let mut back: Vec<(&'static str, String)> = Vec::new();
        match &outcome {
            Ok(_) => back.push(("saved", "1".into())),
            Err(error) => {
                back.push(("error", error.to_string()));
                back.extend(crate::components::field_error::field_param("field", error));
                // What they typed, so a refused or stale save loses nothing.
                for (key, value) in [
                    ("title", &title),
                    ("customer_name", &customer_name),
                    ("customer_email", &customer_email),
                    ("customer_phone", &customer_phone),
                    ("customer_company", &customer_company),
                    ("status", &status),
                    ("priority", &priority),
                    ("assignee", &assignee),
                ] {
                    back.push((key, value.chars().take(400).collect()));
                }
            }
        }
        (case_page(number), back)
    });
    outcome
}

/// Creates a case (the New case form): employees for themselves or the pool, admins
/// for anyone who works cases. Answers the new case's number; without JavaScript the
/// browser goes to the case, or back to the form with the error and what was typed.
#[server(endpoint = "case/create")]
#[allow(clippy::too_many_arguments)]
pub async fn create_case(
    title: String,
    customer_name: String,
    customer_email: String,
    customer_phone: String,
    customer_company: String,
    priority: String,
    assignee: String,
    comment: String,
) -> Result<i32, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        let new = NewCase::parse(
            &title,
            &customer_name,
            &customer_email,
            &customer_phone,
            &customer_company,
            &priority,
            &assignee,
            &comment,
        )?;
        let pool = &request::state()?.pool;
        let created =
            case_create::create(pool, case_create::Channel::Person(&viewer), &new).await?;
        let page = NewCase::page_after(&viewer, new.assignee_id, created.number);
        Ok::<_, AppError>((created.number, page))
    }
    .await;
    send_form_back(|| match &outcome {
        Ok((_, page)) => (page.clone(), vec![]),
        Err(error) => {
            let mut back = vec![("error", error.to_string())];
            if let AppError::Invalid { field, .. } = error {
                back.push(("field", field.clone()));
            }
            for (key, value, keep) in [
                ("title", &title, 400),
                ("customer_name", &customer_name, 400),
                ("customer_email", &customer_email, 400),
                ("customer_phone", &customer_phone, 400),
                ("customer_company", &customer_company, 400),
                ("priority", &priority, 20),
                ("assignee", &assignee, 40),
                ("comment", &comment, 4_000),
            ] {
                back.push((key, value.chars().take(keep).collect()));
            }
            ("/cases/new".to_string(), back)
        }
    });
    outcome.map(|(number, _)| number)
}

#[server(endpoint = "case/comment")]
pub async fn post_comment(number: i32, body: String) -> Result<Comment, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        comments::post(&request::state()?.pool, &viewer, number, &body).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(comment) => (case_page(number), vec![("posted", comment.id.to_string())]),
        // The draft comes back with the error: a refused post loses nothing. (Long
        // drafts are kept by the browser's draft store when JavaScript runs.)
        Err(error) => (
            case_page(number),
            vec![
                ("error", error.to_string()),
                ("draft", body.chars().take(4_000).collect()),
            ],
        ),
    });
    outcome
}

#[server(endpoint = "case/comment/edit")]
pub async fn edit_comment(number: i32, comment_id: i64, body: String) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        comments::edit(&request::state()?.pool, &viewer, number, comment_id, &body).await
    }
    .await;
    form_redirect(number, &outcome);
    outcome
}

#[server(endpoint = "case/comment/delete")]
pub async fn delete_comment(number: i32, comment_id: i64) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        comments::delete(&request::state()?.pool, &viewer, number, comment_id).await
    }
    .await;
    form_redirect(number, &outcome);
    outcome
}

/// Back to the case page, with the error if refused.
#[cfg(feature = "ssr")]
fn form_redirect(number: i32, outcome: &Result<(), AppError>) {
    send_form_back(|| match outcome {
        Ok(()) => (case_page(number), vec![]),
        Err(error) => {
            let mut back = vec![("error", error.to_string())];
            back.extend(crate::components::field_error::field_param("field", error));
            (case_page(number), back)
        }
    });
}

#[cfg(feature = "ssr")]
fn case_page(number: i32) -> String {
    format!("/cases/{number}")
}
