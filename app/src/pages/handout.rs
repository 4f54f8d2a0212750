//! `/incidents/N/handout`: the review handout, handed out before the meeting
//! and printed (or saved as PDF): key moments, durations and the phase bar,
//! the timeline, open questions, and the post-mortem as it stands. The
//! print stylesheet drops the navigation and starts each section on a page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::handout::{HandoutView, get_handout};
use crate::api::on_incident;
use crate::components::error_view::ErrorView;
use crate::components::incident_facts::{DurationsTable, MomentsTable};
use crate::components::labels::{SeverityBadge, StatusBadge};
use crate::components::phase_bar::PhaseBar;

#[component]
pub fn HandoutPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let data = Resource::new(number, |n| on_incident(n, get_handout));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <Handout view/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Handout(view: HandoutView) -> impl IntoView {
    let HandoutView {
        detail,
        review,
        events,
        open_questions,
        postmortem_html,
    } = view;
    let c = detail.incident.content.clone();
    let n = detail.incident.number.0;
    let title = format!("Review handout: #{n} {}", c.title);
    let or = |v: &str, none: &str| {
        if v.trim().is_empty() {
            none.to_string()
        } else {
            v.to_string()
        }
    };
    view! {
        <Title text=title.clone()/>
        <article class="handout">
            <header class="handout-section">
                <p class="breadcrumb no-print"><a href=format!("/incidents/{n}")>{format!("Incident #{n}")}</a></p>
                <h1>{title}</h1>
                <p class="meta"><SeverityBadge severity=c.severity/>" "<StatusBadge status=c.status/></p>
                <dl class="facts">
                    <dt>"Affected services"</dt><dd>{or(&c.services.join(", "), "not recorded")}</dd>
                    <dt>"Incident commander"</dt><dd>{or(&c.commander, "not recorded")}</dd>
                    <dt>"Review facilitator"</dt><dd>{or(&c.facilitator, "not named")}</dd>
                    <dt>"Review meeting"</dt>
                    <dd>{match review.scheduled {
                        Some(at) => view! {
                            <time datetime=at.iso>{at.text}</time>
                            {format!(", {} minutes{}", review.review.minutes,
                                if review.review.location.is_empty() { String::new() } else { format!(", {}", review.review.location) })}
                        }.into_any(),
                        None => view! { "not scheduled yet" }.into_any(),
                    }}</dd>
                </dl>
                <p class="hint">
                    "A blameless review: we look for what made each action make sense at the time, what people knew and what they expected, not for whom to blame. Times are in "{detail.viewer_zone.clone()}"."
                </p>
                <PrintButton/>
            </header>

            <section class="handout-section" aria-labelledby="handout-moments">
                <h2 id="handout-moments">"Key moments and durations"</h2>
                <MomentsTable moments=detail.moments.clone()/>
                <PhaseBar breakdown=detail.breakdown.clone() moments=c.moments ticks=detail.ticks.clone()/>
                <DurationsTable breakdown=detail.breakdown.clone()/>
            </section>

            <section class="handout-section" aria-labelledby="handout-timeline">
                <h2 id="handout-timeline">{format!("Timeline ({} events)", events.len())}</h2>
                {if events.is_empty() {
                    view! { <p class="missing">"No timeline events yet."</p> }.into_any()
                } else {
                    view! {
                        <ol class="handout-timeline">
                            {events.into_iter().map(|e| view! {
                                <li class:key-moment=e.key_moment.is_some()>
                                    <time datetime=e.shown.iso>{e.shown.text}</time>
                                    " "<span class="kind">{e.kind.label()}</span>
                                    {e.key_moment.map(|m| view! { " "<strong class="moment-label">{m.label()}</strong> })}
                                    {(!e.actor.is_empty()).then(|| view! { " · "<span class="actor">{e.actor}</span> })}
                                    <div class="markdown" inner_html=e.body_html></div>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>

            <section class="handout-section" aria-labelledby="handout-questions">
                <h2 id="handout-questions">"Open questions"</h2>
                {if open_questions.is_empty() {
                    view! { <p>"None recorded: bring yours."</p> }.into_any()
                } else {
                    view! { <ul>{open_questions.into_iter().map(|q| view! { <li>{q}</li> }).collect_view()}</ul> }.into_any()
                }}
            </section>

            <section class="handout-section" aria-labelledby="handout-postmortem">
                <h2 id="handout-postmortem">"Post-mortem"</h2>
                {match postmortem_html {
                    Some(html) => view! { <div class="markdown postmortem-body" inner_html=html></div> }.into_any(),
                    None => view! { <p class="missing">"Not started yet."</p> }.into_any(),
                }}
            </section>
        </article>
    }
}

/// Opens the browser's print dialog (where "Save as PDF" is). Shown only
/// once the page is hydrated: without JavaScript the browser's own Print
/// does the same.
#[component]
fn PrintButton() -> impl IntoView {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    // Rendered hidden and shown once hydrated (a node that appears only in
    // the browser would not match the server's page).
    view! {
        <p class="no-print" hidden=move || !live.get()>
            <button type="button" on:click=move |_| {
                let _ = window().print();
            }>"Print or save as PDF"</button>
        </p>
    }
}
