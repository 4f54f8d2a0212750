//! The timeline through the server's real HTTP interface, against a real
//! SQLite file: quick entry, edits with versions, key moments, delete and
//! restore, filters, and the history every change leaves.

use crate::common;

use common::{Client, Server, dump, incident_form, query_i64, query_text};

/// Incident #1: Europe/Paris, impact 14:00, detected 14:06 … repaired 15:35.
async fn seed(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// Adds a line by quick entry; returns the event id.
async fn add(client: &Client, line: &str) -> String {
    let res = client
        .post(
            "/api/timeline/quick_add",
            &[("number", "1"), ("line", line)],
        )
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{line}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn event_version(server: &Server, id: &str) -> String {
    query_i64(
        &server.db_path,
        &format!("SELECT version FROM timeline_events WHERE id = '{id}'"),
    )
    .await
    .to_string()
}

async fn incident_moment(server: &Server, column: &str) -> Option<i64> {
    let text = query_text(
        &server.db_path,
        &format!("SELECT COALESCE(CAST({column} AS TEXT), '') FROM incidents WHERE number = 1"),
    )
    .await;
    text.parse().ok()
}

/// 2026-03-04 at a Paris wall-clock time, as stored (epoch seconds, UTC).
fn paris(h: u32, m: u32, s: u32) -> i64 {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 3, 4, h - 1, m, s)
        .unwrap()
        .timestamp()
}

fn position(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on the page"))
}

#[tokio::test]
async fn quick_entry_adds_events_in_order_with_the_incidents_day_and_zone() {
    let server = Server::start();
    seed(&server).await;
    add(&server, "14:32 alert: checkout p99 above 2 s").await;
    add(&server, "14:31:10 @sam opened the latency dashboard").await;
    // Three at the same second keep the order they were typed in.
    add(&server, "14:40 first at the same second").await;
    add(&server, "14:40 second at the same second").await;
    add(&server, "14:40 third at the same second").await;
    // The change that set it up, the evening before.
    add(&server, "2026-03-03 22:15 deploy: cache TTL lowered").await;

    let stored = query_i64(
        &server.db_path,
        "SELECT at FROM timeline_events WHERE body_markdown LIKE 'checkout p99%'",
    )
    .await;
    assert_eq!(stored, paris(14, 32, 0), "14:32 Paris, stored as UTC");

    let page = server.page("/incidents/1").await;
    // Shown in the viewer's zone (UTC by default), with the zone named.
    assert!(page.contains("2026-03-04 13:32:00 UTC"), "viewer zone");
    let order = [
        "cache TTL lowered",
        "opened the latency dashboard",
        "checkout p99 above 2 s",
        "first at the same second",
        "second at the same second",
        "third at the same second",
    ];
    let positions: Vec<usize> = order.iter().map(|t| position(&page, t)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "timeline order {positions:?}"
    );
    assert!(page.contains("data-kind=\"alert\""));
    assert!(page.contains("<span class=\"actor\">sam</span>"));
    assert!(
        page.contains("typed by Editor person (editor)"),
        "provenance"
    );
    // The phase bar draws the events as ticks and says what it could not place.
    assert!(page.contains("class=\"tick"), "ticks on the phase bar");
    assert!(page.contains("1 event before impact started"), "{page}");
}

#[tokio::test]
async fn a_bad_line_names_the_problem_and_stores_nothing() {
    let server = Server::start();
    seed(&server).await;
    let before = dump(&server.db_path).await;
    for (line, expected) in [
        ("checkout is slow", "Start the line with the time"),
        ("25:10 x", "hours run from 00 to 23"),
        ("14:32", "Say what happened"),
        ("14:32 !fixed it", "is not a key moment"),
    ] {
        let res = server
            .post(
                "/api/timeline/quick_add",
                &[("number", "1"), ("line", line)],
            )
            .await;
        assert_eq!(res.status(), 400, "{line}");
        let body = res.text().await.unwrap();
        assert!(body.contains(expected), "{line}: {body}");
        // The line comes back, so the person can fix it rather than retype it.
        assert!(body.contains(&line.replace('"', "\\\"")), "{body}");
    }
    assert_eq!(dump(&server.db_path).await, before);
}

#[tokio::test]
async fn a_moment_already_set_is_a_question_and_nothing_changes_until_answered() {
    let server = Server::start();
    seed(&server).await;
    // Detected is typed on the incident form at 14:06.
    let before = dump(&server.db_path).await;
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[("number", "1"), ("line", "14:07 alert fired !detected")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(body.contains("Choose"), "{body}");
    assert!(
        body.contains("\\\"Detected\\\" is set to 2026-03-04 13:06:00 UTC"),
        "{body}"
    );
    assert_eq!(dump(&server.db_path).await, before, "nothing stored");

    // The person chooses this event: it is added and Detected follows it.
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", "1"),
                ("line", "14:07 alert fired !detected"),
                ("choice", "replace"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let alert: String = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(
        incident_moment(&server, "detected_at").await,
        Some(paris(14, 7, 0))
    );

    // A second event for the same moment: asked again, naming the holder.
    let other = add(&server, "14:09 a customer wrote in").await;
    let version = event_version(&server, &other).await;
    let srv = &server;
    let mark = |replace: &'static str| {
        let other = other.clone();
        let version = version.clone();
        async move {
            srv.post(
                "/api/timeline/mark",
                &[
                    ("number", "1"),
                    ("id", other.as_str()),
                    ("version", version.as_str()),
                    ("moment", "detected"),
                    ("replace", replace),
                ],
            )
            .await
        }
    };
    let res = mark("").await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("already marked on the event at 2026-03-04 13:07:00 UTC"),
        "{body}"
    );
    assert!(body.contains("alert fired"), "{body}");
    assert_eq!(
        incident_moment(&server, "detected_at").await,
        Some(paris(14, 7, 0))
    );

    let res = mark("1").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        incident_moment(&server, "detected_at").await,
        Some(paris(14, 9, 0))
    );
    let holder = query_text(
        &server.db_path,
        "SELECT id FROM timeline_events WHERE key_moment = 'detected'",
    )
    .await;
    assert_eq!(holder, other);
    let displaced = query_text(
        &server.db_path,
        &format!("SELECT COALESCE(key_moment, '') FROM timeline_events WHERE id = '{alert}'"),
    )
    .await;
    assert_eq!(displaced, "", "the first event no longer marks it");

    // The page shows the durations that followed: detect 14:00 → 14:09.
    let page = server.page("/incidents/1").await;
    assert!(
        page.contains("<tr data-phase=\"detect\">") && page.contains("data-seconds=\"540\""),
        "detect is 9 min"
    );
}

