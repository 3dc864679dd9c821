//! `/companies/{id}` — one company: its details and its enrichment (score gauge,
//! confidence, summary, what they do, keywords, signals with their evidence, sources,
//! provider and cost), with the Enrich button and the quota beside it.
//!
//! The enrichment runs as a background job; the page follows it live (queued → the
//! step it is on → done or failed) through the company's event stream, reloading only
//! when the server says something moved — no polling.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::company::{
    AddNote, DeleteNote, EditNote, RequestEnrichment, SaveCompany, load_company,
};
use crate::components::escape::textarea_html;
use crate::components::{
    Announcer, EnrichmentPanel, FieldError, FormAlert, FormErrors, LoadError, Refusal, When,
    announce_changes, set_response_status, use_event_stream,
};
use crate::model::{
    AppError, CompanyDetail, CompanyNote, CompanyStage, EnrichmentStatus, EnrichmentView, ListRef,
    Quota, Step, format_usd,
};

#[component]
pub fn CompanyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    };
    let enrich = ServerAction::<RequestEnrichment>::new();
    let actions = Actions {
        save: ServerAction::new(),
        add_note: ServerAction::new(),
        edit_note: ServerAction::new(),
        delete_note: ServerAction::new(),
    };
    // Bumped by the live stream: the enrichment moved on, or someone edited.
    let heard = RwSignal::new(0u64);
    let detail = Resource::new(
        move || {
            (
                id(),
                heard.get(),
                enrich.version().get(),
                actions.save.version().get(),
                actions.add_note.version().get(),
                actions.edit_note.version().get(),
                actions.delete_note.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => load_company(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    Effect::new(move |_| {
        if let Some(id) = id() {
            use_event_stream(format!("/api/companies/{id}/events"), move |_| {
                heard.update(|n| *n += 1)
            });
        }
    });
    // The latest successful load. The editor and the notes hold what a person types:
    // they are rendered once per company and read this reactively, so a live update
    // (an enrichment step) never re-creates them under the cursor.
    let latest = RwSignal::new(None::<CompanyDetail>);
    let shown = Memo::new(move |_| latest.with(|d| d.as_ref().map(|d| d.company.id)));
    crate::components::search_box::remember_opened(move || {
        latest.with(|d| {
            let d = d.as_ref()?;
            Some(crate::model::SearchHit {
                kind: crate::model::HitKind::Company,
                matched: crate::model::Match::Title,
                title: d.company.name.clone(),
                detail: d.company.website.clone(),
                href: format!("/companies/{}", d.company.id),
            })
        })
    });
    // An enrichment moving on, said to screen readers as the panel shows it.
    let announced = RwSignal::new(None::<String>);
    announce_changes(
        announced,
        move || {
            latest.with(|d| {
                let d = d.as_ref()?;
                let run = d.enrichment.as_ref().map(|e| {
                    let score = e.result.as_ref().map(|r| r.enrichment.score);
                    (e.status, e.step, e.requested_at, score, e.error.clone())
                });
                Some((d.company.id, run))
            })
        },
        |(was_company, _), (company, run)| {
            let (status, step, _, score, error) =
                run.as_ref().filter(|_| was_company == company)?;
            Some(match status {
                EnrichmentStatus::Queued => "Enrichment queued".to_owned(),
                EnrichmentStatus::Running => {
                    format!("Enrichment: {}", step.unwrap_or(Step::Fetching).label())
                }
                EnrichmentStatus::Done => match score {
                    Some(score) => format!("Enrichment finished: score {score}"),
                    None => "Enrichment finished".to_owned(),
                },
                EnrichmentStatus::Failed => {
                    format!("Enrichment failed: {}", error.clone().unwrap_or_default())
                }
            })
        },
    );
    view! {
        <Announcer message=announced testid="enrichment-announcer"/>
        // Transition: while a live update reloads, the page keeps showing the last state.
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading the company…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => {
                    latest.set(Some(detail));
                    ().into_any()
                }
                Err(error) => {
                    latest.set(None);
                    set_response_status(error.status());
                    view! { <Missing error/> }.into_any()
                }
            })}
            {move || latest.get().map(|detail| view! { <Company detail enrich/> })}
            {move || shown.get().map(|_| view! {
                <div class="mt-6 grid gap-6 lg:grid-cols-2">
                    <DetailsEditor latest action=actions.save/>
                    <Notes latest actions/>
                </div>
            })}
        </Transition>
    }
}

