//! `/admin/reviews`: how many working days after resolution an incident's
//! review is due, per severity. Overdue reviews stand out on the incident
//! list.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::review::{SaveReviewPolicy, get_review_policy};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::error_summary;
use crate::domain::incident::Severity;
use crate::domain::review::MAX_REVIEW_DAYS;

#[component]
pub fn AdminReviewsPage() -> impl IntoView {
    let save = ServerAction::<SaveReviewPolicy>::new();
    let policy = Resource::new(move || save.version().get(), |_| get_review_policy());
    view! {
        <Title text="Review due dates"/>
        <h1>"Review due dates"</h1>
        <p class="lede">
            "A review is due this many working days (Monday to Friday) after the incident was resolved. Until it is held or its post-mortem is published, a late review stands out on the incident list."
        </p>
        {move || save.value().get().and_then(Result::err).map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(p) => view! {
                        <ActionForm action=save attr:class="stacked">
                            {Severity::ALL.iter().rev().map(|s| {
                                let id = format!("review-days-{}", s.code());
                                view! {
                                    <div class="field">
                                        <label for=id.clone()>{format!("{}: working days", s.label())}</label>
                                        <input id=id type="number" name=s.code() required min="1"
                                            max=MAX_REVIEW_DAYS.to_string() value=p.days(*s).to_string()/>
                                    </div>
                                }
                            }).collect_view()}
                            <div class="actions"><button type="submit">"Save due dates"</button></div>
                        </ActionForm>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
