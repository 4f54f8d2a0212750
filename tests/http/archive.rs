//! No lock-in: one incident with everything it can hold is exported with
//! `debrief export`, restored into another Debrief through the upload, and
//! exported again: the two archives are equal, field by field (history's
//! names marked as restored). Restoring renumbers what the target has taken
//! (with every reference), refuses a second copy, an unknown column, a
//! column a form would refuse, history about anything but the incident, an
//! oversized upload or a file that is not an archive, and changes nothing
//! when it refuses; shared pages keep working, even over a row damaged
//! outside Debrief. The Markdown and HTML exports hold every part.

use crate::common;

use std::process::Command;

use common::{
    Client, Server, dump, execute_sql, incident_form, on_postgres, query_i64, query_text, with,
};
use serde_json::{Value, json};

async fn ok(res: reqwest::Response) -> String {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn import(client: &Client, number: &str, text: &str) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("#ops_20260304.log"),
    );
    let res = client
        .http
        .post(client.url(&format!("/incidents/{number}/transcripts")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let token = ok(res).await;
    ok(client
        .post(
            "/api/transcripts/import",
            &[("number", number), ("staged", &token)],
        )
        .await)
    .await;
}

/// Incident #1 with a timeline, a transcript (one line promoted to an event
/// that marks "detected"), a countermeasure from a line, a published
/// post-mortem, a review with the handout sent, and a meeting note.
async fn rich_incident(server: &Server) {
    ok(server
        .post(
            "/api/incidents/create",
            &with(
                incident_form(
                    "Checkout errors after the pool change",
                    "outage",
                    "checkout",
                ),
                "form[detected][at]",
                "",
            ),
        )
        .await)
    .await;
    ok(server
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", "1"),
                ("line", "14:20 kim: raised the pool limit"),
            ],
        )
        .await)
    .await;
    import(
        server,
        "1",
        "[14:05] <alerting> checkout error rate above 5%\n[14:07] <kim> looking\n",
    )
    .await;
    let line = query_text(
        &server.db_path,
        "SELECT CAST(id AS TEXT) FROM transcript_lines WHERE text LIKE 'checkout error%'",
    )
    .await;
    ok(server
        .post(
            "/api/transcripts/promote",
            &[
                ("number", "1"),
                ("lines[0]", &line),
                ("kind", "alert"),
                ("mark", "detected"),
            ],
        )
        .await)
    .await;
    ok(server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on pool saturation"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[incidents]", "1"),
                ("form[source_line]", &line),
                ("confirm_new", "yes"),
            ],
        )
        .await)
    .await;
    for (version, body) in [
        ("0", "# Draft"),
        ("1", "# What happened\n\nWhat did we know?"),
    ] {
        ok(server
            .post(
                "/api/postmortem/save",
                &[("number", "1"), ("version", version), ("body", body)],
            )
            .await)
        .await;
    }
    ok(server
        .post(
            "/api/postmortem/status",
            &[("number", "1"), ("version", "2"), ("status", "published")],
        )
        .await)
    .await;
    ok(server
        .post(
            "/api/review/save",
            &[
                ("number", "1"),
                ("version", "0"),
                ("form[scheduled_at]", "2026-03-10 14:00"),
                ("form[attendees]", "Sam Lee <sam@example.com>\nKim"),
            ],
        )
        .await)
    .await;
    ok(server
        .post(
            "/api/review/handout",
            &[("number", "1"), ("version", "1"), ("sent", "yes")],
        )
        .await)
    .await;
    ok(server.post("/api/meeting/lead", &[("number", "1")]).await).await;
    let event = query_text(
        &server.db_path,
        "SELECT id FROM timeline_events ORDER BY at LIMIT 1",
    )
    .await;
    ok(server
        .post(
            "/api/meeting/note",
            &[
                ("number", "1"),
                ("event", &event),
                ("kind", "question"),
                ("body", "What did the graph show?"),
            ],
        )
        .await)
    .await;
}

