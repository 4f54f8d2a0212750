//! The audit log: one row per change, written in the same transaction as the
//! change itself, so the log and the data never disagree.

use super::{Db, DbError, DbRow, Tx, sql, stored_time, to_epoch};
use crate::domain::audit::{Actor, AuditEntry, FieldChange};
use chrono::{DateTime, Utc};

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
    tx: &mut Tx,
    actor: &Actor,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let changes = serde_json::to_string(change.changes)
        .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(e.into())))?;
    sql("INSERT INTO audit_log (at, actor_id, actor_name, action, object_kind, object_id, object_label, changes, incident_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
    .bind(to_epoch(now))
    .bind(actor.user_id.as_deref())
    .bind(&actor.name)
    .bind(change.action)
    .bind(change.object_kind)
    .bind(change.object_id)
    .bind(change.object_label)
    .bind(changes)
    .bind(change.incident_id)
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) fn entry_from_row(row: &impl DbRow) -> Result<AuditEntry, DbError> {
    let changes: String = row.col("changes")?;
    let id: i64 = row.col("id")?;
    // The log is read by everyone who reads history: a row whose changes
    // cannot be read (written outside Debrief) is shown saying so.
    let changes = serde_json::from_str(&changes).unwrap_or_else(|e| {
        tracing::warn!("audit_log row {id}: its changes cannot be read ({e})");
        vec![FieldChange {
            field: "(changes)".into(),
            before: String::new(),
            after: "unreadable: this history row was damaged outside Debrief".into(),
        }]
    });
    Ok(AuditEntry {
        id,
        at: stored_time(row, "audit_log", "at")?.unwrap_or_default(),
        actor_name: row.col("actor_name")?,
        action: row.col("action")?,
        object_kind: row.col("object_kind")?,
        object_id: row.col("object_id")?,
        object_label: row.col("object_label")?,
        changes,
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
        let rows = sql(
            "SELECT a.* FROM audit_log a JOIN incidents i ON a.incident_id = i.id \
             WHERE i.number = $1 ORDER BY a.id",
        )
        .bind(number.0)
        .fetch_all(self)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The newest entries older than `before` (an entry id), newest first.
    pub async fn audit_page(&self, before: Option<i64>) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sql("SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2")
            .bind(before.unwrap_or(i64::MAX))
            .bind(AUDIT_PAGE)
            .fetch_all(self)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }
}
