//! `GET /incidents/N/meeting/live`: meeting mode's server-sent events. The
//! first message is the meeting as it stands (a late joiner lands on the
//! current event); then one message per change, pushed as soon as the
//! facilitator steps or someone adds a note. Every 10 s the feed also reads
//! the meeting again, so a change made by another process is not missed,
//! and the keep-alive holds idle connections open through proxies.
//!
//! The feed lasts only as long as the right to read it: each re-read checks
//! the viewer's account again (disabled, or signed in before a password
//! change: the stream ends), and the stream ends when the server shuts down.

use crate::routes;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::stream::{self, Stream};
use tokio::sync::broadcast;

use super::incident_path::IncidentInPath;
use crate::db::Db;
use crate::domain::incident::IncidentNumber;
use crate::domain::meeting::MeetingLive;
use crate::error::AppError;

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route(routes::MEETING_LIVE, get(live))
        .with_state(db)
}

/// How often a quiet feed reads the meeting again.
const REREAD: Duration = Duration::from_secs(10);

struct Feed {
    db: Db,
    number: IncidentNumber,
    changes: broadcast::Receiver<i64>,
    last: Option<MeetingLive>,
    /// The viewer's account id and the session epoch they signed in with.
    viewer: (String, i64),
}

/// The meeting as it stands, or `None` when the feed must end: the viewer
/// may no longer read it, or it cannot be read.
async fn read(feed: &Feed) -> Option<MeetingLive> {
    let (id, epoch) = &feed.viewer;
    match feed.db.user_for_session(id, *epoch).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::info!(
                "meeting feed of #{}: the viewer's session ended",
                feed.number.0
            );
            return None;
        }
        Err(e) => {
            tracing::warn!("meeting feed of #{}: {e}", feed.number.0);
            return None;
        }
    }
    match feed.db.meeting(feed.number).await {
        Ok(snapshot) => Some(snapshot.live()),
        Err(e) => {
            tracing::warn!("meeting feed of #{}: {e}", feed.number.0);
            None
        }
    }
}

fn message(live: &MeetingLive) -> Event {
    Event::default()
        .event("state")
        .data(serde_json::to_string(live).unwrap_or_default())
}

fn changes(feed: Feed) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(feed, |mut feed| async move {
        loop {
            if feed.last.is_some() {
                // Wait for a change, or the periodic re-read; end at shutdown.
                let woken = tokio::select! {
                    woken = tokio::time::timeout(REREAD, feed.changes.recv()) => woken,
                    () = super::shutdown::begun() => return None,
                };
                if let Ok(Err(broadcast::error::RecvError::Closed)) = woken {
                    return None;
                }
            }
            let now = read(&feed).await?;
            if feed.last.as_ref() != Some(&now) {
                let event = message(&now);
                feed.last = Some(now);
                return Some((Ok(event), feed));
            }
        }
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
    // Subscribe before the first read, so no change falls between them.
    let feed = Feed {
        changes: db.meeting_changes(n),
        db,
        number: n,
        last: None,
        viewer: (auth.user_id, auth.epoch),
    };
    Sse::new(changes(feed))
        .keep_alive(KeepAlive::default())
        .into_response()
}