#[tokio::test]
async fn a_mark_out_of_order_is_refused_naming_both_moments() {
    let server = Server::start();
    seed(&server).await;
    let id = add(&server, "16:00 we think we found it").await;
    let version = event_version(&server, &id).await;
    let before = dump(&server.db_path).await;
    let res = server
        .post(
            "/api/timeline/mark",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
                ("moment", "diagnosed"),
                ("replace", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Repaired") && body.contains("Diagnosed"),
        "{body}"
    );
    assert_eq!(dump(&server.db_path).await, before);
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_the_current_text_and_nothing_is_overwritten() {
    let server = Server::start();
    seed(&server).await;
    let id = add(&server, "14:20 restarted the cache nodes").await;
    let version = event_version(&server, &id).await;
    let srv = &server;
    let edit = |body: &'static str, version: String| {
        let id = id.clone();
        async move {
            srv.post(
                "/api/timeline/update",
                &[
                    ("number", "1"),
                    ("id", id.as_str()),
                    ("version", version.as_str()),
                    ("form[at]", "2026-03-04 14:20:30"),
                    ("form[kind]", "action"),
                    ("form[actor]", "Ana"),
                    ("form[body]", body),
                    ("form[evidence_url]", "https://grafana.example/d/cache"),
                ],
            )
            .await
        }
    };
    let first = edit("restarted the cache nodes one by one", version.clone()).await;
    assert_eq!(first.status(), 200, "{}", first.text().await.unwrap());
    let before = dump(&server.db_path).await;
    let stale = edit("restarted all cache nodes at once", version).await;
    assert_eq!(stale.status(), 409);
    let body = stale.text().await.unwrap();
    assert!(body.contains("\"Conflict\":{\"what\":\"event\""), "{body}");
    assert!(
        body.contains("restarted the cache nodes one by one"),
        "the current text, to merge: {body}"
    );
    assert!(
        body.contains("restarted all cache nodes at once"),
        "the refused text, kept: {body}"
    );
    assert_eq!(dump(&server.db_path).await, before, "nothing overwritten");
    let stored = query_text(
        &server.db_path,
        &format!("SELECT body_markdown FROM timeline_events WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(stored, "restarted the cache nodes one by one");
    let at = query_i64(
        &server.db_path,
        &format!("SELECT at FROM timeline_events WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(at, paris(14, 20, 30));
}

#[tokio::test]
async fn bad_edits_are_refused_field_by_field() {
    let server = Server::start();
    seed(&server).await;
    let id = add(&server, "14:20 something").await;
    let version = event_version(&server, &id).await;
    let before = dump(&server.db_path).await;
    let res = server
        .post(
            "/api/timeline/update",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
                ("form[at]", "yesterday-ish"),
                ("form[kind]", "action"),
                ("form[body]", "x"),
                ("form[evidence_url]", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("\"field\":\"at\""), "{body}");
    assert!(body.contains("\"field\":\"evidence_url\""), "{body}");
    assert_eq!(dump(&server.db_path).await, before);
}

#[tokio::test]
async fn delete_and_restore_bring_back_the_event_and_its_moment() {
    let server = Server::start();
    seed(&server).await;
    let id = add(&server, "15:35 latency back to normal !repaired").await;
    assert_eq!(
        incident_moment(&server, "repaired_at").await,
        Some(paris(15, 35, 0))
    );
    let version = event_version(&server, &id).await;
    let res = server
        .post(
            "/api/timeline/delete",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        incident_moment(&server, "repaired_at").await,
        None,
        "moment cleared"
    );
    let page = server.page("/incidents/1").await;
    assert!(page.contains("Deleted events (1)"));
    let live = page.split("Deleted events").next().unwrap();
    assert!(
        !live.contains("latency back to normal"),
        "not in the live timeline"
    );

    let res = server
        .post(
            "/api/timeline/restore",
            &[("number", "1"), ("id", id.as_str())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "null", "restored with its mark");
    assert_eq!(
        incident_moment(&server, "repaired_at").await,
        Some(paris(15, 35, 0))
    );
    let page = server.page("/incidents/1").await;
    assert!(!page.contains("Deleted events"));
    assert!(page.contains("latency back to normal"));

    // Deleted again, and meanwhile another event takes the moment: the
    // restore brings the event back without the mark, and says so.
    let version = event_version(&server, &id).await;
    server
        .post(
            "/api/timeline/delete",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
            ],
        )
        .await;
    add(&server, "15:40 error rate normal !repaired").await;
    let res = server
        .post(
            "/api/timeline/restore",
            &[("number", "1"), ("id", id.as_str())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("without its"), "told");
    assert_eq!(
        incident_moment(&server, "repaired_at").await,
        Some(paris(15, 40, 0))
    );
}

#[tokio::test]
async fn history_records_every_timeline_change_with_before_and_after() {
    let server = Server::start();
    seed(&server).await;
    let id = add(&server, "14:20 restarted the cache").await;
    let version = event_version(&server, &id).await;
    let res = server
        .post(
            "/api/timeline/update",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
                ("form[at]", "2026-03-04 14:21:00"),
                ("form[kind]", "action"),
                ("form[body]", "restarted the cache, node by node"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let version = event_version(&server, &id).await;
    server
        .post(
            "/api/timeline/mark",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
                ("moment", "responded"),
                ("replace", "1"),
            ],
        )
        .await;
    let version = event_version(&server, &id).await;
    server
        .post(
            "/api/timeline/delete",
            &[
                ("number", "1"),
                ("id", id.as_str()),
                ("version", version.as_str()),
            ],
        )
        .await;
    server
        .post(
            "/api/timeline/restore",
            &[("number", "1"), ("id", id.as_str())],
        )
        .await;

    let actions = query_text(
        &server.db_path,
        "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log \
         WHERE incident_id = (SELECT id FROM incidents WHERE number = 1)",
    )
    .await;
    assert_eq!(
        actions,
        "created,event_added,event_edited,event_marked,updated,event_deleted,updated,event_restored,updated"
    );
    let edit = query_text(
        &server.db_path,
        "SELECT changes FROM audit_log WHERE action = 'event_edited'",
    )
    .await;
    for expected in [
        "\"field\":\"Time\"",
        "2026-03-04T13:20:00Z",
        "2026-03-04T13:21:00Z",
        "\"before\":\"Observation\",\"after\":\"Action\"",
        "restarted the cache, node by node",
    ] {
        assert!(edit.contains(expected), "{expected} in {edit}");
    }
    let page = server.page("/incidents/1").await;
    let history = &page[position(&page, "id=\"history-heading\"")..];
    assert!(history.contains("Editor person (editor)"));
    assert!(history.contains("restarted the cache, node by node"));
}

#[tokio::test]
async fn filters_show_a_kind_an_actor_or_key_moments_only() {
    let server = Server::start();
    seed(&server).await;
    add(&server, "14:10 alert: p99 above 2 s").await;
    add(&server, "14:11 @sam looked at the dashboards").await;
    add(&server, "14:12 @ana decision: roll back release 412").await;
    add(&server, "15:50 @ana all clear !resolved").await;
    let srv = &server;
    let timeline = |filter: &'static str| async move {
        let page = srv.page(&format!("/incidents/1?{filter}")).await;
        let list = &page[position(&page, "<ol class=\"timeline\">")..];
        let list = &list[..list.find("</ol>").unwrap()];
        [
            "p99 above 2 s",
            "looked at the dashboards",
            "roll back release 412",
            "all clear",
        ]
        .into_iter()
        .filter(|t| list.contains(t))
        .collect::<Vec<_>>()
    };
    assert_eq!(timeline("kind=alert").await, ["p99 above 2 s"]);
    assert_eq!(
        timeline("actor=ana").await,
        ["roll back release 412", "all clear"]
    );
    assert_eq!(timeline("moments=1").await, ["all clear"]);
    assert_eq!(timeline("").await.len(), 4);
    let page = server.page("/incidents/1?kind=alert").await;
    assert!(page.contains("1 of 4 events match the filter."));
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let server = Server::start();
    seed(&server).await;
    // Quick entry: back to the page, the field focused for the next line.
    let res = server
        .post_as_html_form(
            "/api/timeline/quick_add",
            "/incidents/1?kind=alert",
            &[("number", "1"), ("line", "14:15 alert: checkout errors")],
        )
        .await;
    let (location, page) = server.follow(res).await;
    assert!(
        location.ends_with("/incidents/1?kind=alert&focus=entry#quick-entry"),
        "{location}"
    );
    assert!(page.contains("checkout errors"));
    assert!(page.contains("autofocus"), "the field takes the focus");
    // A refused line comes back in the field, with the reason.
    let res = server
        .post_as_html_form(
            "/api/timeline/quick_add",
            "/incidents/1",
            &[("number", "1"), ("line", "14:99 typo in the minutes")],
        )
        .await;
    let (_, page) = server.follow(res).await;
    assert!(page.contains("hours run from 00 to 23"), "the reason");
    assert!(
        page.contains("value=\"14:99 typo in the minutes\""),
        "the line kept"
    );
    // The editor opens inline from a link.
    let id = query_text(&server.db_path, "SELECT id FROM timeline_events").await;
    let page = server.page(&format!("/incidents/1?edit={id}")).await;
    assert!(page.contains("name=\"form[body]\""));
    assert!(page.contains("checkout errors</textarea>"));
}

#[tokio::test]
async fn viewers_see_the_timeline_but_get_no_editing_controls() {
    let server = Server::start();
    seed(&server).await;
    add(&server, "14:15 alert: checkout errors").await;
    let viewer = server.as_user("viewer").await;
    let id = query_text(&server.db_path, "SELECT id FROM timeline_events").await;
    let page = viewer.page(&format!("/incidents/1?edit={id}")).await;
    assert!(page.contains("checkout errors"));
    assert!(!page.contains("id=\"quick-entry\""));
    assert!(!page.contains("name=\"form[body]\""));
    assert!(!page.contains("class=\"edit-link\""));
}

#[tokio::test]
async fn event_text_is_rendered_then_sanitized() {
    let server = Server::start();
    seed(&server).await;
    add(
        &server,
        "14:20 @<b>sam</b> <img src=x onerror=alert(1)> **bold** [runbook](javascript:alert(2)) <script>alert(3)</script>",
    )
    .await;
    let page = server.page("/incidents/1").await;
    let list = &page[position(&page, "<ol class=\"timeline\">")..];
    let list = &list[..list.find("</ol>").unwrap()];
    assert!(list.contains("<strong>bold</strong>"), "{list}");
    assert!(!list.contains("onerror"), "{list}");
    assert!(!list.contains("javascript:"), "{list}");
    assert!(!list.contains("<script"), "{list}");
    assert!(
        list.contains("&lt;b&gt;sam&lt;/b&gt;"),
        "actor shown as text: {list}"
    );
}
