//! Debrief on PostgreSQL, with several instances of the real binary sharing
//! one database (a throwaway server from Debian's package; see
//! `common::postgres`): instances that start together migrate once; a
//! session, the sign-in limit and versioned writes hold across instances;
//! writers spread over two instances lose nothing; search works; and
//! `migrate-data` moves a SQLite deployment whose exports then match.

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::postgres;
use common::{Client, PASSWORD, Server, incident_form};

fn debrief(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .args(["--log-level", "warn"])
        .output()
        .expect("run debrief")
}

/// Two instances on one fresh PostgreSQL database with the usual accounts.
fn two_instances() -> (Server, Server, String) {
    let url = postgres::server().fresh_database();
    let a = Server::start_on_url(&url, true);
    let b = Server::start_on_url(&url, false);
    (a, b, url)
}

async fn create_incident(client: &Client, title: &str) -> i64 {
    let res = client
        .post(
            "/api/incidents/create",
            &incident_form(title, "outage", "checkout"),
        )
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body.trim()
        .trim_matches('"')
        .parse()
        .expect("the new number")
}

#[test]
fn instances_starting_together_apply_the_migrations_once() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let pg = postgres::server();
    let url = pg.fresh_database();
    let files = tempfile::tempdir().unwrap();
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            let attachments = files.path().join("attachments").display().to_string();
            let staging = files.path().join("staging").display().to_string();
            std::thread::spawn(move || {
                common::spawn_with(
                    &url,
                    &["--attachments-dir", &attachments, "--staging-dir", &staging],
                )
            })
        })
        .collect();
    let mut children = Vec::new();
    for start in starts {
        let (child, _) = start
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("an instance did not start: {e}"));
        children.push(child);
    }
    let name = url.rsplit('/').next().unwrap();
    let applied = pg.psql(
        name,
        "SELECT count(*), bool_and(success) FROM _sqlx_migrations",
    );
    let files = std::fs::read_dir(
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("migrations/postgres"),
    )
    .unwrap()
    .count();
    assert_eq!(
        applied,
        format!("{files}|t"),
        "each migration once, all applied"
    );
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[tokio::test]
async fn a_session_made_on_one_instance_is_valid_on_the_other() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let (a, b, _) = two_instances();
    // `a` signed in as editor when it started; use that session on `b`.
    let on_b = Client::new(&b.base, a.cookie.clone());
    let page = on_b.page("/incidents/new").await;
    assert!(page.contains("Editor person"), "signed in on b: {page}");
    let number = create_incident(&on_b, "Checkout latency after a deploy").await;
    let page = a.page(&format!("/incidents/{number}")).await;
    assert!(page.contains("Checkout latency after a deploy"));

    // Signing out through `b` ends the session everywhere.
    let res = on_b.post("/api/auth/logout", &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let res = a
        .post(
            "/api/incidents/create",
            &incident_form("After sign-out", "blip", "web"),
        )
        .await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("SignInRequired"));
}

