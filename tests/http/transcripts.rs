//! Transcripts through the real server and a real SQLite file: upload, preview
//! (nothing stored), import in one transaction, the merged review, promoting
//! lines into events and key moments, suggestions, limits, and the command line.

use crate::common;

use common::{Client, Server, incident_form, query_i64, query_text};

/// Incident #1: Europe/Paris, key moments on 2026-03-04.
async fn seed(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

const OPS: &str = "\
[14:04] <alertbot> PROBLEM: checkout p99 above 2s
[14:05] <sam> looking at the dashboard now
this line is not IRC
[14:06] * sam is now known as sam_oncall
[14:20] <kim> found it: the connection pool is at 5
[14:36] *** kim has quit (Ping timeout)
";

const DB: &str = "\
[14:03] <db-primary> replication lag alert
[14:19] <kim> connection pool exhausted on checkout
[14:36] *** kim has quit (Ping timeout)
";

/// Posts a multipart form to incident #1's transcript upload.
async fn send_upload(client: &Client, form: reqwest::multipart::Form) -> reqwest::Response {
    client
        .http
        .post(client.url("/incidents/1/transcripts"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Stages files (name, text) for incident #1; returns the token.
async fn stage(client: &Client, files: &[(&str, &[u8])]) -> String {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    let res = send_upload(client, form).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// Stages and imports files into incident #1; returns the lines stored.
async fn import(server: &Server, files: &[(&str, &[u8])]) -> serde_json::Value {
    let token = stage(server, files).await;
    json(
        server
            .post(
                "/api/transcripts/import",
                &[("number", "1"), ("staged", &token)],
            )
            .await,
    )
    .await
}

async fn json(res: reqwest::Response) -> serde_json::Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn count(server: &Server, table: &str) -> i64 {
    query_i64(&server.db_path, &format!("SELECT COUNT(*) FROM {table}")).await
}

fn staging_entries(server: &Server) -> usize {
    std::fs::read_dir(server.dir.path().join("staging"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn two_channels_are_previewed_then_imported_into_one_review() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(
        &server,
        &[
            ("#ops_20260304.log", OPS.as_bytes()),
            ("db-2026-03-04.txt", DB.as_bytes()),
        ],
    )
    .await;

    let preview = json(
        server
            .post(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", &token)],
            )
            .await,
    )
    .await;
    let files = preview["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["channel"], "#ops");
    assert_eq!(files[0]["format"], "irc");
    assert_eq!(files[0]["lines"], 5);
    assert_eq!(files[0]["problem_count"], 1);
    assert_eq!(
        files[0]["problems"][0][0], 3,
        "the line number of the bad line"
    );
    assert_eq!(files[1]["channel"], "db");
    assert_eq!(files[1]["format"], "irc");
    assert_eq!(preview["zone"], "Europe/Paris");
    assert_eq!(
        count(&server, "transcripts").await,
        0,
        "a preview stores nothing"
    );

    let imported = json(
        server
            .post(
                "/api/transcripts/import",
                &[("number", "1"), ("staged", &token)],
            )
            .await,
    )
    .await;
    assert_eq!(
        imported, 8,
        "every line read is stored, duplicates included"
    );
    assert_eq!(count(&server, "transcripts").await, 2);
    assert_eq!(staging_entries(&server), 0, "the staged files are gone");
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE duplicate_of IS NOT NULL"
        )
        .await,
        1,
        "the quit written in both channels is one message"
    );
    assert_eq!(count(&server, "transcript_problems").await, 1);

    let review = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[presence]", "1")],
            )
            .await,
    )
    .await;
    let texts: Vec<&str> = review["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "replication lag alert",
            "PROBLEM: checkout p99 above 2s",
            "looking at the dashboard now",
            "sam is now known as sam_oncall",
            "connection pool exhausted on checkout",
            "found it: the connection pool is at 5",
            "kim has quit (Ping timeout)",
        ]
        .into_iter()
        .filter(|t| texts.contains(t))
        .collect::<Vec<_>>(),
    );
    assert_eq!(
        texts.first(),
        Some(&"replication lag alert"),
        "ordered by instant, not by file"
    );
    let quit = review["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "quit")
        .expect("the quit is shown once");
    assert_eq!(
        quit["also_in"].as_array().unwrap().len(),
        1,
        "with its other source"
    );
    // 14:04 in Paris is 13:04 UTC, the viewer's zone here.
    assert_eq!(review["rows"][1]["time"], "13:04:00");

    // Joins, parts and quits are hidden unless asked for.
    let hidden = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[page]", "1")],
            )
            .await,
    )
    .await;
    assert!(
        hidden["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] != "quit")
    );
    // Filters: channel, author, text.
    let filtered = json(
        server
            .post(
                "/api/transcripts/review",
                &[
                    ("number", "1"),
                    ("query[channel]", "#ops"),
                    ("query[author]", "kim"),
                    ("query[text]", "POOL"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(filtered["total"], 1);
    assert_eq!(
        filtered["rows"][0]["text"],
        "found it: the connection pool is at 5"
    );

    // The history says what was imported.
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'transcript_imported'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_adds_no_line_to_the_review() {
    let server = Server::start();
    seed(&server).await;
    for _ in 0..2 {
        import(&server, &[("#ops_20260304.log", OPS.as_bytes())]).await;
    }
    let review = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[presence]", "1")],
            )
            .await,
    )
    .await;
    assert_eq!(review["total"], 5, "the overlap is shown once");
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE duplicate_of IS NOT NULL"
        )
        .await,
        5,
        "and every source is kept"
    );
}

#[tokio::test]
async fn an_import_that_fails_half_way_stores_nothing() {
    let server = Server::start();
    seed(&server).await;
    // The first file is fine; the second is a zip that breaks after its header.
    let token = stage(
        &server,
        &[
            ("#ops_20260304.log", OPS.as_bytes()),
            ("slack-export.zip", b"PK\x03\x04 not really a zip"),
        ],
    )
    .await;
    let before = common::dump(&server.db_path).await;
    let res = server
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", &token)],
        )
        .await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert!((400..500).contains(&status), "{status} {text}");
    assert!(text.contains("slack-export.zip"), "names the file: {text}");
    assert!(text.contains("nothing was imported"), "{text}");
    assert_eq!(
        common::dump(&server.db_path).await,
        before,
        "nothing stored"
    );
    assert_eq!(
        staging_entries(&server),
        1,
        "the upload stays for another try"
    );
}

#[tokio::test]
async fn a_file_no_format_can_read_is_refused_naming_its_lines() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(&server, &[("notes.log", b"no times here\nnor here\n")]).await;
    let preview = json(
        server
            .post(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", &token), ("formats[0]", "irssi")],
            )
            .await,
    )
    .await;
    assert_eq!(preview["ready"], false);
    assert_eq!(preview["files"][0]["format"], "irssi");
    assert_eq!(preview["files"][0]["problems"][1][0], 2);
    let res = server
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", &token), ("formats[0]", "irssi")],
        )
        .await;
    assert_eq!(res.status(), 400, "{}", res.text().await.unwrap());
    assert_eq!(count(&server, "transcript_lines").await, 0);
}

#[tokio::test]
async fn a_staged_upload_belongs_to_whoever_staged_it() {
    let server = Server::start();
    seed(&server).await;
    common::add_user(&server.db_path, "other", "editor");
    let token = stage(&server, &[("#ops_20260304.log", OPS.as_bytes())]).await;
    let other = server.as_user("other").await;
    let res = other
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", &token)],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(count(&server, "transcripts").await, 0);
}

#[tokio::test]
async fn promoting_a_line_makes_an_event_and_marks_detected() {
    let server = Server::start();
    seed(&server).await;
    import(&server, &[("#ops_20260304.log", OPS.as_bytes())]).await;
    let alert_line = query_i64(
        &server.db_path,
        "SELECT id FROM transcript_lines WHERE text LIKE 'PROBLEM%'",
    )
    .await
    .to_string();
    assert_eq!(
        query_text(
            &server.db_path,
            &format!("SELECT suggestion FROM transcript_lines WHERE id = {alert_line}")
        )
        .await,
        "alert-firing",
        "offered, not added"
    );
    assert_eq!(count(&server, "timeline_events").await, 0);

    // The incident says detected at 14:06; the line says 14:04: a person chooses.
    let res = server
        .post(
            "/api/transcripts/promote",
            &[
                ("number", "1"),
                ("lines[0]", &alert_line),
                ("kind", "alert"),
                ("mark", "detected"),
            ],
        )
        .await;
    assert_eq!(res.status(), 409, "{}", res.text().await.unwrap());
    assert_eq!(
        count(&server, "timeline_events").await,
        0,
        "nothing until answered"
    );
    let res = server
        .post(
            "/api/transcripts/promote",
            &[
                ("number", "1"),
                ("lines[0]", &alert_line),
                ("kind", "alert"),
                ("mark", "detected"),
                ("choice", "replace"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT kind || '|' || actor || '|' || source || '|' || source_name || '|' || source_line || '|' || key_moment FROM timeline_events"
        )
        .await,
        "alert|alertbot|imported|#ops|1|detected"
    );
    assert_eq!(
        query_i64(&server.db_path, "SELECT detected_at FROM incidents").await,
        query_i64(
            &server.db_path,
            &format!("SELECT at FROM transcript_lines WHERE id = {alert_line}")
        )
        .await,
        "the incident's detected time is the line's"
    );
    assert_eq!(count(&server, "event_lines").await, 1);
    let review = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[page]", "1")],
            )
            .await,
    )
    .await;
    let row = review["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == alert_line.parse::<i64>().unwrap())
        .unwrap();
    assert_eq!(
        row["events"].as_array().unwrap().len(),
        1,
        "marked as on the timeline"
    );
    assert!(row["suggestion"].is_null(), "its suggestion was accepted");

    // A selection of two lines becomes one event quoting both.
    let mut ids = Vec::new();
    for text in ["looking at the dashboard%", "found it%"] {
        let id = query_i64(
            &server.db_path,
            &format!("SELECT id FROM transcript_lines WHERE text LIKE '{text}'"),
        )
        .await;
        ids.push(id.to_string());
    }
    let res = server
        .post(
            "/api/transcripts/promote",
            &[
                ("number", "1"),
                ("lines[0]", &ids[0]),
                ("lines[1]", &ids[1]),
                ("kind", "observation"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let body = query_text(
        &server.db_path,
        "SELECT body_markdown FROM timeline_events WHERE kind = 'observation'",
    )
    .await;
    assert!(
        body.contains("**sam**: looking at the dashboard now"),
        "{body}"
    );
    assert!(body.contains("**kim**: found it"), "{body}");
    assert_eq!(count(&server, "event_lines").await, 3);
}

#[tokio::test]
async fn a_suggestion_can_be_dismissed_and_stays_dismissed() {
    let server = Server::start();
    seed(&server).await;
    import(&server, &[("#ops_20260304.log", OPS.as_bytes())]).await;
    let suggested = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[suggested]", "1")],
            )
            .await,
    )
    .await;
    let rules: Vec<&str> = suggested["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["suggestion"]["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["alert-firing", "diagnosed"]);
    let first = suggested["rows"][0]["id"].to_string();
    let res = server
        .post(
            "/api/transcripts/dismiss",
            &[("number", "1"), ("line", &first)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let after = json(
        server
            .post(
                "/api/transcripts/review",
                &[("number", "1"), ("query[suggested]", "1")],
            )
            .await,
    )
    .await;
    assert_eq!(after["total"], 1);
    assert_eq!(
        count(&server, "timeline_events").await,
        0,
        "dismissing adds nothing"
    );
}

#[tokio::test]
async fn the_pages_work_without_javascript() {
    let server = Server::start();
    seed(&server).await;
    let page = server.page("/incidents/1/import").await;
    assert!(
        page.contains(r#"enctype="multipart/form-data""#),
        "a plain upload form"
    );
    // Upload as a browser would: redirected to the preview.
    let form = reqwest::multipart::Form::new()
        .text(
            "paste",
            "14:32 sam: the checkout alert fired\n14:40 failover complete\n",
        )
        .text("paste_name", "#bridge");
    let res = server
        .http
        .post(server.url("/incidents/1/transcripts"))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (location, preview) = server.follow(res).await;
    assert!(
        location.contains("/incidents/1/import?staged="),
        "{location}"
    );
    assert!(preview.contains("#bridge"), "the pasted text's channel");
    assert!(preview.contains("Plain text with times"));
    let token = location.split("staged=").nth(1).unwrap().to_string();
    let res = server
        .post_as_html_form(
            "/api/transcripts/import",
            &format!("/incidents/1/import?staged={token}"),
            &[
                ("number", "1"),
                ("staged", &token),
                ("channels[0]", "#bridge"),
            ],
        )
        .await;
    let (location, review) = server.follow(res).await;
    assert!(location.ends_with("/incidents/1/review"), "{location}");
    assert!(review.contains("failover complete"));
    assert!(review.contains("#bridge"));
}

#[tokio::test]
async fn invisible_characters_never_reach_a_stored_file_or_channel_name() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(&server, &[("ops\u{202E}gol.txt\u{FEFF}", OPS.as_bytes())]).await;
    let res = server
        .post(
            "/api/transcripts/import",
            &[
                ("number", "1"),
                ("staged", &token),
                ("channels[0]", "#br\u{2066}id\u{200B}ge\u{2069}"),
            ],
        )
        .await;
    json(res).await;
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT channel || ' ' || file_name FROM transcripts"
        )
        .await,
        "#bridge opsgol.txt"
    );
    // A pasted transcript's name.
    let form = reqwest::multipart::Form::new()
        .text("paste", "14:32 sam: the checkout alert fired\n")
        .text("paste_name", "#dep\u{202E}loys");
    let res = send_upload(&server, form).await;
    assert_eq!(res.status(), 201);
    let token = res.text().await.unwrap();
    json(
        server
            .post(
                "/api/transcripts/import",
                &[("number", "1"), ("staged", &token)],
            )
            .await,
    )
    .await;
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT file_name FROM transcripts WHERE no = 2"
        )
        .await,
        "#deploys"
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_naming_the_limit() {
    let server = Server::start_with_args(&["--transcript-max-mb", "1"]);
    seed(&server).await;
    let big = vec![b'x'; 1024 * 1024 + 10];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("big.log"),
    );
    let res = send_upload(&server, form).await;
    assert_eq!(res.status(), 413);
    let text = res.text().await.unwrap();
    assert!(text.contains("limit of 1 MB"), "{text}");
    assert_eq!(staging_entries(&server), 0, "nothing kept");
}

#[tokio::test]
async fn the_command_line_previews_imports_and_reads_standard_input() {
    let server = Server::start();
    seed(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("#ops_20260304.log");
    std::fs::write(&file, OPS).unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
            .arg("--database-url")
            .arg(&server.db_path)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, _) = run(&["import", "--list-formats"], None);
    assert!(ok);
    for code in [
        "irssi",
        "weechat",
        "slack-export",
        "slack-paste",
        "csv",
        "plain",
    ] {
        assert!(out.contains(code), "{code} listed");
    }
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&["import", "--incident", "1", "--dry-run", path], None);
    assert!(ok, "{err}");
    assert!(out.contains("lines: 5"), "{out}");
    assert!(out.contains("line 3:"), "names the unreadable line: {out}");
    assert!(out.contains("Dry run"), "{out}");
    assert_eq!(count(&server, "transcripts").await, 0);

    let (ok, out, err) = run(&["import", "--incident", "1", path], None);
    assert!(ok, "{err}");
    assert!(
        out.contains("lines: 5"),
        "the summary, read while importing: {out}"
    );
    assert!(out.contains("line 3:"), "{out}");
    assert!(
        out.contains("Imported #ops into incident 1: 5 lines"),
        "{out}"
    );
    assert_eq!(count(&server, "transcript_lines").await, 5);

    let (ok, out, err) = run(
        &[
            "import",
            "--new-incident",
            "Bridge call",
            "--zone",
            "UTC",
            "--date",
            "2026-03-04",
            "--channel",
            "#bridge",
            "-",
        ],
        Some("14:32 sam: the checkout alert fired\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Created incident 2"), "{out}");
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT t.channel || ' ' || l.at FROM transcript_lines l JOIN transcripts t ON t.id = l.transcript_id WHERE l.incident_no = 2"
        )
        .await,
        format!("#bridge {}", chrono::DateTime::parse_from_rfc3339("2026-03-04T14:32:00Z").unwrap().timestamp())
    );
    let (ok, _, err) = run(&["import", "--incident", "9", path], None);
    assert!(!ok);
    assert!(err.contains("no incident 9"), "{err}");

    // A new incident is created in the import's transaction: a file with no
    // readable line leaves no empty incident behind.
    let incidents = count(&server, "incidents").await;
    let (ok, _, err) = run(
        &[
            "import",
            "--new-incident",
            "Nothing readable",
            "--format",
            "csv",
            "-",
        ],
        Some("this is not a CSV with a timestamp column\n"),
    );
    assert!(!ok);
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(count(&server, "incidents").await, incidents);

    // A file detection does not recognise is refused with its best guesses.
    let agenda = dir.path().join("agenda.txt");
    std::fs::write(&agenda, "Dear team,\nthe review is on Thursday.\n").unwrap();
    let (ok, _, err) = run(
        &["import", "--incident", "1", agenda.to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(err.contains("not recognised"), "{err}");
    assert!(err.contains("--format"), "{err}");

    // One rule, one answer: the dry run refuses what the import refuses,
    // with the same sentence, and the import page agrees on both files.
    let csv = ["--format", "csv", "-"];
    let text = Some("this is not a CSV with a timestamp column\n");
    let (dry_ok, _, dry_err) = run(
        &[&["import", "--incident", "1", "--dry-run"][..], &csv].concat(),
        text,
    );
    let (real_ok, _, real_err) = run(&[&["import", "--incident", "1"][..], &csv].concat(), text);
    assert!(!dry_ok && !real_ok, "{dry_err} / {real_err}");
    assert!(dry_err.contains("nothing was imported"), "{dry_err}");
    assert_eq!(
        dry_err.lines().last(),
        real_err.lines().last(),
        "the same refusal from both"
    );
    let token = stage(
        &server,
        &[("agenda.txt", b"Dear team,\nthe review is on Thursday.\n")],
    )
    .await;
    let form = [("number", "1"), ("staged", token.as_str())];
    let preview = json(server.post("/api/transcripts/preview", &form).await).await;
    assert_eq!(
        preview["ready"], false,
        "the page does not import what the command refuses"
    );
    let res = server.post("/api/transcripts/import", &form).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not recognised"));
}

/// A Slack day file whose reply is stamped before the message it answers (a
/// bridged message carries its sender's clock): the thread still hangs from
/// the parent the export names.
const SLACK_REPLY_STAMPED_EARLY: &str = r#"[
  {"type": "message", "ts": "1772633400.000050", "user": "U2", "text": "on it, pool graphs open", "thread_ts": "1772633520.000100", "user_profile": {"display_name": "kim"}},
  {"type": "message", "ts": "1772633520.000100", "user": "U1", "text": "checkout p99 is above 2 s, who can look?", "thread_ts": "1772633520.000100", "reply_count": 1, "user_profile": {"display_name": "sam"}}
]"#;

