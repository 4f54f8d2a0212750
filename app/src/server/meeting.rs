//! `GET /incidents/N/meeting/live`: meeting mode's server-sent events, one
//! `state` message per state `flows::meeting_live::Following` gives: the
//! first is the meeting as it stands (a late joiner lands on the current
//! event); then one per change, pushed as soon as the facilitator steps or
//! someone adds a note, with a periodic re-read so a change made by another
//! process is not missed. The keep-alive holds idle connections open
//! through proxies.
//!
//! The feed lasts only as long as the right to read it: each re-read checks
//! the viewer's account again (disabled, or signed in before a password
//! change: the stream ends), and the stream ends when the server shuts down.

use crate::routes;
use std::convert::Infallible;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::stream::{self, Stream};

use super::incident_path::IncidentInPath;
use crate::db::Db;
use crate::domain::meeting::MeetingLive;
use crate::error::AppError;
use crate::flows::meeting_live::{self, Following, Viewer};

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route(routes::MEETING_LIVE, get(live))
        .with_state(db)
}

fn message(live: &MeetingLive) -> Event {
    Event::default()
        .event("state")
        .data(serde_json::to_string(live).unwrap_or_default())
}

/// One message per state the follower is given, until following ends or
/// the server shuts down.
fn changes(following: Following) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(following, |mut following| async move {
        let live = following.next(super::shutdown::begun()).await?;
        Some((Ok(message(&live)), following))
    })
}

async fn live(
    State(db): State<Db>,
    IncidentInPath(n): IncidentInPath,
    session: tower_sessions::Session,
) -> Response {
    // The guard admitted a signed-in viewer; keep who, to check again later.
    let Some(auth) = super::session::read(&session).await else {
        return AppError::SignInRequired.into_response();
    };
    match db.incident(n).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return AppError::NotFound {
                what: format!("Incident {n}"),
            }
            .into_response();
        }
        Err(e) => return AppError::from(e).into_response(),
    }
    let viewer = Viewer {
        user_id: auth.user_id,
        session_epoch: auth.epoch,
    };
    Sse::new(changes(meeting_live::follow(&db, n, viewer)))
        .keep_alive(KeepAlive::default())
        .into_response()
}
