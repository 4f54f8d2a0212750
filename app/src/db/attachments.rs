//! Attachments: the records of files attached to an incident or one of its
//! events. The bytes live in files under the data directory
//! (`server::attachments`); a row is written only once its file is safely
//! stored, and rows are never removed, so every row names an existing file.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::incidents::incident_in;
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::refusal::Refusal;

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    /// UUID; also the stored file's name.
    pub id: String,
    pub incident_number: IncidentNumber,
    /// The event it belongs to; `None` for the incident itself.
    pub event_id: Option<String>,
    /// Safe to show and offer on download.
    pub file_name: String,
    /// An `AttachmentType` code, decided from the content.
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub deleted: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn from_row(row: &impl DbRow) -> Result<AttachmentRecord, DbError> {
    let deleted_at: Option<i64> = row.col("deleted_at")?;
    Ok(AttachmentRecord {
        id: row.col("id")?,
        incident_number: IncidentNumber(row.col("number")?),
        event_id: row.col("event_id")?,
        file_name: row.col("file_name")?,
        kind: row.col("kind")?,
        size: row.col("size")?,
        sha256: row.col("sha256")?,
        deleted: deleted_at.is_some(),
        created_by: row.col("created_by")?,
        created_at: from_epoch(row.col("created_at")?),
    })
}

const SELECT: &str =
    "SELECT a.*, i.number FROM attachments a JOIN incidents i ON a.incident_id = i.id";

impl Db {
    /// Records a stored file as attached to incident `number` (and to one of
    /// its live events, when `event_id` is given).
    pub async fn add_attachment(
        &self,
        number: IncidentNumber,
        new: &AttachmentRecord,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        if let Some(event_id) = &new.event_id {
            let live: bool = sql("SELECT EXISTS (SELECT 1 FROM timeline_events \
                 WHERE id = $1 AND incident_id = $2 AND deleted_at IS NULL)")
            .bind(event_id)
            .bind(&incident_id)
            .scalar(&mut tx)
            .await?;
            if !live {
                return Err(DbError::Refused(Refusal::AttachEventGone));
            }
        }
        sql(
            "INSERT INTO attachments (id, incident_id, event_id, file_name, kind, size, sha256, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&new.id)
        .bind(&incident_id)
        .bind(&new.event_id)
        .bind(&new.file_name)
        .bind(&new.kind)
        .bind(new.size)
        .bind(&new.sha256)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .execute(&mut tx)
        .await?;
        let changes = [FieldChange {
            field: "File".into(),
            before: String::new(),
            after: format!("{} ({} bytes)", new.file_name, new.size),
        }];
        record_attachment_change(
            &mut tx,
            actor,
            "attachment_added",
            &incident_id,
            new,
            &changes,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live attachments of an incident and its events, oldest first.
    pub async fn attachments(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<AttachmentRecord>, DbError> {
        let rows = sql(format!(
            "{SELECT} WHERE i.number = $1 AND a.deleted_at IS NULL ORDER BY a.created_at, a.id"
        ))
        .bind(number.0)
        .fetch_all(self)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One attachment, deleted or not.
    pub async fn attachment(&self, id: &str) -> Result<Option<AttachmentRecord>, DbError> {
        let row = sql(format!("{SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(self)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every attachment id ever recorded: the files a backup copies.
    pub async fn attachment_ids(&self) -> Result<Vec<String>, DbError> {
        Ok(sql("SELECT id FROM attachments ORDER BY id")
            .scalars(self)
            .await?)
    }

    /// Removes an attachment from the incident. The file is kept (and stays
    /// in backups), so the history's record of it stays true.
    pub async fn delete_attachment(
        &self,
        number: IncidentNumber,
        id: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        let row = sql(format!(
            "{SELECT} WHERE a.id = $1 AND a.incident_id = $2 AND a.deleted_at IS NULL"
        ))
        .bind(id)
        .bind(&incident_id)
        .fetch_optional(&mut tx)
        .await?
        .ok_or(DbError::NotFound(
            crate::domain::missing::Missing::Attachment,
        ))?;
        let attachment = from_row(&row)?;
        sql("UPDATE attachments SET deleted_at = $1 WHERE id = $2")
            .bind(to_epoch(now))
            .bind(id)
            .execute(&mut tx)
            .await?;
        let changes = [FieldChange {
            field: "File".into(),
            before: attachment.file_name.clone(),
            after: String::new(),
        }];
        record_attachment_change(
            &mut tx,
            actor,
            "attachment_deleted",
            &incident_id,
            &attachment,
            &changes,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn record_attachment_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    incident_id: &str,
    attachment: &AttachmentRecord,
    changes: &[FieldChange],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "attachment",
            object_id: &attachment.id,
            object_label: &attachment.file_name,
            changes,
            incident_id: Some(incident_id),
        },
        now,
    )
    .await
}