#[tokio::test]
async fn a_thread_starts_from_the_root_its_source_names_not_its_earliest_line() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(
        &server,
        &[("2026-03-04.json", SLACK_REPLY_STAMPED_EARLY.as_bytes())],
    )
    .await;
    json(
        server
            .post(
                "/api/transcripts/import",
                &[
                    ("number", "1"),
                    ("staged", &token),
                    ("formats[0]", "slack-export"),
                    ("channels[0]", "#checkout"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE thread_root = TRUE AND text LIKE 'checkout p99%'",
        )
        .await,
        1,
        "the parent is stored as its thread's root"
    );
    let parent = query_i64(
        &server.db_path,
        "SELECT id FROM transcript_lines WHERE text LIKE 'checkout p99%'",
    )
    .await;
    let review = server.page("/incidents/1/review").await;
    assert!(review.contains("Thread: 1 reply"), "{review}");
    assert_eq!(
        review.matches("Reply in sam&#x27;s thread from").count()
            + review.matches("Reply in sam's thread from").count(),
        1,
        "the early reply names the parent's thread, not its own: {review}"
    );
    assert!(
        !review.contains("Reply in kim"),
        "the parent is not shown as a reply to the line stamped before it"
    );
    assert!(review.contains(&format!("#line-{parent}")));
}

/// A Slack day file whose thread has two replies, one of them hours later.
const SLACK_THREAD: &str = r#"[
  {"type": "message", "ts": "1772633520.000100", "user": "U1", "text": "checkout p99 is above 2 s, who can look?", "thread_ts": "1772633520.000100", "reply_count": 2, "user_profile": {"display_name": "sam"}},
  {"type": "message", "ts": "1772633580.000200", "user": "U2", "text": "deploy 412 went out at 14:30", "user_profile": {"display_name": "kim"}},
  {"type": "message", "ts": "1772633640.000300", "user": "U2", "text": "looking: the pool is at its limit", "thread_ts": "1772633520.000100", "user_profile": {"display_name": "kim"}},
  {"type": "message", "ts": "1772644440.000400", "user": "U1", "text": "raised the pool to 80, latency is back", "thread_ts": "1772633520.000100"}
]"#;

