//! "Has this happened before?": the incident page's list of earlier
//! incidents that share an affected service or distinctive words, each with
//! what was done about it (its countermeasures).

use leptos::prelude::*;

use crate::api::search::RelatedIncident;

#[component]
pub fn RelatedIncidents(related: Vec<RelatedIncident>) -> impl IntoView {
    view! {
        <section id="related" aria-labelledby="related-heading">
            <h2 id="related-heading">"Has this happened before?"</h2>
            {if related.is_empty() {
                view! { <p class="missing">"No earlier incident shares its services or distinctive words."</p> }.into_any()
            } else {
                view! {
                    <ul class="related">
                        {related.into_iter().map(|r| {
                            let mut why = Vec::new();
                            if !r.shared_services.is_empty() {
                                why.push(format!("same service: {}", r.shared_services.join(", ")));
                            }
                            if !r.shared_terms.is_empty() {
                                why.push(format!("shares: {}", r.shared_terms.join(", ")));
                            }
                            view! {
                                <li>
                                    <a href=format!("/incidents/{}", r.number)>{format!("#{} {}", r.number, r.title)}</a>
                                    " · "<time datetime=r.started.iso>{r.started.text}</time>
                                    <span class="hint">{format!(" ({})", why.join("; "))}</span>
                                    {if r.countermeasures.is_empty() {
                                        view! { <p class="hint">"No countermeasures filed."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul>
                                                {r.countermeasures.into_iter().map(|(n, t, s)| view! {
                                                    <li><a href=format!("/countermeasures/{n}")>{format!("CM-{n} {t}")}</a>{format!(" ({s})")}</li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
