//! The outgoing webhook's endpoints and deliveries. A delivery is written in
//! the transaction of the change it reports; the worker claims due ones
//! with a lease (so two workers never send the same one at once), sends
//! them, and records each attempt.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::countermeasure::{CmStatus, CountermeasureContent};
use crate::domain::refusal::Refusal;
use crate::domain::webhook::{
    DeliveryRecord, Event, MAX_ATTEMPTS, WebhookEndpoint, body, endpoint_label,
};

/// A delivery the worker is to send now.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    /// What logs name the endpoint by (its URL may carry a token).
    pub endpoint_id: String,
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
    tx: &mut Tx,
    event: Event,
    number: i64,
    content: &CountermeasureContent,
    previous: Option<CmStatus>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let endpoints: Vec<String> = sql("SELECT id FROM webhook_endpoints WHERE active = TRUE")
        .scalars(&mut *tx)
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let event_id = uuid::Uuid::new_v4().to_string();
    let text = body(event, &event_id, number, content, previous, now);
    for endpoint in endpoints {
        sql(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event, body, state, attempts, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&endpoint)
        .bind(event.code())
        .bind(&text)
        .bind(millis(now))
        .bind(to_epoch(now))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

fn delivery_from_row(r: &impl DbRow) -> Result<DeliveryRecord, DbError> {
    Ok(DeliveryRecord {
        id: r.col("id")?,
        url: r.col("url")?,
        event: r.col("event")?,
        state: r.col("state")?,
        attempts: r.col("attempts")?,
        last_status: r.col("last_status")?,
        last_error: r.col("last_error")?,
        next_attempt_at: from_millis(r.col("next_attempt_at")?),
        created_at: from_epoch(r.col("created_at")?),
        delivered_at: r.col::<Option<i64>>("delivered_at")?.map(from_epoch),
    })
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
        sql(
            "INSERT INTO webhook_endpoints (id, url, secret, active, created_by, created_at) \
             VALUES ($1, $2, $3, TRUE, $4, $5)",
        )
        .bind(&id)
        .bind(url)
        .bind(secret)
        .bind(&actor.name)
        .bind(to_epoch(now))
        .execute(&mut tx)
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
        let url: String = sql("SELECT url FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .scalar_optional(&mut tx)
            .await?
            .ok_or(DbError::NotFound(crate::domain::missing::Missing::Webhook))?;
        sql("UPDATE webhook_endpoints SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(id)
            .execute(&mut tx)
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
        let rows = sql(
            "SELECT id, url, active, created_by, created_at FROM webhook_endpoints ORDER BY created_at, id",
        )
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookEndpoint {
                    id: r.col("id")?,
                    url: r.col("url")?,
                    active: r.col("active")?,
                    created_by: r.col("created_by")?,
                    created_at: from_epoch(r.col("created_at")?),
                })
            })
            .collect()
    }

    /// The latest deliveries, newest first.
    pub async fn recent_deliveries(&self, limit: i64) -> Result<Vec<DeliveryRecord>, DbError> {
        // Deliveries of one second come newest first: SQLite has their
        // insertion order (rowid); PostgreSQL has no rowid and falls back to
        // the key, so ties there come in id order.
        let text = if self.is_postgres() {
            "SELECT d.*, e.url FROM webhook_deliveries d JOIN webhook_endpoints e \
             ON e.id = d.endpoint_id ORDER BY d.created_at DESC, d.id DESC LIMIT $1"
        } else {
            "SELECT d.*, e.url FROM webhook_deliveries d JOIN webhook_endpoints e \
             ON e.id = d.endpoint_id ORDER BY d.created_at DESC, d.rowid DESC LIMIT $1"
        };
        let rows = sql(text).bind(limit).fetch_all(self).await?;
        rows.iter().map(delivery_from_row).collect()
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
        let any_due: bool = sql("SELECT EXISTS (SELECT 1 FROM webhook_deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $1)")
        .bind(millis(now))
        .scalar(self)
        .await?;
        if !any_due {
            return Ok(Vec::new());
        }
        if let super::On::Postgres(pool) = &self.pool {
            // Several instances run the worker: one statement claims the
            // rows it locks and skips those another worker is claiming right
            // now (the lease keeps them skipped once that one commits). It
            // needs no write lock: no trigger or version follows these rows.
            let rows = sqlx::query(
                "UPDATE webhook_deliveries d SET lease_until = $1 \
                 FROM webhook_endpoints e \
                 WHERE e.id = d.endpoint_id AND d.id IN ( \
                   SELECT q.id FROM webhook_deliveries q JOIN webhook_endpoints qe ON qe.id = q.endpoint_id \
                   WHERE q.state = 'pending' AND q.next_attempt_at <= $2 AND qe.active = TRUE \
                   AND (q.lease_until IS NULL OR q.lease_until < $2) \
                   ORDER BY q.next_attempt_at LIMIT $3 \
                   FOR UPDATE OF q SKIP LOCKED) \
                 RETURNING d.id, d.endpoint_id, e.url, e.secret, d.event, d.body, d.attempts",
            )
            .bind(millis(now) + lease_ms)
            .bind(millis(now))
            .bind(limit)
            .fetch_all(pool)
            .await?;
            return rows
                .iter()
                .map(|r| {
                    Ok(DueDelivery {
                        id: r.col("id")?,
                        endpoint_id: r.col("endpoint_id")?,
                        url: r.col("url")?,
                        secret: r.col("secret")?,
                        event: r.col("event")?,
                        body: r.col("body")?,
                        attempts: r.col("attempts")?,
                    })
                })
                .collect();
        }
        // SQLite: one worker, and the write transaction holds the only
        // write lock. (SQLite's RETURNING cannot name the endpoint joined by
        // UPDATE … FROM, hence the look-up per row.)
        let mut tx = self.write().await?;
        let rows = sql(
            "UPDATE webhook_deliveries SET lease_until = $1 WHERE id IN ( \
               SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.state = 'pending' AND d.next_attempt_at <= $2 AND e.active = TRUE \
               AND (d.lease_until IS NULL OR d.lease_until < $3) \
               ORDER BY d.next_attempt_at LIMIT $4) \
             RETURNING id, endpoint_id, event, body, attempts",
        )
        .bind(millis(now) + lease_ms)
        .bind(millis(now))
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&mut tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let endpoint: String = r.col("endpoint_id")?;
            let e = sql("SELECT url, secret FROM webhook_endpoints WHERE id = $1")
                .bind(&endpoint)
                .fetch_one(&mut tx)
                .await?;
            out.push(DueDelivery {
                id: r.col("id")?,
                endpoint_id: endpoint,
                url: e.col("url")?,
                secret: e.col("secret")?,
                event: r.col("event")?,
                body: r.col("body")?,
                attempts: r.col("attempts")?,
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
                sql(
                    "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, \
                     last_status = $1, last_error = '', lease_until = NULL, delivered_at = $2 WHERE id = $3",
                )
                .bind(*status)
                .bind(to_epoch(now))
                .bind(id)
                .execute(&mut tx)
                .await?;
            }
            Attempt::Failed { status, error } => {
                sql(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, \
                     last_error = $2, lease_until = NULL, next_attempt_at = $3, \
                     state = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END WHERE id = $5",
                )
                .bind(*status)
                .bind(error)
                .bind(millis(now) + retry_in_ms)
                .bind(MAX_ATTEMPTS)
                .bind(id)
                .execute(&mut tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sends a failed delivery again from its first attempt's schedule.
    pub async fn retry_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        let done = sql(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, \
             lease_until = NULL WHERE id = $2 AND state = 'failed'",
        )
        .bind(millis(now))
        .bind(id)
        .execute(self)
        .await?;
        if done == 0 {
            let exists: bool =
                sql("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)")
                    .bind(id)
                    .scalar(self)
                    .await?;
            if !exists {
                return Err(DbError::NotFound(crate::domain::missing::Missing::Delivery));
            }
            return Err(DbError::Refused(Refusal::DeliveryNotFailed));
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn audit_endpoint(
    tx: &mut Tx,
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
            // Not the whole URL: its path and query may hold a token.
            object_label: &endpoint_label(url),
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