#[tokio::test]
async fn thread_replies_link_to_their_parent_and_open_as_one_thread() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(&server, &[("2026-03-04.json", SLACK_THREAD.as_bytes())]).await;
    json(
        server
            .post(
                "/api/transcripts/import",
                &[
                    ("number", "1"),
                    ("staged", &token),
                    ("formats[0]", "slack-export"),
                    ("channels[0]", "#checkout"),
                ],
            )
            .await,
    )
    .await;
    let parent = query_i64(
        &server.db_path,
        "SELECT id FROM transcript_lines WHERE text LIKE 'checkout p99%'",
    )
    .await;

    let review = server.page("/incidents/1/review").await;
    assert!(review.contains("Thread: 2 replies"), "{review}");
    assert_eq!(
        review.matches("Reply in sam&#x27;s thread from").count()
            + review.matches("Reply in sam's thread from").count(),
        2,
        "both replies name the thread they belong to"
    );
    assert!(
        review.contains("thread=1772633520.000100"),
        "the thread opens from the review"
    );
    assert!(
        review.contains(&format!("#line-{parent}")),
        "a reply links to its parent"
    );

    let thread = server
        .page("/incidents/1/review?channel=%23checkout&thread=1772633520.000100")
        .await;
    assert!(thread.contains("Showing one thread"), "{thread}");
    assert!(thread.contains("3 lines"), "the parent and its two replies");
    assert!(thread.contains("raised the pool to 80"));
    assert!(
        !thread.contains("deploy 412 went out"),
        "a message outside the thread is not shown"
    );
}

