//! The post-mortem document against the real server and a real SQLite file:
//! the starting template, drafts with every version kept, stale saves
//! refused, publication making it read-only until reopened, the language
//! check's findings (with rules an administrator added), the size limit,
//! the same page and forms without JavaScript, bounded rendering of deeply
//! nested text, and downloads that fetch nothing when opened.

use crate::common;

use common::{Server, incident_form, query_i64, query_text, with};
use serde_json::Value;

async fn incident(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout errors after deploy", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
}

async fn get(server: &Server, version: Option<&str>) -> Value {
    let mut form = vec![("number", "1")];
    if let Some(v) = version {
        form.push(("version", v));
    }
    let res = server.post("/api/postmortem/get", &form).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn save(server: &Server, version: &str, body: &str) -> (u16, String) {
    let res = server
        .post(
            "/api/postmortem/save",
            &[("number", "1"), ("version", version), ("body", body)],
        )
        .await;
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn set_status(server: &Server, version: &str, status: &str) -> (u16, String) {
    let res = server
        .post(
            "/api/postmortem/status",
            &[("number", "1"), ("version", version), ("status", status)],
        )
        .await;
    (res.status().as_u16(), res.text().await.unwrap())
}

fn finding_texts(view: &Value) -> Vec<String> {
    view["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap().to_string())
        .collect()
}

async fn stored_body(server: &Server) -> String {
    query_text(
        &server.db_path,
        "SELECT body FROM postmortems JOIN incidents ON incidents.id = postmortems.incident_id WHERE number = 1",
    )
    .await
}

#[tokio::test]
async fn drafts_keep_every_version_and_publication_makes_it_read_only() {
    let server = Server::start();
    incident(&server).await;

    let fresh = get(&server, None).await;
    assert_eq!(fresh["exists"], false);
    assert_eq!(fresh["version"], 0);
    let template = fresh["body"].as_str().unwrap();
    for section in [
        "## Summary",
        "## Impact",
        "## Key moments",
        "## Timeline",
        "## Contributing factors",
        "## What surprised us",
        "## What went well",
        "## What was hard",
        "## Where we got lucky",
        "## Countermeasures",
    ] {
        assert!(template.contains(section), "template lacks {section}");
    }
    assert_eq!(finding_texts(&fresh), Vec::<String>::new());

    let (status, body) = save(
        &server,
        "0",
        "# First draft\n\nThe deploy went out at 14:00.",
    )
    .await;
    assert_eq!((status, body.trim()), (200, "1"));
    let (status, body) = save(&server, "0", "# Someone else's draft").await;
    assert_eq!(status, 409, "a save based on an old version is refused");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["Conflict"]["current_version"], 1, "{body}");
    assert_eq!(refusal["Conflict"]["what"], "post-mortem");
    assert!(stored_body(&server).await.starts_with("# First draft"));

    let blaming = "# Second draft\n\nThe operator should have known the flag was on.\n\n> [14:02] <sam> this was obviously fine\n";
    let (status, _) = save(&server, "1", blaming).await;
    assert_eq!(status, 200);
    let view = get(&server, None).await;
    assert_eq!(view["version"], 2);
    assert_eq!(view["exists"], true);
    assert_eq!(
        finding_texts(&view),
        ["should have known"],
        "the quoted chat line is evidence and is not flagged"
    );
    assert!(
        view["body_html"]
            .as_str()
            .unwrap()
            .contains("<h1>Second draft</h1>")
    );

    let (status, _) = set_status(&server, "2", "published").await;
    assert_eq!(status, 200);
    let (status, body) = save(&server, "3", "# Changed after publication").await;
    assert_eq!(status, 400);
    assert!(body.contains("published, so it is read-only"), "{body}");
    assert!(stored_body(&server).await.starts_with("# Second draft"));
    let (status, body) = set_status(&server, "3", "published").await;
    assert_eq!(status, 400);
    assert!(body.contains("already published"), "{body}");

    let viewer = server.as_user("viewer").await;
    let res = viewer
        .post(
            "/api/postmortem/status",
            &[("number", "1"), ("version", "3"), ("status", "draft")],
        )
        .await;
    assert_eq!(res.status(), 403, "a viewer cannot reopen");
    let read = viewer.post("/api/postmortem/get", &[("number", "1")]).await;
    assert_eq!(read.status(), 200, "a viewer reads it");
    let read: Value = read.json().await.unwrap();
    assert_eq!(read["status"], "published");
    assert_eq!(read["can_edit"], false);

    let (status, _) = set_status(&server, "3", "draft").await;
    assert_eq!(status, 200, "reopened");
    let (status, _) = save(&server, "4", "# Third draft").await;
    assert_eq!(status, 200);

    let view = get(&server, None).await;
    let versions: Vec<(i64, String)> = view["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v[0]["version"].as_i64().unwrap(),
                v[0]["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (5, "saved".to_string()),
            (4, "reopened".to_string()),
            (3, "published".to_string()),
            (2, "saved".to_string()),
            (1, "saved".to_string()),
        ]
    );
    let first = get(&server, Some("1")).await;
    assert!(first["body"].as_str().unwrap().starts_with("# First draft"));
    assert_eq!(first["showing_version"], 1);
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT count(*) FROM audit_log WHERE object_kind = 'postmortem'"
        )
        .await,
        5,
        "every change is in the incident's history"
    );
}

