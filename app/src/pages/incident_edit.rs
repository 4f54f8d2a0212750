use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::AppError;
use crate::api::incidents::{UpdateIncident, edit_incident_form};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::{ErrorSummary, IncidentFields};

#[component]
pub fn IncidentEditPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let update = ServerAction::<UpdateIncident>::new();
    let loaded = Resource::new(number, edit_incident_form);
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
                            <ActionForm action=update>
                                {move || {
                                    let outcome = update.value().get();
                                    let error = outcome.and_then(Result::err);
                                    let values = error.as_ref().and_then(AppError::echo).unwrap_or_else(|| edit.form.clone());
                                    // After a conflict the next save is based on the version the
                                    // author was just told about.
                                    let version = match &error {
                                        Some(AppError::Conflict { current_version, .. }) => *current_version,
                                        _ => edit.version,
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