#[tokio::test]
async fn a_transcript_of_many_lines_is_stored_whole_and_in_order() {
    let server = Server::start();
    seed(&server).await;
    // More lines than one bulk statement stores, and not a multiple of it.
    let log: String = (0..1000)
        .map(|i| {
            format!(
                "[{:02}:{:02}:{:02}] <{}> step {i} of the checkout rollback\n",
                14 + i / 3600,
                i / 60 % 60,
                i % 60,
                ["sam", "kim", "ana"][i % 3]
            )
        })
        .collect();
    let imported = import(&server, &[("#ops_20260304.log", log.as_bytes())]).await;
    assert_eq!(imported, 1000);
    assert_eq!(count(&server, "transcript_lines").await, 1000);
    for i in [0, 127, 128, 999] {
        assert_eq!(
            query_text(
                &server.db_path,
                &format!(
                    "SELECT author || ': ' || text FROM transcript_lines WHERE line_no = {}",
                    i + 1
                )
            )
            .await,
            format!(
                "{}: step {i} of the checkout rollback",
                ["sam", "kim", "ana"][i % 3]
            )
        );
    }
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines a JOIN transcript_lines b ON b.line_no = a.line_no + 1 WHERE b.at <= a.at"
        )
        .await,
        0,
        "every line one second after the one before"
    );
}