/// The page's forms' actions, handed around together.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveCompany>,
    add_note: ServerAction<AddNote>,
    edit_note: ServerAction<EditNote>,
    delete_note: ServerAction<DeleteNote>,
}

const FIELD: &str = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const LABEL: &str =
    "mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900";

/// Edit the details: a plain form carrying the version it started from. A stale save
/// comes back as a conflict showing their values; "Keep mine" saves over them on
/// purpose, with the person's text untouched.
#[component]
fn DetailsEditor(
    latest: RwSignal<Option<CompanyDetail>>,
    action: ServerAction<SaveCompany>,
) -> impl IntoView {
    let Some(start) = latest.get_untracked().map(|d| d.company) else {
        return ().into_any();
    };
    let version = RwSignal::new(start.version);
    // A successful save moves the form onto the saved version.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = action.value().get() {
            version.set(saved.version);
        }
    });
    let conflict = move || match action.value().get() {
        Some(Err(AppError::Conflict { current })) => {
            serde_json::from_value::<crate::model::CompanyRecord>(current).ok()
        }
        _ => None,
    };
    // A conflict has its own panel below; any other refusal goes beside its field.
    let errors = FormErrors::new(
        "company",
        &["name", "website", "sector", "stage", "location"],
        move || match action.value().get() {
            Some(Err(AppError::Conflict { .. })) | Some(Ok(_)) | None => None,
            Some(Err(error)) => Some(Refusal::of(&error)),
        },
    );
    let id = start.id;
    let stage = start.stage;
    view! {
        <section class=CARD>
            <h2 class="text-sm font-semibold">"Details"</h2>
            <ActionForm action attr:data-testid="company-editor" attr:class="mt-3 grid gap-3 sm:grid-cols-2">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="version" value=version.get_untracked().to_string() prop:value=move || version.get().to_string()/>
                <div class="text-sm">
                    <label class="block"><span class=LABEL>"Name"</span><input name="name" required maxlength="200" value=start.name.clone() class=FIELD
                        aria-invalid=errors.invalid("name") aria-describedby=errors.described("name")/></label>
                    <FieldError errors field="name"/>
                </div>
                <div class="text-sm">
                    <label class="block"><span class=LABEL>"Website"</span><input name="website" required maxlength="2048" value=start.website_url.clone() class=FIELD
                        aria-invalid=errors.invalid("website") aria-describedby=errors.described("website")/></label>
                    <FieldError errors field="website"/>
                </div>
                <div class="text-sm">
                    <label class="block"><span class=LABEL>"Sector"</span><input name="sector" maxlength="100" value=start.sector.clone() class=FIELD
                        aria-invalid=errors.invalid("sector") aria-describedby=errors.described("sector")/></label>
                    <FieldError errors field="sector"/>
                </div>
                <div class="text-sm">
                    <label class="block"><span class=LABEL>"Stage"</span>
                        <select name="stage" class=FIELD aria-invalid=errors.invalid("stage") aria-describedby=errors.described("stage")>
                            <option value="" selected=stage.is_none()>"Unknown"</option>
                            {CompanyStage::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=stage == Some(s)>{s.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <FieldError errors field="stage"/>
                </div>
                <div class="text-sm sm:col-span-2">
                    <label class="block"><span class=LABEL>"Location"</span><input name="location" maxlength="100" value=start.location.clone() class=FIELD
                        aria-invalid=errors.invalid("location") aria-describedby=errors.described("location")/></label>
                    <FieldError errors field="location"/>
                </div>
                <div class="flex flex-wrap items-center gap-3 sm:col-span-2">
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50" disabled=move || action.pending().get()>"Save details"</button>
                    {move || matches!(action.value().get(), Some(Ok(_))).then(|| view! { <span role="status" class="text-sm text-emerald-700 dark:text-emerald-300">"Saved"</span> })}
                    <FormAlert errors/>
                </div>
            </ActionForm>
            {move || conflict().map(|theirs| {
                let their_version = theirs.version;
                view! {
                    <div role="alert" data-testid="company-conflict" class="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                        <p class="font-medium">"Someone changed this company since you opened it. Your text is still in the form."</p>
                        <p class="mt-1">"Theirs now: " {theirs.name} " · " {theirs.website_url} " · " {theirs.sector} " · " {theirs.location}</p>
                        <button type="button" class="mt-2 rounded-md border border-amber-400 px-3 py-1 font-medium" on:click=move |_| { version.set(their_version); action.value().set(None); }>
                            "Keep mine (save again over theirs)"
                        </button>
                    </div>
                }
            })}
        </section>
    }
    .into_any()
}

/// The notes: the team's, each editable by anyone who may see the company (a stale
/// edit is refused with the note as it is now), deletable by its author or an admin.
#[component]
fn Notes(latest: RwSignal<Option<CompanyDetail>>, actions: Actions) -> impl IntoView {
    let Some(id) = latest.with_untracked(|d| d.as_ref().map(|d| d.company.id)) else {
        return ().into_any();
    };
    let notes = move || latest.with(|d| d.as_ref().map(|d| d.notes.clone()).unwrap_or_default());
    let draft = RwSignal::new(String::new());
    // A posted note clears the composer; a refused one keeps it.
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.add_note.value().get() {
            draft.set(String::new());
        }
    });
    let add_error = move || match actions.add_note.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    };
    view! {
        <section class=CARD data-testid="notes">
            <h2 class="text-sm font-semibold">"Notes"</h2>
            <ul class="mt-3 space-y-3">
                // Keyed by id alone: a colleague's edit updates the text shown but never
                // re-creates an edit box someone is typing in.
                <For each=notes key=|note| note.id let:note>
                    <NoteItem company=id note latest actions/>
                </For>
            </ul>
            {move || notes().is_empty().then(|| view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No notes yet."</p> })}
            <ActionForm action=actions.add_note attr:class="mt-4 space-y-2" attr:data-testid="add-note">
                <input type="hidden" name="id" value=id.to_string()/>
                <textarea name="body" rows="3" required maxlength="20000" placeholder="Add a note for the team"
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev)) class=FIELD></textarea>
                <div class="flex items-center gap-3">
                    <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Add note"</button>
                    {move || add_error().map(|message| view! { <span role="alert" class="text-sm text-red-700 dark:text-red-300">{message}</span> })}
                </div>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn NoteItem(
    company: i64,
    note: CompanyNote,
    latest: RwSignal<Option<CompanyDetail>>,
    actions: Actions,
) -> impl IntoView {
    let note_id = note.id;
    // The version this person's edit starts from: it stays put when a colleague's edit
    // arrives, so saving then is refused (409) instead of silently overwriting them.
    let version = RwSignal::new(note.version);
    let now = Memo::new(move |_| {
        latest.with(|d| {
            d.as_ref()
                .and_then(|d| d.notes.iter().find(|n| n.id == note_id).cloned())
        })
    });
    let fallback = StoredValue::new(note);
    let shown = move || now.get().unwrap_or_else(|| fallback.get_value());
    let conflict = move || match actions.edit_note.value().get() {
        Some(Err(AppError::Conflict { current })) => serde_json::from_value::<CompanyNote>(current)
            .ok()
            .filter(|theirs| theirs.id == note_id && theirs.version != version.get()),
        _ => None,
    };
    let saved =
        move || matches!(actions.edit_note.value().get(), Some(Ok(saved)) if saved.id == note_id);
    // A saved edit moves this box onto the saved version.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = actions.edit_note.value().get()
            && saved.id == note_id
        {
            version.set(saved.version);
        }
    });
    let first = shown();
    view! {
        <li data-testid="note" class="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
            // Markdown, rendered and sanitised on the server like a comment.
            <div class="md break-words" data-testid="note-body" inner_html=move || shown().body_html></div>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                {move || shown().author.unwrap_or_else(|| "Someone".into())} " · " <When at=first.created_at/>
                {move || shown().edited_by.map(|by| format!(" · edited by {by}"))}
            </p>
            <details class="mt-2">
                <summary class="cursor-pointer text-xs text-indigo-700 dark:text-indigo-300">"Edit or delete"</summary>
                <ActionForm action=actions.edit_note attr:class="mt-2 space-y-2">
                    <input type="hidden" name="id" value=company.to_string()/>
                    <input type="hidden" name="note_id" value=note_id.to_string()/>
                    <input type="hidden" name="version" value=version.get_untracked().to_string() prop:value=move || version.get().to_string()/>
                    <textarea name="body" rows="3" required maxlength="20000" aria-label="Note text" class=FIELD
                        inner_html=textarea_html(&first.body)></textarea>
                    <div class="flex items-center gap-3">
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-xs font-medium dark:border-slate-700">"Save note"</button>
                        {move || saved().then(|| view! { <span role="status" class="text-xs text-emerald-700 dark:text-emerald-300">"Saved"</span> })}
                    </div>
                </ActionForm>
                {move || conflict().map(|theirs| {
                    let their_version = theirs.version;
                    view! {
                        <div role="alert" data-testid="note-conflict" class="mt-2 rounded bg-amber-50 p-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                            <p>"Someone edited this note meanwhile; it now reads: “" {theirs.body} "”. Your text is still in the box."</p>
                            <button type="button" class="mt-1 font-medium underline" on:click=move |_| version.set(their_version)>
                                "Keep mine (save again over theirs)"
                            </button>
                        </div>
                    }
                })}
                <ActionForm action=actions.delete_note attr:class="mt-2">
                    <input type="hidden" name="id" value=company.to_string()/>
                    <input type="hidden" name="note_id" value=note_id.to_string()/>
                    <button type="submit" class="text-xs text-red-700 underline dark:text-red-300">"Delete this note"</button>
                </ActionForm>
            </details>
        </li>
    }
}

