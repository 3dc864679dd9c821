//! `/cases/{number}` — one case: its fields (editable, conflict-safe), the comment
//! thread, and the activity (audit trail). Live: a colleague's change arrives without a
//! reload. Works as plain forms before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::case::{DeleteComment, EditComment, PostComment, SaveCase, load_case};
use crate::components::{
    Announcer, CaseForm, CommentThread, Composer, ConflictDialog, FormErrors, FormState, Later,
    Refusal, StatusBadge, When, announce_changes, field_label, priority_label, set_response_status,
    use_event_stream, use_viewer,
};
use crate::model::{AppError, CaseDetail, CaseFields, ConflictState};

#[component]
pub fn CasePage() -> impl IntoView {
    let params = use_params_map();
    let number = move || {
        params
            .read()
            .get("number")
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|n| *n > 0)
    };
    let actions = Actions {
        save: ServerAction::new(),
        post: ServerAction::new(),
        edit: ServerAction::new(),
        delete: ServerAction::new(),
    };
    // Bumped by the live stream.
    let heard = RwSignal::new(0u64);
    let detail = Resource::new(
        move || {
            (
                number(),
                heard.get(),
                actions.post.version().get(),
                actions.edit.version().get(),
                actions.delete.version().get(),
                actions.save.version().get(),
            )
        },
        |(number, ..)| async move {
            match number {
                Some(number) => load_case(number).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // The latest successful load. The parts that hold what a person is typing (the
    // editor, the composer) are rendered once per case and read this reactively, so a
    // live update never re-creates them under the person's cursor.
    let latest = RwSignal::new(None::<CaseDetail>);
    let shown = Memo::new(move |_| latest.with(|d| d.as_ref().map(|d| d.case.number)));
    crate::components::search_box::remember_opened(move || {
        latest.with(|d| {
            let d = d.as_ref()?;
            Some(crate::model::SearchHit {
                kind: crate::model::HitKind::Case,
                matched: crate::model::Match::Number,
                title: format!("#{} {}", d.case.number, d.case.fields.title),
                detail: d.case.fields.customer_name.clone(),
                href: format!("/cases/{}", d.case.number),
            })
        })
    });
    // What a live update brought, said to screen readers: a new comment, a new status.
    let announced = RwSignal::new(None::<String>);
    announce_changes(
        announced,
        move || {
            latest.with(|d| {
                let d = d.as_ref()?;
                let newest = d
                    .comments
                    .iter()
                    .filter(|c| !c.deleted)
                    .max_by_key(|c| c.id);
                Some((
                    d.case.number,
                    newest.map(|c| (c.id, c.author_name.clone())),
                    d.case.fields.status,
                ))
            })
        },
        |(was_case, was_comment, was_status), (case, comment, status)| {
            if was_case != case {
                return None;
            }
            match (was_comment, comment) {
                (_, Some((id, author))) if was_comment.as_ref().is_none_or(|(was, _)| id > was) => {
                    Some(format!("New comment from {author}"))
                }
                _ => (was_status != status).then(|| {
                    format!(
                        "Status changed to {}",
                        crate::components::status_label(*status)
                    )
                }),
            }
        },
    );
    view! {
        <Announcer message=announced testid="case-announcer"/>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading the case…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => {
                    latest.set(Some(detail));
                    ().into_any()
                }
                Err(error) => {
                    latest.set(None);
                    set_response_status(error.status());
                    view! { <CaseMissing error number=number()/> }.into_any()
                }
            })}
            {move || latest.get().map(|detail| view! { <CaseHeader detail/> })}
            {move || shown.get().map(|_| view! { <CaseBody latest actions heard/> })}
        </Transition>
    }
}

/// The page's server actions, handed around together.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveCase>,
    post: ServerAction<PostComment>,
    edit: ServerAction<EditComment>,
    delete: ServerAction<DeleteComment>,
}