#[tokio::test]
async fn failed_sign_ins_are_counted_across_instances() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let (a, b, _) = two_instances();
    let clients = [a.anonymous(), b.anonymous()];
    for i in 0..5 {
        let refused = clients[i % 2]
            .try_sign_in("viewer", "not the password")
            .await;
        assert!(refused.is_err(), "attempt {i} was refused");
    }
    // The sixth attempt, with the right password, waits on either instance.
    for client in &clients {
        let wait = client.try_sign_in("viewer", PASSWORD).await.unwrap_err();
        assert!(
            wait.contains("Too many failed sign-ins for this account"),
            "{wait}"
        );
    }
    // Another account is not held up.
    assert!(clients[1].try_sign_in("admin", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn guesses_made_at_once_over_two_instances_get_no_more_tries_than_the_limit() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let (a, b, url) = two_instances();
    let clients = [a.anonymous(), b.anonymous()];
    let guesses = (0..12).map(|i| {
        let client = clients[i % 2].clone();
        async move {
            client
                .try_sign_in("viewer", &format!("guess number {i}"))
                .await
                .unwrap_err()
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let tried = answers
        .iter()
        .filter(|a| a.contains("SignInFailed"))
        .count();
    let held = answers
        .iter()
        .filter(|a| a.contains("Too many failed sign-ins"))
        .count();
    assert_eq!(tried + held, 12, "{answers:?}");
    assert!(
        (1..=5).contains(&tried),
        "at most the limit of 5 guesses had their password checked: {answers:?}"
    );
    let name = url.rsplit('/').next().unwrap();
    assert_eq!(
        postgres::server().psql(
            name,
            "SELECT count(*) FROM sign_in_failures WHERE key = 'account:viewer'"
        ),
        tried.to_string(),
        "each checked guess is one recorded failure; held ones took theirs back"
    );
}

#[tokio::test]
async fn a_stale_edit_through_one_instance_after_a_save_through_the_other_is_refused() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let (a, b, _) = two_instances();
    let number = create_incident(&a, "DNS resolution failures")
        .await
        .to_string();
    let on_b = Client::new(&b.base, a.cookie.clone());

    let mut first = incident_form("DNS resolution failures in eu-west", "outage", "dns");
    first.extend([("number", number.as_str()), ("version", "1")]);
    let res = on_b.post("/api/incidents/update", &first).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(res.text().await.unwrap().trim(), "2");

    let mut stale = incident_form("A stale title", "blip", "web");
    stale.extend([("number", number.as_str()), ("version", "1")]);
    let res = a.post("/api/incidents/update", &stale).await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(body.contains("\"current_version\":2"), "{body}");
    let page = a.page(&format!("/incidents/{number}")).await;
    assert!(page.contains("DNS resolution failures in eu-west"));
    assert!(!page.contains("A stale title"));
}

#[tokio::test]
async fn writers_spread_over_two_instances_keep_every_accepted_write() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    const WRITERS: usize = 12;
    let (a, b, url) = two_instances();
    let number = create_incident(&a, "Checkout latency").await.to_string();
    let clients = [
        Client::new(&a.base, a.cookie.clone()),
        Client::new(&b.base, a.cookie.clone()),
    ];
    // Every writer adds an event through one instance or the other.
    let adds = (0..WRITERS).map(|w| {
        let client = clients[w % 2].clone();
        let number = number.clone();
        async move {
            let line = format!("14:{:02} action: Writer {w} restarted replica {w}", 10 + w);
            let res = client
                .post(
                    "/api/timeline/quick_add",
                    &[("number", number.as_str()), ("line", line.as_str())],
                )
                .await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    });
    for (status, body) in futures::future::join_all(adds).await {
        assert!((200..300).contains(&status), "{status}: {body}");
    }
    let name = url.rsplit('/').next().unwrap();
    let pg = postgres::server();
    assert_eq!(
        pg.psql(
            name,
            "SELECT count(*) FROM timeline_events WHERE body_markdown LIKE 'Writer %'"
        ),
        WRITERS.to_string()
    );

    // Everyone edits from version 1: exactly one is accepted, the others are
    // refused with the current version.
    let edits = (0..WRITERS).map(|w| {
        let client = clients[w % 2].clone();
        let number = number.clone();
        async move {
            let summary = format!("Summary as writer {w} understood it.");
            let mut form = incident_form("Checkout latency", "outage", "checkout");
            form.retain(|(k, _)| *k != "form[summary]");
            form.extend([
                ("form[summary]", summary.as_str()),
                ("number", number.as_str()),
                ("version", "1"),
            ]);
            let res = client.post("/api/incidents/update", &form).await;
            (w, res.status().as_u16(), res.text().await.unwrap())
        }
    });
    let told = futures::future::join_all(edits).await;
    let accepted: Vec<usize> = told
        .iter()
        .filter(|(_, s, _)| (200..300).contains(s))
        .map(|(w, _, _)| *w)
        .collect();
    assert_eq!(accepted.len(), 1, "{told:?}");
    for (_, status, body) in told.iter().filter(|(_, s, _)| !(200..300).contains(s)) {
        assert_eq!(*status, 409, "{body}");
        assert!(body.contains("\"current_version\":2"), "{body}");
    }
    assert_eq!(
        pg.psql(
            name,
            &format!("SELECT summary_markdown FROM incidents WHERE number = {number}")
        ),
        format!("Summary as writer {} understood it.", accepted[0])
    );
}

#[tokio::test]
async fn search_finds_incidents_and_events_on_postgresql() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let (a, _b, _) = two_instances();
    create_incident(&a, "Connection pool exhausted on checkout").await;
    create_incident(&a, "Certificate expiry on the status page").await;
    let page = a.page("/search?q=connection+pool").await;
    assert!(
        page.contains("Connection pool exhausted on checkout"),
        "{page}"
    );
    assert!(!page.contains("Certificate expiry"), "{page}");
}

#[tokio::test]
async fn migrate_data_moves_a_sqlite_deployment_whose_exports_then_match() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let sqlite = Server::start_sqlite();
    let first = create_incident(&sqlite, "Checkout latency after a deploy").await;
    let second = create_incident(&sqlite, "Queue backlog in billing").await;
    let res = sqlite
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", first.to_string().as_str()),
                (
                    "line",
                    "14:10 action: Rolled back the deploy; latency recovered",
                ),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    // A PNG (its signature and header chunk) attached to the first incident.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
    let res = sqlite
        .upload("dashboard at 14:05.png", png.clone(), None)
        .await;
    assert_eq!(res.status(), 201);
    let attachment = res.text().await.unwrap();
    let (dir, db_path) = sqlite.stop();
    let db = db_path.to_str().unwrap().to_string();

    let url = postgres::server().fresh_database();
    let moved = dir.path().join("moved-attachments");
    let moved = moved.to_str().unwrap();
    let migrate = || {
        debrief(&[
            "migrate-data",
            "--from",
            &db,
            "--to",
            &url,
            "--to-attachments",
            moved,
        ])
    };
    let out = migrate();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("incidents"), "{said}");
    assert!(said.contains("verified by count and checksum"), "{said}");

    for number in [first, second] {
        let n = number.to_string();
        let from = debrief(&["export", "--incident", &n, "--database-url", &db]);
        let to = debrief(&["export", "--incident", &n, "--database-url", &url]);
        assert!(from.status.success() && to.status.success());
        assert_eq!(
            String::from_utf8(from.stdout).unwrap(),
            String::from_utf8(to.stdout).unwrap(),
            "incident {number} exports the same from both databases"
        );
    }

    // A second move into the now-filled database is refused, changing nothing.
    let again = migrate();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The moved deployment serves: sign in on PostgreSQL with the same
    // account; the attachment's file came along.
    let server = Server::start_on_url_with(&url, false, &["--attachments-dir", moved]);
    let page = server.page(&format!("/incidents/{first}")).await;
    assert!(
        page.contains("Rolled back the deploy; latency recovered"),
        "{page}"
    );
    let res = server.get(&format!("/attachments/{attachment}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // New rows take ids after the moved ones (the identity sequences were
    // moved on): a new incident writes audit rows, a new event too.
    let third = create_incident(&server, "Certificate expiry after the move").await;
    assert_eq!(third, second + 1);
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", third.to_string().as_str()),
                ("line", "09:00 alerting: certificate expires in 7 days"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// Delivery ids the receiver saw, each with the statuses it answered.
type Seen = Arc<Mutex<BTreeMap<String, Vec<u16>>>>;

/// A webhook receiver on loopback that answers 503 to its first
/// `fail_first` requests and 200 after.
async fn receiver(fail_first: usize) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let count = Arc::new(Mutex::new(0usize));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let seen = seen.clone();
            move |headers: axum::http::HeaderMap| async move {
                let n = {
                    let mut c = count.lock().unwrap();
                    *c += 1;
                    *c
                };
                let status = if n <= fail_first { 503 } else { 200 };
                let id = headers["x-debrief-delivery"].to_str().unwrap().to_string();
                seen.lock().unwrap().entry(id).or_default().push(status);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn file_countermeasure(client: &Client, title: &str) {
    let res = client
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", title),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[owner]", "Robin"),
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// Waits (bounded: a minute, for a machine busy with other tests) until
/// `done` holds.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..1200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 60 s");
}

#[tokio::test]
async fn webhooks_from_several_instances_go_out_once_and_retries_outlive_a_killed_instance() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let url = postgres::server().fresh_database();
    let name = url.rsplit('/').next().unwrap().to_string();
    let pg = postgres::server();
    // The retry waits a second: long enough for the poll below to see the
    // first attempt recorded before a retry claims it, on a busy machine.
    let fast = [
        "--webhook-retry-base-ms",
        "1000",
        common::WEBHOOKS_TO_LOOPBACK[0],
        common::WEBHOOKS_TO_LOOPBACK[1],
    ];
    let a = Server::start_on_url_with(&url, true, &fast);
    let b = Server::start_on_url_with(&url, false, &fast);
    let (hook, seen) = receiver(1).await;
    let admin = a.as_user("admin").await;
    let res = admin
        .post(
            "/api/admin/add_webhook",
            &[
                ("url", hook.as_str()),
                ("secret", "whsec_0123456789abcdef0123456789abcdef"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    create_incident(&a, "Checkout latency").await;

    // The first event's first attempt fails; once that attempt is recorded
    // (and its lease let go), instance `a` is killed. `b` retries it.
    file_countermeasure(&a, "Alert on checkout p99").await;
    until("the first attempt", async || {
        pg.psql(
            &name,
            "SELECT count(*) FROM webhook_deliveries WHERE attempts = 1 AND lease_until IS NULL",
        ) == "1"
    })
    .await;
    drop(a);
    until("the retry through the other instance", async || {
        seen.lock().unwrap().values().any(|s| s.contains(&200))
    })
    .await;

    // A third instance joins; events filed through either are each
    // delivered once, whichever worker claims them.
    let c = Server::start_on_url_with(&url, false, &fast);
    let clients = [
        Client::new(&b.base, b.cookie.clone()),
        Client::new(&c.base, b.cookie.clone()),
    ];
    let lessons = [
        "Page the queue team on consumer lag",
        "Document the failover drill",
        "Raise the connection pool ceiling",
        "Dashboard for certificate expiry",
        "Canary the billing deploys",
        "Rate limit the search endpoint",
        "Rehearse restoring from backup",
        "Alert on disk headroom below ten percent",
        "Write the DNS change checklist",
        "Tag traces with the release",
    ];
    for (i, lesson) in lessons.iter().enumerate() {
        file_countermeasure(&clients[i % 2], lesson).await;
    }
    until("every event delivered", async || {
        seen.lock()
            .unwrap()
            .values()
            .filter(|s| s.contains(&200))
            .count()
            == 11
    })
    .await;
    // Give the workers time to go wrong (they poll every few hundred ms).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 11, "one delivery per event: {seen:?}");
    for (id, statuses) in seen.iter() {
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "delivery {id} was delivered once: {statuses:?}"
        );
    }
    assert_eq!(
        pg.psql(
            &name,
            "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'"
        ),
        "11"
    );
}
