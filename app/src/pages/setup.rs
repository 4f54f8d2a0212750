use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::Setup;
use crate::components::account_fields::NewAccountFields;
use crate::domain::account::NewUserForm;

/// First run: creates the first administrator. Open only while no account
/// exists; afterwards the server sends visitors to sign in instead.
#[component]
pub fn SetupPage() -> impl IntoView {
    let setup = ServerAction::<Setup>::new();
    let outcome = move || setup.value().get().and_then(Result::err);
    view! {
        <Title text="Set up Debrief"/>
        <section class="narrow">
            <h1>"Set up Debrief"</h1>
            <p class="lede">"Create the first administrator. They can then invite everyone else and give each person a role."</p>
            {move || {
                let error = outcome();
                let values = error
                    .as_ref()
                    .and_then(|e| e.echo::<NewUserForm>())
                    .unwrap_or_default();
                let errors = error.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default();
                view! {
                    {error.map(|e| view! {
                        <crate::components::incident_form::ErrorSummary message=e.to_string() errors=errors.clone()/>
                    })}
                    <form method="post" action="/api/auth/setup" class="stacked">
                        <NewAccountFields values errors with_role=false/>
                        <div class="actions">
                            <button type="submit">"Create administrator and sign in"</button>
                        </div>
                    </form>
                }
            }}
        </section>
    }
}
