//! A review meeting, live: the facilitator starts it (or takes it over),
//! steps through the timeline one event at a time, adds notes and
//! questions, and ends it; everyone who follows it sees each change within
//! a moment, whichever instance of Debrief they are connected to.
//!
//! The facilitator's side: [`lead`], [`step`], [`add_note`], [`end`]. Each
//! is one write transaction (a [`crate::db::MeetingChange`]): read where
//! the meeting stands, check the change is allowed (only the facilitator
//! moves the meeting; a step stays within the timeline; a note goes on an
//! event still there), store it (starting, taking over and ending are
//! audited), commit, and only then signal the followers with the new
//! version.
//!
//! The followers' side: [`follow`] subscribes to the signals first, then
//! [`Following::next`] gives the meeting as it stands, and after that waits
//! for a signal (or, when none comes, re-reads every [`REREAD`], so a lost
//! signal costs at most that), checks the viewer may still read it, reads
//! the meeting again and gives it when it differs from what was last given.
//! How a signal travels (in the process, or through PostgreSQL's `NOTIFY`
//! to every instance) is `db`'s: [`Db::signal_meeting`],
//! [`Db::subscribe_meeting`].
//!
//! The server functions of `api::meeting` call the facilitator's side and
//! [`current`]; the live feed (`server::meeting`) runs [`follow`].

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use crate::db::{Db, DbError};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::meeting::{MeetingLive, NoteKind, Step, position_of};
use crate::domain::refusal::Refusal;

/// How often a follower with no signal reads the meeting again: a change
/// whose signal was lost (another process, a dropped connection) shows
/// within this long.
pub const REREAD: Duration = Duration::from_secs(10);

/// The label of the meeting in the incident's history.
fn label(number: IncidentNumber) -> String {
    format!("Review meeting of #{}", number.0)
}

fn not_running() -> DbError {
    DbError::Refused(Refusal::MeetingNotRunning)
}

/// The meeting of incident `number` as a follower sees it now.
pub async fn current(db: &Db, number: IncidentNumber) -> Result<MeetingLive, DbError> {
    Ok(db.meeting(number).await?.live())
}

/// Starts the meeting with `actor` facilitating (on the first event), or
/// hands a running one to them (where it stands stays). Audited. Returns the
/// meeting's version; when `actor` already facilitates, nothing changes.
pub async fn lead(
    db: &Db,
    number: IncidentNumber,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let user_id = actor.user_id.clone().unwrap_or_default();
    let mut change = db.change_meeting(number).await?;
    let before = change.state().await?;
    if before.as_ref().is_some_and(|s| s.is_led_by(Some(&user_id))) {
        return Ok(before.map_or(0, |s| s.version));
    }
    let first = change.live_event_ids().await?.into_iter().next();
    let version = change
        .lead(first.as_deref(), &user_id, &actor.name, now)
        .await?;
    let action = if before.is_some() {
        "took over the meeting"
    } else {
        "started the meeting"
    };
    let facilitator = FieldChange {
        field: "facilitator".into(),
        before: before.map(|s| s.facilitator).unwrap_or_default(),
        after: actor.name.clone(),
    };
    change
        .audit(actor, action, &label(number), facilitator, now)
        .await?;
    change.commit().await?;
    db.signal_meeting(number, version);
    Ok(version)
}

/// Moves the running meeting to another event: only its facilitator may,
/// and a step past either end of the timeline stays there. Returns the new
/// version.
pub async fn step(
    db: &Db,
    number: IncidentNumber,
    actor: &Actor,
    step: Step,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let mut change = db.change_meeting(number).await?;
    let state = change.state().await?.ok_or_else(not_running)?;
    if !state.is_led_by(actor.user_id.as_deref()) {
        return Err(DbError::Refused(Refusal::FacilitatedBy {
            name: state.facilitator,
        }));
    }
    let events = change.live_event_ids().await?;
    let current = position_of(state.event_id.as_deref(), &events);
    let Some(to) = step.apply(current, events.len()) else {
        return Err(DbError::Refused(Refusal::NoEventsToWalk));
    };
    change.show_event(&events[to]).await?;
    let version = change.bump(now).await?;
    change.commit().await?;
    db.signal_meeting(number, version);
    Ok(version)
}

