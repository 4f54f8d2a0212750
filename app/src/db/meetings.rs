//! Meeting mode's records: who facilitates, the event on screen, the notes;
//! and the in-process signal that wakes every follower's live feed when
//! any of them changes (followers then read the state again, so a change
//! written by another process is caught by the feed's periodic re-read).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};
use tokio::sync::broadcast;

use super::audit::{Change, record};
use super::{Db, DbError, from_epoch, stored_value, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::meeting::{MeetingNote, MeetingState, NoteKind, Step};

/// Wakes the live feeds of each incident's meeting.
#[derive(Debug, Default)]
pub struct MeetingSignals(Mutex<HashMap<i64, broadcast::Sender<i64>>>);

impl MeetingSignals {
    fn sender(&self, number: i64) -> broadcast::Sender<i64> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Drop the senders nobody listens to any more.
        map.retain(|_, s| s.receiver_count() > 0);
        map.entry(number)
            .or_insert_with(|| broadcast::channel(16).0)
            .clone()
    }
}

/// The meeting of one incident, as a follower sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSnapshot {
    pub state: Option<MeetingState>,
    /// Live events in timeline order, by id.
    pub event_ids: Vec<String>,
    pub notes: Vec<MeetingNote>,
}

impl MeetingSnapshot {
    /// The position of the event on screen (the first when none is).
    pub fn position(&self) -> usize {
        self.state
            .as_ref()
            .and_then(|s| s.event_id.as_ref())
            .and_then(|id| self.event_ids.iter().position(|e| e == id))
            .unwrap_or(0)
    }
}

async fn incident_id(
    tx: &mut Transaction<'static, Sqlite>,
    number: IncidentNumber,
) -> Result<String, DbError> {
    sqlx::query_scalar("SELECT id FROM incidents WHERE number = ?")
        .bind(number.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(DbError::NotFound)
}

async fn live_event_ids(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM timeline_events WHERE incident_id = ? AND deleted_at IS NULL ORDER BY at, seq",
    )
    .bind(incident_id)
    .fetch_all(&mut **tx)
    .await?)
}

async fn state_in(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
) -> Result<Option<MeetingState>, DbError> {
    let row = sqlx::query("SELECT * FROM meetings WHERE incident_id = ?")
        .bind(incident_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|row| {
        Ok(MeetingState {
            version: row.try_get("version")?,
            event_id: row.try_get("event_id")?,
            facilitator: row.try_get("facilitator_name")?,
            facilitator_id: row.try_get("facilitator_id")?,
            started_at: from_epoch(row.try_get("started_at")?),
        })
    })
    .transpose()
}

async fn bump(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE meetings SET version = version + 1, updated_at = ? WHERE incident_id = ? RETURNING version",
    )
    .bind(to_epoch(now))
    .bind(incident_id)
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or(0))
}

fn not_running() -> DbError {
    DbError::Refused {
        field: "meeting",
        message: "No meeting is running for this incident: start it first.".into(),
    }
}

impl Db {
    /// A receiver woken with the new version whenever incident `number`'s
    /// meeting changes in this process.
    pub fn meeting_changes(&self, number: IncidentNumber) -> broadcast::Receiver<i64> {
        self.meeting_signals.sender(number.0).subscribe()
    }

    fn signal_meeting(&self, number: IncidentNumber, version: i64) {
        // No receiver is fine: nobody is following.
        let _ = self.meeting_signals.sender(number.0).send(version);
    }

