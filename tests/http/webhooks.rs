//! The outgoing webhook against a real HTTP receiver started here on
//! loopback: events arrive signed, a receiver that fails the first attempts
//! still gets each event once it recovers (the same delivery id on every
//! try, for its idempotency), and the delivery log says what happened.
//! Loopback is allowed only because these servers are started with
//! `WEBHOOKS_TO_LOOPBACK`; without it, inside addresses are refused both
//! when an endpoint is saved and when it is sent to, and logs never carry
//! an endpoint's URL (its path may hold a token).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{Server, WEBHOOKS_TO_LOOPBACK, incident_form};
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
    // Any path: a hook's path may carry its token.
    let app = axum::Router::new()
        .fallback(axum::routing::post(hook))
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

/// What `sql` reads once it reads `expected`, or after 30 s whatever it
/// reads then (for the caller's assertion to show).
async fn settled(db_path: &std::path::Path, sql: &str, expected: &str) -> String {
    for _ in 0..600 {
        let now = common::query_text(db_path, sql).await;
        if now == expected {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    common::query_text(db_path, sql).await
}

#[tokio::test]
async fn a_receiver_that_fails_at_first_gets_each_event_once_it_recovers() {
    let server = Server::start_with_args(&[
        "--webhook-retry-base-ms",
        "50",
        WEBHOOKS_TO_LOOPBACK[0],
        WEBHOOKS_TO_LOOPBACK[1],
    ]);
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
    // The server records the attempt after the receiver has answered it.
    let log = settled(
        &server.db_path,
        "SELECT state || ' ' || attempts || ' ' || last_status FROM webhook_deliveries",
        "delivered 3 200",
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
    let server = Server::start_with_args(&[
        "--webhook-retry-base-ms",
        "50",
        WEBHOOKS_TO_LOOPBACK[0],
        WEBHOOKS_TO_LOOPBACK[1],
    ]);
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

/// Files a countermeasure on a new incident: an event for every endpoint.
async fn file_countermeasure(server: &Server) {
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
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// The first `n` rows of a one-column query, as text.
async fn texts(server: &Server, sql: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for row in 0..n {
        out.push(common::query_text(&server.db_path, &format!("{sql} LIMIT 1 OFFSET {row}")).await);
    }
    out
}

/// Waits until every delivery has been tried at least `n` times (bounded).
async fn tried(server: &Server, n: i64) {
    for _ in 0..600 {
        let least = common::query_i64(
            &server.db_path,
            "SELECT COALESCE(MIN(attempts), 0) FROM webhook_deliveries",
        )
        .await;
        if least >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deliveries were not tried {n} times within 30 s");
}

#[tokio::test]
async fn endpoints_inside_the_network_are_refused_when_saved() {
    // No allowed networks: the default.
    let server = Server::start();
    let (url, seen) = receiver(0).await;
    let admin = server.as_user("admin").await;
    let refused = admin
        .post(
            "/api/admin/add_webhook",
            &[("url", &url), ("secret", SECRET)],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains(
            "The URL points to 127.0.0.1, a loopback address (this server itself). \
             Debrief sends webhooks only to public addresses"
        ) && text.contains("Nothing was saved.")
            && text.contains("--webhook-allowed-networks"),
        "{text}"
    );
    // Every spelling of an inside address is read as the sender reads it.
    for (target, kind) in [
        ("http://2130706433/hook", "127.0.0.1, a loopback address"),
        ("http://0x7f.1/hook", "127.0.0.1, a loopback address"),
        ("http://127.1/hook", "127.0.0.1, a loopback address"),
        ("http://0177.0.0.1/hook", "127.0.0.1, a loopback address"),
        (
            "http://[::ffff:127.0.0.1]/hook",
            "::ffff:127.0.0.1, a loopback address",
        ),
        ("http://[::1]:8080/hook", "::1, a loopback address"),
        (
            "http://localhost:8080/hook",
            "localhost, a loopback address",
        ),
        (
            "http://hooks.localhost/hook",
            "hooks.localhost, a loopback address",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254, a link-local address",
        ),
        ("http://10.0.0.5/hook", "10.0.0.5, a private address"),
        ("http://172.16.0.1/hook", "172.16.0.1, a private address"),
        ("http://192.168.1.1/hook", "192.168.1.1, a private address"),
        (
            "http://100.64.0.1/hook",
            "100.64.0.1, a carrier-grade NAT address",
        ),
        ("http://0.0.0.0/hook", "0.0.0.0, an unspecified address"),
        (
            "http://[fd00::1]/hook",
            "fd00::1, a unique local (private) address",
        ),
        ("http://[fe80::1]/hook", "fe80::1, a link-local address"),
        ("http://224.0.0.1/hook", "224.0.0.1, a multicast address"),
        (
            "http://255.255.255.255/hook",
            "255.255.255.255, the broadcast address",
        ),
        (
            "https://192.0.2.1/hook",
            "192.0.2.1, a documentation address",
        ),
    ] {
        let refused = admin
            .post(
                "/api/admin/add_webhook",
                &[("url", target), ("secret", SECRET)],
            )
            .await;
        assert_eq!(refused.status(), 400, "{target}");
        let text = refused.text().await.unwrap();
        assert!(
            text.contains(&format!("The URL points to {kind}")),
            "{target}: {text}"
        );
    }
    assert_eq!(
        common::query_i64(&server.db_path, "SELECT COUNT(*) FROM webhook_endpoints").await,
        0,
        "nothing was saved"
    );
    // A public name is saved (its address is checked when it is sent to).
    let res = admin
        .post(
            "/api/admin/add_webhook",
            &[("url", "https://hooks.example/debrief"), ("secret", SECRET)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_inside_target_is_not_contacted_and_open_and_closed_ports_look_alike() {
    // Endpoints that were saved before the check, or whose name now
    // resolves inside: the worker refuses them without connecting.
    let server = Server::start_with_args(&["--webhook-retry-base-ms", "50"]);
    let (open, seen) = receiver(0).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/hook")
    };
    let by_name = open.replace("127.0.0.1", "localhost");
    for (id, url) in [("open", &open), ("closed", &closed), ("by-name", &by_name)] {
        common::execute_sql(
            &server.db_path,
            &format!(
                "INSERT INTO webhook_endpoints (id, url, secret, active, created_by, created_at) \
                 VALUES ('{id}', '{url}', '{SECRET}', TRUE, 'test', 0)"
            ),
        )
        .await;
    }
    file_countermeasure(&server).await;
    tried(&server, 2).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "the receiver was never contacted"
    );
    let error_of = |id: &'static str| {
        let db = server.db_path.clone();
        async move {
            common::query_text(
                &db,
                &format!("SELECT last_error FROM webhook_deliveries WHERE endpoint_id = '{id}'"),
            )
            .await
        }
    };
    let (open_error, closed_error) = (error_of("open").await, error_of("closed").await);
    assert_eq!(
        open_error,
        "Target not allowed: 127.0.0.1 is a loopback address (this server itself), and Debrief \
         sends webhooks only to public addresses. No connection was attempted. Use the \
         receiver's public host name, or allow its network with --webhook-allowed-networks."
    );
    assert_eq!(
        open_error, closed_error,
        "nothing tells an open port from a closed one"
    );
    assert_eq!(
        error_of("by-name").await,
        "Target not allowed: localhost resolves only to non-public addresses, and Debrief \
         sends webhooks only to public addresses. No connection was attempted. Use the \
         receiver's public host name, or allow its network with --webhook-allowed-networks."
    );
    let page = server.as_user("admin").await.page("/admin/webhooks").await;
    assert!(
        page.contains("Target not allowed"),
        "the delivery log says why"
    );
}

#[tokio::test]
async fn failed_attempts_are_logged_by_endpoint_and_host_never_by_url() {
    const TOKEN: &str = "T0001/B0002/s3cr3tT0kenInThePath";
    let server = Server::start_with_args(&[
        "--webhook-retry-base-ms",
        "50",
        "--log-level",
        "info",
        WEBHOOKS_TO_LOOPBACK[0],
        WEBHOOKS_TO_LOOPBACK[1],
    ]);
    // A receiver that keeps failing, one that is not there, and one that
    // hangs up without answering (an error that names the URL in reqwest).
    let (failing, _seen) = receiver(usize::MAX).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    };
    let hang_up = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        base
    };
    let admin = server.as_user("admin").await;
    let targets = [
        format!("{failing}/services/{TOKEN}?token={TOKEN}"),
        format!("{closed}/services/{TOKEN}"),
        format!("{hang_up}/services/{TOKEN}"),
    ];
    for url in &targets {
        let res = admin
            .post(
                "/api/admin/add_webhook",
                &[("url", url.as_str()), ("secret", SECRET)],
            )
            .await;
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }
    file_countermeasure(&server).await;
    tried(&server, 2).await;

    let errors = texts(
        &server,
        "SELECT last_error FROM webhook_deliveries ORDER BY id",
        3,
    )
    .await
    .join(" | ");
    assert!(!errors.contains("s3cr3t"), "{errors}");
    assert!(errors.contains("the receiver answered 503"), "{errors}");
    assert!(errors.contains("could not connect"), "{errors}");
    // reqwest's own message (which names the URL) for the hang-up.
    assert!(errors.contains("error sending request"), "{errors}");
    let page = admin.page("/admin/webhooks").await;
    // The delivery log (the endpoints list above it, for administrators
    // only, shows the URLs they saved).
    let deliveries = page
        .split("<h2>Deliveries</h2>")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap();
    assert!(!deliveries.contains("s3cr3t"), "{deliveries}");
    let failing_host = failing.trim_end_matches("/hook");
    assert!(
        deliveries.contains(&format!("{failing_host}/…")),
        "{deliveries}"
    );
    let audit = admin.page("/admin/audit").await;
    assert!(!audit.contains("s3cr3t"), "{audit}");

    let ids = texts(&server, "SELECT id FROM webhook_endpoints ORDER BY id", 3).await;
    let log = server.stop_and_read_log();
    assert!(!log.contains("s3cr3t"), "{log}");
    for id in &ids {
        assert!(
            log.lines()
                .any(|l| l.contains("webhook attempt failed") && l.contains(id)),
            "a failed attempt of endpoint {id} is logged: {log}"
        );
    }
    assert!(log.contains(&format!("{failing_host}/…")), "{log}");
}
