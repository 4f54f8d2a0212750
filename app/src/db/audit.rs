//! The audit log: one row per change, written in the same transaction as the
//! change itself, so the log and the data never disagree.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use super::{Db, DbError, from_epoch, to_epoch};
use crate::domain::audit::{Actor, AuditEntry, FieldChange};

/// What was changed, for one audit row.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub object_label: &'a str,
    pub changes: &'a [FieldChange],
    /// The incident the change belongs to (itself, or one of its events or
    /// attachments), so the incident's history shows it.
    pub incident_id: Option<&'a str>,
}

pub(crate) async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    actor: &Actor,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let changes = serde_json::to_string(change.changes)
        .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(e.into())))?;
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, object_kind, object_id, object_label, changes, incident_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(to_epoch(now))
    .bind(actor.user_id.as_deref())
    .bind(&actor.name)
    .bind(change.action)
    .bind(change.object_kind)
    .bind(change.object_id)
    .bind(change.object_label)
    .bind(changes)
    .bind(change.incident_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn entry_from_row(row: &SqliteRow) -> Result<AuditEntry, DbError> {
    let changes: String = row.try_get("changes")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: from_epoch(row.try_get("at")?),
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        object_kind: row.try_get("object_kind")?,
        object_id: row.try_get("object_id")?,
        object_label: row.try_get("object_label")?,
        changes: serde_json::from_str(&changes)
            .map_err(|e| DbError::Sqlx(sqlx::Error::Decode(e.into())))?,
    })
}

/// Most entries one page of the audit log shows.
pub const AUDIT_PAGE: i64 = 100;

impl Db {
    /// The history of an incident, its events and attachments, oldest first.
    pub async fn incident_history(
        &self,
        number: crate::domain::incident::IncidentNumber,
    ) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sqlx::query(
            "SELECT a.* FROM audit_log a JOIN incidents i ON a.incident_id = i.id \
             WHERE i.number = ? ORDER BY a.id",
        )
        .bind(number.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The newest entries older than `before` (an entry id), newest first.
    pub async fn audit_page(&self, before: Option<i64>) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?")
            .bind(before.unwrap_or(i64::MAX))
            .bind(AUDIT_PAGE)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }
}