fn cli(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .arg("--database-url")
        .arg(db)
        .args(["--log-level", "warn"])
        .output()
        .unwrap()
}

async fn upload(client: &Client, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("incident-1.json"),
    );
    client
        .http
        .post(client.url("/incidents/restore"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn rows<'a>(archive: &'a Value, table: &str) -> &'a Vec<Value> {
    archive["tables"][table].as_array().unwrap()
}

#[tokio::test]
async fn an_incident_survives_export_and_restore_field_by_field() {
    let a = Server::start();
    rich_incident(&a).await;
    let file = a.dir.path().join("incident-1.json");
    let out = cli(
        &a.db_path,
        &[
            "export",
            "--incident",
            "1",
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for table in [
        "incidents",
        "incident_services",
        "timeline_events",
        "transcripts",
        "transcript_lines",
        "event_lines",
        "countermeasures",
        "countermeasure_incidents",
        "postmortems",
        "postmortem_versions",
        "reviews",
        "meeting_notes",
        "audit_log",
    ] {
        assert!(
            !rows(&exported, table).is_empty(),
            "{table} was not exported"
        );
    }

    // Into another Debrief, through the upload.
    let b = Server::start();
    let res = upload(&b, std::fs::read(&file).unwrap()).await;
    let restored: Value = serde_json::from_str(&ok(res).await).unwrap();
    assert_eq!(restored["number"], 1);
    assert_eq!(restored["renumbered_from"], Value::Null);
    let again: Value =
        serde_json::from_str(&ok(b.get("/incidents/1/export.json").await).await).unwrap();
    // Field by field, but for history's names, which say it was restored.
    let mut expected = exported.clone();
    for row in expected["tables"]["audit_log"].as_array_mut().unwrap() {
        let name = row["actor_name"].as_str().unwrap().to_string();
        row["actor_name"] = format!("{name} (restored)").into();
    }
    assert_eq!(
        again, expected,
        "the restored incident equals the exported one"
    );
    // And it works: search finds its transcript line, the page shows it.
    assert!(
        b.page("/incidents/1")
            .await
            .contains("Checkout errors after the pool change")
    );
    let found = b
        .post(
            "/api/search",
            &[("query[text]", "error rate"), ("query[kind]", "line")],
        )
        .await;
    let found: Value = found.json().await.unwrap();
    assert_eq!(found["results"].as_array().unwrap().len(), 1);

    // A second copy is refused, and nothing changes.
    let before = dump(&b.db_path).await;
    let res = upload(&b, std::fs::read(&file).unwrap()).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("already holds that incident")
    );
    // Another incident (every row of it moved to a new id), with a column
    // this Debrief does not know.
    let old_id = exported["tables"]["incidents"][0]["id"].as_str().unwrap();
    let mut unknown: Value = serde_json::from_str(
        &serde_json::to_string(&exported)
            .unwrap()
            .replace(old_id, "another-id"),
    )
    .unwrap();
    unknown["tables"]["incidents"][0]["secret_column"] = 1.into();
    let res = upload(&b, serde_json::to_vec(&unknown).unwrap()).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("\"secret_column\""));
    let res = upload(&b, b"{ not json".to_vec()).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not JSON"));
    assert_eq!(dump(&b.db_path).await, before, "refusals changed nothing");

    // Viewers cannot restore.
    let viewer = b.as_user("viewer").await;
    assert!(matches!(
        upload(&viewer, std::fs::read(&file).unwrap())
            .await
            .status()
            .as_u16(),
        401 | 403
    ));
}

