//! Timeline events: add, edit, delete and restore (versioned), and marking an
//! event as one of the incident's key moments, which moves the incident's
//! moment with it. Every change writes its history row in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::audit::{Change, record};
use super::incidents::{incident_in, set_moments};
use super::{Db, DbError, from_epoch, to_epoch};
use crate::domain::audit::{Actor, event_changes};
use crate::domain::incident::{Incident, IncidentContent, IncidentNumber};
use crate::domain::moments::{KeyMoment, KeyMoments};
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

fn event_from_row(row: &SqliteRow) -> Result<TimelineEvent, DbError> {
    let kind: String = row.try_get("kind")?;
    let source: String = row.try_get("source")?;
    let mark: Option<String> = row.try_get("key_moment")?;
    let deleted_at: Option<i64> = row.try_get("deleted_at")?;
    let decode = |what: &str, code: &str| {
        DbError::Sqlx(sqlx::Error::Decode(
            format!("unknown {what} code {code:?}").into(),
        ))
    };
    Ok(TimelineEvent {
        id: row.try_get("id")?,
        seq: row.try_get("seq")?,
        content: EventContent {
            at: from_epoch(row.try_get("at")?),
            kind: EventKind::parse(&kind).ok_or_else(|| decode("kind", &kind))?,
            actor: row.try_get("actor")?,
            body_markdown: row.try_get("body_markdown")?,
            evidence_url: row.try_get("evidence_url")?,
        },
        provenance: match source.as_str() {
            "imported" => Provenance::Imported {
                transcript: row.try_get("source_name")?,
                line: row
                    .try_get::<Option<i64>, _>("source_line")?
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
        version: row.try_get("version")?,
        deleted: deleted_at.is_some(),
        created_by: row.try_get("created_by")?,
        created_at: from_epoch(row.try_get("created_at")?),
        updated_at: from_epoch(row.try_get("updated_at")?),
    })
}

/// Events of the incident with a given number (bind the number first).
const EVENTS_OF: &str =
    "SELECT e.* FROM timeline_events e JOIN incidents i ON e.incident_id = i.id WHERE i.number = ?";

impl Db {
    /// Every event of an incident, deleted ones included, in timeline order
    /// (time, then the order they were added).
    pub async fn timeline(&self, number: IncidentNumber) -> Result<Vec<TimelineEvent>, DbError> {
        let rows = sqlx::query(&format!("{EVENTS_OF} ORDER BY e.at, e.seq"))
            .bind(number.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The time of every live event, and whether it marks a key moment: what
    /// the phase bar draws.
    pub async fn event_ticks(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<(DateTime<Utc>, bool)>, DbError> {
        let rows: Vec<(i64, bool)> = sqlx::query_as(
            "SELECT e.at, e.key_moment IS NOT NULL FROM timeline_events e \
             JOIN incidents i ON e.incident_id = i.id \
             WHERE i.number = ? AND e.deleted_at IS NULL ORDER BY e.at, e.seq",
        )
        .bind(number.0)
        .fetch_all(&self.pool)
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
        let row = sqlx::query(&format!("{EVENTS_OF} AND e.id = ?"))
            .bind(number.0)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    /// The time of the live event added last: quick entry reads a bare time
    /// as the one nearest to it.
    pub async fn last_added_event_time(
        &self,
        number: IncidentNumber,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT e.at FROM timeline_events e JOIN incidents i ON e.incident_id = i.id \
             WHERE i.number = ? AND e.deleted_at IS NULL ORDER BY e.seq DESC LIMIT 1",
        )
        .bind(number.0)
        .fetch_optional(&self.pool)
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
                    .map_err(|e| DbError::Refused {
                        field: "at",
                        message: format!(
                            "This event marks \"{}\"; at that time {e}.",
                            before.key_moment.map(|m| m.label()).unwrap_or_default()
                        ),
                    })?;
            set_moments(&mut tx, &incident_id, &incident, &moments, actor, now).await?;
        }
        let changed = sqlx::query(
            "UPDATE timeline_events SET at = ?, kind = ?, actor = ?, body_markdown = ?, \
             evidence_url = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        )
        .bind(to_epoch(content.at))
        .bind(content.kind.code())
        .bind(&content.actor)
        .bind(&content.body_markdown)
        .bind(&content.evidence_url)
        .bind(to_epoch(now))
        .bind(id)
        .bind(base_version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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
        sqlx::query(
            "UPDATE timeline_events SET deleted_at = ?, version = version + 1, updated_at = ? \
             WHERE id = ?",
        )
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .bind(id)
        .execute(&mut *tx)
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
        sqlx::query(
            "UPDATE timeline_events SET deleted_at = NULL, key_moment = ?, version = version + 1, \
             updated_at = ? WHERE id = ?",
        )
        .bind(keep_mark.map(|m| m.code()))
        .bind(to_epoch(now))
        .bind(id)
        .execute(&mut *tx)
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
async fn event_in(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    id: &str,
) -> Result<TimelineEvent, DbError> {
    let row = sqlx::query("SELECT * FROM timeline_events WHERE id = ? AND incident_id = ?")
        .bind(id)
        .bind(incident_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(DbError::NotFound)?;
    event_from_row(&row)
}

/// A live event at `base_version`: a deleted one cannot be changed, and a
/// newer one means someone saved since.
async fn live_event(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    id: &str,
    base_version: i64,
) -> Result<TimelineEvent, DbError> {
    let event = event_in(tx, incident_id, id).await?;
    if event.deleted {
        return Err(DbError::Refused {
            field: "event",
            message: "This event was deleted meanwhile; restore it from the deleted events first."
                .into(),
        });
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
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    moment: KeyMoment,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM timeline_events WHERE incident_id = ? AND key_moment = ? AND deleted_at IS NULL",
    )
    .bind(incident_id)
    .bind(moment.code())
    .fetch_optional(&mut **tx)
    .await?)
}

#[allow(clippy::too_many_arguments)]
async fn mark_in(
    tx: &mut Transaction<'static, Sqlite>,
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
        MarkRefusal::OutOfOrder(e) => DbError::Refused {
            field: "moment",
            message: format!(
                "Marking this event as \"{}\" would put the key moments out of order: {e}.",
                moment.map(|m| m.label()).unwrap_or_default()
            ),
        },
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
    tx: &mut Transaction<'static, Sqlite>,
    id: &str,
    moment: Option<KeyMoment>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE timeline_events SET key_moment = ?, version = version + 1, updated_at = ? WHERE id = ?",
    )
    .bind(moment.map(|m| m.code()))
    .bind(to_epoch(now))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds an event inside a transaction the caller commits (quick entry, and
/// promoting transcript lines, which also links the lines).
pub(super) async fn add_event_in(
    tx: &mut Transaction<'static, Sqlite>,
    number: IncidentNumber,
    new: &NewEvent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let (incident_id, incident) = incident_in(tx, number).await?;
    let (live, next_seq): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE deleted_at IS NULL), COALESCE(MAX(seq), 0) + 1 \
             FROM timeline_events WHERE incident_id = ?",
    )
    .bind(&incident_id)
    .fetch_one(&mut **tx)
    .await?;
    if live >= limits::EVENTS_PER_INCIDENT {
        return Err(DbError::Refused {
            field: "line",
            message: format!(
                "An incident holds at most {} events; this one is full.",
                limits::EVENTS_PER_INCIDENT
            ),
        });
    }
    let id = uuid::Uuid::new_v4().to_string();
    let (source, source_name, source_line) = match &new.provenance {
        Provenance::Typed => ("typed", String::new(), None),
        Provenance::Imported { transcript, line } => {
            ("imported", transcript.clone(), Some(i64::from(*line)))
        }
    };
    let c = &new.content;
    sqlx::query(
            "INSERT INTO timeline_events (id, incident_id, seq, at, kind, actor, body_markdown, \
             evidence_url, source, source_name, source_line, version, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&incident_id)
        .bind(next_seq)
        .bind(to_epoch(c.at))
        .bind(c.kind.code())
        .bind(&c.actor)
        .bind(&c.body_markdown)
        .bind(&c.evidence_url)
        .bind(source)
        .bind(source_name)
        .bind(source_line)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .execute(&mut **tx)
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
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    before: &KeyMoments,
    after: &IncidentContent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if *before == after.moments {
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT * FROM timeline_events WHERE incident_id = ? AND key_moment IS NOT NULL \
         AND deleted_at IS NULL",
    )
    .bind(incident_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let event = event_from_row(row)?;
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
    tx: &mut Transaction<'static, Sqlite>,
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
