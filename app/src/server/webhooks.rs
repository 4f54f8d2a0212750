//! The webhook worker: sends due deliveries, signed, and records each
//! attempt; a failed one waits (doubling from the configured base) and is
//! tried again, with the same delivery id, which receivers use to ignore a
//! repeat. Deliveries are written with the change they report, so a
//! receiver that is down loses nothing.

use std::time::Duration;

use chrono::Utc;

use crate::db::{Attempt, Db, DueDelivery};
use crate::domain::webhook::{backoff_ms, sign};

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries one worker claims at a time; it sends them one after another.
const BATCH: i64 = 10;
/// A worker holds a claimed delivery this long: longer than sending its
/// whole batch can take, so that with several instances no other worker
/// claims (and sends again) the end of a slow batch. One that dies mid-send
/// lets its deliveries go after it.
const LEASE_MS: i64 = BATCH * TIMEOUT.as_millis() as i64 + 60_000;

/// Starts the worker on the runtime; it runs as long as the server.
pub fn spawn(db: Db, retry_base: Duration) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Debrief-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks: no HTTP client, deliveries wait: {e}");
            return;
        }
    };
    let base_ms = u64::try_from(retry_base.as_millis()).unwrap_or(5000).max(1);
    tokio::spawn(async move {
        loop {
            let sent = run_once(&db, &client, base_ms).await;
            if sent == 0 {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    });
}

/// Sends what is due now; returns how many were tried.
async fn run_once(db: &Db, client: &reqwest::Client, base_ms: u64) -> usize {
    let due = match db.claim_due_deliveries(Utc::now(), LEASE_MS, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!("webhooks: could not read due deliveries: {e}");
            return 0;
        }
    };
    let n = due.len();
    for delivery in due {
        let attempt = send(client, &delivery).await;
        let retry_in = backoff_ms(delivery.attempts + 1, base_ms);
        if let Attempt::Failed { error, .. } = &attempt {
            tracing::info!(delivery = %delivery.id, url = %delivery.url, "webhook attempt failed: {error}");
        }
        if let Err(e) = db
            .record_attempt(
                &delivery.id,
                &attempt,
                i64::try_from(retry_in).unwrap_or(i64::MAX),
                Utc::now(),
            )
            .await
        {
            tracing::warn!("webhooks: could not record an attempt: {e}");
        }
    }
    n
}

async fn send(client: &reqwest::Client, d: &DueDelivery) -> Attempt {
    let result = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("x-debrief-event", &d.event)
        .header("x-debrief-delivery", &d.id)
        .header("x-debrief-signature", sign(&d.secret, d.body.as_bytes()))
        .body(d.body.clone())
        .send()
        .await;
    match result {
        Ok(res) if res.status().is_success() => Attempt::Delivered {
            status: i64::from(res.status().as_u16()),
        },
        Ok(res) => Attempt::Failed {
            status: Some(i64::from(res.status().as_u16())),
            error: format!("the receiver answered {}", res.status()),
        },
        Err(e) => Attempt::Failed {
            status: None,
            error: if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                "could not connect".into()
            } else {
                e.to_string()
            },
        },
    }
}
