//! Timeline events: add, edit, delete and restore (versioned), and marking an
//! event as one of the incident's key moments, which moves the incident's
//! moment with it. Every change writes its history row in the same transaction.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::incidents::{incident_in, set_moments};
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, stored_time, to_epoch};
use crate::domain::audit::{Actor, event_changes};
use crate::domain::incident::{Incident, IncidentContent, IncidentNumber};
use crate::domain::moments::{KeyMoment, KeyMoments};
use crate::domain::refusal::Refusal;
use crate::domain::timeline::{
    EventContent, EventKind, MarkRefusal, Provenance, TimelineEvent, event_label,
    follow_marked_event, limits, plan_mark,
};

/// An event about to be added.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub content: EventContent,
    pub provenance: Provenance,
    /// A key moment to mark at once.
    pub mark: Option<KeyMoment>,
    /// The person chose this event over whatever marks `mark` now.
    pub replace: bool,
}

pub(super) fn event_from_row(row: &impl DbRow) -> Result<TimelineEvent, DbError> {
    let kind: String = row.col("kind")?;
    let source: String = row.col("source")?;
    let mark: Option<String> = row.col("key_moment")?;
    // Not a time (damaged outside Debrief) but set: deleted all the same.
    let deleted = row
        .col::<Option<i64>>("deleted_at")
        .map_or(true, |at| at.is_some());
    let decode = |what: &str, code: &str| {
        DbError::Sqlx(sqlx::Error::Decode(
            format!("unknown {what} code {code:?}").into(),
        ))
    };
    Ok(TimelineEvent {
        id: row.col("id")?,
        seq: row.col("seq")?,
        content: EventContent {
            at: stored_time(row, "timeline_events", "at")?.unwrap_or_default(),
            kind: EventKind::parse(&kind).ok_or_else(|| decode("kind", &kind))?,
            actor: row.col("actor")?,
            body_markdown: row.col("body_markdown")?,
            evidence_url: row.col("evidence_url")?,
        },
        provenance: match source.as_str() {
            "imported" => Provenance::Imported {
                transcript: row.col("source_name")?,
                line: row
                    .col::<Option<i64>>("source_line")?
                    .unwrap_or(0)
                    .try_into()
                    .unwrap_or(0),
            },
            _ => Provenance::Typed,
        },
        key_moment: match mark {
            Some(code) => Some(KeyMoment::parse(&code).ok_or_else(|| decode("moment", &code))?),
            None => None,
        },
        version: row.col("version")?,
        deleted,
        created_by: row.col("created_by")?,
        created_at: stored_time(row, "timeline_events", "created_at")?.unwrap_or_default(),
        updated_at: stored_time(row, "timeline_events", "updated_at")?.unwrap_or_default(),
    })
}

/// Events of the incident with a given number (bind the number first).
const EVENTS_OF: &str = "SELECT e.* FROM timeline_events e JOIN incidents i ON e.incident_id = i.id WHERE i.number = $1";