#[tokio::test]
async fn a_file_detection_does_not_recognise_is_shown_with_its_best_guesses() {
    let server = Server::start();
    seed(&server).await;
    let token = stage(
        &server,
        &[("agenda.txt", b"Dear team,\nthe review is on Thursday.\n")],
    )
    .await;
    let preview = json(
        server
            .post(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", &token)],
            )
            .await,
    )
    .await;
    assert_eq!(preview["files"][0]["recognised"], false);
    let page = server
        .page(&format!("/incidents/1/import?staged={token}"))
        .await;
    assert!(
        page.contains("does not recognise this file"),
        "the preview says so: {page}"
    );
}

/// Stages a transcript fixture under `name`, previews it into incident 1 and
/// imports it; returns the preview.
async fn preview_and_import(server: &Server, fixture: &str, name: &str) -> serde_json::Value {
    let export = std::fs::read(
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("app/transcript/tests/fixtures")
        .join(fixture),
    )
    .unwrap();
    let token = stage(server, &[(name, &export)]).await;
    let form = [("number", "1"), ("staged", token.as_str())];
    let preview = json(server.post("/api/transcripts/preview", &form).await).await;
    json(server.post("/api/transcripts/import", &form).await).await;
    preview
}

/// A DiscordChatExporter JSON export: detected from its content, its channel
/// named by the export, its reply thread kept.
#[tokio::test]
async fn a_discord_export_is_detected_and_imported_into_the_review() {
    let server = Server::start();
    seed(&server).await;
    let preview = preview_and_import(&server, "discord/incident-412.json", "export.json").await;
    assert_eq!(preview["files"][0]["format"], "discord-json", "{preview}");
    assert_eq!(preview["files"][0]["recognised"], true);
    assert_eq!(
        query_text(&server.db_path, "SELECT DISTINCT channel FROM transcripts").await,
        "#incident-412"
    );
    assert!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE thread IS NOT NULL"
        )
        .await
            >= 2,
        "a reply and the message it answers share a thread"
    );
}

