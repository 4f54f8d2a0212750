//! Faults, with the real server and a real SQLite file: the server killed with
//! SIGKILL in the middle of large imports, a disk that fills up during an
//! import, and many writers on one incident at once. Whatever happens, the
//! database stays intact, every import is whole or absent, every accepted
//! write is there afterwards, and every refused one was told why.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Client, Server, add_user, incident_form, query_i64, query_text};

async fn seed(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// An IRC log of `lines` lines whose nick and text name `tag`, so that no two
/// imports share a line (an import skips lines already in the review).
fn irc_log(tag: &str, lines: usize) -> Vec<u8> {
    let mut out = String::with_capacity(lines * 64);
    for i in 0..lines {
        let s = 14 * 3600 + i % 36_000;
        out.push_str(&format!(
            "[{:02}:{:02}:{:02}] <responder{tag}> {tag} step {i}: checked the pool\n",
            s / 3600,
            (s / 60) % 60,
            s % 60
        ));
    }
    out.into_bytes()
}

/// Stages one file for incident #1; returns the token.
async fn stage(client: &Client, name: &str, bytes: Vec<u8>) -> String {
    let res = client
        .post_files("/incidents/1/transcripts", vec![(name, bytes)])
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn import(client: &Client, token: &str) -> Result<reqwest::Response, reqwest::Error> {
    client
        .http
        .post(client.url("/api/transcripts/import"))
        .form(&[("number", "1"), ("staged", token)])
        .send()
        .await
}

/// Each transcript's channel and its number of lines.
async fn lines_per_transcript(db_path: &std::path::Path) -> BTreeMap<String, i64> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.channel, (SELECT COUNT(*) FROM transcript_lines l WHERE l.transcript_id = t.id) \
         FROM transcripts t",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    rows.into_iter().collect()
}

/// The database file passes SQLite's own check, and no line is orphaned.
async fn assert_intact(db_path: &std::path::Path, when: &str) {
    assert_eq!(
        query_text(db_path, "PRAGMA integrity_check").await,
        "ok",
        "{when}"
    );
    assert_eq!(
        query_i64(
            db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE transcript_id NOT IN (SELECT id FROM transcripts)"
        )
        .await,
        0,
        "{when}: lines without their transcript"
    );
}

/// Waits (bounded) until the server has indexed every committed import for
/// search; the search indexes then agree with the lines they index.
async fn assert_search_index_consistent(db_path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while query_i64(
        db_path,
        "SELECT COUNT(*) FROM transcripts WHERE search_indexed = 0",
    )
    .await
        > 0
    {
        assert!(
            Instant::now() < deadline,
            "the server never caught up with search indexing"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // FTS5's own check: fails when an index disagrees with its content.
    common::execute_sql(
        db_path,
        "INSERT INTO line_search (line_search) VALUES ('integrity-check')",
    )
    .await;
    common::execute_sql(
        db_path,
        "INSERT INTO search_docs (search_docs) VALUES ('integrity-check')",
    )
    .await;
}

#[tokio::test]
async fn the_server_killed_in_the_middle_of_imports_leaves_each_import_whole_or_absent() {
    if common::not_in_the_postgres_run("it tests SQLite's own file under faults") {
        return;
    }
    const KILLS: usize = 20;
    let mut server = Server::start();
    seed(&server).await;
    // Imports above 50,000 lines are indexed for search after their commit:
    // alternate sizes so that kills land in both kinds of import and in the
    // indexing that follows.
    let size = |round: usize| {
        if round.is_multiple_of(2) {
            60_000
        } else {
            20_000
        }
    };

    // One import left alone, to know how long one takes here.
    let token = stage(&server, "#calibrate.log", irc_log("calibrate", size(0))).await;
    let started = Instant::now();
    let res = import(&server, &token).await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let full = started.elapsed();
    let mut expected: BTreeMap<String, i64> = BTreeMap::from([("#calibrate".into(), 60_000)]);

    let mut interrupted = 0;
    for round in 1..=KILLS {
        let channel = format!("kill{round}");
        let token = stage(
            &server,
            &format!("#{channel}.log"),
            irc_log(&channel, size(round)),
        )
        .await;
        let client = Client::new(&server.base, server.cookie.clone());
        let request = tokio::spawn(async move {
            import(&client, &token)
                .await
                .map(|res| res.status().as_u16())
        });
        // From a tenth of an import to a little past its end (the deferred
        // search indexing), spread over the rounds.
        let fraction = 0.1 + 1.1 * ((round * 7) % KILLS) as f64 / KILLS as f64;
        tokio::time::sleep(full.mul_f64(fraction)).await;
        let (dir, db_path) = server.stop(); // SIGKILL
        match request.await.unwrap() {
            Ok(200) => {
                expected.insert(format!("#{channel}"), size(round) as i64);
            }
            Ok(status) => panic!("round {round}: the import answered {status}"),
            Err(_) => interrupted += 1,
        }
        assert_intact(&db_path, &format!("after kill {round}")).await;
        let stored = lines_per_transcript(&db_path).await;
        for (channel, lines) in &stored {
            let whole = if channel == "#calibrate" {
                60_000
            } else {
                let round: usize = channel.trim_start_matches("#kill").parse().unwrap();
                size(round) as i64
            };
            assert_eq!(
                *lines, whole,
                "after kill {round}: {channel} is stored with {lines} of its {whole} lines"
            );
        }
        for channel in expected.keys() {
            assert!(
                stored.contains_key(channel),
                "after kill {round}: {channel} was imported (the server said so) and is gone"
            );
        }
        server = Server::start_on(dir, db_path);
    }
    eprintln!(
        "{interrupted} of {KILLS} imports cut off by SIGKILL (one import takes {} ms here)",
        full.as_millis()
    );
    assert!(
        interrupted > 0,
        "no import was cut off: the kills came too late to test anything"
    );
    assert_search_index_consistent(&server.db_path).await;
    // The server still imports after all that.
    let token = stage(&server, "#after.log", irc_log("after", 10)).await;
    let res = import(&server, &token).await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// A small file system mounted for one test, removed when dropped.
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(path: &std::path::Path, megabytes: u64) -> SmallDisk {
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mounting a {megabytes} MB tmpfs failed (this test needs root, as CI runs): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk {
            path: path.to_path_buf(),
        }
    }

    /// Bytes still free on it.
    fn free(&self) -> u64 {
        let c = std::ffi::CString::new(self.path.as_os_str().as_encoded_bytes()).unwrap();
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid C string and a zeroed struct for the call to fill.
        assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut stat) }, 0);
        stat.f_bavail as u64 * stat.f_frsize as u64
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_during_an_import_is_reported_and_the_database_stays_usable() {
    if common::not_in_the_postgres_run("it tests SQLite's own file under faults") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(dir.path(), 64);
    let db_path = dir.path().join("debrief.db");
    for (login, role) in common::ACCOUNTS {
        add_user(&db_path, login, role);
    }
    let server = Server::start_on(tempfile::tempdir().unwrap(), db_path.clone());
    seed(&server).await;
    let token = stage(&server, "#ops.log", irc_log("ops", 40_000)).await;

    // Fill the disk but for a little room: the import cannot fit.
    let filler = dir.path().join("filler");
    let room = 256 * 1024;
    std::fs::write(&filler, vec![0u8; (disk.free() - room) as usize]).unwrap();
    let before = common::dump(&db_path).await;

    let res = import(&server, &token).await.unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 507, "{body}");
    // A script gets the error's name; a page shows its sentence (below,
    // from the upload route, which answers in words).
    assert_eq!(
        body.trim(),
        "\"StorageFull\"",
        "the error says what happened"
    );
    assert_eq!(
        common::dump(&db_path).await,
        before,
        "a failed import stores nothing"
    );
    assert_eq!(lines_per_transcript(&db_path).await.len(), 0);
    // Still full: reading works.
    let page = server.page("/incidents/1").await;
    assert!(page.contains("Checkout latency"));

    // Room again: the database is intact and takes the same import.
    std::fs::remove_file(&filler).unwrap();
    assert_intact(&db_path, "after the full disk").await;
    let res = import(&server, &token).await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        lines_per_transcript(&db_path).await,
        BTreeMap::from([("#ops".to_string(), 40_000)])
    );

    // Uploading onto a full disk is refused as clearly.
    std::fs::write(&filler, vec![0u8; (disk.free() - 64 * 1024) as usize]).unwrap();
    let res = server
        .post_files(
            "/incidents/1/transcripts",
            vec![("#late.log", irc_log("late", 20_000))],
        )
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 507, "{body}");
    assert!(
        body.contains("disk is full") && body.contains("nothing was changed"),
        "the error says what happened: {body}"
    );
    std::fs::remove_file(&filler).unwrap();
    drop(server);
    drop(disk);
}

