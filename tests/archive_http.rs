//! No lock-in: one incident with everything it can hold is exported with
//! `debrief export`, restored into another Debrief through the upload, and
//! exported again: the two archives are equal, field by field. Restoring
//! renumbers what the target has taken (with every reference), refuses a
//! second copy, an unknown column or a file that is not an archive, and
//! changes nothing when it refuses. The Markdown and HTML exports hold
//! every part.

mod common;

use std::process::Command;

use common::{Client, Server, dump, incident_form, query_i64, query_text, with};
use serde_json::Value;

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
    assert_eq!(
        again, exported,
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