/// A Mattermost bulk export holds a team channel and a direct conversation:
/// detected from its content, each becomes its transcript, the thread kept.
#[tokio::test]
async fn a_mattermost_export_becomes_one_transcript_per_channel() {
    let server = Server::start();
    seed(&server).await;
    let preview =
        preview_and_import(&server, "mattermost/incident-4711.jsonl", "import.jsonl").await;
    assert_eq!(preview["files"][0]["format"], "mattermost", "{preview}");
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT string_agg(channel, ' | ' ORDER BY channel) FROM transcripts"
        )
        .await,
        "#incident-4711 | @Kim Park, @Sam"
    );
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM transcript_lines WHERE thread IS NOT NULL"
        )
        .await,
        3,
        "the root post and its two replies share a thread"
    );
    assert_eq!(count(&server, "transcript_lines").await, 9);
}

/// One person's staged uploads take bounded disk: staging more than the
/// kept number removes their oldest (whose import then says it is gone),
/// and another person's uploads are untouched.
#[tokio::test]
async fn each_person_keeps_a_bounded_number_of_staged_uploads() {
    let server = Server::start();
    seed(&server).await;
    common::add_user(&server.db_path, "other", "editor");
    let other = server.as_user("other").await;
    let theirs = stage(&other, &[("#ops_20260304.log", OPS.as_bytes())]).await;
    let kept = app::server::staging::KEEP_PER_PERSON;
    let mut tokens = Vec::new();
    for _ in 0..kept + 2 {
        tokens.push(stage(&server, &[("#ops_20260304.log", OPS.as_bytes())]).await);
        // Distinct modification times, whatever the file system's resolution.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        staging_entries(&server),
        kept + 1,
        "theirs and the newest of mine"
    );
    for (i, token) in tokens.iter().enumerate() {
        let res = server
            .post(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", token)],
            )
            .await;
        let expected = if i < 2 { 404 } else { 200 };
        assert_eq!(res.status(), expected, "upload {i}");
    }
    let res = other
        .post(
            "/api/transcripts/preview",
            &[("number", "1"), ("staged", &theirs)],
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// An archive over what one archive may take, staged: the staged preview
/// page and the preview answer with the refusal naming the limit (not a
/// server error, and without holding the archive's files in memory), and
/// importing it stores nothing. Two shapes: a zip of more files than the
/// limit, and the small zip of huge Zulip message files of the security
/// review (24 of 250 MB in 6 MB, which used to take 6.3 GB to preview).
#[tokio::test]
async fn an_archive_over_its_limits_is_refused_on_the_preview_naming_the_limit() {
    use std::io::Write;
    let server = Server::start();
    seed(&server).await;
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut many = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..=100_000 {
        many.start_file(format!("{i}.log"), stored).unwrap();
    }
    let many = many.finish().unwrap().into_inner();

    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file("export/messages-000001.json", deflated)
        .unwrap();
    bomb.write_all(b"{\"zerver_message\":[").unwrap();
    let blanks = vec![b' '; 1 << 20];
    for _ in 0..250 {
        bomb.write_all(&blanks).unwrap();
    }
    for i in 2..=24 {
        bomb.deep_copy_file(
            "export/messages-000001.json",
            &format!("export/messages-{i:06}.json"),
        )
        .unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());

    for (name, bytes, reason) in [
        (
            "many.zip",
            &many,
            "it holds more than 100000 files, the most Debrief reads from one archive",
        ),
        (
            "zulip-export.zip",
            &bomb,
            "its files come to more than 1024 MB uncompressed, the most Debrief reads from one archive",
        ),
    ] {
        let token = stage(&server, &[(name, bytes)]).await;
        let expected = format!("{name} could not be read ({reason}");
        let res = server
            .get(&format!("/incidents/1/import?staged={token}"))
            .await;
        let status = res.status();
        let page = res.text().await.unwrap();
        assert!(!status.is_server_error(), "{name}: {status}");
        assert!(page.contains(&expected), "{name}: {page}");
        assert!(page.contains("smaller archives"), "says what to do: {page}");

        let res = server
            .post(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", &token)],
            )
            .await;
        assert_eq!(res.status(), 400, "{name}");
        let text = res.text().await.unwrap();
        assert!(text.contains(&expected), "{text}");

        let res = server
            .post(
                "/api/transcripts/import",
                &[("number", "1"), ("staged", &token)],
            )
            .await;
        assert_eq!(res.status(), 400, "{name}");
        let text = res.text().await.unwrap();
        assert!(text.contains(&expected), "{text}");
        assert!(text.contains("nothing was imported"), "{text}");
    }
    assert_eq!(count(&server, "transcripts").await, 0);
    assert_eq!(count(&server, "transcript_lines").await, 0);
}

/// Incident reports as teams write them (a title, a summary, a timeline of
/// bullets in many time shapes, lessons after it), pasted as a commander
/// would: each is read as plain text with times, not refused; the preview
/// says which zone and estimates it read and shows the lines as read (first,
/// last, flagged); the import keeps the prose apart as narrative.
#[tokio::test]
async fn pasted_incident_reports_are_read_as_plain_text_with_their_prose_kept_apart() {
    let server = Server::start();
    seed(&server).await;
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("app/transcript/tests/fixtures/reports");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "the report fixtures: {names:?}");
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let form = reqwest::multipart::Form::new()
            .text("paste", text.clone())
            .text("paste_name", "#report");
        let res = send_upload(&server, form).await;
        assert_eq!(res.status(), 201, "{path:?}");
        let token = res.text().await.unwrap();
        let form = [("number", "1"), ("staged", token.as_str())];
        let preview = json(server.post("/api/transcripts/preview", &form).await).await;
        let file = &preview["files"][0];
        assert_eq!(file["format"], "plain", "{path:?}: {file}");
        assert_eq!(file["recognised"], true, "{path:?}: {file}");
        let sample = file["sample"].as_array().unwrap();
        let last_timed = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.chars().any(|c| c.is_ascii_digit()) && l.contains(':'))
            .unwrap() as u64
            + 1;
        assert!(
            sample
                .iter()
                .any(|l| l["line"].as_u64().unwrap() >= last_timed),
            "{path:?}: the sample reaches the end of the file: {sample:?}"
        );
        let page = server
            .page(&format!("/incidents/1/import?staged={token}"))
            .await;
        assert!(!page.contains("does not recognise this file"), "{path:?}");
        if text.contains('~') {
            assert!(
                file["approximate"].as_u64().unwrap() > 0,
                "{path:?}: {file}"
            );
            assert!(page.contains("give their time as an estimate"), "{path:?}");
        }
        if text.contains(" PST") {
            let zones = file["zones_read"].as_str().unwrap_or_default();
            assert!(zones.contains("PST (UTC−08:00)"), "{path:?}: {file}");
        }
        json(server.post("/api/transcripts/import", &form).await).await;
    }
    // What we learned, after the log, is narrative: kept apart, no speaker.
    let review = server.page("/incidents/1/review?kind=narrative").await;
    assert!(
        review.contains("kind-narrative"),
        "narrative lines in the review"
    );
    assert!(
        review.contains("What we learned"),
        "the lessons kept as a note"
    );
}
