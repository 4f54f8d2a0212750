//! Meeting mode's records: who facilitates, the event on screen, the notes;
//! and the signal that wakes every follower's live feed when any of them
//! changes (followers then read the state again). On SQLite the signal stays
//! in the process; on PostgreSQL it goes through `NOTIFY`, and every
//! instance listens, so a follower connected to one instance follows a
//! facilitator stepping through another. A change whose signal is lost is
//! still caught by the feed's periodic re-read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgListener, PgPool};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use super::audit::{Change, record};
use super::incidents::incident_id;
use super::{Db, DbError, DbRow, On, Tx, from_epoch, sql, stored_value, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::meeting::{MeetingLive, MeetingNote, MeetingState, NoteKind, Step};
use crate::domain::refusal::Refusal;

/// The PostgreSQL channel meeting changes are announced on: "number:version".
const MEETING_CHANNEL: &str = "debrief_meeting";

/// Wakes the live feeds of each incident's meeting.
#[derive(Debug, Default)]
pub struct MeetingSignals {
    senders: Mutex<HashMap<i64, broadcast::Sender<i64>>>,
    /// Set once this process listens on [`MEETING_CHANNEL`] (PostgreSQL).
    listening: AtomicBool,
}

impl MeetingSignals {
    fn sender(&self, number: i64) -> broadcast::Sender<i64> {
        let mut map = self.senders.lock().unwrap_or_else(|p| p.into_inner());
        // Drop the senders nobody listens to any more.
        map.retain(|_, s| s.receiver_count() > 0);
        map.entry(number)
            .or_insert_with(|| broadcast::channel(16).0)
            .clone()
    }

    /// Wakes every feed of this process (after a lost connection, when
    /// notifications may have been missed): each reads its meeting again.
    fn wake_all(&self) {
        let map = self.senders.lock().unwrap_or_else(|p| p.into_inner());
        for sender in map.values() {
            let _ = sender.send(0);
        }
    }

    /// Starts, once per process, the task that turns PostgreSQL
    /// notifications from every instance into wakeups here.
    fn listen(signals: &Arc<Self>, pool: &PgPool) {
        if signals.listening.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(signals);
        let pool = pool.clone();
        tokio::spawn(async move {
            // Until the database is closed or no Db is left to wake.
            while !pool.is_closed() && weak.strong_count() > 0 {
                let mut listener = match PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!("meeting mode cannot listen for changes: {e}");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(MEETING_CHANNEL).await {
                    tracing::warn!("meeting mode cannot listen for changes: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                loop {
                    let received = listener.try_recv().await;
                    let Some(signals) = weak.upgrade() else {
                        return;
                    };
                    match received {
                        Ok(Some(n)) => {
                            if let Some((number, version)) = n.payload().split_once(':')
                                && let (Ok(number), Ok(version)) =
                                    (number.parse::<i64>(), version.parse::<i64>())
                            {
                                let _ = signals.sender(number).send(version);
                            }
                        }
                        // The connection dropped; sqlx reconnects and listens
                        // again. Changes meanwhile were missed: read again.
                        Ok(None) => signals.wake_all(),
                        Err(e) => {
                            tracing::warn!("meeting mode stopped listening for changes: {e}");
                            signals.wake_all();
                            break;
                        }
                    }
                }
            }
        });
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

    /// What the live feed sends and a follower's page shows.
    pub fn live(&self) -> MeetingLive {
        match &self.state {
            None => MeetingLive {
                notes: self.notes.clone(),
                ..MeetingLive::default()
            },
            Some(state) => MeetingLive {
                running: true,
                position: self.position(),
                facilitator: state.facilitator.clone(),
                facilitator_id: state.facilitator_id.clone(),
                notes: self.notes.clone(),
            },
        }
    }
}

async fn live_event_ids(tx: &mut Tx, incident_id: &str) -> Result<Vec<String>, DbError> {
    Ok(sql(
        "SELECT id FROM timeline_events WHERE incident_id = $1 AND deleted_at IS NULL \
         ORDER BY at, seq",
    )
    .bind(incident_id)
    .scalars(tx)
    .await?)
}

async fn state_in(tx: &mut Tx, incident_id: &str) -> Result<Option<MeetingState>, DbError> {
    let row = sql("SELECT * FROM meetings WHERE incident_id = $1")
        .bind(incident_id)
        .fetch_optional(tx)
        .await?;
    row.as_ref().map(state_from_row).transpose()
}

fn state_from_row(row: &impl DbRow) -> Result<MeetingState, DbError> {
    Ok(MeetingState {
        version: row.col("version")?,
        event_id: row.col("event_id")?,
        facilitator: row.col("facilitator_name")?,
        facilitator_id: row.col("facilitator_id")?,
        started_at: from_epoch(row.col("started_at")?),
    })
}

async fn bump(tx: &mut Tx, incident_id: &str, now: DateTime<Utc>) -> Result<i64, DbError> {
    Ok(sql(
        "UPDATE meetings SET version = version + 1, updated_at = $1 WHERE incident_id = $2 RETURNING version",
    )
    .bind(to_epoch(now))
    .bind(incident_id)
    .scalar_optional(tx)
    .await?
    .unwrap_or(0))
}

fn note_from_row(row: &impl DbRow) -> Result<MeetingNote, DbError> {
    let kind: String = row.col("kind")?;
    Ok(MeetingNote {
        id: row.col("id")?,
        event_id: row.col("event_id")?,
        kind: NoteKind::parse(&kind).ok_or_else(|| stored_value("meeting_notes", "kind", &kind))?,
        body: row.col("body")?,
        author: row.col("author")?,
        created_at: from_epoch(row.col("created_at")?),
    })
}

fn not_running() -> DbError {
    DbError::Refused(Refusal::MeetingNotRunning)
}

impl Db {
    /// A receiver woken with the new version whenever incident `number`'s
    /// meeting changes in this process.
    pub fn meeting_changes(&self, number: IncidentNumber) -> broadcast::Receiver<i64> {
        if let On::Postgres(pool) = &self.pool {
            MeetingSignals::listen(&self.meeting_signals, pool);
        }
        self.meeting_signals.sender(number.0).subscribe()
    }

    fn signal_meeting(&self, number: IncidentNumber, version: i64) {
        // No receiver is fine: nobody is following.
        let _ = self.meeting_signals.sender(number.0).send(version);
        if let On::Postgres(pool) = &self.pool {
            // Every other instance (and this one, harmlessly again) wakes
            // its followers when the notification arrives.
            let pool = pool.clone();
            let payload = format!("{}:{version}", number.0);
            tokio::spawn(async move {
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(MEETING_CHANNEL)
                    .bind(payload)
                    .execute(&pool)
                    .await
                {
                    tracing::warn!("meeting change not announced to other instances: {e}");
                }
            });
        }
    }

    /// The meeting as it stands (`state` is `None` when none runs).
    pub async fn meeting(&self, number: IncidentNumber) -> Result<MeetingSnapshot, DbError> {
        let mut tx = self.read().await?;
        let id = incident_id(&mut tx, number).await?;
        let state = state_in(&mut tx, &id).await?;
        let event_ids = live_event_ids(&mut tx, &id).await?;
        let rows = sql(
            "SELECT id, event_id, kind, body, author, created_at FROM meeting_notes \
             WHERE incident_id = $1 ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&mut tx)
        .await?;
        let notes = rows
            .iter()
            .map(note_from_row)
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
        let version: i64 = sql(
            "INSERT INTO meetings (incident_id, event_id, facilitator_id, facilitator_name, version, started_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6) \
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
        .scalar(&mut tx)
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
            return Err(DbError::Refused(Refusal::FacilitatedBy {
                name: state.facilitator,
            }));
        }
        let events = live_event_ids(&mut tx, &id).await?;
        let current = state
            .event_id
            .as_ref()
            .and_then(|e| events.iter().position(|x| x == e))
            .unwrap_or(0);
        let Some(to) = step.apply(current, events.len()) else {
            return Err(DbError::Refused(Refusal::NoEventsToWalk));
        };
        sql("UPDATE meetings SET event_id = $1 WHERE incident_id = $2")
            .bind(&events[to])
            .bind(&id)
            .execute(&mut tx)
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
            return Err(DbError::Refused(Refusal::NoteEventGone));
        }
        sql(
            "INSERT INTO meeting_notes (incident_id, event_id, kind, body, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(event_id)
        .bind(kind.code())
        .bind(body)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .execute(&mut tx)
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
        sql("DELETE FROM meetings WHERE incident_id = $1")
            .bind(&id)
            .execute(&mut tx)
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