#[component]
fn CaseHeader(detail: CaseDetail) -> impl IntoView {
    let case = detail.case;
    // Back to the queue the case came from: one's own, or everyone's for an admin
    // opening someone else's case.
    let viewer = crate::components::use_viewer();
    let theirs = viewer
        .as_ref()
        .is_some_and(|v| case.fields.assignee_id == Some(v.user_id));
    let manages = viewer
        .as_ref()
        .is_some_and(|v| crate::model::allows(v, crate::model::Capability::ManageAllCases));
    let (back, back_label) = if manages && !theirs {
        ("/cases", "All cases")
    } else {
        ("/work", "My work")
    };
    view! {
        <Title text=format!("#{} {}", case.number, case.fields.title)/>
        <header class="flex flex-wrap items-start justify-between gap-4">
            <div>
                <nav aria-label="Breadcrumb" class="text-sm text-slate-500 dark:text-slate-400"><A href=back attr:class="hover:underline">{back_label}</A>" / Case "{case.number}</nav>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight" data-testid="case-title">{case.fields.title.clone()}</h1>
                <p class="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
                    <span data-testid="case-status" data-status=case.fields.status.as_str()><StatusBadge status=case.fields.status/></span>
                    <span>{priority_label(case.fields.priority)}" priority"</span>
                    <span>"·"</span>
                    <span data-testid="case-assignee">{case.assignee_name.clone().unwrap_or_else(|| "Unassigned".to_string())}</span>
                    {case.archived.then(|| view! { <span class="rounded bg-slate-200 px-1.5 text-xs dark:bg-slate-700">"Archived"</span> })}
                </p>
            </div>
            <dl class="grid grid-cols-2 gap-x-4 text-xs text-slate-500 dark:text-slate-400">
                <dt>"Opened"</dt><dd><When at=case.created_at/></dd>
                <dt>"Updated"</dt><dd><When at=case.updated_at/></dd>
            </dl>
        </header>
    }
}

/// Brings the editor up to date with a freshly loaded case: a clean form takes the new
/// values (and flashes what changed); a form with unsaved edits keeps them and notes
/// who changed the case underneath.
fn sync_editor(
    editor: RwSignal<FormState>,
    flash: RwSignal<Vec<&'static str>>,
    detail: &CaseDetail,
) {
    let fresh = &detail.case;
    let state = editor.get_untracked();
    if state.base.version == fresh.version {
        return;
    }
    if state.dirty {
        let who = detail
            .activity
            .iter()
            .find(|a| a.kind != "comment")
            .map(|a| a.actor_name.clone())
            .unwrap_or_else(|| "Someone".to_string());
        editor.set(FormState {
            changed_under: Some(who),
            ..state
        });
        return;
    }
    let changed = state.base.fields.differences(&fresh.fields);
    editor.set(FormState::clean(fresh.clone()));
    if !changed.is_empty() {
        flash.set(changed);
        #[cfg(feature = "hydrate")]
        set_timeout(
            move || flash.set(Vec::new()),
            std::time::Duration::from_millis(2500),
        );
    }
}

