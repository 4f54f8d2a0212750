//! The review handout: everything a reviewer reads before the meeting, in
//! one server function so the printable page renders in one go.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::{IncidentDetailView, ShownTime};
use super::review::ReviewView;
use crate::domain::incident::IncidentNumber;
use crate::domain::moments::KeyMoment;
use crate::domain::timeline::EventKind;
use crate::error::AppError;

/// One timeline event as the handout prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoutEvent {
    pub shown: ShownTime,
    pub kind: EventKind,
    pub actor: String,
    /// Rendered and sanitized.
    pub body_html: String,
    pub key_moment: Option<KeyMoment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoutView {
    pub detail: IncidentDetailView,
    pub review: ReviewView,
    pub events: Vec<HandoutEvent>,
    pub open_questions: Vec<String>,
    /// The post-mortem, rendered and sanitized, when one was saved.
    pub postmortem_html: Option<String>,
}

#[server(prefix = "/api", endpoint = "handout/get")]
pub async fn get_handout(number: IncidentNumber) -> Result<HandoutView, AppError> {
    crate::server::context::serve("handout/get", async {
        use crate::domain::markdown::render_markdown;
        let detail = super::incidents::get_incident(number).await?;
        let review = super::review::get_review(number).await?;
        let n = detail.incident.number;
        let db = crate::server::context::db()?;
        let zone = super::viewer::viewer_zone();
        let live: Vec<_> = db
            .timeline(n)
            .await?
            .into_iter()
            .filter(|e| !e.deleted)
            .collect();
        let events: Vec<HandoutEvent> = live
            .iter()
            .map(|e| HandoutEvent {
                shown: super::incidents::shape::shown(e.content.at, zone),
                kind: e.content.kind,
                actor: e.content.actor.clone(),
                body_html: render_markdown(&e.content.body_markdown),
                key_moment: e.key_moment,
            })
            .collect();
        let texts: Vec<(String, String)> = events
            .iter()
            .zip(&live)
            .map(|(shown, e)| (shown.shown.text.clone(), e.content.body_markdown.clone()))
            .collect();
        let open_questions =
            crate::domain::handout::open_questions(&detail.incident.content.moments, &texts);
        Ok(HandoutView {
            postmortem_html: match db.postmortem(n).await? {
                Some(p) => {
                    let live = db.live_countermeasures(n).await?;
                    Some(render_markdown(
                        &crate::domain::postmortem::with_live_countermeasures(&p.body, &live),
                    ))
                }
                None => None,
            },
            detail,
            review,
            events,
            open_questions,
        })
    })
    .await
}
