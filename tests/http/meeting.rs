//! Meeting mode against the real server and a real SQLite file: leading,
//! stepping (only the facilitator; clamped at the ends), notes, taking over,
//! ending; and the live feed (server-sent events) read over real HTTP: its
//! first message is where the meeting stands, and a step is pushed to it.

use crate::common;

use std::time::Duration;

use common::{Client, Server, incident_form, query_i64};
use serde_json::Value;

async fn setup() -> Server {
    let server = Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Queue backlog", "outage", "queue"),
        )
        .await;
    assert_eq!(res.status(), 200);
    for line in ["14:20 one", "14:25 two", "14:30 three"] {
        let res = server
            .post(
                "/api/timeline/quick_add",
                &[("number", "1"), ("line", line)],
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    server
}

async fn call(client: &Client, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = client.post(&format!("/api/{endpoint}"), form).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn step(client: &Client, to: &str) -> (u16, Value) {
    call(client, "meeting/step", &[("number", "1"), ("to", to)]).await
}

#[tokio::test]
async fn only_the_facilitator_steps_and_notes_stay_with_their_events() {
    let server = setup().await;
    let (status, body) = step(&server, "next").await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("No meeting is running"), "{body}");

    let (status, live) = call(&server, "meeting/lead", &[("number", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        (live["running"].as_bool(), live["position"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(live["facilitator"], "Editor person (editor)");

    assert_eq!(step(&server, "ArrowRight").await.1["position"], 1);
    assert_eq!(step(&server, "End").await.1["position"], 2);
    assert_eq!(
        step(&server, "next").await.1["position"],
        2,
        "past the end stays on the last"
    );
    assert_eq!(step(&server, "Home").await.1["position"], 0);
    assert_eq!(step(&server, "previous").await.1["position"], 0);
    assert_eq!(step(&server, "1").await.1["position"], 1);
    assert_eq!(step(&server, "sideways").await.0, 400);

    // Another editor is refused until they take over.
    common::add_user(&server.db_path, "second", "editor");
    let second = server.as_user("second").await;
    let (status, body) = step(&second, "next").await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("is facilitating"), "{body}");
    let (status, live) = call(&second, "meeting/lead", &[("number", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(live["position"], 1, "taking over keeps the place");
    assert_eq!(step(&second, "next").await.1["position"], 2);
    assert_eq!(
        step(&server, "next").await.0,
        400,
        "the first facilitator handed over"
    );

    let event: String = common::query_text(
        &server.db_path,
        "SELECT id FROM timeline_events ORDER BY at DESC LIMIT 1",
    )
    .await;
    let (status, live) = call(
        &second,
        "meeting/note",
        &[
            ("number", "1"),
            ("event", &event),
            ("kind", "question"),
            ("body", "  What did the dashboard show?  "),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(live["notes"][0]["body"], "What did the dashboard show?");
    assert_eq!(live["notes"][0]["kind"], "question");
    assert_eq!(live["notes"][0]["event_id"], event.as_str());
    let (status, _) = call(
        &second,
        "meeting/note",
        &[
            ("number", "1"),
            ("event", &event),
            ("kind", "note"),
            ("body", "   "),
        ],
    )
    .await;
    assert_eq!(status, 400, "an empty note is refused");
    let (status, _) = call(
        &second,
        "meeting/note",
        &[
            ("number", "1"),
            ("event", "00000000-0000-4000-8000-000000000000"),
            ("kind", "note"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(status, 400, "a note on an event not in the meeting");
    let (status, body) = call(
        &second,
        "meeting/note",
        &[
            ("number", "1"),
            ("event", "no-such-event"),
            ("kind", "note"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(status, 404, "an id that names no event");
    let refusal: app::AppError = serde_json::from_value(body).unwrap();
    assert_eq!(
        refusal.to_string(),
        "That event was not found. It may have been deleted, or the link may be mistyped."
    );

    let viewer = server.as_user("viewer").await;
    assert_eq!(step(&viewer, "next").await.0, 403);
    let (status, view) = call(&viewer, "meeting/get", &[("number", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        view["live"]["position"], 2,
        "a late joiner lands on the current event"
    );
    assert_eq!(view["events"].as_array().unwrap().len(), 3);

    let (status, live) = call(&second, "meeting/end", &[("number", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(live["running"], false);
    assert_eq!(
        live["notes"].as_array().unwrap().len(),
        1,
        "notes outlive the meeting"
    );
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT count(*) FROM audit_log WHERE object_kind = 'meeting'"
        )
        .await,
        3,
        "started, taken over, ended"
    );
}

/// Reads server-sent events from `res` until one `state` message arrives.
async fn next_state(res: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            if let Some(data) = message
                .lines()
                .find_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                && message
                    .lines()
                    .any(|l| l.trim() == "event: state" || l.trim() == "event:state")
            {
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), res.chunk())
            .await
            .expect("the feed sends within 20 s")
            .unwrap()
            .expect("the feed stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_live_feed_starts_where_the_meeting_stands_and_pushes_each_step() {
    let server = setup().await;
    call(&server, "meeting/lead", &[("number", "1")]).await;
    step(&server, "next").await;

    let viewer = server.as_user("viewer").await;
    let mut res = viewer.get("/incidents/1/meeting/live").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buffer = String::new();
    let first = next_state(&mut res, &mut buffer).await;
    assert_eq!(
        (first["running"].as_bool(), first["position"].as_u64()),
        (Some(true), Some(1))
    );

    step(&server, "next").await;
    let pushed = next_state(&mut res, &mut buffer).await;
    assert_eq!(pushed["position"], 2);

    let anonymous = server
        .anonymous()
        .get("/incidents/1/meeting/live")
        .await
        .status();
    assert!(
        matches!(anonymous.as_u16(), 401 | 302 | 303),
        "the feed is behind sign-in: {anonymous}"
    );
}

/// The live feed is never compressed, even for a browser that accepts it:
/// each event must reach the room when it is sent, not wait in a
/// compressor's buffer.
#[tokio::test]
async fn the_live_feed_is_sent_uncompressed_as_each_event_happens() {
    let server = setup().await;
    call(&server, "meeting/lead", &[("number", "1")]).await;
    let viewer = server.as_user("viewer").await;
    let mut res = viewer
        .http
        .get(viewer.url("/incidents/1/meeting/live"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-encoding").is_none());
    let mut buffer = String::new();
    let first = next_state(&mut res, &mut buffer).await;
    assert_eq!(first["running"].as_bool(), Some(true));
    step(&server, "next").await;
    let moved = next_state(&mut res, &mut buffer).await;
    assert_eq!(moved["position"].as_u64(), Some(1), "{moved}");
}

/// The live feed lasts only as long as the right to read it: once the
/// viewer's account is disabled, the next change ends their stream instead
/// of reaching them.
#[tokio::test]
async fn a_disabled_viewers_live_feed_ends() {
    let server = setup().await;
    call(&server, "meeting/lead", &[("number", "1")]).await;
    let viewer = server.as_user("viewer").await;
    let mut res = viewer.get("/incidents/1/meeting/live").await;
    assert_eq!(res.status(), 200);
    let mut buffer = String::new();
    next_state(&mut res, &mut buffer).await;

    let admin = server.as_user("admin").await;
    let viewer_id = common::query_text(
        &server.db_path,
        "SELECT id FROM users WHERE login = 'viewer'",
    )
    .await;
    let disabled = admin
        .post(
            "/api/admin/update_user",
            &[
                ("id", viewer_id.as_str()),
                ("version", "1"),
                ("display_name", "Viewer person"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(disabled.status(), 200);
    step(&server, "next").await;
    // (The bound only keeps a regression from hanging the suite.)
    let mut rest = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(chunk)) = res.chunk().await {
            rest.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(ended.is_ok(), "the feed outlived the viewer's account");
    assert!(
        !rest.contains("\"position\":2"),
        "the disabled viewer still received a step: {rest}"
    );
}
