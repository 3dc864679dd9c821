//! `/lists` — the viewer's lists and the workspace's shared ones, with counts: create
//! (admins may tick "shared"), rename, delete behind a confirmation step.
//! `/lists/{id}` — one list: its companies (the companies table, paged like the
//! companies page), remove one (confirmed), and "Enrich all".
//!
//! Every control is a plain form that works before hydration; the server redirects
//! back with the outcome in the URL (`error`, `created`, `renamed`, `deleted`,
//! `removed`, `enrich`), which these pages show.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};

use crate::api::lists::{
    CreateList, DeleteList, EnrichList, RemoveFromList, RenameList, load_list, load_lists,
};
use crate::components::{
    CompanyTable, FieldError, FormAlert, FormErrors, LoadError, NextPage, Refusal, RowAction,
    set_response_status,
};
use crate::model::{
    AppError, CompanyFilter, CompanyList, EnrichAllReport, ListDetail, ListsOverview,
    list_error_text,
};

use crate::components::form_style::FIELD;

// Underlined, not only coloured: a link in a line of text must be told apart without
// colour (WCAG 1.4.1).
const LINK: &str =
    "text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300";

/// The actions that change a list itself, handed around together.
#[derive(Clone, Copy)]
struct Manage {
    rename: ServerAction<RenameList>,
    delete: ServerAction<DeleteList>,
}

#[component]
pub fn Lists() -> impl IntoView {
    let create = ServerAction::<CreateList>::new();
    let manage = Manage {
        rename: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let overview = Resource::new(
        move || (manage.rename.version().get(), manage.delete.version().get()),
        |_| load_lists(),
    );
    // A list created with JavaScript opens its page, as the plain form post does.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/lists/{id}?created=1"), Default::default());
        }
    });
    view! {
        <Title text="Lists"/>
        <header>
            <h1 class="text-2xl font-semibold tracking-tight">"Lists"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Your own lists of companies, and the workspace's shared ones. Add companies from the "
                <a href="/companies" class=LINK>"Companies"</a>" page."
            </p>
        </header>
        <Notice manage/>
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading lists…"</p> }>
            {move || overview.get().map(|result| match result {
                Ok(overview) => view! { <Overview overview create manage/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <Problem error/> }.into_any()
                }
            })}
        </Transition>
    }
}

/// What the last action on this page did: from the actions (with JavaScript) or the
/// URL a plain form post was sent back to.
#[component]
fn Notice(manage: Manage) -> impl IntoView {
    let query = use_query_map();
    let from_url = move || -> Option<Result<String, String>> {
        query.with(|q| {
            if let Some(error) = q.get("error") {
                return Some(Err(error));
            }
            let text = if q.get("deleted").is_some() {
                "List deleted. The companies on it are still in Companies."
            } else if q.get("renamed").is_some() {
                "List renamed."
            } else if q.get("created").is_some() {
                "List created. Tick companies on the Companies page and add them to it."
            } else {
                match q.get("removed").as_deref() {
                    Some("1") => "Removed from the list.",
                    Some(_) => "It was not on the list; nothing changed.",
                    None => return None,
                }
            };
            Some(Ok(text.to_string()))
        })
    };
    let message = move || match (manage.rename.value().get(), manage.delete.value().get()) {
        (Some(Err(error)), _) | (_, Some(Err(error))) => Some(Err(list_error_text(&error))),
        (Some(Ok(list)), _) => Some(Ok(format!("Renamed to “{}”.", list.name))),
        (_, Some(Ok(()))) => Some(Ok("List deleted.".to_string())),
        _ => from_url(),
    };
    move || {
        message().map(|message| match message {
            Ok(text) => view! {
                <p role="status" data-testid="list-notice" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">{text}</p>
            }.into_any(),
            Err(text) => view! {
                <p role="alert" data-testid="list-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">{text}</p>
            }.into_any(),
        })
    }
}