impl Db {
    /// Every event of an incident, deleted ones included, in timeline order
    /// (time, then the order they were added).
    pub async fn timeline(&self, number: IncidentNumber) -> Result<Vec<TimelineEvent>, DbError> {
        let rows = sql(format!("{EVENTS_OF} ORDER BY e.at, e.seq"))
            .bind(number.0)
            .fetch_all(self)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The time of every live event, and whether it marks a key moment: what
    /// the phase bar draws.
    pub async fn event_ticks(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<(DateTime<Utc>, bool)>, DbError> {
        let rows: Vec<(i64, bool)> = sql(
            "SELECT e.at, e.key_moment IS NOT NULL FROM timeline_events e \
             JOIN incidents i ON e.incident_id = i.id \
             WHERE i.number = $1 AND e.deleted_at IS NULL ORDER BY e.at, e.seq",
        )
        .bind(number.0)
        .records(self)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, m)| (from_epoch(at), m))
            .collect())
    }

    /// One event of an incident, deleted or not.
    pub async fn event(
        &self,
        number: IncidentNumber,
        id: &str,
    ) -> Result<Option<TimelineEvent>, DbError> {
        let row = sql(format!("{EVENTS_OF} AND e.id = $2"))
            .bind(number.0)
            .bind(id)
            .fetch_optional(self)
            .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    /// The time of the live event added last: quick entry reads a bare time
    /// as the one nearest to it.
    pub async fn last_added_event_time(
        &self,
        number: IncidentNumber,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        let at: Option<i64> = sql(
            "SELECT e.at FROM timeline_events e JOIN incidents i ON e.incident_id = i.id \
             WHERE i.number = $1 AND e.deleted_at IS NULL ORDER BY e.seq DESC LIMIT 1",
        )
        .bind(number.0)
        .scalar_optional(self)
        .await?;
        Ok(at.map(from_epoch))
    }

    /// Adds an event (and marks it, when asked); returns its id. A mark that
    /// needs a decision refuses the whole addition, so nothing is stored
    /// until the person has chosen.
    pub async fn add_event(
        &self,
        number: IncidentNumber,
        new: &NewEvent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        let mut tx = self.write().await?;
        let id = add_event_in(&mut tx, number, new, actor, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves an edit made from `base_version`; a stale one changes nothing. A
    /// marked event's key moment follows its new time.
    pub async fn update_event(
        &self,
        number: IncidentNumber,
        id: &str,
        base_version: i64,
        content: &EventContent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let (incident_id, incident) = incident_in(&mut tx, number).await?;
        let before = live_event(&mut tx, &incident_id, id, base_version).await?;
        if before.content.at != content.at {
            let moments =
                follow_marked_event(&incident.content.moments, before.key_moment, content.at)
                    .map_err(|problem| {
                        DbError::Refused(Refusal::MarkedEventOutOfOrder {
                            moment: before.key_moment,
                            problem,
                        })
                    })?;
            set_moments(&mut tx, &incident_id, &incident, &moments, actor, now).await?;
        }
        let changed = sql(
            "UPDATE timeline_events SET at = $1, kind = $2, actor = $3, body_markdown = $4, \
             evidence_url = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(to_epoch(content.at))
        .bind(content.kind.code())
        .bind(&content.actor)
        .bind(&content.body_markdown)
        .bind(&content.evidence_url)
        .bind(to_epoch(now))
        .bind(id)
        .bind(base_version)
        .execute(&mut tx)
        .await?;
        if changed != 1 {
            return Err(DbError::Conflict {
                current: before.version,
            });
        }
        let after = event_in(&mut tx, &incident_id, id).await?;
        record_event_change(
            &mut tx,
            actor,
            "event_edited",
            &incident_id,
            &after,
            Some(&before),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after.version)
    }

    /// Deletes an event (it can be restored). A marked event's key moment is
    /// cleared from the incident; the event remembers it for a restore.
    pub async fn delete_event(
        &self,
        number: IncidentNumber,
        id: &str,
        base_version: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let (incident_id, incident) = incident_in(&mut tx, number).await?;
        let event = live_event(&mut tx, &incident_id, id, base_version).await?;
        sql(
            "UPDATE timeline_events SET deleted_at = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .bind(id)
        .execute(&mut tx)
        .await?;
        record_event_change(
            &mut tx,
            actor,
            "event_deleted",
            &incident_id,
            &event,
            None,
            now,
        )
        .await?;
        if let Some(mark) = event.key_moment {
            let mut moments = incident.content.moments;
            moments.set(mark, None);
            set_moments(&mut tx, &incident_id, &incident, &moments, actor, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Restores a deleted event. Its key moment comes back with it when no
    /// other event took the moment meanwhile and the order still holds;
    /// otherwise the event comes back unmarked and the moment it gave up is
    /// returned, so the person can be told.
    pub async fn restore_event(
        &self,
        number: IncidentNumber,
        id: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<KeyMoment>, DbError> {
        let mut tx = self.write().await?;
        let (incident_id, incident) = incident_in(&mut tx, number).await?;
        let event = event_in(&mut tx, &incident_id, id).await?;
        if !event.deleted {
            return Ok(None);
        }
        let mut dropped = None;
        let mut keep_mark = event.key_moment;
        let mut moments = None;
        if let Some(mark) = event.key_moment {
            let holder = holder_of(&mut tx, &incident_id, mark).await?;
            let followed =
                follow_marked_event(&incident.content.moments, Some(mark), event.content.at);
            let free = holder.is_none() && incident.content.moments.get(mark).is_none();
            match followed {
                Ok(followed) if free => moments = Some(followed),
                _ => {
                    dropped = Some(mark);
                    keep_mark = None;
                }
            }
        }
        sql(
            "UPDATE timeline_events SET deleted_at = NULL, key_moment = $1, version = version + 1, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(keep_mark.map(|m| m.code()))
        .bind(to_epoch(now))
        .bind(id)
        .execute(&mut tx)
        .await?;
        let after = event_in(&mut tx, &incident_id, id).await?;
        let before = TimelineEvent {
            key_moment: event.key_moment,
            ..after.clone()
        };
        record_event_change(
            &mut tx,
            actor,
            "event_restored",
            &incident_id,
            &after,
            Some(&before),
            now,
        )
        .await?;
        if let Some(moments) = moments {
            set_moments(&mut tx, &incident_id, &incident, &moments, actor, now).await?;
        }
        tx.commit().await?;
        Ok(dropped)
    }

    /// Marks the event as `moment` (or clears its mark with `None`). A moment
    /// held by another event, or typed on the incident at another time, is
    /// refused with [`DbError::Ask`] unless `replace` says the person chose
    /// this event.
    #[allow(clippy::too_many_arguments)]
    pub async fn mark_event(
        &self,
        number: IncidentNumber,
        id: &str,
        base_version: i64,
        moment: Option<KeyMoment>,
        replace: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let (incident_id, incident) = incident_in(&mut tx, number).await?;
        let event = live_event(&mut tx, &incident_id, id, base_version).await?;
        mark_in(
            &mut tx,
            &incident_id,
            &incident,
            &event,
            moment,
            replace,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An event of this incident, read inside a transaction.
async fn event_in(tx: &mut Tx, incident_id: &str, id: &str) -> Result<TimelineEvent, DbError> {
    let row = sql("SELECT * FROM timeline_events WHERE id = $1 AND incident_id = $2")
        .bind(id)
        .bind(incident_id)
        .fetch_optional(tx)
        .await?
        .ok_or(DbError::NotFound(crate::domain::missing::Missing::Event))?;
    event_from_row(&row)
}

/// A live event at `base_version`: a deleted one cannot be changed, and a
/// newer one means someone saved since.
async fn live_event(
    tx: &mut Tx,
    incident_id: &str,
    id: &str,
    base_version: i64,
) -> Result<TimelineEvent, DbError> {
    let event = event_in(tx, incident_id, id).await?;
    if event.deleted {
        return Err(DbError::Refused(Refusal::EventDeleted));
    }
    if event.version != base_version {
        return Err(DbError::Conflict {
            current: event.version,
        });
    }
    Ok(event)
}

/// The live event that marks `moment`, if any.
async fn holder_of(
    tx: &mut Tx,
    incident_id: &str,
    moment: KeyMoment,
) -> Result<Option<String>, DbError> {
    Ok(sql(
        "SELECT id FROM timeline_events WHERE incident_id = $1 AND key_moment = $2 AND deleted_at IS NULL",
    )
    .bind(incident_id)
    .bind(moment.code())
    .scalar_optional(tx)
    .await?)
}

#[allow(clippy::too_many_arguments)]
async fn mark_in(
    tx: &mut Tx,
    incident_id: &str,
    incident: &Incident,
    event: &TimelineEvent,
    moment: Option<KeyMoment>,
    replace: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if event.key_moment == moment {
        return Ok(());
    }
    let held_by = match moment {
        Some(m) => holder_of(tx, incident_id, m).await?,
        None => None,
    };
    let plan = plan_mark(
        &incident.content.moments,
        held_by.as_deref(),
        &event.id,
        event.key_moment,
        event.content.at,
        moment,
        replace,
    )
    .map_err(|refusal| match refusal {
        MarkRefusal::Ask(question) => DbError::Ask {
            moment: moment.unwrap_or(KeyMoment::Detected),
            question,
        },
        MarkRefusal::OutOfOrder(problem) => {
            DbError::Refused(Refusal::MarkOutOfOrder { moment, problem })
        }
    })?;
    if let Some(displaced) = &plan.displaced {
        let before = event_in(tx, incident_id, displaced).await?;
        set_mark(tx, displaced, None, now).await?;
        let after = event_in(tx, incident_id, displaced).await?;
        record_event_change(
            tx,
            actor,
            "event_unmarked",
            incident_id,
            &after,
            Some(&before),
            now,
        )
        .await?;
    }
    set_mark(tx, &event.id, moment, now).await?;
    let after = event_in(tx, incident_id, &event.id).await?;
    let action = if moment.is_some() {
        "event_marked"
    } else {
        "event_unmarked"
    };
    record_event_change(tx, actor, action, incident_id, &after, Some(event), now).await?;
    set_moments(tx, incident_id, incident, &plan.moments, actor, now).await
}

async fn set_mark(
    tx: &mut Tx,
    id: &str,
    moment: Option<KeyMoment>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sql(
        "UPDATE timeline_events SET key_moment = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(moment.map(|m| m.code()))
    .bind(to_epoch(now))
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Adds an event inside a transaction the caller commits (quick entry, and
/// promoting transcript lines, which also links the lines).
pub(super) async fn add_event_in(
    tx: &mut Tx,
    number: IncidentNumber,
    new: &NewEvent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let (incident_id, incident) = incident_in(tx, number).await?;
    let (live, next_seq): (i64, i64) = sql(
        "SELECT COUNT(*) FILTER (WHERE deleted_at IS NULL), COALESCE(MAX(seq), 0) + 1 \
             FROM timeline_events WHERE incident_id = $1",
    )
    .bind(&incident_id)
    .record(&mut *tx)
    .await?;
    if live >= limits::EVENTS_PER_INCIDENT {
        return Err(DbError::Refused(Refusal::IncidentFull {
            limit: limits::EVENTS_PER_INCIDENT,
        }));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let (source, source_name, source_line) = match &new.provenance {
        Provenance::Typed => ("typed", String::new(), None),
        Provenance::Imported { transcript, line } => {
            ("imported", transcript.clone(), Some(i64::from(*line)))
        }
    };
    let content = &new.content;
    sql(
        "INSERT INTO timeline_events (id, incident_id, seq, at, kind, actor, body_markdown, \
         evidence_url, source, source_name, source_line, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14)",
    )
    .bind(&id)
    .bind(&incident_id)
    .bind(next_seq)
    .bind(to_epoch(content.at))
    .bind(content.kind.code())
    .bind(&content.actor)
    .bind(&content.body_markdown)
    .bind(&content.evidence_url)
    .bind(source)
    .bind(source_name)
    .bind(source_line)
    .bind(&actor.name)
    .bind(to_epoch(now))
    .bind(to_epoch(now))
    .execute(&mut *tx)
    .await?;
    let event = event_in(tx, &incident_id, &id).await?;
    record_event_change(tx, actor, "event_added", &incident_id, &event, None, now).await?;
    if let Some(moment) = new.mark {
        mark_in(
            tx,
            &incident_id,
            &incident,
            &event,
            Some(moment),
            new.replace,
            actor,
            now,
        )
        .await?;
    }
    Ok(id)
}

/// After the incident form changed key moments by hand: an event whose
/// moment now has another time (or none) no longer marks it.
pub(super) async fn unmark_moved_moments(
    tx: &mut Tx,
    incident_id: &str,
    before: &KeyMoments,
    after: &IncidentContent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if *before == after.moments {
        return Ok(());
    }
    let rows = sql(
        "SELECT * FROM timeline_events WHERE incident_id = $1 AND key_moment IS NOT NULL \
         AND deleted_at IS NULL",
    )
    .bind(incident_id)
    .fetch_all(&mut *tx)
    .await?;
    let events: Vec<TimelineEvent> = rows
        .iter()
        .map(event_from_row)
        .collect::<Result<Vec<_>, DbError>>()?;
    for event in events {
        let Some(mark) = event.key_moment else {
            continue;
        };
        if after.moments.at(mark) != Some(event.content.at) {
            set_mark(tx, &event.id, None, now).await?;
            let after_event = event_in(tx, incident_id, &event.id).await?;
            record_event_change(
                tx,
                actor,
                "event_unmarked",
                incident_id,
                &after_event,
                Some(&event),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

async fn record_event_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    incident_id: &str,
    event: &TimelineEvent,
    before: Option<&TimelineEvent>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let after = (&event.content, event.key_moment);
    let changes = match action {
        // Deleting and restoring change no field a reader edits; the label
        // says which event it was.
        "event_deleted" => Vec::new(),
        _ => event_changes(before.map(|b| (&b.content, b.key_moment)), after),
    };
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "event",
            object_id: &event.id,
            object_label: &event_label(&event.content),
            changes: &changes,
            incident_id: Some(incident_id),
        },
        now,
    )
    .await
}
