//! `/companies` — the workspace's companies: filters in the URL (bookmarkable, and a
//! plain GET form without JavaScript), keyset pages, and the add form, which warns about
//! a website already tracked before it is submitted. Around the table: add ticked rows
//! (or one row) to a list, save the filter as a named search, and export it as CSV.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::api::companies::{CreateCompany, check_website, error_text, list_companies};
use crate::api::lists::{AddToList, load_lists};
use crate::api::saved_searches::{DeleteSearch, SaveSearch, my_saved_searches};
use crate::components::form_style::{FIELD, LABEL, without_unnamed};
use crate::components::{
    AddOutcome, AddToListBar, CompanyTable, FieldError, FormErrors, Later, LoadError, NextPage,
    Refusal, RowAction, SaveSearchForm, SavedSearchMenu, set_response_status,
};
use crate::model::{
    AppError, CompanyCursor, CompanyFilter, CompanyList, CompanyPage, CompanyStage,
};

#[component]
pub fn Companies() -> impl IntoView {
    let location = use_location();
    let created = ServerAction::<CreateCompany>::new();
    let add = ServerAction::<AddToList>::new();
    let save = ServerAction::<SaveSearch>::new();
    let forget = ServerAction::<DeleteSearch>::new();
    let page = Resource::new(
        move || location.search.get(),
        |search| list_companies(search.trim_start_matches('?').to_string()),
    );
    // The lists the picker offers (their counts move when something is added).
    let lists = Resource::new(move || add.version().get(), |_| load_lists());
    let searches = Resource::new(
        move || (save.version().get(), forget.version().get()),
        |_| my_saved_searches(),
    );
    let filter =
        move || CompanyFilter::from_query_string(&location.search.get()).unwrap_or_default();

    // A company added with JavaScript opens its page, as the plain form post does.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = created.value().get() {
            navigate(&format!("/companies/{id}"), Default::default());
        }
    });

    view! {
        <Title text="Companies"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Companies"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Everything the workspace tracks, best fit first."</p>
            </div>
            <Transition fallback=|| ()>
                {move || searches.get().and_then(Result::ok).map(|searches| view! { <SavedSearchMenu searches forget/> })}
            </Transition>
        </header>
        // Each part is made and hydrated in a task of its own (components/later.rs);
        // adding a company looks the site up with a resource, so it keeps its place.
        <AddCompany action=created/>
        // What a deferred part shows is read here, where the re-render listens for it
        // (inside, it would be read later, with nobody listening).
        {move || {
            let filter = filter();
            view! { <Later><Filters filter/></Later> }
        }}
        {move || {
            let filter = filter();
            view! { <Later><SaveSearchForm filter save forget/></Later> }
        }}
        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading companies…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => {
                    // No picker without lists (or for someone who may not use them).
                    let lists: Vec<CompanyList> = lists
                        .get()
                        .and_then(Result::ok)
                        .map(|overview| overview.all().cloned().collect())
                        .unwrap_or_default();
                    let filter = filter();
                    view! { <Later><Results page filter lists add/></Later> }.into_any()
                }
                Err(error) => {
                    set_response_status(error.status());
                    view! { <ListError error/> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(filter: CompanyFilter) -> impl IntoView {
    view! {
        <Form method="GET" action="" on_form_data=without_unnamed() attr:class="mt-6 flex flex-wrap items-end gap-x-4 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <label class="min-w-48 flex-1 text-sm">
                <span class=LABEL>"Search"</span>
                <input type="search" name="q" maxlength="200" value=filter.q.clone() placeholder="Name, website, keywords" class=format!("{FIELD} w-full")/>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Sector"</span>
                <input type="text" name="sector" maxlength="100" value=filter.sector.clone() list="sectors" placeholder="Any" class=FIELD/>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Stage"</span>
                <select name="stage" class=FIELD>
                    <option value="" selected=filter.stage.is_none()>"Any"</option>
                    {CompanyStage::ALL.into_iter().map(|stage| view! {
                        <option value=stage.as_str() selected=filter.stage == Some(stage)>{stage.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Location"</span>
                <input type="text" name="location" maxlength="100" value=filter.location.clone() placeholder="Any" class=FIELD/>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Min score"</span>
                <input type="number" name="min_score" min="0" max="100" value=filter.min_score.map(|s| s.to_string()) class=format!("{FIELD} w-20")/>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Max score"</span>
                <input type="number" name="max_score" min="0" max="100" value=filter.max_score.map(|s| s.to_string()) class=format!("{FIELD} w-20")/>
            </label>
            <label class="text-sm">
                <span class=LABEL>"Sort"</span>
                <select name="sort" class=FIELD>
                    <option value="score" selected=filter.sort.as_str() == "score">"Best score"</option>
                    <option value="name" selected=filter.sort.as_str() == "name">"Name"</option>
                    <option value="added" selected=filter.sort.as_str() == "added">"Recently added"</option>
                </select>
            </label>
            {filter.list.map(|list| view! { <input type="hidden" name="list" value=list.to_string()/> })}
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">"Apply"</button>
        </Form>
    }
}

#[component]
fn Results(
    page: CompanyPage,
    filter: CompanyFilter,
    lists: Vec<CompanyList>,
    add: ServerAction<AddToList>,
) -> impl IntoView {
    let href = |after: Option<&CompanyCursor>| {
        let query = filter.query_string(after);
        if query.is_empty() {
            "/companies".to_string()
        } else {
            format!("/companies?{query}")
        }
    };
    let next_href = page.next.as_ref().map(|next| href(Some(next)));
    let first_href = filter.after.as_ref().map(|_| href(None));
    // The export is of the whole filtered set, from the first row.
    let export_href = format!("/companies.csv?{}", filter.query_string(None));
    let here = filter.query_string(filter.after.as_ref());
    let sectors = page.sectors.clone();
    let with_lists = !lists.is_empty();
    view! {
        <datalist id="sectors">
            {sectors.into_iter().map(|sector| view! { <option value=sector/> }).collect_view()}
        </datalist>
        <AddOutcome action=add lists=lists.clone()/>
        <div class="mt-6 flex items-center justify-between text-sm">
            <p class="flex items-center gap-3">
                <span data-testid="match-count" class="font-medium">{page.count.label_for("company", "companies")}</span>
                // rel="external": a download, not a page for the router.
                <a href=export_href rel="external" download="companies.csv" data-testid="export-csv"
                    title="The filtered companies as a CSV file (up to 10,000 rows)"
                    class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Export CSV"</a>
            </p>
            <nav aria-label="Pages" class="flex gap-3">
                {first_href.map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"← First page"</A> })}
                {next_href.clone().map(|href| view! { <A href=href attr:class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Next page →"</A> })}
            </nav>
        </div>
        {if page.rows.is_empty() {
            view! {
                <div data-testid="empty-companies" class="mt-4 rounded-lg border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                    <p class="font-medium text-slate-700 dark:text-slate-200">"No companies match."</p>
                    <p class="mt-1">"Add one above, or " <a href="/companies" class="text-indigo-700 underline dark:text-indigo-300">"clear the filters"</a> "."</p>
                </div>
            }.into_any()
        } else if with_lists {
            // One form around the picker and the table: the ticks and each row's Add
            // button are its fields.
            view! {
                <ActionForm action=add attr:data-testid="add-to-list-form">
                    <AddToListBar lists query=here action=add/>
                    <CompanyTable rows=page.rows action=RowAction::AddToList/>
                </ActionForm>
            }.into_any()
        } else {
            view! {
                <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">
                    <a href="/lists" class="underline">"Create a list"</a>" to collect companies from this table."
                </p>
                <CompanyTable rows=page.rows action=RowAction::None/>
            }.into_any()
        }}
        <NextPage href=next_href/>
    }
}

/// The add form: a plain form (works before hydration; the server redirects), which
/// warns as soon as the website typed is one the workspace already tracks.
#[component]
fn AddCompany(action: ServerAction<CreateCompany>) -> impl IntoView {
    let query = use_query_map();
    // After a refused plain-form post the URL carries the error and what was typed.
    let typed = move |key: &str| query.with_untracked(|q| q.get(key).unwrap_or_default());
    let url_error = typed("add_error");
    let open = !url_error.is_empty();
    let website = RwSignal::new(typed("website"));
    let known = Resource::new(
        move || website.get(),
        |website| async move {
            if website.trim().len() < 4 {
                return None;
            }
            check_website(website).await.ok().flatten()
        },
    );
    let url_duplicate = typed("duplicate").parse::<i64>().ok();
    let url_field = typed("add_field");
    // A refusal about a field goes beside it; a website already tracked (a conflict, not
    // a field's fault) in the form's alert, with a link to the company.
    let errors = FormErrors::new(
        "add-company",
        &["name", "website", "sector", "stage", "location"],
        move || match action.value().get() {
            Some(Err(error)) => Some(Refusal {
                text: error_text(&error),
                ..Refusal::of(&error)
            }),
            Some(Ok(_)) => None,
            None => Refusal::from_query(Some(url_error.clone()), Some(url_field.clone())),
        },
    );
    let duplicate = move || match action.value().get() {
        Some(Err(AppError::Conflict { current })) => current.get("id").and_then(|id| id.as_i64()),
        Some(_) => None,
        None => url_duplicate,
    };
    let error = move || errors.general().map(|message| (message, duplicate()));
    let stage_typed = typed("stage");
    view! {
        <details open=open class="mt-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <summary class="cursor-pointer text-sm font-medium text-indigo-700 dark:text-indigo-300">"Add a company"</summary>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Many at once? " <a href="/imports/new?kind=companies" data-testid="import-csv" class="text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Import them from a CSV file"</a> "."
            </p>
            <ActionForm action attr:data-testid="add-company" attr:class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
                <div class="text-sm">
                    <label class="block">
                        <span class=LABEL>"Name"</span>
                        <input type="text" name="name" required maxlength="200" value=typed("name") class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("name") aria-describedby=errors.described("name")/>
                    </label>
                    <FieldError errors field="name"/>
                </div>
                <div class="text-sm">
                    <label class="block">
                        <span class=LABEL>"Website"</span>
                        <input type="text" name="website" required maxlength="2048" placeholder="acme.com"
                            value=website.get_untracked() prop:value=move || website.get()
                            on:input=move |ev| website.set(event_target_value(&ev))
                            aria-invalid=errors.invalid("website") aria-describedby=errors.described("website")
                            class=format!("{FIELD} w-full")/>
                    </label>
                    <FieldError errors field="website"/>
                </div>
                <div class="text-sm">
                    <label class="block">
                        <span class=LABEL>"Sector"</span>
                        <input type="text" name="sector" maxlength="100" list="sectors" value=typed("sector") class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("sector") aria-describedby=errors.described("sector")/>
                    </label>
                    <FieldError errors field="sector"/>
                </div>
                <div class="text-sm">
                    <label class="block">
                        <span class=LABEL>"Stage"</span>
                        <select name="stage" class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("stage") aria-describedby=errors.described("stage")>
                            <option value="">"Unknown"</option>
                            {CompanyStage::ALL.into_iter().map(|stage| view! {
                                <option value=stage.as_str() selected=stage_typed == stage.as_str()>{stage.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <FieldError errors field="stage"/>
                </div>
                <div class="text-sm">
                    <label class="block">
                        <span class=LABEL>"Location"</span>
                        <input type="text" name="location" maxlength="100" value=typed("location") class=format!("{FIELD} w-full")
                            aria-invalid=errors.invalid("location") aria-describedby=errors.described("location")/>
                    </label>
                    <FieldError errors field="location"/>
                </div>
                <div class="sm:col-span-2 lg:col-span-5 flex flex-wrap items-center gap-4">
                    <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50" disabled=move || action.pending().get()>"Add company"</button>
                    <Transition fallback=|| ()>
                        {move || known.get().flatten().map(|company| view! {
                            <p role="status" data-testid="duplicate-warning" class="text-sm text-amber-800 dark:text-amber-300">
                                "Already tracked as "
                                <a href=format!("/companies/{}", company.id) class="font-medium underline">{company.name}</a>
                                "."
                            </p>
                        })}
                    </Transition>
                    {move || error().map(|(message, duplicate)| view! {
                        <p role="alert" data-testid="add-error" class="text-sm text-red-700 dark:text-red-300">
                            {message}
                            {duplicate.map(|id| view! {
                                " " <a href=format!("/companies/{id}") class="font-medium underline">"Open it"</a>
                            })}
                        </p>
                    })}
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn ListError(error: AppError) -> impl IntoView {
    let (heading, detail) = match &error {
        AppError::Forbidden => (
            "Not allowed",
            "Companies are for analysts and admins.".to_string(),
        ),
        AppError::Invalid { .. } => ("These filters cannot be used", error.to_string()),
        other => ("The companies could not be loaded", other.to_string()),
    };
    view! { <LoadError heading detail back=("/companies", "Reset the filters") testid="companies-error"/> }
}