#[component]
fn CaseBody(
    latest: RwSignal<Option<CaseDetail>>,
    actions: Actions,
    heard: RwSignal<u64>,
) -> impl IntoView {
    let Some(detail) = latest.get_untracked() else {
        return ().into_any();
    };
    let Actions {
        save,
        post,
        edit,
        delete,
    } = actions;
    let query = use_query_map();
    let viewer = use_viewer();
    let number = detail.case.number;
    let activity_tab = move || query.read().get("tab").as_deref() == Some("activity");
    let tenant = viewer.map(|v| v.tenant_id.to_string()).unwrap_or_default();

    let editor = RwSignal::new(FormState::clean(detail.case.clone()));
    let flash = RwSignal::new(Vec::<&'static str>::new());
    let conflict = RwSignal::new(None::<ConflictState>);
    Effect::watch(
        move || latest.get(),
        move |detail, _, _| {
            if let Some(detail) = detail {
                sync_editor(editor, flash, detail);
            }
        },
        false,
    );
    // A save's answer: the saved case becomes the editor's new starting point; a stale
    // save opens the conflict dialog (the editor keeps what was typed).
    Effect::watch(
        move || save.value().get(),
        move |outcome, _, _| match outcome {
            Some(Ok(record)) => editor.set(FormState::clean(record.clone())),
            Some(Err(AppError::Conflict { current })) => {
                conflict.set(serde_json::from_value(current.clone()).ok());
            }
            _ => {}
        },
        false,
    );
    // Live: a change to this case reloads it. The stream resumes from the last event
    // this page has seen, so nothing in between is missed.
    use_event_stream(
        format!("/api/cases/{number}/events?after={}", detail.last_event_id),
        move |_| heard.update(|n| *n += 1),
    );

    let tab_class = |active: bool| {
        if active {
            "border-b-2 border-indigo-600 px-1 pb-2 text-sm font-semibold text-indigo-700 dark:text-indigo-300"
        } else {
            "border-b-2 border-transparent px-1 pb-2 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-400"
        }
    };
    let comments_count = move || {
        latest.with(|d| {
            d.as_ref()
                .map(|d| d.comments.iter().filter(|c| !c.deleted).count())
                .unwrap_or(0)
        })
    };
    let returned_draft = query.read_untracked().get("draft");
    // A refused save beside the field it is about (a conflict has its own dialog);
    // anything else, and what a plain post of another form here came back with, on top.
    let errors = FormErrors::new(
        "case",
        &[
            "title",
            "customer_name",
            "customer_email",
            "customer_phone",
            "customer_company",
        ],
        move || match save.value().get() {
            Some(Err(AppError::Conflict { .. })) | Some(Ok(_)) => None,
            Some(Err(error)) => Some(Refusal::of(&error)),
            None => query.with(|q| Refusal::from_query(q.get("error"), q.get("field"))),
        },
    );
    let form_people = detail.assignees.clone();
    view! {
        {move || editor.with(|f| f.changed_under.clone()).map(|who| view! {
            <p role="status" data-testid="changed-under" class="mt-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
                {who}" changed this case while you were editing. Your unsaved changes are kept; saving will show you both versions."
            </p>
        })}
        {move || query.read().get("saved").map(|_| view! {
            <p role="status" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">"Saved."</p>
        })}
        {move || errors.general().map(|message| view! {
            <p role="alert" data-testid="form-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                "Not saved: "{message}
            </p>
        })}
        <SentValues/>
        <div class="mt-6 grid gap-8 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <section aria-label="Conversation and activity">
                <nav class="flex gap-5 border-b border-slate-200 dark:border-slate-800" aria-label="Case tabs">
                    <A href=format!("/cases/{number}") attr:class=move || tab_class(!activity_tab())>"Conversation ("{comments_count}")"</A>
                    <A href=format!("/cases/{number}?tab=activity") attr:class=move || tab_class(activity_tab())>"Activity"</A>
                </nav>
                // Each part is made and hydrated in a task of its own (components/later.rs).
                <div class="mt-4" class:hidden=activity_tab>
                    <Later>
                        {move || latest.get().map(|d| view! { <CommentThread comments=d.comments number edit delete/> })}
                    </Later>
                    <Later>
                        <Composer number tenant post returned=returned_draft/>
                    </Later>
                </div>
                <div class="mt-4" class:hidden=move || !activity_tab()>
                    <Later>
                        {move || latest.get().map(|d| view! {
                            <ol class="space-y-2 text-sm" data-testid="activity">
                                {d.activity.into_iter().map(|entry| view! {
                                    <li class="flex gap-2" data-testid="activity-entry" data-kind=entry.kind.clone()>
                                        <span class="font-medium">{entry.actor_name}</span>
                                        <span>{entry.summary}</span>
                                        <span class="ml-auto shrink-0 text-xs text-slate-500 dark:text-slate-400"><When at=entry.at/></span>
                                    </li>
                                }).collect_view()}
                            </ol>
                        })}
                    </Later>
                </div>
            </section>
            <aside aria-label="Case details" class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="mb-3 text-sm font-semibold">"Details"</h2>
                <Later>
                    <CaseForm form=editor save people=form_people flash errors/>
                </Later>
            </aside>
        </div>
        <Later>
            <ConflictDialog conflict form=editor save people=detail.assignees/>
        </Later>
    }
    .into_any()
}

/// A stale or refused save without JavaScript: what was sent comes back in the URL, so
/// it is shown rather than lost.
#[component]
fn SentValues() -> impl IntoView {
    let query = use_query_map();
    // The assignee is left out: an id means nothing to a person.
    let sent: Vec<(String, String)> = CaseFields::NAMES[..7]
        .iter()
        .filter_map(|key| {
            query
                .read_untracked()
                .get(key)
                .map(|value| (field_label(key).to_string(), value))
        })
        .collect();
    (!sent.is_empty()).then(|| view! {
        <section data-testid="sent-values" class="mt-4 rounded-md border border-slate-200 p-4 text-sm dark:border-slate-800">
            <h2 class="font-semibold">"What you sent (not saved)"</h2>
            <dl class="mt-2 grid grid-cols-[8rem_1fr] gap-1">
                {sent.into_iter().map(|(label, value)| view! { <dt class="text-slate-500 dark:text-slate-400">{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
        </section>
    })
}

#[component]
fn CaseMissing(error: AppError, number: Option<i32>) -> impl IntoView {
    let (heading, detail) = match &error {
        AppError::NotFound => (
            "No such case here",
            match number {
                Some(n) => format!("Case {n} does not exist, or it is not in your queue."),
                None => "That is not a case number.".to_string(),
            },
        ),
        AppError::Forbidden => ("Not allowed", "Your role does not work cases.".to_string()),
        other => ("The case could not be loaded", other.to_string()),
    };
    view! {
        <Title text=heading/>
        <section role="alert" data-testid="case-missing" class="rounded-lg border border-slate-200 bg-white p-8 text-center dark:border-slate-800 dark:bg-slate-900">
            <h1 class="text-xl font-semibold">{heading}</h1>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">{detail}</p>
            <p class="mt-4"><A href="/work" attr:class="text-sm font-medium text-indigo-700 underline dark:text-indigo-300">"Back to my work"</A></p>
        </section>
    }
}
