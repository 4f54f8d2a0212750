//! The review meeting against the real server and a real SQLite file:
//! scheduling (versioned, checked field by field, editors only), the
//! calendar invitation, overdue reviews standing out on the incident list
//! by the administrator's policy, the handout with its open questions and
//! "sent" mark, and the post-mortem's Markdown and HTML downloads.

use crate::common;

use common::{Server, incident_form, query_i64, with};
use serde_json::Value;

/// Incident #1: an outage repaired 2026-03-04 (long past its review date).
async fn incident(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout errors after deploy", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn schedule(server: &Server, version: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut form = vec![("number", "1"), ("version", version)];
    form.extend_from_slice(fields);
    let res = server.post("/api/review/save", &form).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn review(server: &Server) -> Value {
    let res = server.post("/api/review/get", &[("number", "1")]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_review_is_scheduled_and_its_invitation_downloads() {
    let server = Server::start();
    incident(&server).await;

    let res = server.get("/incidents/1/review.ics").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("not scheduled yet"));

    let (status, body) = schedule(
        &server,
        "0",
        &[("form[scheduled_at]", "next week"), ("form[minutes]", "5")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("scheduled_at") && body.contains("minutes"),
        "{body}"
    );
    assert_eq!(
        query_i64(&server.db_path, "SELECT count(*) FROM reviews").await,
        0
    );

    let (status, body) = schedule(
        &server,
        "0",
        &[
            ("form[scheduled_at]", "2027-01-12 15:00"),
            ("form[minutes]", "90"),
            ("form[location]", "Room 4; or https://meet.example/review"),
            (
                "form[attendees]",
                "Sam Lee <sam@example.com>\nThe database team\nsam lee <SAM@example.com>",
            ),
        ],
    )
    .await;
    assert_eq!((status, body.trim()), (200, "1"));
    let (status, _) = schedule(&server, "0", &[("form[minutes]", "30")]).await;
    assert_eq!(status, 409, "a schedule based on an old version is refused");

    let view = review(&server).await;
    // Typed in the incident's zone (Europe/Paris, UTC+1 in January).
    assert_eq!(view["review"]["scheduled_at"], "2027-01-12T14:00:00Z");
    assert_eq!(view["form"]["scheduled_at"], "2027-01-12 15:00:00");
    assert_eq!(
        view["review"]["attendees"],
        serde_json::json!(["Sam Lee <sam@example.com>", "The database team"])
    );

    let res = server.get("/incidents/1/review.ics").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let ics = res.text().await.unwrap().replace("\r\n ", "");
    assert!(
        ics.contains("DTSTART:20270112T140000Z\r\nDTEND:20270112T153000Z\r\n"),
        "{ics}"
    );
    assert!(ics.contains("SUMMARY:Post-incident review: #1 Checkout errors after deploy\r\n"));
    assert!(ics.contains("LOCATION:Room 4\\; or https://meet.example/review\r\n"));
    assert!(
        ics.contains("ATTENDEE;CN=\"Sam Lee\";ROLE=REQ-PARTICIPANT:mailto:sam@example.com\r\n")
    );
    assert!(ics.contains("Attendees: The database team"));
    assert!(ics.contains("/incidents/1/handout"));
    assert!(ics.contains("SEQUENCE:1\r\n"));

    let viewer = server.as_user("viewer").await;
    let res = viewer
        .post(
            "/api/review/save",
            &[("number", "1"), ("version", "1"), ("form[minutes]", "30")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(viewer.get("/incidents/1/review.ics").await.status(), 200);
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT count(*) FROM audit_log WHERE object_kind = 'review'"
        )
        .await,
        1
    );
}

fn review_cell(list: &str, number: i64) -> String {
    let row = list
        .split("<tr data-number=")
        .find(|r| r.starts_with(&format!("\"{number}\"")))
        .unwrap_or_else(|| panic!("incident {number} is not listed"));
    row.split("class=\"review-state\">")
        .nth(1)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn overdue_reviews_stand_out_on_the_incident_list_by_the_policy() {
    let server = Server::start();
    incident(&server).await;
    // #2: not repaired yet, so no review is due.
    let open = with(
        incident_form("Slow search", "degradation", "search"),
        "form[repaired][at]",
        "",
    );
    assert_eq!(
        server.post("/api/incidents/create", &open).await.status(),
        200
    );

    let list = server.page("/incidents").await;
    assert!(
        review_cell(&list, 1).contains("Review overdue (due 2026-03-09)"),
        "repaired Wednesday 4 March, three working days: due Monday 9 March"
    );
    assert!(list.contains("<tr data-number=\"1\" class=\"review-overdue\""));
    assert!(!review_cell(&list, 2).contains("overdue"));

    // Held (its time has passed): no longer overdue.
    let (status, _) = schedule(&server, "0", &[("form[scheduled_at]", "2026-03-06 10:00")]).await;
    assert_eq!(status, 200);
    let list = server.page("/incidents").await;
    assert_eq!(review_cell(&list, 1).trim(), "<span>Held</span>");

    // Booked in the future, long after the due date: still late.
    let (status, _) = schedule(&server, "1", &[("form[scheduled_at]", "2099-01-01 10:00")]).await;
    assert_eq!(status, 200);
    assert!(review_cell(&server.page("/incidents").await, 1).contains("Review overdue"));

    // #3: an outage repaired eight days ago: at least five working days,
    // so late under the default three, on time under twenty.
    let eight_days_ago = (chrono::Utc::now() - chrono::Duration::days(8))
        .format("%Y-%m-%d 12:00")
        .to_string();
    let recent = with(
        incident_form("Login errors", "outage", "login"),
        "form[repaired][at]",
        &eight_days_ago,
    );
    assert_eq!(
        server.post("/api/incidents/create", &recent).await.status(),
        200
    );
    assert!(review_cell(&server.page("/incidents").await, 3).contains("Review overdue"));

    let admin = server.as_user("admin").await;
    let refused = admin
        .post(
            "/api/admin/save_review_policy",
            &[("outage", "0"), ("degradation", "5"), ("blip", "5")],
        )
        .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("from 1 to 60"));
    let saved = admin
        .post(
            "/api/admin/save_review_policy",
            &[("outage", "20"), ("degradation", "5"), ("blip", "5")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let cell = review_cell(&server.page("/incidents").await, 3);
    assert!(cell.contains("Due by"), "{cell}");
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT count(*) FROM audit_log WHERE object_id = 'reviews'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_handout_has_every_section_and_is_marked_sent() {
    let server = Server::start();
    incident(&server).await;
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", "1"),
                ("line", "14:20 sam: Why did the canary pass? Rolling back."),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    let page = server.page("/incidents/1/handout").await;
    for section in [
        "Review handout: #1 Checkout errors after deploy",
        "Key moments and durations",
        "Timeline (1 events)",
        "Open questions",
        "Post-mortem",
    ] {
        assert!(page.contains(section), "the handout lacks {section}");
    }
    assert!(page.contains("When was the incident fully closed? (not recorded)"));
    assert!(page.contains("Why did the canary pass?"));
    assert!(page.contains("class=\"phase-bar"));

    let sent = server
        .post(
            "/api/review/handout",
            &[("number", "1"), ("version", "0"), ("sent", "yes")],
        )
        .await;
    assert_eq!(sent.status(), 200);
    let again = server
        .post(
            "/api/review/handout",
            &[("number", "1"), ("version", "1"), ("sent", "yes")],
        )
        .await;
    assert_eq!(again.status(), 400, "already marked");
    let view = review(&server).await;
    assert_eq!(view["review"]["handout_sent_by"], "Editor person (editor)");
    assert!(view["handout_sent"]["iso"].is_string());
}

#[tokio::test]
async fn the_post_mortem_downloads_as_markdown_and_standalone_html() {
    let server = Server::start();
    incident(&server).await;
    assert_eq!(server.get("/incidents/1/postmortem.md").await.status(), 404);
    let res = server
        .post(
            "/api/postmortem/save",
            &[
                ("number", "1"),
                ("version", "0"),
                (
                    "body",
                    "# What happened\n\n<script>alert(1)</script>What did we know?",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    let md = server.get("/incidents/1/postmortem.md").await;
    assert_eq!(md.status(), 200);
    assert!(
        md.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("postmortem-1.md")
    );
    let md = md.text().await.unwrap();
    assert!(md.starts_with("<!-- Post-mortem of incident #1"), "{md}");
    assert!(md.ends_with("# What happened\n\n<script>alert(1)</script>What did we know?"));

    let html = server.get("/incidents/1/postmortem.html").await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h1>What happened</h1>"));
    assert!(!html.contains("<script"), "sanitized: {html}");
    assert!(html.contains("version 1 (draft)"));
}
