use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::history::incident_history;
use crate::api::incidents::ShownTime;
use crate::api::incidents::{IncidentDetailView, get_incident};
use crate::api::on_incident;
use crate::api::review::{MarkHandout, SaveReview, get_review};
use crate::api::search::related_incidents;
use crate::api::timeline::{TimelineFilter, get_timeline};
use crate::components::error_view::ErrorView;
use crate::components::history::HistoryList;
use crate::components::incident_facts::{DurationsTable, MomentsTable};
use crate::components::labels::{SeverityBadge, StatusBadge};
use crate::components::phase_bar::PhaseBar;
use crate::components::related_incidents::RelatedIncidents;
use crate::components::review_section::ReviewSection;
use crate::components::session::SessionResource;
use crate::components::timeline::{QuickEntry, TimelineActions, TimelineList};
use crate::domain::account::Role;
use crate::domain::audit::AuditEntry;
use crate::error::AppError;

type History = Result<Vec<(AuditEntry, ShownTime)>, AppError>;

/// Every change to the incident, oldest first.
#[component]
fn IncidentHistory(history: History) -> impl IntoView {
    view! {
        <section aria-labelledby="history-heading" class="history-section">
            <h2 id="history-heading">"History"</h2>
            {match history {
                Ok(entries) => view! { <HistoryList entries show_object=false/> }.into_any(),
                Err(error) => view! { <p class="field-error">{error.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}

/// The signed-in person may edit incidents.
async fn may_edit(session: Option<SessionResource>) -> bool {
    match session {
        Some(s) => s
            .await
            .ok()
            .and_then(|info| info.user)
            .is_some_and(|u| u.role.allows(Role::Editor)),
        None => false,
    }
}

#[component]
pub fn IncidentDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let actions = TimelineActions::new();
    // Everything the timeline's actions change is loaded again when one ends.
    let revision = Memo::new(move |_| actions.revision());
    let detail = Resource::new(
        move || (number(), revision.get()),
        |(n, _)| on_incident(n, get_incident),
    );
    let history = Resource::new(
        move || (number(), revision.get()),
        |(n, _)| on_incident(n, incident_history),
    );
    let filter = move || {
        let q = query.read();
        TimelineFilter {
            kind: q.get("kind").unwrap_or_default(),
            actor: q.get("actor").unwrap_or_default(),
            moments: q.get("moments").unwrap_or_default(),
        }
    };
    let editing = move || query.read().get("edit");
    let timeline = Resource::new(
        move || (number(), filter(), editing(), revision.get()),
        |(n, f, e, _)| on_incident(n, move |n| get_timeline(n, f, e)),
    );
    let focus_entry = move || {
        query
            .read_untracked()
            .get("focus")
            .is_some_and(|f| f == "entry")
    };
    // Quick entry's block reads only what never reloads: a Suspense goes
    // back to its fallback (and would drop the field, its focus and
    // whatever is being typed) whenever a resource read inside it reloads.
    let entry_zone = Resource::new(number, |n| async move {
        on_incident(n, get_incident)
            .await
            .map(|v| v.incident.content.time_zone)
            .ok()
    });
    let review_save = ServerAction::<SaveReview>::new();
    let handout = ServerAction::<MarkHandout>::new();
    let review = Resource::new(
        move || {
            (
                number(),
                review_save.version().get(),
                handout.version().get(),
            )
        },
        |(n, _, _)| on_incident(n, get_review),
    );
    let related = Resource::new(number, |n| on_incident(n, related_incidents));
    let session = use_context::<SessionResource>();
    // The blocks below are siblings, never nested: nested Suspense inside a
    // resolved view does not hydrate reliably. The quick-entry block loads
    // once and is never redrawn, so its field keeps focus and anything typed
    // while the timeline reloads.
    view! {
        <article class="incident">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let can_edit = may_edit(session).await;
                    match detail.await {
                        Ok(view) => view! { <IncidentOverview view can_edit/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            <section id="timeline" aria-labelledby="timeline-heading" class="timeline-section">
                <h2 id="timeline-heading">"Timeline"</h2>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let can_edit = may_edit(session).await;
                        let n = params.read_untracked().get("number").unwrap_or_default();
                        let zone = entry_zone.await.unwrap_or_default();
                        match (can_edit, n.parse::<i64>()) {
                            (true, Ok(number)) => view! {
                                <QuickEntry number zone actions focus=focus_entry()/>
                            }.into_any(),
                            _ => ().into_any(),
                        }
                    })}
                </Suspense>
                <Transition fallback=|| view! { <p>"Loading the timeline…"</p> }>
                    {move || Suspend::new(async move {
                        let can_edit = may_edit(session).await;
                        match timeline.await {
                            Ok(view) => view! {
                                <TimelineList view filter=filter() can_edit actions/>
                            }.into_any(),
                            Err(error) => view! { <p class="field-error">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(view) => view! { <IncidentReadings view/> }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    review.await.ok().map(|view| view! { <ReviewSection view save=review_save handout/> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    related.await.ok().map(|related| view! { <RelatedIncidents related/> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let history = history.await;
                    view! { <IncidentHistory history/> }
                })}
            </Transition>
        </article>
    }
}

fn or_none(value: &str) -> String {
    if value.trim().is_empty() {
        "not recorded".into()
    } else {
        value.to_string()
    }
}

#[component]
fn IncidentOverview(view: IncidentDetailView, can_edit: bool) -> impl IntoView {
    let IncidentDetailView {
        incident,
        moments,
        breakdown,
        viewer_zone,
        updated,
        ticks,
        ..
    } = view;
    let number = incident.number;
    let c = incident.content;
    let heading = format!("{number} {}", c.title);
    let covering: Vec<String> = breakdown.covering_spans().map(|s| s.describe()).collect();
    view! {
        <Title text=heading.clone()/>
        <header class="incident-header">
            <h1>{heading}</h1>
            <p class="meta">
                <SeverityBadge severity=c.severity/>" "<StatusBadge status=c.status/>
                " · version "{incident.version}" · last saved "<time datetime=updated.iso>{updated.text}</time>
            </p>
            {can_edit.then(|| view! {
                <p><a class="button" href=format!("/incidents/{}/edit", number.0)>"Edit incident"</a>
                " "<a href="#quick-entry">"Add to the timeline"</a>
                " "<a href=format!("/incidents/{}/import", number.0)>"Import chat transcripts"</a>
                " "<a href=format!("/countermeasures/new?incident={}", number.0)>"File a countermeasure"</a></p>
            })}
            <p><a href=format!("/incidents/{}/postmortem", number.0)>"Post-mortem"</a>
            " · "<a href=format!("/incidents/{}/review", number.0)>"Chronological review of the chat transcripts"</a>
            " · "<a href=format!("/countermeasures?incident={}", number.0)>"Its countermeasures"</a>
            " · Export: "<a href=routes::at(routes::EXPORT_MD, number.0) rel="external">"Markdown"</a>
            ", "<a href=routes::at(routes::EXPORT_HTML, number.0) rel="external">"HTML"</a>
            ", "<a href=routes::at(routes::EXPORT_JSON, number.0) rel="external">"JSON (restorable)"</a></p>
        </header>

        <dl class="facts">
            <dt>"Affected services"</dt>
            <dd>{if c.services.is_empty() { "not recorded".to_string() } else { c.services.join(", ") }}</dd>
            <dt>"Incident commander"</dt><dd>{or_none(&c.commander)}</dd>
            <dt>"Review facilitator"</dt><dd>{or_none(&c.facilitator)}</dd>
            <dt>"How it was detected"</dt>
            <dd>{c.detection_method.map(|d| d.label()).unwrap_or("not recorded")}</dd>
        </dl>

        <section aria-labelledby="moments-heading">
            <h2 id="moments-heading">"Key moments"</h2>
            <p class="hint">"Shown in "{viewer_zone.clone()}"; typed in "{c.time_zone.clone()}
                ". Mark a timeline event as a key moment and the time follows the event."</p>
            <MomentsTable moments/>
        </section>

        <section aria-labelledby="durations-heading">
            <h2 id="durations-heading">"Durations"</h2>
            <PhaseBar breakdown=breakdown.clone() moments=c.moments ticks/>
            <DurationsTable breakdown=breakdown.clone()/>
            {(!covering.is_empty()).then(|| view! {
                <p class="hint">"Known spans across missing moments:"</p>
                <ul class="covering-spans">
                    {covering.into_iter().map(|text| view! { <li>{text}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// The Cynefin readings and the summary.
#[component]
fn IncidentReadings(view: IncidentDetailView) -> impl IntoView {
    let IncidentDetailView {
        incident,
        summary_html,
        ..
    } = view;
    let c = incident.content;
    view! {
        <section aria-labelledby="cynefin-heading">
            <h2 id="cynefin-heading">"Cynefin"</h2>
            <dl class="facts cynefin" class:differs=c.cynefin.differs()>
                <dt>"First reading"</dt>
                <dd>{c.cynefin.first.map(|d| d.label()).unwrap_or("not recorded")}
                    {(!c.cynefin.first_note.is_empty()).then(|| view! { <p class="note">{c.cynefin.first_note.clone()}</p> })}</dd>
                <dt>"In hindsight"</dt>
                <dd>{c.cynefin.hindsight.map(|d| d.label()).unwrap_or("not recorded")}
                    {(!c.cynefin.hindsight_note.is_empty()).then(|| view! { <p class="note">{c.cynefin.hindsight_note.clone()}</p> })}</dd>
            </dl>
            {c.cynefin.differs().then(|| view! {
                <p class="cynefin-delta">"The first reading and hindsight differ: worth discussing in the review."</p>
            })}
        </section>

        <section aria-labelledby="summary-heading">
            <h2 id="summary-heading">"Summary"</h2>
            {if summary_html.trim().is_empty() {
                view! { <p class="missing">"No summary yet."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=summary_html></div> }.into_any()
            }}
        </section>
    }
}
