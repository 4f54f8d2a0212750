use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::incidents::{CreateIncident, new_incident_form};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::{ErrorSummary, IncidentFields};
use crate::domain::incident_form::IncidentForm;

#[component]
pub fn IncidentNewPage() -> impl IntoView {
    let create = ServerAction::<CreateIncident>::new();
    // What was last sent, so that an error that carries no copy of the form
    // (a dropped connection, a body over the size limit) never wipes the fields.
    let last_sent = RwSignal::new(None::<IncidentForm>);
    Effect::new(move |_| {
        if let Some(input) = create.input().get() {
            last_sent.set(Some(input.form));
        }
    });
    let defaults = Resource::new(|| (), |_| new_incident_form());
    view! {
        <Title text="New incident"/>
        <h1>"New incident"</h1>
        <p class="lede">"Record what is known now; everything can be edited as the picture becomes clearer."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match defaults.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(defaults) => view! {
                        <ActionForm action=create attr:data-unsaved-guard="">
                            {move || {
                                let (values, errors, message) = match create.value().get() {
                                    Some(Err(e)) => (
                                        e.echo().or_else(|| last_sent.get_untracked()).unwrap_or_else(|| defaults.clone()),
                                        e.field_errors().to_vec(),
                                        Some(e.to_string()),
                                    ),
                                    _ => (defaults.clone(), Vec::new(), None),
                                };
                                view! {
                                    {message.map(|message| view! { <ErrorSummary message errors=errors.clone()/> })}
                                    <IncidentFields values errors/>
                                }
                            }}
                            <div class="actions">
                                <button type="submit" disabled=move || create.pending().get()>"Create incident"</button>
                            </div>
                        </ActionForm>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