#[component]
fn Overview(
    overview: ListsOverview,
    create: ServerAction<CreateList>,
    manage: Manage,
) -> impl IntoView {
    let ListsOverview {
        personal,
        shared,
        may_manage_shared,
    } = overview;
    view! {
        <CreateForm create may_share=may_manage_shared/>
        <section class="mt-8">
            <h2 class="text-lg font-semibold">"Your lists"</h2>
            <ListTable lists=personal empty="You have no lists yet: create one above." manage/>
        </section>
        <section class="mt-8">
            <h2 class="text-lg font-semibold">"Shared lists"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-400">
                "Everyone in the workspace sees these and can add or remove companies; admins create, rename and delete them."
            </p>
            <ListTable lists=shared empty="No shared lists yet." manage/>
        </section>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateList>, may_share: bool) -> impl IntoView {
    let query = use_query_map();
    // After a refused plain-form post the URL carries the name typed.
    let typed = query.with_untracked(|q| q.get("name").unwrap_or_default());
    let errors = FormErrors::new("new-list", &["name"], move || match create.value().get() {
        Some(Err(error)) => Some(Refusal {
            text: list_error_text(&error),
            ..Refusal::of(&error)
        }),
        _ => None,
    });
    view! {
        <ActionForm action=create attr:data-testid="create-list" attr:class="mt-6 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <label class="text-sm">
                <span class="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">"New list"</span>
                <input type="text" name="name" required maxlength="100" value=typed placeholder="e.g. Q3 shortlist" class=format!("{FIELD} w-64")
                    aria-invalid=errors.invalid("name") aria-describedby=errors.described("name")/>
            </label>
            {may_share.then(|| view! {
                <label class="flex items-center gap-2 pb-1.5 text-sm">
                    <input type="checkbox" name="shared" data-testid="create-shared"/>
                    "Shared with the workspace"
                </label>
            })}
            <button type="submit" disabled=move || create.pending().get()
                class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50">"Create list"</button>
            <div class="w-full">
                <FieldError errors field="name"/>
                <FormAlert errors/>
            </div>
        </ActionForm>
    }
}

#[component]
fn ListTable(lists: Vec<CompanyList>, empty: &'static str, manage: Manage) -> impl IntoView {
    if lists.is_empty() {
        return view! {
            <p class="mt-3 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">{empty}</p>
        }
        .into_any();
    }
    view! {
        <div class="mt-3 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table data-testid="lists-table" class="min-w-full text-sm">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:bg-slate-950">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Name"</th>
                        <th scope="col" class="px-3 py-2">"Companies"</th>
                        <th scope="col" class="px-3 py-2"><span class="sr-only">"Manage"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {lists.into_iter().map(|list| {
                        let href = format!("/lists/{}", list.id);
                        view! {
                            <tr data-testid="list-row" data-id=list.id.to_string()>
                                <td class="px-3 py-2 font-medium"><a href=href class=LINK>{list.name.clone()}</a></td>
                                <td class="px-3 py-2 tabular-nums" data-testid="list-count">{list.companies}</td>
                                <td class="px-3 py-2 text-right">
                                    {list.may_manage.then(|| view! { <ManageList list=list.clone() manage back="lists"/> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Rename and delete, each behind a `<details>`: deleting needs its second click, which
/// sends `confirm=yes` (the server refuses a delete without it).
#[component]
fn ManageList(list: CompanyList, manage: Manage, back: &'static str) -> impl IntoView {
    let (rename_id, delete_id) = (list.id.to_string(), list.id.to_string());
    let confirm_text = match list.companies {
        0 => format!("Delete “{}”? It is empty.", list.name),
        1 => format!(
            "Delete “{}” and its 1 entry? The company stays in Companies.",
            list.name
        ),
        n => format!(
            "Delete “{}” and its {n} entries? The companies stay in Companies.",
            list.name
        ),
    };
    view! {
        <div class="inline-flex flex-wrap items-start justify-end gap-3 text-left">
            <details>
                <summary class="cursor-pointer text-xs text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Rename…"</summary>
                <ActionForm action=manage.rename attr:data-testid="rename-list" attr:class="mt-1 flex items-center gap-2">
                    <input type="hidden" name="id" value=rename_id/>
                    <input type="hidden" name="version" value=list.version.to_string()/>
                    <input type="hidden" name="back" value=back/>
                    <input type="text" name="name" required maxlength="100" value=list.name.clone() aria-label="New name" class=FIELD/>
                    <button type="submit" class="rounded bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-500">"Save"</button>
                </ActionForm>
            </details>
            <details>
                <summary class="cursor-pointer text-xs text-red-700 hover:underline dark:text-red-300">"Delete…"</summary>
                <ActionForm action=manage.delete attr:data-testid="delete-list" attr:class="mt-1 max-w-xs space-y-2">
                    <input type="hidden" name="id" value=delete_id/>
                    <input type="hidden" name="confirm" value="yes"/>
                    <p class="text-xs">{confirm_text}</p>
                    <button type="submit" class="rounded bg-red-600 px-2 py-1 text-xs font-medium text-white hover:bg-red-500">"Yes, delete the list"</button>
                </ActionForm>
            </details>
        </div>
    }
}

#[component]
fn Problem(error: AppError) -> impl IntoView {
    let (heading, detail) = match &error {
        AppError::NotFound => (
            "No such list",
            "It does not exist, or it is someone else's.".to_string(),
        ),
        AppError::Forbidden => (
            "Not allowed",
            "Lists are for analysts and admins.".to_string(),
        ),
        other => ("The list could not be loaded", other.to_string()),
    };
    view! { <LoadError heading detail back=("/lists", "All lists") testid="lists-error"/> }
}

#[component]
pub fn ListPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
    };
    let manage = Manage {
        rename: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let remove = ServerAction::<RemoveFromList>::new();
    let enrich = ServerAction::<EnrichList>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                location.search.get(),
                manage.rename.version().get(),
                remove.version().get(),
                enrich.version().get(),
            )
        },
        |(id, search, ..)| async move {
            match id {
                Some(id) => load_list(id, search.trim_start_matches('?').to_string()).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // Deleted with JavaScript: back to all lists, as the plain form post does.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = manage.delete.value().get() {
            navigate("/lists?deleted=1", Default::default());
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Loading the list…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => view! { <ListView detail manage remove enrich/> }.into_any(),
                Err(error) => {
                    set_response_status(error.status());
                    view! { <Problem error/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn ListView(
    detail: ListDetail,
    manage: Manage,
    remove: ServerAction<RemoveFromList>,
    enrich: ServerAction<EnrichList>,
) -> impl IntoView {
    let ListDetail { list, page } = detail;
    let location = use_location();
    let filter =
        CompanyFilter::from_query_string(&location.search.get_untracked()).unwrap_or_default();
    let base = format!("/lists/{}", list.id);
    let next_href = page.next.as_ref().map(|next| {
        let mut filter = filter.clone();
        filter.list = None;
        format!("{base}?{}", filter.query_string(Some(next)))
    });
    let list_filter = format!("list={}", list.id);
    let count = list.companies;
    view! {
        <Title text=list.name.clone()/>
        <nav class="text-sm"><A href="/lists" attr:class=LINK>"← Lists"</A></nav>
        <header class="mt-3 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 data-testid="list-name" class="text-2xl font-semibold tracking-tight">{list.name.clone()}</h1>
                <p class="mt-1 flex flex-wrap items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
                    <span>{if list.shared { "Shared with the workspace" } else { "Your list" }}</span>
                    <span data-testid="list-count">{if count == 1 { "1 company".to_string() } else { format!("{count} companies") }}</span>
                    <a href=format!("/companies?{list_filter}") class=LINK>"Filter in Companies"</a>
                    <a href=format!("/companies.csv?{list_filter}") rel="external" download="companies.csv" class=LINK>"Export CSV"</a>
                </p>
            </div>
            <div class="flex flex-col items-end gap-2">
                <EnrichAll id=list.id enrich empty=count == 0/>
                {list.may_manage.then(|| view! { <ManageList list=list.clone() manage back="list"/> })}
            </div>
        </header>
        <Notice manage/>
        <RemoveNotice remove/>
        {if page.rows.is_empty() {
            view! {
                <div data-testid="empty-list" class="mt-6 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                    <p class="font-medium text-slate-700 dark:text-slate-200">"Nothing on this list yet."</p>
                    <p class="mt-1">"Tick companies on the " <a href="/companies" class=LINK>"Companies"</a> " page and add them to “" {list.name.clone()} "”."</p>
                </div>
            }.into_any()
        } else {
            view! { <CompanyTable rows=page.rows action=RowAction::RemoveFrom { list_id: list.id, action: remove }/> }.into_any()
        }}
        <NextPage href=next_href/>
    }
}

/// "Enrich all": one enrichment per company on the list, within the person's hourly
/// limit and the workspace's budget; the report says what was queued and what not.
#[component]
fn EnrichAll(id: i64, enrich: ServerAction<EnrichList>, empty: bool) -> impl IntoView {
    let query = use_query_map();
    let from_url =
        query.with_untracked(|q| q.get("enrich").and_then(|v| EnrichAllReport::decode(&v)));
    let report = move || match enrich.value().get() {
        Some(Ok(report)) => Some(Ok(report)),
        Some(Err(error)) => Some(Err(list_error_text(&error))),
        None => from_url.map(Ok),
    };
    view! {
        <ActionForm action=enrich attr:data-testid="enrich-all">
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" disabled=move || empty || enrich.pending().get()
                class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                {move || if enrich.pending().get() { "Queuing…" } else { "Enrich all" }}
            </button>
        </ActionForm>
        {move || report().map(|report| match report {
            Ok(report) => view! {
                <p role="status" data-testid="enrich-report" class="max-w-sm text-right text-xs text-slate-700 dark:text-slate-300">{report.summary()}"."</p>
            }.into_any(),
            Err(message) => view! {
                <p role="alert" data-testid="enrich-error" class="max-w-sm text-right text-xs text-red-700 dark:text-red-300">{message}</p>
            }.into_any(),
        })}
    }
}

#[component]
fn RemoveNotice(remove: ServerAction<RemoveFromList>) -> impl IntoView {
    move || {
        remove.value().get().map(|outcome| match outcome {
            Ok(removed) => view! {
                <p role="status" class="mt-4 text-sm text-emerald-800 dark:text-emerald-300">
                    {if removed { "Removed from the list." } else { "It was not on the list; nothing changed." }}
                </p>
            }
            .into_any(),
            Err(error) => view! {
                <p role="alert" class="mt-4 text-sm text-red-700 dark:text-red-300">{list_error_text(&error)}</p>
            }
            .into_any(),
        })
    }
}
