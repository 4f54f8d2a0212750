//! Start-up: the database is created and migrated on first start, reopened as
//! is, and refused with a clear message when a newer Debrief wrote it.

use crate::common;

use common::{Server, spawn};

#[tokio::test]
async fn data_survives_a_restart() {
    let server = Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &common::incident_form("Survives restart", "blip", ""),
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let (dir, db_path) = server.stop();
    let again = Server::start_on(dir, db_path);
    assert!(
        again
            .page("/incidents/1")
            .await
            .contains("Survives restart")
    );
}

#[tokio::test]
async fn a_database_written_by_a_newer_debrief_is_refused() {
    let server = Server::start();
    let (dir, db_path) = server.stop();
    common::execute_sql(
        &db_path,
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99990101000000, 'from the future', TRUE, {}, 0)",
            if common::on_postgres() { "'\\x00'::bytea" } else { "x'00'" }
        ),
    )
    .await;
    let err = spawn(&db_path).expect_err("the server must refuse to start");
    assert!(err.contains("newer Debrief"), "{err}");
    assert!(err.contains("99990101000000"), "{err}");
    drop(dir);
}

#[tokio::test]
async fn a_relative_database_path_is_resolved_against_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .current_dir(dir.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite:data/rel.db",
            "--log-level",
            "warn",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains(&format!("{}/data/rel.db", dir.path().display())),
        "{line}"
    );
    assert!(dir.path().join("data/rel.db").exists());
}

/// A client that sends half its headers and stalls is cut off after the
/// header deadline (a crowd of them once held every file descriptor), and
/// others are served meanwhile.
#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start_with_args(&["--header-timeout-secs", "1"]);
    let authority = server.base.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(stream);
    }
    assert_eq!(server.anonymous().get("/healthz").await.status(), 200);
    // (The bound only keeps a broken build from hanging the suite.)
    for mut stream in stalled {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            stream.read_to_end(&mut rest),
        )
        .await;
        assert!(closed.is_ok(), "the server kept a stalled connection open");
    }
}

/// A page or server function that has not answered within
/// `--answer-timeout-secs` is stopped and answered "busy" with a sentence,
/// and nothing it was doing is kept: here a client that trickles a create
/// form's body holds the server function past the bound. Others are
/// served meanwhile.
#[tokio::test]
async fn a_request_that_does_not_answer_in_time_is_stopped_and_changes_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start_with_args(&["--answer-timeout-secs", "1"]);
    let cookie = server.as_user("editor").await.cookie.unwrap();
    let body = "title=Slow+client&severity=blip&".repeat(40);
    let authority = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/incidents/create HTTP/1.1\r\nHost: {authority}\r\nCookie: {cookie}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // A chunk every 200 ms: never idle long enough for the body timeout,
    // and the whole body would take about 8 s.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for chunk in body.as_bytes().chunks(32) {
            if writer.write_all(chunk).await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
    assert_eq!(server.anonymous().get("/healthz").await.status(), 200);
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), reader.read(&mut answer))
        .await
        .expect("no answer at all")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after: 5"), "{answer}");
    assert!(
        answer.contains("The server took longer than 1 second to answer"),
        "{answer}"
    );
    trickle.abort();
    let list = server.as_user("viewer").await.page("/incidents").await;
    assert!(!list.contains("Slow client"), "the stopped create was kept");
}

/// SIGTERM ends the server even while a meeting's live feed, which never
/// ends by itself, is open; the feed's stream ends with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_live_feeds_and_finishes() {
    let mut server = Server::start_with_args(&["--shutdown-grace-secs", "30"]);
    let created = server
        .post(
            "/api/incidents/create",
            &common::incident_form("Live feed at shutdown", "blip", ""),
        )
        .await;
    assert_eq!(created.status(), 200);
    let mut feed = server.get("/incidents/1/meeting/live").await;
    assert_eq!(feed.status(), 200);
    let first = feed.chunk().await.unwrap().unwrap_or_default();
    assert!(String::from_utf8_lossy(&first).contains("event: state"));
    let reader = tokio::spawn(async move { while let Ok(Some(_)) = feed.chunk().await {} });
    let exited =
        tokio::task::block_in_place(|| server.terminate_within(std::time::Duration::from_secs(25)));
    assert!(
        exited.is_some_and(|status| status.success()),
        "the server did not finish its shutdown while a live feed was open: {exited:?}"
    );
    reader.await.unwrap();
    // Background work (webhook deliveries, search indexing) stops with the
    // database instead of reporting it closed.
    let log = server.stderr();
    assert!(!log.contains("closed pool"), "{log}");
}