#[tokio::test]
async fn an_oversized_post_mortem_is_refused_and_nothing_is_stored() {
    let server = Server::start();
    incident(&server).await;
    let huge = "x".repeat(200_001);
    let (status, body) = save(&server, "0", &huge).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("200001 characters; the limit is 200000"),
        "{body}"
    );
    assert_eq!(
        query_i64(&server.db_path, "SELECT count(*) FROM postmortems").await,
        0
    );
    let (status, _) = set_status(&server, "0", "published").await;
    assert_eq!(status, 400, "nothing to publish before the first save");
    let res = server
        .post("/api/postmortem/get", &[("number", "99")])
        .await;
    assert_eq!(res.status(), 404);
}

/// Saves as a browser without JavaScript: the address the form post led to
/// and the page there.
async fn save_without_js(server: &Server, version: &str, body: &str) -> (String, String) {
    let res = server
        .post_as_html_form(
            "/api/postmortem/save",
            "/incidents/1/postmortem",
            &[("number", "1"), ("version", version), ("body", body)],
        )
        .await;
    server.follow(res).await
}

#[tokio::test]
async fn the_editor_works_without_javascript() {
    let server = Server::start();
    incident(&server).await;
    let page = server.page("/incidents/1/postmortem").await;
    assert!(
        page.contains("<textarea id=\"body\" name=\"body\""),
        "{page}"
    );
    assert!(page.contains("## Contributing factors"));
    assert!(page.contains("Language check: nothing to reconsider"));

    let (location, page) =
        save_without_js(&server, "0", "It was human error, plain and simple.").await;
    assert!(location.ends_with("/incidents/1/postmortem"), "{location}");
    assert!(
        page.contains("Language check: 1 phrase to reconsider"),
        "{page}"
    );
    assert!(page.contains("<mark>human error</mark>"));

    // A stale save without JavaScript: refused, and the typed text comes back.
    let (_, page) = save_without_js(&server, "0", "What the second author typed").await;
    assert!(
        page.contains("Someone else saved this post-mortem"),
        "{page}"
    );
    assert!(page.contains("What the second author typed"));
    assert!(stored_body(&server).await.starts_with("It was human error"));

    let res = server
        .post_as_html_form(
            "/api/postmortem/status",
            "/incidents/1/postmortem",
            &[("number", "1"), ("version", "1"), ("status", "published")],
        )
        .await;
    let (_, page) = server.follow(res).await;
    assert!(page.contains("Reopen for editing"), "{page}");
    assert!(
        !page.contains("<textarea"),
        "a published document has no editor"
    );
}