#[component]
fn Company(detail: CompanyDetail, enrich: ServerAction<RequestEnrichment>) -> impl IntoView {
    let company = detail.company;
    let facts: Vec<(&str, String)> = [
        ("Sector", company.sector.clone()),
        (
            "Stage",
            company
                .stage
                .map(|s| s.label().to_string())
                .unwrap_or_default(),
        ),
        ("Location", company.location.clone()),
        ("Added by", company.added_by.clone().unwrap_or_default()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    view! {
        <Title text=company.name.clone()/>
        <nav class="text-sm"><A href="/companies" attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← Companies"</A></nav>
        <header class="mt-3 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 data-testid="company-name" class="text-2xl font-semibold tracking-tight">{company.name.clone()}</h1>
                <p class="mt-1 text-sm">
                    <a href=company.website_url.clone() rel="noopener noreferrer nofollow" target="_blank" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">{company.website.clone()}</a>
                </p>
                <dl class="mt-3 flex flex-wrap gap-x-6 gap-y-1 text-sm">
                    {facts.into_iter().map(|(term, value)| view! {
                        <div class="flex gap-1.5"><dt class="text-slate-500 dark:text-slate-400">{term}</dt><dd>{value}</dd></div>
                    }).collect_view()}
                    <div class="flex gap-1.5"><dt class="text-slate-500 dark:text-slate-400">"Added"</dt><dd><When at=company.created_at/></dd></div>
                </dl>
            </div>
            <EnrichControl id=company.id view=detail.enrichment.clone() quota=detail.quota.clone() enrich/>
        </header>
        <OnLists lists=detail.lists/>
        <BudgetBanner quota=detail.quota/>
        <EnrichmentPanel view=detail.enrichment/>
    }
}

/// The Enrich / Re-enrich button (a plain form: it works before hydration), with what
/// the person has left this hour, or why they cannot.
#[component]
fn EnrichControl(
    id: i64,
    view: Option<EnrichmentView>,
    quota: Quota,
    enrich: ServerAction<RequestEnrichment>,
) -> impl IntoView {
    let query = use_query_map();
    let url_error = query.with_untracked(|q| q.get("error"));
    let active = view.as_ref().is_some_and(|v| v.status.is_active());
    let label = if view.as_ref().is_some_and(|v| v.result.is_some()) {
        "Re-enrich"
    } else {
        "Enrich"
    };
    let remaining = quota.remaining();
    let blocked = !quota.may_enrich || remaining == 0 || quota.budget_percent() >= 100;
    let note = if !quota.may_enrich {
        "Your role cannot run enrichments in this workspace.".to_string()
    } else if remaining == 0 {
        format!(
            "Hourly limit reached ({}); the next one frees up in {}.",
            quota.per_hour,
            minutes(quota.frees_in_s)
        )
    } else {
        format!("{remaining} of {} left this hour", quota.per_hour)
    };
    let error = move || match enrich.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => url_error.clone(),
    };
    view! {
        <div class="flex flex-col items-end gap-1 text-sm">
            <ActionForm action=enrich attr:data-testid="enrich-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" data-testid="enrich-button"
                    disabled=move || active || blocked || enrich.pending().get()
                    class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                    {if active { "Enriching…" } else { label }}
                </button>
            </ActionForm>
            <p data-testid="quota" class="text-xs text-slate-500 dark:text-slate-400">{note}</p>
            {move || error().map(|message| view! {
                <p role="alert" data-testid="enrich-error" class="max-w-xs text-right text-xs text-red-700 dark:text-red-300">{message}</p>
            })}
        </div>
    }
}

fn minutes(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} s"),
        _ => format!("{} min", seconds.div_ceil(60)),
    }
}