#[tokio::test]
async fn taken_numbers_and_keys_are_renumbered_with_every_reference() {
    let a = Server::start();
    rich_incident(&a).await;
    let file = a.dir.path().join("incident-1.json");
    let out = cli(
        &a.db_path,
        &[
            "export",
            "--incident",
            "1",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A Debrief whose #1, CM-1 and first transcript lines are taken.
    let c = Server::start();
    ok(c.post(
        "/api/incidents/create",
        &incident_form("Other", "blip", "search"),
    )
    .await)
    .await;
    import(
        &c,
        "1",
        "[09:00] <x> one\n[09:01] <x> two\n[09:02] <x> three\n",
    )
    .await;
    ok(c.post(
        "/api/countermeasures/create",
        &[
            ("form[title]", "Unrelated lesson"),
            ("form[kind]", "process"),
            ("form[priority]", "low"),
            ("form[incidents]", "1"),
            ("confirm_new", "yes"),
        ],
    )
    .await)
    .await;
    let out = cli(&c.db_path, &["restore-incident", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("restored incident #1 as #2"));

    let restored: Value =
        serde_json::from_str(&ok(c.get("/incidents/2/export.json").await).await).unwrap();
    assert_eq!(rows(&restored, "incidents")[0]["number"], 2);
    assert_eq!(rows(&restored, "countermeasures")[0]["number"], 2);
    assert!(
        rows(&restored, "transcript_lines")
            .iter()
            .all(|l| l["incident_no"] == 2)
    );
    // The promoted event still points at its line, and the countermeasure at
    // the same line, under their new keys.
    assert_eq!(
        query_text(
            &c.db_path,
            "SELECT l.text FROM event_lines el JOIN transcript_lines l ON l.id = el.line_id \
             JOIN timeline_events e ON e.id = el.event_id JOIN incidents i ON i.id = e.incident_id \
             WHERE i.number = 2"
        )
        .await,
        "checkout error rate above 5%"
    );
    assert_eq!(
        query_text(
            &c.db_path,
            "SELECT l.text FROM countermeasures c JOIN transcript_lines l ON l.id = c.source_line_id WHERE c.number = 2"
        )
        .await,
        "checkout error rate above 5%"
    );
    assert_eq!(
        query_i64(
            &c.db_path,
            "SELECT count(*) FROM audit_log WHERE action = 'restored'"
        )
        .await,
        1
    );

    // Markdown and HTML hold every part.
    let md = ok(c.get("/incidents/2/export.md").await).await;
    for part in [
        "# #2 Checkout errors after the pool change",
        "## Timeline",
        "raised the pool limit",
        "## Transcript: #ops",
        "<alerting> checkout error rate above 5%",
        "CM-2 Alert on pool saturation",
        "## Post-mortem (published)",
        "## Review meeting",
        "## History",
    ] {
        assert!(md.contains(part), "{part:?} missing from the Markdown");
    }
    let out = cli(
        &c.db_path,
        &["export", "--incident", "2", "--format", "html"],
    );
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h2>Post-mortem (published)</h2>"), "{html}");
    let out = cli(&c.db_path, &["export", "--incident", "9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no incident 9"));
}

/// Incident #1 of `server` as its JSON export.
async fn exported(server: &Server) -> Value {
    serde_json::from_str(&ok(server.get("/incidents/1/export.json").await).await).unwrap()
}

/// A Debrief with an incident (#1, about checkout) and a countermeasure of
/// its own, so its shared pages list something.
async fn target() -> Server {
    let b = Server::start();
    ok(b.post(
        "/api/incidents/create",
        &incident_form("Checkout slow at night", "blip", "checkout"),
    )
    .await)
    .await;
    ok(b.post(
        "/api/countermeasures/create",
        &[
            ("form[title]", "Own lesson about checkout"),
            ("form[kind]", "process"),
            ("form[priority]", "low"),
            ("form[incidents]", "1"),
            ("confirm_new", "yes"),
        ],
    )
    .await)
    .await;
    b
}

/// The pages everyone reads that list incidents, countermeasures, reviews
/// or history answer, and show the incident and countermeasure named; and
/// so does the page of incident `page` (titled `title`).
async fn shared_pages_answer(
    server: &Server,
    incident: &str,
    countermeasure: &str,
    (page, title): (&str, &str),
) {
    let admin = server.as_user("admin").await;
    for (client, path, shows) in [
        (&**server, "/countermeasures", countermeasure),
        (&**server, "/countermeasures?view=board", countermeasure),
        (
            &**server,
            "/countermeasures/export/jira.csv",
            countermeasure,
        ),
        (&**server, "/incidents", incident),
        (&**server, "/search?q=checkout", incident),
        (&**server, "/report", "Report"),
        (&admin, "/admin/reviews", "Review"),
        (&admin, "/admin/audit", incident),
        (&**server, page, title),
    ] {
        let res = client.get(path).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        assert!(body.contains(shows), "GET {path} does not show {shows:?}");
    }
}

#[tokio::test]
async fn a_column_a_form_would_refuse_is_named_and_nothing_is_stored() {
    let a = Server::start();
    rich_incident(&a).await;
    let archive = exported(&a).await;
    let b = target().await;
    let before = dump(&b.db_path).await;
    let cases: Vec<(&str, &str, Value, &[&str])> = vec![
        (
            "countermeasures",
            "updated_at",
            json!("later"),
            &[
                "Row 1 of \"countermeasures\", column \"updated_at\"",
                "\"later\"",
                "a time",
            ],
        ),
        (
            "incidents",
            "detected_at",
            json!("yesterday"),
            &[
                "Row 1 of \"incidents\", column \"detected_at\"",
                "\"yesterday\"",
            ],
        ),
        (
            "incidents",
            "detected_at",
            json!(1.5e300),
            &[
                "Row 1 of \"incidents\", column \"detected_at\"",
                "floating point",
            ],
        ),
        (
            "incidents",
            "created_at",
            json!(-1),
            &["column \"created_at\"", "outside the years Debrief accepts"],
        ),
        (
            "incidents",
            "severity",
            json!("sev1"),
            &["column \"severity\"", "unknown value `sev1`", "`outage`"],
        ),
        (
            "incidents",
            "resolved_estimated",
            json!(7),
            &["column \"resolved_estimated\"", "0 or 1"],
        ),
        (
            "timeline_events",
            "kind",
            json!("rumour"),
            &[
                "Row 1 of \"timeline_events\", column \"kind\"",
                "`observation`",
            ],
        ),
        (
            "transcript_lines",
            "at",
            json!("noon"),
            &["Row 1 of \"transcript_lines\", column \"at\""],
        ),
        (
            "countermeasures",
            "priority",
            json!("p0"),
            &["column \"priority\"", "`urgent`"],
        ),
        (
            "countermeasures",
            "title",
            json!("t".repeat(201)),
            &["column \"title\" holds 201 characters, more than the 200"],
        ),
        (
            "countermeasures",
            "due_on",
            json!("next week"),
            &["column \"due_on\"", "YYYY-MM-DD"],
        ),
        (
            "reviews",
            "minutes",
            json!(5000),
            &["Row 1 of \"reviews\", column \"minutes\"", "15 to 480"],
        ),
        (
            "postmortems",
            "status",
            json!("final"),
            &["Row 1 of \"postmortems\", column \"status\"", "`published`"],
        ),
        (
            "audit_log",
            "changes",
            json!("{"),
            &["Row 1 of \"audit_log\", column \"changes\""],
        ),
    ];
    for (table, column, value, says) in cases {
        let mut bad = archive.clone();
        bad["tables"][table][0][column] = value;
        let res = upload(&b, serde_json::to_vec(&bad).unwrap()).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 400, "{table}.{column}: {body}");
        for part in says {
            assert!(
                body.contains(part),
                "{table}.{column}: {part:?} missing from {body}"
            );
        }
        assert!(body.contains("Nothing was restored."), "{body}");
    }
    // The same through the command line.
    let mut bad = archive.clone();
    bad["tables"]["countermeasures"][0]["updated_at"] = json!("later");
    let file = b.dir.path().join("bad.json");
    std::fs::write(&file, serde_json::to_vec(&bad).unwrap()).unwrap();
    let out = cli(&b.db_path, &["restore-incident", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Row 1 of \"countermeasures\", column \"updated_at\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(dump(&b.db_path).await, before, "nothing was stored");
    shared_pages_answer(
        &b,
        "Checkout slow at night",
        "Own lesson about checkout",
        ("/incidents/1", "Checkout slow at night"),
    )
    .await;
}

#[tokio::test]
async fn restored_history_is_marked_and_credited_to_no_account_here() {
    let a = Server::start();
    rich_incident(&a).await;
    let archive = exported(&a).await;
    let id = archive["tables"]["incidents"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = Server::start();
    let before = dump(&b.db_path).await;
    let admin_id = query_text(&b.db_path, "SELECT id FROM users WHERE login = 'admin'").await;
    let viewer_id = query_text(&b.db_path, "SELECT id FROM users WHERE login = 'viewer'").await;
    let history_rows = archive["tables"]["audit_log"].as_array().unwrap().len();
    let refused = |change: Box<dyn Fn(&mut Value)>, says: String| {
        let mut changed = archive.clone();
        change(&mut changed);
        let b = &b;
        async move {
            let res = upload(b, serde_json::to_vec(&changed).unwrap()).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, 400, "{body}");
            assert!(body.contains(&says), "{says:?} missing from {body}");
        }
    };
    // An editor's forgery: the administrator promoting a viewer, "about"
    // the incident so that it travels with it.
    let forged = move |kind: &'static str, object: String| {
        let id = id.clone();
        Box::new(move |a: &mut Value| {
            a["tables"]["audit_log"].as_array_mut().unwrap().push(json!({
                "id": 90_001, "at": 1_772_618_700, "actor_name": "Admin person (admin)",
                "action": "updated", "object_kind": kind, "object_id": object,
                "object_label": "Viewer person (viewer)",
                "changes": "[{\"field\":\"Role\",\"before\":\"Viewer\",\"after\":\"Administrator\"}]",
                "incident_id": id,
            }));
        }) as Box<dyn Fn(&mut Value)>
    };
    let n = history_rows + 1;
    refused(
        forged("user", viewer_id.clone()),
        format!("Row {n} of \"audit_log\" is about a \"user\", not about the archive's incident"),
    )
    .await;
    refused(
        forged("settings", "review_policy".into()),
        format!("Row {n} of \"audit_log\" is about a \"settings\""),
    )
    .await;
    refused(
        forged("incident", "some-other-incident".into()),
        format!("Row {n} of \"audit_log\" is about the incident \"some-other-incident\""),
    )
    .await;
    // A history row credited to an account of this deployment.
    let admin = admin_id.clone();
    refused(
        Box::new(move |a: &mut Value| a["tables"]["audit_log"][0]["actor_id"] = json!(admin)),
        "Row 1 of \"audit_log\" names an account (\"actor_id\")".into(),
    )
    .await;
    assert_eq!(dump(&b.db_path).await, before, "refusals changed nothing");

    // The archive as exported: its history comes back, marked, credited to
    // no account here.
    ok(upload(&b, serde_json::to_vec(&archive).unwrap()).await).await;
    let id = archive["tables"]["incidents"][0]["id"].as_str().unwrap();
    let count = |condition: &str| {
        format!("SELECT count(*) FROM audit_log WHERE incident_id = '{id}' {condition}")
    };
    assert_eq!(query_i64(&b.db_path, &count("")).await, history_rows as i64);
    assert_eq!(
        query_i64(&b.db_path, &count("AND actor_id IS NOT NULL")).await,
        0
    );
    assert_eq!(
        query_i64(&b.db_path, &count("AND actor_name LIKE '% (restored)'")).await,
        history_rows as i64
    );
    let log = b.as_user("admin").await.page("/admin/audit").await;
    assert!(log.contains("Editor person (editor) (restored)"), "{log}");
    assert_eq!(
        query_i64(
            &b.db_path,
            "SELECT count(*) FROM audit_log \
             WHERE changes LIKE '%\"before\":\"Viewer\",\"after\":\"Administrator\"%'"
        )
        .await,
        0,
        "no forged promotion"
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_the_limit_named() {
    let b = Server::start();
    let before = dump(&b.db_path).await;
    let res = upload(&b, vec![b' '; 33 * 1024 * 1024]).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("larger than 32 MB"), "{body}");
    assert!(body.contains("debrief restore-incident FILE"), "{body}");
    assert_eq!(dump(&b.db_path).await, before);
}

/// Holds a restore upload open: its headers and part of its body, never the
/// rest (until dropped).
fn open_upload(client: &Client) -> std::net::TcpStream {
    use std::io::Write;
    let address = client.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    let head = format!(
        "POST /incidents/restore HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary=held\r\nContent-Length: 1000000\r\n\r\n\
         --held\r\nContent-Disposition: form-data; name=\"file\"; filename=\"incident-1.json\"\r\n\r\n{{",
        client.cookie.as_deref().unwrap()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    stream
}

/// Whether the server has answered (or closed) a held upload.
fn answered(stream: &std::net::TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let answered = !matches!(
        stream.peek(&mut byte),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
    );
    stream.set_nonblocking(false).unwrap();
    answered
}

#[tokio::test]
async fn restores_beyond_two_at_once_are_asked_to_try_again() {
    let b = Server::start();
    let mut held = vec![open_upload(&b), open_upload(&b)];
    // Each held upload takes its place once the server has read its
    // headers: until then a third is answered as usual (and refused as not
    // an archive). The third can also take a place before a held one does,
    // which is then answered "busy" and gone: such a held upload is opened
    // again, so that two are held when the third is tried.
    let mut busy = None;
    // Up to a minute: on a loaded machine the held uploads' headers may be
    // read late.
    for _ in 0..1200 {
        for stream in held.iter_mut() {
            if answered(stream) {
                *stream = open_upload(&b);
            }
        }
        let res = upload(&b, b"[]".to_vec()).await;
        if res.status() == 503 {
            busy = Some(res.text().await.unwrap());
            break;
        }
        assert_eq!(res.status(), 400);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let busy = busy.expect("a third restore is asked to wait");
    assert!(busy.contains("2 restores are running already"), "{busy}");
    assert!(busy.contains("Try again"), "{busy}");
    // Once they end, restores are taken again.
    drop(held);
    let mut status = 503;
    for _ in 0..200 {
        status = upload(&b, b"[]".to_vec()).await.status().as_u16();
        if status != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 400, "a restore is read again once the others end");
}

#[tokio::test]
async fn a_time_damaged_outside_debrief_does_not_fail_shared_pages() {
    // PostgreSQL keeps a column's type: only SQLite can hold such a row.
    if on_postgres() {
        return;
    }
    let b = Server::start();
    rich_incident(&b).await;
    ok(b.post(
        "/api/incidents/create",
        &incident_form("Checkout slow at night", "blip", "checkout"),
    )
    .await)
    .await;
    for statement in [
        "UPDATE countermeasures SET updated_at = 'later', created_at = 1.5e300",
        "UPDATE incidents SET detected_at = 'yesterday', updated_at = 'soon' WHERE number = 1",
        "UPDATE incidents SET started_at = 'x', resolved_at = 1.5e300 WHERE number = 1",
        "UPDATE timeline_events SET at = 'noon', created_at = 'then'",
        "UPDATE transcript_lines SET at = 'noon'",
        "UPDATE audit_log SET at = 'then', changes = 'not a list'",
        "UPDATE reviews SET scheduled_at = 'someday'",
    ] {
        execute_sql(&b.db_path, statement).await;
    }
    // The damaged rows are listed; another incident's page is unaffected.
    shared_pages_answer(
        &b,
        "Checkout errors after the pool change",
        "Alert on pool saturation",
        ("/incidents/2", "Checkout slow at night"),
    )
    .await;
    let found = b
        .post(
            "/api/search",
            &[("query[text]", "error rate"), ("query[kind]", "line")],
        )
        .await;
    assert_eq!(found.status(), 200);
    let history = b.as_user("admin").await.page("/admin/audit").await;
    assert!(history.contains("unreadable"), "the damaged row says so");
}
