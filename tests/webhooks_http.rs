//! The outgoing webhook against a real HTTP receiver started here on
//! loopback: events arrive signed, a receiver that fails the first attempts
//! still gets each event once it recovers (the same delivery id on every
//! try, for its idempotency), and the delivery log says what happened.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{Server, incident_form};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const SECRET: &str = "whsec_test_0123456789abcdef0123456789abcdef";

/// What the receiver saw: headers, body, and the status it answered.
type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes, u16)>>>;

/// A receiver on loopback that answers 503 to its first `fail_first`
/// requests and 200 after.
async fn receiver(fail_first: usize) -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn hook(
        State((seen, fail_first)): State<(Seen, usize)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let mut seen = seen.lock().unwrap();
        let status = if seen.len() < fail_first {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        seen.push((headers, body, status.as_u16()));
        status
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state((seen.clone(), fail_first));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn verifies(headers: &HeaderMap, body: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    headers["x-debrief-signature"].to_str().unwrap() == format!("sha256={expected}")
}

/// Waits until the receiver has answered 200 `n` times (bounded).
async fn delivered(seen: &Seen, n: usize) {
    for _ in 0..600 {
        if seen.lock().unwrap().iter().filter(|s| s.2 == 200).count() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no delivery within 30 s: {:?}", seen.lock().unwrap().len());
}

#[tokio::test]
async fn a_receiver_that_fails_at_first_gets_each_event_once_it_recovers() {
    let server = Server::start_with_args(&["--webhook-retry-base-ms", "50"]);
    let (url, seen) = receiver(2).await;
    let admin = server.as_user("admin").await;
    let res = admin
        .post(
            "/api/admin/add_webhook",
            &[("url", &url), ("secret", SECRET)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let refused = admin
        .post(
            "/api/admin/add_webhook",
            &[("url", "ftp://x"), ("secret", SECRET)],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let refused = server
        .post(
            "/api/admin/add_webhook",
            &[("url", &url), ("secret", SECRET)],
        )
        .await;
    assert_eq!(refused.status(), 403, "only administrators add endpoints");

    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on checkout p99"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[owner]", "Robin"),
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    delivered(&seen, 1).await;
    {
        let seen = seen.lock().unwrap();
        let statuses: Vec<u16> = seen.iter().map(|s| s.2).collect();
        assert_eq!(
            statuses,
            [503, 503, 200],
            "two failures, then delivered, once"
        );
        let ids: Vec<&str> = seen
            .iter()
            .map(|s| s.0["x-debrief-delivery"].to_str().unwrap())
            .collect();
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "the same delivery id: {ids:?}"
        );
        for (headers, body, _) in seen.iter() {
            assert!(verifies(headers, body), "the signature verifies");
            assert_eq!(headers["x-debrief-event"], "countermeasure.created");
        }
        let event: Value = serde_json::from_slice(&seen[2].1).unwrap();
        assert_eq!(event["event"], "countermeasure.created");
        assert_eq!(event["countermeasure"]["code"], "CM-1");
        assert_eq!(event["countermeasure"]["title"], "Alert on checkout p99");
        assert_eq!(event["countermeasure"]["incidents"], serde_json::json!([1]));
    }
    let log = common::query_text(
        &server.db_path,
        "SELECT state || ' ' || attempts || ' ' || last_status FROM webhook_deliveries",
    )
    .await;
    assert_eq!(log, "delivered 3 200");
    let page = admin.page("/admin/webhooks").await;
    assert!(page.contains(&url) && page.contains("countermeasure.created"));
    assert!(page.contains("delivery-delivered"));

    // A status change is an event of its own, with the status it left.
    let res = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "accepted")],
        )
        .await;
    assert_eq!(res.status(), 200);
    delivered(&seen, 2).await;
    let seen = seen.lock().unwrap();
    let last: Value = serde_json::from_slice(&seen.last().unwrap().1).unwrap();
    assert_eq!(last["event"], "countermeasure.status_changed");
    assert_eq!(last["countermeasure"]["status"], "accepted");
    assert_eq!(last["countermeasure"]["previous_status"], "proposed");
    assert_eq!(seen.len(), 4, "nothing sent twice once delivered");
}

#[tokio::test]
async fn a_paused_endpoint_gets_nothing_and_a_resumed_one_gets_what_follows() {
    let server = Server::start_with_args(&["--webhook-retry-base-ms", "50"]);
    let (url, seen) = receiver(0).await;
    let admin = server.as_user("admin").await;
    admin
        .post(
            "/api/admin/add_webhook",
            &[("url", &url), ("secret", SECRET)],
        )
        .await;
    let id = common::query_text(&server.db_path, "SELECT id FROM webhook_endpoints").await;
    let res = admin
        .post(
            "/api/admin/set_webhook_active",
            &[("id", &id), ("active", "no")],
        )
        .await;
    assert!(res.status().is_success());
    server
        .post(
            "/api/incidents/create",
            &incident_form("Search timeouts", "degradation", "search"),
        )
        .await;
    // Paused: the event is not queued for it at all.
    server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Runbook for search failover"),
                ("form[kind]", "documentation"),
                ("form[priority]", "low"),
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(
        common::query_i64(&server.db_path, "SELECT COUNT(*) FROM webhook_deliveries").await,
        0
    );
    admin
        .post(
            "/api/admin/set_webhook_active",
            &[("id", &id), ("active", "yes")],
        )
        .await;
    server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "done")],
        )
        .await;
    delivered(&seen, 1).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
}
