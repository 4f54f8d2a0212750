use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::incidents::{UpdateIncident, edit_incident_form};
use crate::api::on_incident;
use crate::components::error_view::ErrorView;
use crate::components::incident_form::{ErrorSummary, IncidentFields};
use crate::domain::incident_form::IncidentForm;
use crate::error::AppError;

#[component]
pub fn IncidentEditPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let update = ServerAction::<UpdateIncident>::new();
    // What was last sent, so that an error that carries no copy of the form
    // (a dropped connection, a body over the size limit) never wipes the fields.
    let last_sent = RwSignal::new(None::<IncidentForm>);
    Effect::new(move |_| {
        if let Some(input) = update.input().get() {
            last_sent.set(Some(input.form));
        }
    });
    // The version the next save is based on: the loaded one until a conflict
    // reports a newer one, which then stays, whatever errors follow.
    let conflict_version = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(Err(AppError::Conflict {
            current_version, ..
        })) = update.value().get()
        {
            conflict_version.set(Some(current_version));
        }
    });
    let loaded = Resource::new(number, |n| on_incident(n, edit_incident_form));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(edit) => {
                        let title = format!("Edit incident #{}", edit.number);
                        view! {
                            <Title text=title.clone()/>
                            <h1>{title}</h1>
                            <ActionForm action=update attr:data-unsaved-guard="">
                                {move || {
                                    let outcome = update.value().get();
                                    let error = outcome.and_then(Result::err);
                                    let values = match &error {
                                        Some(e) => e.echo().or_else(|| last_sent.get_untracked()).unwrap_or_else(|| edit.form.clone()),
                                        None => edit.form.clone(),
                                    };
                                    // After a conflict the next save is based on the version the
                                    // author was told about (without JavaScript the page is new, so
                                    // the conflict itself is the only record of it).
                                    let version = match &error {
                                        Some(AppError::Conflict { current_version, .. }) => *current_version,
                                        _ => conflict_version.get_untracked().unwrap_or(edit.version),
                                    };
                                    let errors = error.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default();
                                    let conflict = matches!(error, Some(AppError::Conflict { .. }));
                                    view! {
                                        {error.map(|e| view! { <ErrorSummary message=e.to_string() errors=errors.clone()/> })}
                                        {conflict.then(|| view! {
                                            <p class="conflict-help">
                                                <a href=format!("/incidents/{}", edit.number) target="_blank">"Open the current version in a new tab"</a>
                                            </p>
                                        })}
                                        <input type="hidden" name="number" value=edit.number.to_string()/>
                                        <input type="hidden" name="version" value=version.to_string()/>
                                        <IncidentFields values errors/>
                                    }
                                }}
                                <div class="actions">
                                    <button type="submit" disabled=move || update.pending().get()>"Save changes"</button>
                                    <a href=format!("/incidents/{}", edit.number)>"Cancel"</a>
                                </div>
                            </ActionForm>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
