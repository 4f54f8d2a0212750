//! The outgoing webhook's endpoints and deliveries. A delivery is written in
//! the transaction of the change it reports; the worker claims due ones
//! with a lease (so two workers never send the same one at once), sends
//! them, and records each attempt.

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};

use super::audit::{Change, record};
use super::{Db, DbError, from_epoch, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::countermeasure::{CmStatus, CountermeasureContent};
use crate::domain::webhook::{DeliveryRecord, Event, MAX_ATTEMPTS, WebhookEndpoint, body};

/// A delivery the worker is to send now.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub body: String,
    pub attempts: i64,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub enum Attempt {
    Delivered { status: i64 },
    Failed { status: Option<i64>, error: String },
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Queues `event` about countermeasure `number` for every active endpoint,
/// inside the caller's transaction.
pub(super) async fn enqueue(
    tx: &mut Transaction<'static, Sqlite>,
    event: Event,
    number: i64,
    content: &CountermeasureContent,
    previous: Option<CmStatus>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let endpoints: Vec<String> =
        sqlx::query_scalar("SELECT id FROM webhook_endpoints WHERE active = 1")
            .fetch_all(&mut **tx)
            .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let event_id = uuid::Uuid::new_v4().to_string();
    let text = body(event, &event_id, number, content, previous, now);
    for endpoint in endpoints {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event, body, state, attempts, \
             next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(endpoint)
        .bind(event.code())
        .bind(&text)
        .bind(millis(now))
        .bind(to_epoch(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Db {
    pub async fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        let mut tx = self.write().await?;
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, secret, active, created_by, created_at) \
             VALUES (?, ?, ?, 1, ?, ?)",
        )
        .bind(&id)
        .bind(url)
        .bind(secret)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .execute(&mut *tx)
        .await?;
        audit_endpoint(&mut tx, actor, "created", &id, url, "", "active", now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_webhook_active(
        &self,
        id: &str,
        active: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        let url: String = sqlx::query_scalar("SELECT url FROM webhook_endpoints WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(DbError::NotFound)?;
        sqlx::query("UPDATE webhook_endpoints SET active = ? WHERE id = ?")
            .bind(active)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let (before, after) = if active {
            ("paused", "active")
        } else {
            ("active", "paused")
        };
        audit_endpoint(&mut tx, actor, "updated", id, &url, before, after, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>, DbError> {
        let rows = sqlx::query(
            "SELECT id, url, active, created_by, created_at FROM webhook_endpoints ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookEndpoint {
                    id: r.try_get("id")?,
                    url: r.try_get("url")?,
                    active: r.try_get("active")?,
                    created_by: r.try_get("created_by")?,
                    created_at: from_epoch(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// The latest deliveries, newest first.
    pub async fn recent_deliveries(&self, limit: i64) -> Result<Vec<DeliveryRecord>, DbError> {
        let rows = sqlx::query(
            "SELECT d.*, e.url FROM webhook_deliveries d JOIN webhook_endpoints e \
             ON e.id = d.endpoint_id ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryRecord {
                    id: r.try_get("id")?,
                    url: r.try_get("url")?,
                    event: r.try_get("event")?,
                    state: r.try_get("state")?,
                    attempts: r.try_get("attempts")?,
                    last_status: r.try_get("last_status")?,
                    last_error: r.try_get("last_error")?,
                    next_attempt_at: from_millis(r.try_get("next_attempt_at")?),
                    created_at: from_epoch(r.try_get("created_at")?),
                    delivered_at: r.try_get::<Option<i64>, _>("delivered_at")?.map(from_epoch),
                })
            })
            .collect()
    }

    /// Claims up to `limit` due deliveries for `lease_ms`: another worker
    /// skips them until the lease ends (a worker that dies mid-send lets
    /// them go again).
    pub async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, DbError> {
        // The worker asks several times a second: a plain read first, so
        // that an idle server never takes the write lock for nothing.
        let any_due: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? LIMIT 1",
        )
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "UPDATE webhook_deliveries SET lease_until = ? WHERE id IN ( \
               SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND e.active = 1 \
               AND (d.lease_until IS NULL OR d.lease_until < ?) \
               ORDER BY d.next_attempt_at LIMIT ?) \
             RETURNING id, endpoint_id, event, body, attempts",
        )
        .bind(millis(now) + lease_ms)
        .bind(millis(now))
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let endpoint: String = r.try_get("endpoint_id")?;
            let e = sqlx::query("SELECT url, secret FROM webhook_endpoints WHERE id = ?")
                .bind(&endpoint)
                .fetch_one(&mut *tx)
                .await?;
            out.push(DueDelivery {
                id: r.try_get("id")?,
                url: e.try_get("url")?,
                secret: e.try_get("secret")?,
                event: r.try_get("event")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Records an attempt: delivered, or failed with the next try after
    /// `retry_in_ms` (failed for good after [`MAX_ATTEMPTS`]).
    pub async fn record_attempt(
        &self,
        id: &str,
        attempt: &Attempt,
        retry_in_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        match attempt {
            Attempt::Delivered { status } => {
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, \
                     last_status = ?, last_error = '', lease_until = NULL, delivered_at = ? WHERE id = ?",
                )
                .bind(status)
                .bind(to_epoch(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Attempt::Failed { status, error } => {
                sqlx::query(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, \
                     last_error = ?, lease_until = NULL, next_attempt_at = ?, \
                     state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
                )
                .bind(status)
                .bind(error)
                .bind(millis(now) + retry_in_ms)
                .bind(MAX_ATTEMPTS)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sends a failed delivery again from its first attempt's schedule.
    pub async fn retry_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, \
             lease_until = NULL WHERE id = ? AND state = 'failed'",
        )
        .bind(millis(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM webhook_deliveries WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
            if exists.is_none() {
                return Err(DbError::NotFound);
            }
            return Err(DbError::Refused {
                field: "delivery",
                message: "Only a failed delivery can be retried; this one is delivered or still being tried.".into(),
            });
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn audit_endpoint(
    tx: &mut Transaction<'static, Sqlite>,
    actor: &Actor,
    action: &str,
    id: &str,
    url: &str,
    before: &str,
    after: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "webhook",
            object_id: id,
            object_label: url,
            changes: &[FieldChange {
                field: "state".into(),
                before: before.into(),
                after: after.into(),
            }],
            incident_id: None,
        },
        now,
    )
    .await
}
