//! Meeting mode's records and their statements: who facilitates, the event
//! on screen, the notes (read whole by [`Db::meeting`]; changed one
//! transaction at a time through a [`MeetingChange`]). And the transport of
//! the signal that wakes every follower's live feed when the meeting changes
//! ([`Db::signal_meeting`], [`Db::subscribe_meeting`]): on SQLite it stays
//! in the process; on PostgreSQL it goes through `NOTIFY`, and every
//! instance listens, so a follower connected to one instance follows a
//! facilitator stepping through another. When to signal, and what a
//! follower does when woken, is the workflow: `flows::meeting_live`.

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
use crate::domain::meeting::{MeetingNote, MeetingSnapshot, MeetingState, NoteKind};

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
                    Err(_) if pool.is_closed() => return,
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
                        // The server is closing the database on its way out.
                        Err(_) if pool.is_closed() => return,
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

impl Db {
    /// A receiver woken with the new version whenever incident `number`'s
    /// meeting is signalled changed (by this process or, on PostgreSQL, by
    /// any instance).
    pub fn subscribe_meeting(&self, number: IncidentNumber) -> broadcast::Receiver<i64> {
        if let On::Postgres(pool) = &self.pool {
            MeetingSignals::listen(&self.meeting_signals, pool);
        }
        self.meeting_signals.sender(number.0).subscribe()
    }

    /// Wakes every follower of incident `number`'s meeting with its new
    /// `version`: those of this process at once, those of other instances
    /// (PostgreSQL) through a notification sent in the background.
    pub fn signal_meeting(&self, number: IncidentNumber, version: i64) {
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

    /// The meeting as it stands (`state` is `None` when none runs), read in
    /// one snapshot.
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

    /// Opens the write transaction of one change to incident `number`'s
    /// meeting (refused as not found when there is no such incident).
    pub async fn change_meeting(&self, number: IncidentNumber) -> Result<MeetingChange, DbError> {
        let mut tx = self.write().await?;
        let incident_id = incident_id(&mut tx, number).await?;
        Ok(MeetingChange { tx, incident_id })
    }
}

/// One change to an incident's meeting, in one write transaction opened by
/// [`Db::change_meeting`]: each method is one statement; nothing is kept
/// until [`MeetingChange::commit`] (dropped before, it rolls back).
pub struct MeetingChange {
    tx: Tx,
    incident_id: String,
}

impl MeetingChange {
    /// Where the meeting stands, or `None` when none runs.
    pub async fn state(&mut self) -> Result<Option<MeetingState>, DbError> {
        state_in(&mut self.tx, &self.incident_id).await
    }

    /// The incident's events not deleted, in timeline order, by id.
    pub async fn live_event_ids(&mut self) -> Result<Vec<String>, DbError> {
        live_event_ids(&mut self.tx, &self.incident_id).await
    }

    /// Starts the meeting on `first_event` with this facilitator, or (when
    /// one runs) hands it to them where it stands. Returns the new version.
    pub async fn lead(
        &mut self,
        first_event: Option<&str>,
        facilitator_id: &str,
        facilitator_name: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        Ok(sql(
            "INSERT INTO meetings (incident_id, event_id, facilitator_id, facilitator_name, version, started_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6) \
             ON CONFLICT (incident_id) DO UPDATE SET facilitator_id = excluded.facilitator_id, \
             facilitator_name = excluded.facilitator_name, version = meetings.version + 1, \
             updated_at = excluded.updated_at RETURNING version",
        )
        .bind(&self.incident_id)
        .bind(first_event)
        .bind(facilitator_id)
        .bind(facilitator_name)
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .scalar(&mut self.tx)
        .await?)
    }

    /// Puts the event `event_id` on screen.
    pub async fn show_event(&mut self, event_id: &str) -> Result<(), DbError> {
        sql("UPDATE meetings SET event_id = $1 WHERE incident_id = $2")
            .bind(event_id)
            .bind(&self.incident_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Stores a note or question on an event.
    pub async fn add_note(
        &mut self,
        event_id: &str,
        kind: NoteKind,
        body: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        sql(
            "INSERT INTO meeting_notes (incident_id, event_id, kind, body, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&self.incident_id)
        .bind(event_id)
        .bind(kind.code())
        .bind(body)
        .bind(author)
        .bind(to_epoch(now))
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// Counts a change in the meeting's version, which followers compare;
    /// returns the new version (0 when no meeting runs).
    pub async fn bump(&mut self, now: DateTime<Utc>) -> Result<i64, DbError> {
        Ok(sql(
            "UPDATE meetings SET version = version + 1, updated_at = $1 WHERE incident_id = $2 RETURNING version",
        )
        .bind(to_epoch(now))
        .bind(&self.incident_id)
        .scalar_optional(&mut self.tx)
        .await?
        .unwrap_or(0))
    }

    /// Removes the running meeting (its notes stay with their events).
    pub async fn remove(&mut self) -> Result<(), DbError> {
        sql("DELETE FROM meetings WHERE incident_id = $1")
            .bind(&self.incident_id)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Writes the audit row of a change of facilitator, against the
    /// incident's meeting: `action` and `label` as the history shows them.
    pub async fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        label: &str,
        facilitator: FieldChange,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        record(
            &mut self.tx,
            actor,
            Change {
                action,
                object_kind: "meeting",
                object_id: &self.incident_id,
                object_label: label,
                changes: &[facilitator],
                incident_id: Some(&self.incident_id),
            },
            now,
        )
        .await
    }

    /// Keeps the change.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await
    }
}
