//! The review meeting of each incident: scheduling (versioned and audited
//! like every edit) and marking the handout as sent.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::refusal::Refusal;
use crate::domain::review::{Review, Schedule, split_attendees};

fn review_from_row(row: &impl DbRow) -> Result<Review, DbError> {
    Ok(Review {
        scheduled_at: row.col::<Option<i64>>("scheduled_at")?.map(from_epoch),
        minutes: row.col::<i64>("minutes")? as u32,
        location: row.col("location")?,
        attendees: split_attendees(&row.col::<String>("attendees")?),
        handout_sent_at: row.col::<Option<i64>>("handout_sent_at")?.map(from_epoch),
        handout_sent_by: row.col("handout_sent_by")?,
        version: row.col("version")?,
    })
}

/// The incident's id and its review as it stands (the default before the
/// first save).
pub(super) async fn review_in(
    tx: &mut Tx,
    number: IncidentNumber,
) -> Result<(String, Review), DbError> {
    let id = super::incidents::incident_id(tx, number).await?;
    let review = sql("SELECT * FROM reviews WHERE incident_id = $1")
        .bind(&id)
        .fetch_optional(tx)
        .await?
        .as_ref()
        .map(review_from_row)
        .transpose()?
        .unwrap_or_default();
    Ok((id, review))
}

fn shown_time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "not scheduled".to_string(), |t| t.to_rfc3339())
}

impl Db {
    /// The review of an incident (the default before anything is
    /// scheduled). `NotFound` when there is no such incident.
    pub async fn review_meeting(&self, number: IncidentNumber) -> Result<Review, DbError> {
        let mut tx = self.read().await?;
        Ok(review_in(&mut tx, number).await?.1)
    }

    /// Schedules (or reschedules) the review, based on `base_version`;
    /// returns the new version.
    pub async fn save_review(
        &self,
        number: IncidentNumber,
        base_version: i64,
        schedule: &Schedule,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let (id, before) = review_in(&mut tx, number).await?;
        if before.version != base_version {
            return Err(DbError::Conflict {
                current: before.version,
            });
        }
        let mut changes = Vec::new();
        let mut change = |field: &str, was: String, now: String| {
            if was != now {
                changes.push(FieldChange {
                    field: field.into(),
                    before: was,
                    after: now,
                });
            }
        };
        change(
            "review time",
            shown_time(before.scheduled_at),
            shown_time(schedule.scheduled_at),
        );
        change(
            "length (minutes)",
            before.minutes.to_string(),
            schedule.minutes.to_string(),
        );
        change("place", before.location.clone(), schedule.location.clone());
        change(
            "attendees",
            before.attendees.join("; "),
            schedule.attendees.join("; "),
        );
        if changes.is_empty() {
            return Ok(before.version);
        }
        let version = before.version + 1;
        sql(
            "INSERT INTO reviews (incident_id, scheduled_at, minutes, location, attendees, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (incident_id) DO UPDATE SET scheduled_at = excluded.scheduled_at, \
             minutes = excluded.minutes, location = excluded.location, attendees = excluded.attendees, \
             version = excluded.version, updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(schedule.scheduled_at.map(to_epoch))
        .bind(i64::from(schedule.minutes))
        .bind(&schedule.location)
        .bind(schedule.attendees.join("\n"))
        .bind(version)
        .bind(to_epoch(now))
        .execute(&mut tx)
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "scheduled",
                object_kind: "review",
                object_id: &id,
                object_label: &format!("Review of #{}", number.0),
                changes: &changes,
                incident_id: Some(&id),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Records that the handout went out (or, with `sent` false, takes that
    /// back), based on `base_version`; returns the new version.
    pub async fn mark_handout_sent(
        &self,
        number: IncidentNumber,
        base_version: i64,
        sent: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let (id, before) = review_in(&mut tx, number).await?;
        if before.version != base_version {
            return Err(DbError::Conflict {
                current: before.version,
            });
        }
        if before.handout_sent_at.is_some() == sent {
            return Err(DbError::Refused(if sent {
                Refusal::HandoutAlreadySent
            } else {
                Refusal::HandoutNotSent
            }));
        }
        let version = before.version + 1;
        let (at, by) = if sent {
            (Some(to_epoch(now)), actor.name.clone())
        } else {
            (None, String::new())
        };
        sql(
            "INSERT INTO reviews (incident_id, handout_sent_at, handout_sent_by, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (incident_id) DO UPDATE SET handout_sent_at = excluded.handout_sent_at, \
             handout_sent_by = excluded.handout_sent_by, version = excluded.version, \
             updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(at)
        .bind(&by)
        .bind(version)
        .bind(to_epoch(now))
        .execute(&mut tx)
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: if sent {
                    "handout sent"
                } else {
                    "handout unsent"
                },
                object_kind: "review",
                object_id: &id,
                object_label: &format!("Review of #{}", number.0),
                changes: &[FieldChange {
                    field: "handout".into(),
                    before: if sent { "not sent" } else { "sent" }.into(),
                    after: if sent { "sent" } else { "not sent" }.into(),
                }],
                incident_id: Some(&id),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }
}