    /// The meeting as it stands (`state` is `None` when none runs).
    pub async fn meeting(&self, number: IncidentNumber) -> Result<MeetingSnapshot, DbError> {
        let mut tx = self.pool.begin().await?;
        let id = incident_id(&mut tx, number).await?;
        let state = state_in(&mut tx, &id).await?;
        let event_ids = live_event_ids(&mut tx, &id).await?;
        let rows = sqlx::query(
            "SELECT id, event_id, kind, body, author, created_at FROM meeting_notes \
             WHERE incident_id = ? ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&mut *tx)
        .await?;
        let notes = rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(MeetingNote {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    kind: NoteKind::parse(&kind)
                        .ok_or_else(|| stored_value("meeting_notes", "kind", &kind))?,
                    body: r.try_get("body")?,
                    author: r.try_get("author")?,
                    created_at: from_epoch(r.try_get("created_at")?),
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok(MeetingSnapshot {
            state,
            event_ids,
            notes,
        })
    }

    /// Starts the meeting with `actor` facilitating, or hands it to them
    /// (where it stands stays). Audited.
    pub async fn lead_meeting(
        &self,
        number: IncidentNumber,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let user_id = actor.user_id.clone().unwrap_or_default();
        let mut tx = self.write().await?;
        let id = incident_id(&mut tx, number).await?;
        let before = state_in(&mut tx, &id).await?;
        if before.as_ref().is_some_and(|s| s.facilitator_id == user_id) {
            return Ok(before.map_or(0, |s| s.version));
        }
        let first = live_event_ids(&mut tx, &id).await?.into_iter().next();
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO meetings (incident_id, event_id, facilitator_id, facilitator_name, version, started_at, updated_at) \
             VALUES (?, ?, ?, ?, 1, ?, ?) \
             ON CONFLICT (incident_id) DO UPDATE SET facilitator_id = excluded.facilitator_id, \
             facilitator_name = excluded.facilitator_name, version = meetings.version + 1, \
             updated_at = excluded.updated_at RETURNING version",
        )
        .bind(&id)
        .bind(first)
        .bind(&user_id)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .fetch_one(&mut *tx)
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: if before.is_some() {
                    "took over the meeting"
                } else {
                    "started the meeting"
                },
                object_kind: "meeting",
                object_id: &id,
                object_label: &format!("Review meeting of #{}", number.0),
                changes: &[FieldChange {
                    field: "facilitator".into(),
                    before: before.map(|s| s.facilitator).unwrap_or_default(),
                    after: actor.name.clone(),
                }],
                incident_id: Some(&id),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        self.signal_meeting(number, version);
        Ok(version)
    }

    /// Moves the meeting; only its facilitator may. Returns the new version.
    pub async fn step_meeting(
        &self,
        number: IncidentNumber,
        actor: &Actor,
        step: Step,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let id = incident_id(&mut tx, number).await?;
        let state = state_in(&mut tx, &id).await?.ok_or_else(not_running)?;
        if Some(&state.facilitator_id) != actor.user_id.as_ref() {
            return Err(DbError::Refused {
                field: "meeting",
                message: format!(
                    "{} is facilitating, so only they move the meeting. Take over to lead it.",
                    state.facilitator
                ),
            });
        }
        let events = live_event_ids(&mut tx, &id).await?;
        let current = state
            .event_id
            .as_ref()
            .and_then(|e| events.iter().position(|x| x == e))
            .unwrap_or(0);
        let Some(to) = step.apply(current, events.len()) else {
            return Err(DbError::Refused {
                field: "meeting",
                message: "The timeline has no events yet: add them before walking through it."
                    .into(),
            });
        };
        sqlx::query("UPDATE meetings SET event_id = ? WHERE incident_id = ?")
            .bind(&events[to])
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        let version = bump(&mut tx, &id, now).await?;
        tx.commit().await?;
        self.signal_meeting(number, version);
        Ok(version)
    }

    /// Adds a note or question to an event of the running meeting.
    pub async fn add_meeting_note(
        &self,
        number: IncidentNumber,
        event_id: &str,
        kind: NoteKind,
        body: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let id = incident_id(&mut tx, number).await?;
        state_in(&mut tx, &id).await?.ok_or_else(not_running)?;
        if !live_event_ids(&mut tx, &id)
            .await?
            .iter()
            .any(|e| e == event_id)
        {
            return Err(DbError::Refused {
                field: "event",
                message: "That event is no longer on the timeline; the note was not added.".into(),
            });
        }
        sqlx::query(
            "INSERT INTO meeting_notes (incident_id, event_id, kind, body, author, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(event_id)
        .bind(kind.code())
        .bind(body)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .execute(&mut *tx)
        .await?;
        let version = bump(&mut tx, &id, now).await?;
        tx.commit().await?;
        self.signal_meeting(number, version);
        Ok(version)
    }

    /// Ends the meeting (its notes stay with their events). Audited.
    pub async fn end_meeting(
        &self,
        number: IncidentNumber,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let id = incident_id(&mut tx, number).await?;
        let state = state_in(&mut tx, &id).await?.ok_or_else(not_running)?;
        sqlx::query("DELETE FROM meetings WHERE incident_id = ?")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ended the meeting",
                object_kind: "meeting",
                object_id: &id,
                object_label: &format!("Review meeting of #{}", number.0),
                changes: &[FieldChange {
                    field: "facilitator".into(),
                    before: state.facilitator,
                    after: String::new(),
                }],
                incident_id: Some(&id),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        self.signal_meeting(number, state.version + 1);
        Ok(())
    }
}