/// Adds a note or question (`body`, already checked with
/// `domain::meeting::check_note`) to an event of the running meeting; the
/// event must still be on the timeline. Returns the new version.
pub async fn add_note(
    db: &Db,
    number: IncidentNumber,
    event_id: &str,
    kind: NoteKind,
    body: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let mut change = db.change_meeting(number).await?;
    change.state().await?.ok_or_else(not_running)?;
    if !change.live_event_ids().await?.iter().any(|e| e == event_id) {
        return Err(DbError::Refused(Refusal::NoteEventGone));
    }
    change
        .add_note(event_id, kind, body, &actor.name, now)
        .await?;
    let version = change.bump(now).await?;
    change.commit().await?;
    db.signal_meeting(number, version);
    Ok(version)
}

/// Ends the running meeting (its notes stay with their events). Audited.
pub async fn end(
    db: &Db,
    number: IncidentNumber,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut change = db.change_meeting(number).await?;
    let state = change.state().await?.ok_or_else(not_running)?;
    change.remove().await?;
    let facilitator = FieldChange {
        field: "facilitator".into(),
        before: state.facilitator,
        after: String::new(),
    };
    change
        .audit(actor, "ended the meeting", &label(number), facilitator, now)
        .await?;
    change.commit().await?;
    db.signal_meeting(number, state.version + 1);
    Ok(())
}

/// Who follows a meeting: their account and the session epoch they signed
/// in with, checked again at every read.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: String,
    pub session_epoch: i64,
}

/// One follower of a meeting, made by [`follow`]: each
/// [`Following::next`] gives the next state to show.
pub struct Following {
    db: Db,
    number: IncidentNumber,
    changes: broadcast::Receiver<i64>,
    /// What was last given; `None` before the first.
    last: Option<MeetingLive>,
    viewer: Viewer,
}

/// Starts following incident `number`'s meeting. It subscribes to the
/// meeting's signals at once, before the first read, so that no change
/// falls between the two.
pub fn follow(db: &Db, number: IncidentNumber, viewer: Viewer) -> Following {
    Following {
        changes: db.subscribe_meeting(number),
        db: db.clone(),
        number,
        last: None,
        viewer,
    }
}

impl Following {
    /// The next state to show: first the meeting as it stands (a late
    /// joiner lands on the current event); then, each time it is woken by a
    /// signal or [`REREAD`] passes, the meeting read again, when it differs
    /// from the last one given. `None` when following must end: the viewer
    /// may no longer read the meeting, it cannot be read, the signals are
    /// gone, or `stop` completes while waiting.
    pub async fn next(&mut self, stop: impl Future<Output = ()>) -> Option<MeetingLive> {
        tokio::pin!(stop);
        loop {
            if self.last.is_some() {
                let woken = tokio::select! {
                    woken = tokio::time::timeout(REREAD, self.changes.recv()) => woken,
                    () = &mut stop => return None,
                };
                if let Ok(Err(broadcast::error::RecvError::Closed)) = woken {
                    return None;
                }
            }
            let now = self.read().await?;
            if self.last.as_ref() != Some(&now) {
                self.last = Some(now.clone());
                return Some(now);
            }
        }
    }

    /// The meeting as it stands, or `None` when following must end: the
    /// viewer's session ended (account disabled, or signed in before a
    /// password change), or it cannot be read.
    async fn read(&self) -> Option<MeetingLive> {
        let number = self.number.0;
        match self
            .db
            .user_for_session(&self.viewer.user_id, self.viewer.session_epoch)
            .await
        {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::info!("meeting feed of #{number}: the viewer's session ended");
                return None;
            }
            Err(e) => {
                tracing::warn!("meeting feed of #{number}: {e}");
                return None;
            }
        }
        match current(&self.db, self.number).await {
            Ok(live) => Some(live),
            Err(e) => {
                tracing::warn!("meeting feed of #{number}: {e}");
                None
            }
        }
    }
}
