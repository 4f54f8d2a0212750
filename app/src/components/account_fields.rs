//! The fields of a new account, shared by first-run setup and the people page.

use leptos::prelude::*;

use crate::domain::account::{NewUserForm, Role, limits};
use crate::domain::incident_form::FieldError;

fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

#[component]
pub fn NewAccountFields(
    values: NewUserForm,
    errors: Vec<FieldError>,
    /// Whether to offer a role (setup always makes an administrator).
    with_role: bool,
) -> impl IntoView {
    let role_error = error_for(&errors, "role");
    let field = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      value: String,
                      autocomplete: &'static str,
                      hint: Option<String>| {
        let id = format!("field-{}", name.replace('_', "-"));
        let error = error_for(&errors, name);
        // An error says what the hint said, more precisely: show one of them.
        let hint = hint.filter(|_| error.is_none());
        let described = match (&hint, &error) {
            (Some(_), Some(_)) => Some(format!("{id}-hint {id}-error")),
            (Some(_), None) => Some(format!("{id}-hint")),
            (None, Some(_)) => Some(format!("{id}-error")),
            (None, None) => None,
        };
        let invalid = error.is_some().then_some("true");
        view! {
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <input id=id.clone() name=format!("form[{name}]") type=kind value=value
                autocomplete=autocomplete aria-invalid=invalid aria-describedby=described/>
            {error.map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })}
        }
    };
    let role = if values.role.is_empty() {
        Role::Viewer.code().to_string()
    } else {
        values.role.clone()
    };
    view! {
        {field("login", "Login name", "text", values.login.clone(), "username",
            Some(format!("{} to {} characters: letters, digits and . _ - @", limits::LOGIN_MIN, limits::LOGIN_MAX)))}
        {field("display_name", "Display name", "text", values.display_name.clone(), "name",
            Some("How colleagues know this person, e.g. \"Ana Lima\".".to_string()))}
        {with_role.then(|| view! {
            <fieldset>
                <legend>"Role"</legend>
                {Role::ALL.iter().map(|r| {
                    let id = format!("field-role-{}", r.code());
                    view! {
                        <div class="choice">
                            <input type="radio" id=id.clone() name="form[role]" value=r.code() checked=role == r.code()/>
                            <label for=id>{r.label()}": "<span class="hint">{r.description()}</span></label>
                        </div>
                    }
                }).collect_view()}
                {role_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </fieldset>
        })}
        {field("password", "Password", "password", String::new(), "new-password",
            Some(format!("At least {} characters; a few ordinary words make a good passphrase.", limits::PASSWORD_MIN)))}
        {field("password_confirm", "Password again", "password", String::new(), "new-password", None)}
    }
}