#[tokio::test]
async fn administrators_extend_the_language_rules() {
    let server = Server::start();
    incident(&server).await;
    let admin = server.as_user("admin").await;

    let refused = admin
        .post(
            "/api/admin/save_language_rules",
            &[("rules", "# ours\nsloppy | Judges the person.\n")],
        )
        .await;
    assert_eq!(refused.status(), 400);
    let message = refused.text().await.unwrap();
    assert!(message.contains("Line 2"), "{message}");
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT count(*) FROM settings WHERE key = 'blameless_rules_added'"
        )
        .await,
        0
    );

    let by_editor = server
        .post(
            "/api/admin/save_language_rules",
            &[("rules", "sloppy | Judges. | What made it hard?")],
        )
        .await;
    assert_eq!(by_editor.status(), 403);

    let saved = admin
        .post(
            "/api/admin/save_language_rules",
            &[(
                "rules",
                "# ours\nsloppy | Judges the person. | What made the careful way hard?\n",
            )],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let (status, _) = save(&server, "0", "The rollout was sloppy.").await;
    assert_eq!(status, 200, "findings never block saving");
    let view = get(&server, None).await;
    assert_eq!(finding_texts(&view), ["sloppy"]);
    assert_eq!(
        view["added_rules"][0]["ask"],
        "What made the careful way hard?"
    );
    let page = admin.page("/admin/language").await;
    assert!(page.contains("sloppy | Judges the person."));
    assert!(page.contains("Built-in rules"));
}

#[tokio::test]
async fn deeply_nested_text_previews_with_bounded_nesting() {
    let server = Server::start();
    incident(&server).await;
    for (body, tag) in [
        (">".repeat(16_000), "<blockquote>"),
        ("<div>".repeat(32_000), "<div>"),
        (format!("{}x", "- ".repeat(20_000)), "<ul>"),
    ] {
        let res = server
            .post("/api/postmortem/preview", &[("body", &body)])
            .await;
        assert_eq!(res.status(), 200);
        let preview: Value = res.json().await.unwrap();
        let html = preview["html"].as_str().unwrap();
        let opened = html.matches(tag).count();
        assert!((1..=32).contains(&opened), "{opened} {tag}");
    }
    // Saved, it renders the same way on the page.
    let (status, _) = save(&server, "0", &"<div>".repeat(32_000)).await;
    assert_eq!(status, 200);
    let view = get(&server, None).await;
    let html = view["body_html"].as_str().unwrap();
    assert!(html.matches("<div>").count() <= 32);
    assert!(html.contains("&lt;div&gt;"), "deeper tags show as text");
}

/// A downloaded page opened from disk has no server's Content-Security-Policy:
/// its images become links, and it carries a policy of its own.
#[tokio::test]
async fn downloaded_pages_fetch_no_remote_images() {
    let server = Server::start();
    let form = with(
        incident_form("Checkout errors after deploy", "outage", "checkout"),
        "form[summary]",
        "Error rate: ![error graph](https://grafana.example.org/errors.png)",
    );
    let res = server.post("/api/incidents/create", &form).await;
    assert_eq!(res.status(), 200);
    let body = "# What happened\n\n![p99 dashboard](https://grafana.example.org/p99.png)\n\n\
                <img src=\"http://tracker.example/pixel.gif\" alt=\"pixel\">\n\n\
                Inline <IMG SRC=//cdn.example/x.png> too.";
    let (status, _) = save(&server, "0", body).await;
    assert_eq!(status, 200);

    for path in ["/incidents/1/postmortem.html", "/incidents/1/export.html"] {
        let res = server.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(!html.to_lowercase().contains("<img"), "{path}: {html}");
        assert!(
            html.contains(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
            ),
            "{path}: {html}"
        );
        for link in [
            "<a href=\"https://grafana.example.org/p99.png\" rel=\"noopener noreferrer nofollow\">p99 dashboard</a>",
            "<a href=\"http://tracker.example/pixel.gif\" rel=\"noopener noreferrer nofollow\">pixel</a>",
            "<a href=\"//cdn.example/x.png\" rel=\"noopener noreferrer nofollow\">//cdn.example/x.png</a>",
        ] {
            assert!(html.contains(link), "{path}: {link} in {html}");
        }
    }
    let export = server.get("/incidents/1/export.html").await;
    let export = export.text().await.unwrap();
    assert!(
        export.contains(">error graph</a>"),
        "the summary's image is a link too: {export}"
    );
    // On Debrief's own pages, under its policy, images stay images.
    let view = get(&server, None).await;
    assert!(
        view["body_html"]
            .as_str()
            .unwrap()
            .contains("<img src=\"https://grafana.example.org/p99.png\"")
    );
}