/// The lists the company is on (those the viewer can see), linked.
#[component]
fn OnLists(lists: Vec<ListRef>) -> impl IntoView {
    view! {
        <p data-testid="on-lists" class="mt-4 flex flex-wrap items-center gap-2 text-sm">
            <span class="text-slate-500 dark:text-slate-400">"On lists:"</span>
            {if lists.is_empty() {
                view! {
                    <span class="text-slate-500 dark:text-slate-400">"none yet — add it from "</span>
                    <a href="/companies" class="text-indigo-700 underline dark:text-indigo-300">"the companies list"</a>
                }.into_any()
            } else {
                lists.into_iter().map(|list| view! {
                    <a href=format!("/lists/{}", list.id) class="rounded-full bg-indigo-50 px-2.5 py-0.5 text-xs font-medium text-indigo-800 hover:bg-indigo-100 dark:bg-indigo-950 dark:text-indigo-200">
                        {list.name} {list.shared.then_some(" (shared)")}
                    </a>
                }).collect_view().into_any()
            }}
        </p>
    }
}

/// The workspace's monthly budget: a warning from 80 %, a refusal at 100 %.
#[component]
fn BudgetBanner(quota: Quota) -> impl IntoView {
    let percent = quota.budget_percent();
    let spent = format!(
        "{} of {}",
        format_usd(quota.spent_this_month_micros),
        format_usd(quota.budget_micros)
    );
    (percent >= 80).then(|| {
        let (message, colours) = if percent >= 100 {
            (
                format!("This workspace has used its whole enrichment budget for the month ({spent}). New enrichments are refused until an admin raises it or the month ends."),
                "border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
            )
        } else {
            (
                format!("This workspace has used {percent} % of its enrichment budget for the month ({spent})."),
                "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100",
            )
        };
        view! { <p role="status" data-testid="budget-banner" class=format!("mt-4 rounded-md border px-4 py-2 text-sm {colours}")>{message}</p> }
    })
}

#[component]
fn Missing(error: AppError) -> impl IntoView {
    let (heading, detail) = match &error {
        AppError::NotFound => (
            "No such company",
            "It may be in another workspace, or the link is wrong.".to_string(),
        ),
        AppError::Forbidden => (
            "Not allowed",
            "Companies are for analysts and admins.".to_string(),
        ),
        other => ("The company could not be loaded", other.to_string()),
    };
    view! { <LoadError heading detail back=("/companies", "Back to the companies") testid="company-error"/> }
}