/// What a writer was told: accepted (with the body of the answer) or refused
/// (with the message).
fn outcome(status: u16, body: &str) -> Result<String, String> {
    match status {
        200 => Ok(body.trim().to_string()),
        409 => {
            assert!(
                body.contains("{\"Conflict\":{\"what\":\"incident\",\"current_version\":")
                    || body.contains("{\"Conflict\":{\"what\":\"event\",\"current_version\":"),
                "a refused write says why, and what the record is at now: {body}"
            );
            Err(body.to_string())
        }
        other => panic!("a writer was answered {other}: {body}"),
    }
}

#[tokio::test]
async fn many_writers_on_one_incident_every_accepted_write_kept_every_refusal_explained() {
    if common::not_in_the_postgres_run("it tests SQLite's own file under faults") {
        return;
    }
    const WRITERS: usize = 16;
    let server = Server::start();
    seed(&server).await;
    let sessions = [
        server.as_user("editor").await,
        server.as_user("admin").await,
        server.as_user("editor").await,
        server.as_user("admin").await,
    ];

    // Everyone adds events at once: every one is accepted and stored.
    let adds = (0..WRITERS).map(|w| {
        let client = sessions[w % sessions.len()].clone();
        async move {
            let line = format!("14:{:02} action: writer {w} restarted replica {w}", 10 + w);
            let res = client
                .post(
                    "/api/timeline/quick_add",
                    &[("number", "1"), ("line", line.as_str())],
                )
                .await;
            let status = res.status().as_u16();
            (w, outcome(status, &res.text().await.unwrap()))
        }
    });
    for (w, told) in futures_join_all(adds).await {
        let id: String = serde_json::from_str(&told.expect("adding never conflicts")).unwrap();
        assert_eq!(
            query_text(
                &server.db_path,
                &format!("SELECT body_markdown FROM timeline_events WHERE id = '{id}'")
            )
            .await,
            format!("writer {w} restarted replica {w}")
        );
    }

    // Everyone edits the incident from the same version: one is accepted,
    // every other is refused, and the stored record is the accepted one.
    let edits = (0..WRITERS).map(|w| {
        let client = sessions[w % sessions.len()].clone();
        async move {
            let summary = format!("Summary as writer {w} understood it.");
            let mut form = incident_form("Checkout latency", "outage", "checkout");
            form.retain(|(k, _)| *k != "form[summary]");
            form.extend([
                ("form[summary]", summary.as_str()),
                ("number", "1"),
                ("version", "1"),
            ]);
            let res = client.post("/api/incidents/update", &form).await;
            let status = res.status().as_u16();
            (w, outcome(status, &res.text().await.unwrap()))
        }
    });
    let told = futures_join_all(edits).await;
    let accepted: Vec<usize> = told
        .iter()
        .filter(|(_, t)| t.is_ok())
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(accepted.len(), 1, "one edit of version 1 wins: {told:?}");
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT summary_markdown FROM incidents WHERE number = 1"
        )
        .await,
        format!("Summary as writer {} understood it.", accepted[0])
    );

    // Everyone edits again and again, reading the current version after
    // each refusal: every accepted edit got its own version, none was lost.
    const ROUNDS: usize = 3;
    let retries = (0..WRITERS).map(|w| {
        let client = sessions[w % sessions.len()].clone();
        let db_path = server.db_path.clone();
        async move {
            let mut versions = Vec::new();
            let mut refusals = 0;
            for round in 0..ROUNDS {
                let summary = format!("Round {round}: writer {w} adds what they saw.");
                loop {
                    let version =
                        query_i64(&db_path, "SELECT version FROM incidents WHERE number = 1")
                            .await
                            .to_string();
                    let mut form = incident_form("Checkout latency", "outage", "checkout");
                    form.retain(|(k, _)| *k != "form[summary]");
                    form.extend([
                        ("form[summary]", summary.as_str()),
                        ("number", "1"),
                        ("version", version.as_str()),
                    ]);
                    let res = client.post("/api/incidents/update", &form).await;
                    let status = res.status().as_u16();
                    match outcome(status, &res.text().await.unwrap()) {
                        Ok(new_version) => {
                            versions.push(new_version.parse::<i64>().unwrap());
                            break;
                        }
                        Err(_) => refusals += 1,
                    }
                }
            }
            (versions, refusals)
        }
    });
    let results = futures_join_all(retries).await;
    let mut versions: Vec<i64> = results.iter().flat_map(|(v, _)| v.clone()).collect();
    versions.sort();
    let first = 3; // version 2 was the single winner above
    assert_eq!(
        versions,
        (first..first + (WRITERS * ROUNDS) as i64).collect::<Vec<_>>(),
        "each accepted edit made exactly one new version"
    );
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT version FROM incidents WHERE number = 1"
        )
        .await,
        first + (WRITERS * ROUNDS) as i64 - 1
    );
    for w in 0..WRITERS {
        for round in 0..ROUNDS {
            let summary = format!("Round {round}: writer {w} adds what they saw.");
            assert_eq!(
                query_i64(
                    &server.db_path,
                    &format!(
                        "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'incident' AND changes LIKE '%\"after\":\"{summary}\"%'"
                    )
                )
                .await,
                1,
                "the accepted edit \"{summary}\" is in the incident's history"
            );
        }
    }
    assert_intact(&server.db_path, "after the writers").await;
}

/// Runs futures concurrently on the test's runtime; results in order.
async fn futures_join_all<F, T>(futures: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
