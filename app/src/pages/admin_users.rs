//! `/admin/users` — search and list the tenant's users, add one, change roles,
//! deactivate and reactivate, and read the audit trail of those changes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::admin::{AddUser, ChangeUserRole, SetUserActive, list_users};
use crate::components::When;
use crate::components::form_style::without_unnamed;
use crate::components::{AdminRefusal, FieldError, FormAlert, FormErrors};
use crate::model::{Role, UserSummary, UsersPage};

const ROLES: [Role; 3] = [Role::Employee, Role::Analyst, Role::Admin];

fn role_value(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Employee => "employee",
        Role::Analyst => "analyst",
        // Never listed here (API keys have their own page).
        Role::Service => "service",
    }
}

#[component]
pub fn AdminUsers() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.with(|q| q.get("q").unwrap_or_default());
    let add = ServerAction::<AddUser>::new();
    let change_role = ServerAction::<ChangeUserRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    // Re-read after every change, so the table and the audit trail show it.
    let data = Resource::new(
        move || {
            (
                search(),
                add.version().get(),
                change_role.version().get(),
                set_active.version().get(),
            )
        },
        |(q, ..)| list_users(q),
    );
    let action_error = move || {
        [change_role.value().get(), set_active.value().get()]
            .into_iter()
            .flatten()
            .find_map(|result| result.err())
            .map(|error| error.to_string())
    };

    view! {
        <Title text="Users"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Users"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"Who can sign in to this workspace, and as what."</p>
            </div>
            <Form method="GET" action="" on_form_data=without_unnamed()>
                <label for="user-search" class="sr-only">"Search users"</label>
                <input
                    id="user-search" type="search" name="q" maxlength="200" placeholder="Search name or email"
                    value=search prop:value=search
                    class="w-64 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950"
                />
            </Form>
        </header>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500 dark:text-slate-400">"Loading users…"</p> }>
            {move || data.get().map(|result| match result {
                Ok(page) => view! {
                    {move || action_error().map(|message| view! {
                        <p role="alert" data-testid="action-error" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">{message}</p>
                    })}
                    <UsersTable page=page.clone() change_role set_active/>
                    <div class="mt-10 grid gap-8 lg:grid-cols-2">
                        <AddUserForm add/>
                        <AuditTrail page/>
                    </div>
                }.into_any(),
                Err(error) => view! { <AdminRefusal error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn UsersTable(
    page: UsersPage,
    change_role: ServerAction<ChangeUserRole>,
    set_active: ServerAction<SetUserActive>,
) -> impl IntoView {
    if page.users.is_empty() {
        return view! {
            <p class="mt-8 rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                "No users match this search."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="mt-6 overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full text-sm">
                <thead class="border-b border-slate-200 text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400 dark:border-slate-800">
                    <tr>
                        <th scope="col" class="px-4 py-2 font-medium">"Name"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Role"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Status"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Last sign-in"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {page.users.into_iter().map(|user| view! { <UserRow user change_role set_active/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn UserRow(
    user: UserSummary,
    change_role: ServerAction<ChangeUserRole>,
    set_active: ServerAction<SetUserActive>,
) -> impl IntoView {
    let id = user.id.to_string();
    let (role_form_id, active_form_id, select_id) = (id.clone(), id.clone(), format!("role-{id}"));
    // Relative like every other moment on the page ("3 days ago"), exact on hover.
    let last = match user.last_sign_in_at {
        Some(at) => view! { <When at/> }.into_any(),
        None => "never".into_any(),
    };
    let ask = format!(
        "Deactivate {}? They are signed out everywhere and cannot sign in until reactivated.",
        user.display_name
    );
    view! {
        <tr data-testid="user-row" data-email=user.email.clone()>
            <td class="px-4 py-3">
                <div class="font-medium">{user.display_name.clone()}</div>
                <div class="text-slate-500 dark:text-slate-400">{user.email.clone()}</div>
            </td>
            <td class="px-4 py-3">
                <ActionForm action=change_role attr:class="flex items-center gap-2">
                    <input type="hidden" name="user_id" value=role_form_id.clone()/>
                    <label class="sr-only" for=select_id.clone()>{format!("Role of {}", user.display_name)}</label>
                    <select
                        id=select_id.clone() name="role" data-testid="role-select"
                        class="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-950"
                    >
                        {ROLES.into_iter().map(|role| view! {
                            <option value=role_value(role) selected=role == user.role>{role.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">"Save role"</button>
                </ActionForm>
            </td>
            <td class="px-4 py-3">
                <ActionForm action=set_active attr:class="flex items-center gap-2">
                    <input type="hidden" name="user_id" value=active_form_id.clone()/>
                    <input type="hidden" name="active" value=if user.active { "false" } else { "true" }/>
                    {if user.active {
                        view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200">"Active"</span> }.into_any()
                    } else {
                        view! { <span class="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-700 dark:text-slate-200">"Deactivated"</span> }.into_any()
                    }}
                    {if user.active {
                        // Asked again before it is done (it signs them out everywhere):
                        // a disclosure, so it works the same without JavaScript.
                                                view! {
                            <details class="relative" data-testid="deactivate-confirm">
                                <summary class="cursor-pointer list-none text-indigo-700 underline underline-offset-2 hover:decoration-2 dark:text-indigo-300">"Deactivate"</summary>
                                <div class="absolute right-0 z-20 mt-2 w-72 rounded-md border border-slate-200 bg-white p-3 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                                    <p>{ask}</p>
                                    <button type="submit" data-testid="deactivate-yes" class="mt-3 rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-500">"Yes, deactivate"</button>
                                </div>
                            </details>
                        }.into_any()
                    } else {
                        view! {
                            <button type="submit" class="text-indigo-700 hover:underline dark:text-indigo-300">"Reactivate"</button>
                        }.into_any()
                    }}
                </ActionForm>
            </td>
            <td class="whitespace-nowrap px-4 py-3 text-slate-500 dark:text-slate-400">{last}</td>
        </tr>
    }
}

#[component]
fn AddUserForm(add: ServerAction<AddUser>) -> impl IntoView {
    let errors = FormErrors::of_action(
        "new-user",
        &["email", "display_name", "role", "password"],
        add,
    );
    let added = move || matches!(add.value().get(), Some(Ok(())));
    // Added: the form starts empty again (a password left in it would be handed to the
    // next person added). Without JavaScript the page reloads empty anyway.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if added()
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
    let field = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Add a user"</h2>
            <div class="mt-3"><FormAlert errors testid="add-error"/></div>
            {move || added().then(|| view! { <p role="status" class="mt-3 text-sm text-emerald-700 dark:text-emerald-300">"User added."</p> })}
            <ActionForm action=add node_ref=form attr:class="mt-4 space-y-3" attr:data-testid="add-user-form">
                <div>
                    <label for="new-email" class="block text-sm font-medium">"Email"</label>
                    <input id="new-email" name="email" aria-invalid=errors.invalid("email") aria-describedby=errors.described("email") type="email" required maxlength="254" class=field/>
                    <FieldError errors field="email"/>
                </div>
                <div>
                    <label for="new-name" class="block text-sm font-medium">"Name"</label>
                    <input id="new-name" name="display_name" aria-invalid=errors.invalid("display_name") aria-describedby=errors.described("display_name") required maxlength="200" class=field/>
                    <FieldError errors field="display_name"/>
                </div>
                <div>
                    <label for="new-role" class="block text-sm font-medium">"Role"</label>
                    <select id="new-role" name="role" aria-invalid=errors.invalid("role") aria-describedby=errors.described("role") class=field>
                        {ROLES.into_iter().map(|role| view! { <option value=role_value(role)>{role.label()}</option> }).collect_view()}
                    </select>
                    <FieldError errors field="role"/>
                </div>
                <div>
                    <label for="new-password" class="block text-sm font-medium">"Initial password (optional)"</label>
                    <input id="new-password" name="password" aria-invalid=errors.invalid("password") aria-describedby=errors.described("password") type="password" autocomplete="new-password" maxlength="1024" class=field/>
                    <FieldError errors field="password"/>
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"At least 10 characters. Leave empty for Google sign-in only."</p>
                </div>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">"Add user"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AuditTrail(page: UsersPage) -> impl IntoView {
    view! {
        <section>
            <h2 class="font-semibold">"Recent changes"</h2>
            {if page.audit.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500 dark:text-slate-400">"No changes yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-3 space-y-2 text-sm" data-testid="audit-trail">
                        {page.audit.into_iter().map(|entry| view! {
                            <li class="flex justify-between gap-4 border-b border-slate-100 pb-2 dark:border-slate-800">
                                <span>{entry.describe()}</span>
                                <span class="shrink-0 text-slate-500 dark:text-slate-400"><When at=entry.at/></span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
