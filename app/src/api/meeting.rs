//! Server functions for meeting mode: read the meeting with the timeline,
//! lead it (start or take over), step through it, add notes and questions,
//! end it. Followers get changes pushed through the server-sent events of
//! `server::meeting`; these functions are what the facilitator calls. Each
//! runs its step of `flows::meeting_live`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::ids::EventId;
use crate::domain::incident::IncidentNumber;
use crate::domain::meeting::MeetingLive;
use crate::domain::moments::KeyMoment;
use crate::domain::timeline::EventKind;
use crate::error::AppError;

/// One timeline event as the meeting shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingEvent {
    pub id: String,
    pub shown: ShownTime,
    pub kind: EventKind,
    pub actor: String,
    /// Rendered and sanitized.
    pub body_html: String,
    pub key_moment: Option<KeyMoment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingView {
    pub number: i64,
    pub title: String,
    pub events: Vec<MeetingEvent>,
    pub live: MeetingLive,
    /// The caller's account id (to know whether they facilitate).
    pub me: String,
    /// The caller may lead, take over, add notes (editors).
    pub can_lead: bool,
}

#[cfg(feature = "ssr")]
fn refused(e: crate::db::DbError) -> AppError {
    super::incidents::write_refusal::<String>(e, "meeting", None)
}

/// After a change: a plain form goes back to the meeting page; a script
/// gets the new state.
#[cfg(feature = "ssr")]
async fn answer(n: crate::domain::incident::IncidentNumber) -> Result<MeetingLive, AppError> {
    if crate::server::context::from_html_form() {
        leptos_axum::redirect(&format!("/incidents/{}/meeting", n.0));
    }
    let db = crate::server::context::db()?;
    Ok(crate::flows::meeting_live::current(&db, n).await?)
}

#[server(prefix = "/api", endpoint = "meeting/get")]
pub async fn get_meeting(number: IncidentNumber) -> Result<MeetingView, AppError> {
    crate::server::context::serve("meeting/get", async {
        use crate::domain::markdown::render_markdown;
        let n = number;
        let db = crate::server::context::db()?;
        let incident = db.incident(n).await?.ok_or_else(|| AppError::NotFound {
            what: format!("Incident {}", n.0),
        })?;
        let zone = super::viewer::viewer_zone();
        let mut events: Vec<_> = db
            .timeline(n)
            .await?
            .into_iter()
            .filter(|e| !e.deleted)
            .collect();
        crate::domain::timeline::sort_events(&mut events);
        let user = crate::server::context::current_user()?;
        Ok(MeetingView {
            number: n.0,
            title: incident.content.title,
            events: events
                .into_iter()
                .map(|e| MeetingEvent {
                    shown: super::incidents::shape::shown(e.content.at, zone),
                    kind: e.content.kind,
                    actor: e.content.actor,
                    body_html: render_markdown(&e.content.body_markdown),
                    key_moment: e.key_moment,
                    id: e.id,
                })
                .collect(),
            live: crate::flows::meeting_live::current(&db, n).await?,
            can_lead: user.role.allows(crate::domain::account::Role::Editor),
            me: user.id,
        })
    })
    .await
}

/// Starts the meeting with the caller facilitating, or hands it to them.
#[server(prefix = "/api", endpoint = "meeting/lead")]
pub async fn lead_meeting(number: IncidentNumber) -> Result<MeetingLive, AppError> {
    crate::server::context::serve("meeting/lead", async {
        let n = number;
        let db = crate::server::context::db()?;
        let actor = crate::server::context::actor()?;
        crate::flows::meeting_live::lead(&db, n, &actor, chrono::Utc::now())
            .await
            .map_err(refused)?;
        answer(n).await
    })
    .await
}

/// Moves the meeting: `to` is first, previous, next, last (or the keys
/// Home, ArrowLeft, ArrowRight, End), or a position.
#[server(prefix = "/api", endpoint = "meeting/step")]
pub async fn step_meeting(number: IncidentNumber, to: String) -> Result<MeetingLive, AppError> {
    crate::server::context::serve("meeting/step", async {
        let n = number;
        let step = crate::domain::meeting::Step::parse(&to).ok_or_else(|| {
            AppError::invalid_field("to", "Step to first, previous, next, last or a position.")
        })?;
        let db = crate::server::context::db()?;
        let actor = crate::server::context::actor()?;
        crate::flows::meeting_live::step(&db, n, &actor, step, chrono::Utc::now())
            .await
            .map_err(refused)?;
        answer(n).await
    })
    .await
}

/// Adds a note or question to an event.
#[server(prefix = "/api", endpoint = "meeting/note")]
pub async fn add_meeting_note(
    number: IncidentNumber,
    event: EventId,
    kind: String,
    body: String,
) -> Result<MeetingLive, AppError> {
    crate::server::context::serve("meeting/note", async {
        use crate::domain::meeting::{NoteKind, check_note};
        let n = number;
        let kind = NoteKind::parse(&kind).ok_or_else(|| {
            AppError::invalid_field("kind", format!("Choose one of {}.", NoteKind::codes()))
        })?;
        let body =
            check_note(&body).map_err(|m| AppError::invalid_field("body", m).with_echo(&body))?;
        let db = crate::server::context::db()?;
        let actor = crate::server::context::actor()?;
        crate::flows::meeting_live::add_note(
            &db,
            n,
            event.as_str(),
            kind,
            &body,
            &actor,
            chrono::Utc::now(),
        )
        .await
        .map_err(refused)?;
        answer(n).await
    })
    .await
}

/// Ends the meeting; its notes stay.
#[server(prefix = "/api", endpoint = "meeting/end")]
pub async fn end_meeting(number: IncidentNumber) -> Result<MeetingLive, AppError> {
    crate::server::context::serve("meeting/end", async {
        let n = number;
        let db = crate::server::context::db()?;
        let actor = crate::server::context::actor()?;
        crate::flows::meeting_live::end(&db, n, &actor, chrono::Utc::now())
            .await
            .map_err(refused)?;
        answer(n).await
    })
    .await
}
