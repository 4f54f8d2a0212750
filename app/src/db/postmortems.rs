//! Post-mortem documents: the current text of each incident's document, and
//! every version as it was saved, published or reopened. Each write checks
//! the version it was based on and records itself in the audit log, in one
//! transaction.

use chrono::{DateTime, Utc};

use super::audit::{self, Change};
use super::incidents::incident_id;
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, stored_value, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::postmortem::{DocStatus, Postmortem, VersionEntry};
use crate::domain::refusal::Refusal;

fn status_of(row: &impl DbRow) -> Result<DocStatus, DbError> {
    let code: String = row.col("status")?;
    DocStatus::parse(&code).ok_or_else(|| stored_value("postmortems", "status", &code))
}

fn postmortem_from_row(row: &impl DbRow) -> Result<Postmortem, DbError> {
    Ok(Postmortem {
        body: row.col("body")?,
        status: status_of(row)?,
        version: row.col("version")?,
        updated_at: from_epoch(row.col("updated_at")?),
        updated_by: row.col("updated_by")?,
        published_at: row.col::<Option<i64>>("published_at")?.map(from_epoch),
    })
}

pub(super) async fn current_in(
    tx: &mut Tx,
    incident_id: &str,
) -> Result<Option<Postmortem>, DbError> {
    sql("SELECT * FROM postmortems WHERE incident_id = $1")
        .bind(incident_id)
        .fetch_optional(tx)
        .await?
        .as_ref()
        .map(postmortem_from_row)
        .transpose()
}

/// What one write does.
struct Write<'a> {
    number: IncidentNumber,
    base_version: i64,
    body: Option<&'a str>,
    status: DocStatus,
    action: &'static str,
}

impl Db {
    /// The incident's post-mortem, or `None` before the first save.
    /// `NotFound` when there is no such incident.
    pub async fn postmortem(&self, number: IncidentNumber) -> Result<Option<Postmortem>, DbError> {
        let mut tx = self.read().await?;
        let id = incident_id(&mut tx, number).await?;
        current_in(&mut tx, &id).await
    }

    /// Saves a new text, based on `base_version` (0 for the first save).
    /// Refused when the document is published (reopen it first) or when
    /// someone saved since; returns the new version.
    pub async fn save_postmortem(
        &self,
        number: IncidentNumber,
        base_version: i64,
        body: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        self.write_postmortem(
            Write {
                number,
                base_version,
                body: Some(body),
                status: DocStatus::Draft,
                action: "saved",
            },
            actor,
            now,
        )
        .await
    }

    /// Publishes (read-only from then on) or reopens the document, based on
    /// `base_version`; returns the new version.
    pub async fn set_postmortem_status(
        &self,
        number: IncidentNumber,
        base_version: i64,
        status: DocStatus,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let action = match status {
            DocStatus::Published => "published",
            DocStatus::Draft => "reopened",
        };
        self.write_postmortem(
            Write {
                number,
                base_version,
                body: None,
                status,
                action,
            },
            actor,
            now,
        )
        .await
    }

    async fn write_postmortem(
        &self,
        write: Write<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let id = incident_id(&mut tx, write.number).await?;
        let before = current_in(&mut tx, &id).await?;
        let current_version = before.as_ref().map_or(0, |p| p.version);
        if current_version != write.base_version {
            return Err(DbError::Conflict {
                current: current_version,
            });
        }
        let before_status = before.as_ref().map(|p| p.status);
        match (write.body.is_some(), before_status, write.status) {
            (true, Some(DocStatus::Published), _) => {
                return Err(DbError::Refused(Refusal::PostmortemPublished));
            }
            (false, None, _) => {
                return Err(DbError::Refused(Refusal::NoPostmortem));
            }
            (false, Some(s), wanted) if s == wanted => {
                return Err(DbError::Refused(Refusal::PostmortemAlready(wanted)));
            }
            _ => {}
        }
        let body = match (write.body, &before) {
            (Some(body), _) => body.to_string(),
            (None, Some(p)) => p.body.clone(),
            (None, None) => String::new(),
        };
        let version = current_version + 1;
        let published_at = match write.status {
            DocStatus::Published => Some(to_epoch(now)),
            DocStatus::Draft => None,
        };
        sql("INSERT INTO postmortems (incident_id, body, status, version, updated_at, updated_by, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (incident_id) DO UPDATE SET body = excluded.body, status = excluded.status, \
             version = excluded.version, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by, published_at = excluded.published_at")
        .bind(&id)
        .bind(&body)
        .bind(write.status.code())
        .bind(version)
        .bind(to_epoch(now))
        .bind(&actor.name)
        .bind(published_at)
        .execute(&mut tx)
        .await?;
        sql("INSERT INTO postmortem_versions (incident_id, version, body, status, action, saved_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(version)
        .bind(&body)
        .bind(write.status.code())
        .bind(write.action)
        .bind(to_epoch(now))
        .bind(&actor.name)
        .execute(&mut tx)
        .await?;
        let changes = match before_status {
            Some(s) if s != write.status => vec![FieldChange {
                field: "status".into(),
                before: s.label().into(),
                after: write.status.label().into(),
            }],
            _ => vec![FieldChange {
                field: "version".into(),
                before: current_version.to_string(),
                after: version.to_string(),
            }],
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: write.action,
                object_kind: "postmortem",
                object_id: &id,
                object_label: &format!("Post-mortem of #{}", write.number.0),
                changes: &changes,
                incident_id: Some(&id),
            },
            now,
        )
        .await?;
        if write.status == DocStatus::Published {
            // Publishing is the end of the review: the incident says so.
            super::incidents::advance_status(
                &mut tx,
                write.number,
                crate::domain::incident::Status::Published,
                actor,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(version)
    }

    /// Every version of the document, newest first.
    pub async fn postmortem_versions(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<VersionEntry>, DbError> {
        let rows = sql(
            "SELECT v.version, v.status, v.action, v.saved_at, v.saved_by, \
             CAST(length(v.body) AS BIGINT) AS chars \
             FROM postmortem_versions v JOIN incidents i ON i.id = v.incident_id \
             WHERE i.number = $1 ORDER BY v.version DESC",
        )
        .bind(number.0)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(VersionEntry {
                    version: row.col("version")?,
                    status: status_of(row)?,
                    action: row.col("action")?,
                    saved_at: from_epoch(row.col("saved_at")?),
                    saved_by: row.col("saved_by")?,
                    chars: row.col::<i64>("chars")? as usize,
                })
            })
            .collect()
    }

    /// The text of one version, or `None`.
    pub async fn postmortem_version_body(
        &self,
        number: IncidentNumber,
        version: i64,
    ) -> Result<Option<String>, DbError> {
        Ok(sql(
            "SELECT v.body FROM postmortem_versions v JOIN incidents i ON i.id = v.incident_id \
             WHERE i.number = $1 AND v.version = $2",
        )
        .bind(number.0)
        .bind(version)
        .scalar_optional(self)
        .await?)
    }
}
