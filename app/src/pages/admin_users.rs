use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{CreateUser, ResetPassword, UpdateUser, list_users};
use crate::components::account_fields::NewAccountFields;
use crate::components::error_view::ErrorView;
use crate::components::incident_form::{ErrorSummary, error_summary};
use crate::domain::account::{NewUserForm, Role, User};

/// People: every account, its role and standing, and a form to add one.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                reset.version().get(),
            )
        },
        |_| list_users(),
    );
    let last_error = move || {
        [update.value().get(), reset.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
    };
    // Once someone is added, the form is emptied for the next (passwords
    // included): with JavaScript the page is not reloaded.
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(())))
            && let Some(form) = add_form.get_untracked()
        {
            form.reset();
        }
    });
    let query = leptos_router::hooks::use_query_map();
    let added = move || query.read().get("added").filter(|l| !l.is_empty());
    view! {
        <Title text="People"/>
        <h1>"People"</h1>
        {move || added().map(|login| view! {
            <p class="notice-ok" role="status">{format!("Added {login}. Give them their password in person or over a channel you trust; they can change it under Account.")}</p>
        })}
        <p class="lede">"Viewers read everything; editors also write incidents, timelines, imports and countermeasures; administrators also manage people."</p>
        {move || last_error().map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! {
                        <table class="people" id="people">
                            <caption class="visually-hidden">"Accounts"</caption>
                            <thead><tr>
                                <th scope="col">"Login name"</th>
                                <th scope="col">"Name, role and standing"</th>
                                <th scope="col">"Password"</th>
                            </tr></thead>
                            <tbody>
                                {view.users.into_iter().map(|u| {
                                    let me = u.id == view.me;
                                    view! { <UserRow user=u me update reset/> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Suspense>
        <h2 id="add-person">"Add a person"</h2>
        <ActionForm action=create node_ref=add_form attr:class="stacked" attr:aria-labelledby="add-person">
            {move || {
                let error = create.value().get().and_then(Result::err);
                let values = error.as_ref().and_then(|e| e.echo::<NewUserForm>()).unwrap_or_default();
                let errors = error.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default();
                view! {
                    {error.map(|e| view! { <ErrorSummary message=e.to_string() errors=errors.clone()/> })}
                    <NewAccountFields values errors with_role=true/>
                }
            }}
            <div class="actions">
                <button type="submit" disabled=move || create.pending().get()>"Add person"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn UserRow(
    user: User,
    me: bool,
    update: ServerAction<UpdateUser>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let update_id = user.id.clone();
    let reset_id = user.id.clone();
    let base = format!("user-{}", user.login.replace(['.', '@'], "-"));
    let name_id = format!("{base}-name");
    let role_id = format!("{base}-role");
    let active_id = format!("{base}-active");
    let pw_id = format!("{base}-password");
    let pw2_id = format!("{base}-password-confirm");
    view! {
        <tr class:inactive=!user.active>
            <th scope="row">{user.login.clone()}{me.then_some(" (you)")}</th>
            <td>
                <ActionForm action=update attr:class="inline">
                    <input type="hidden" name="id" value=update_id/>
                    <input type="hidden" name="version" value=user.version.to_string()/>
                    <label for=name_id.clone()>"Name"</label>
                    <input id=name_id name="display_name" value=user.display_name.clone() required maxlength="100"/>
                    <label for=role_id.clone()>"Role"</label>
                    <select id=role_id name="role">
                        {Role::ALL.iter().map(|r| view! {
                            <option value=r.code() selected=*r == user.role>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <input type="checkbox" id=active_id.clone() name="active" checked=user.active/>
                    <label for=active_id>"Active"</label>
                    <button type="submit">"Save"</button>
                </ActionForm>
            </td>
            <td>
                <details>
                    <summary>"Set a new password"</summary>
                    <ActionForm action=reset attr:class="stacked">
                        <input type="hidden" name="id" value=reset_id/>
                        <label for=pw_id.clone()>"New password"</label>
                        <input id=pw_id name="password" type="password" autocomplete="new-password" required/>
                        <label for=pw2_id.clone()>"Again"</label>
                        <input id=pw2_id name="password_confirm" type="password" autocomplete="new-password" required/>
                        <button type="submit">"Set password and sign them out"</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}
