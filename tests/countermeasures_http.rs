//! Countermeasures against the real server and a real SQLite file: filing
//! (pre-linked, similar titles offered first), status moves and their rules,
//! overdue items on the backlog and the incident list, filters, stale edits,
//! and the Jira and GitHub exports read back with a CSV library.

mod common;

use common::{Server, incident_form, with};
use serde_json::Value;

async fn incident(server: &Server, title: &str, service: &str) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form(title, "outage", service),
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// A countermeasure form; override fields by appending pairs.
fn cm_form<'a>(title: &'a str, incidents: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("form[title]", title),
        (
            "form[description]",
            "What responders knew: the alert fired late.",
        ),
        ("form[kind]", "detect_sooner"),
        ("form[priority]", "high"),
        ("form[owner]", "Robin"),
        ("form[due]", ""),
        ("form[status]", "proposed"),
        ("form[incidents]", incidents),
    ]
}

async fn file(server: &Server, form: &[(&str, &str)]) -> i64 {
    let res = server.post("/api/countermeasures/create", form).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body.trim().parse().unwrap()
}

async fn list(server: &Server, filter: &[(&str, &str)]) -> Value {
    let res = server.post("/api/countermeasures/list", filter).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn numbers(view: &Value) -> Vec<i64> {
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["number"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn moves_follow_the_rules_and_wont_do_needs_a_reason() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    let n = file(&server, &cm_form("Alert on checkout p99", "1")).await;
    assert_eq!(n, 1);

    let refused = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "wont_do")],
        )
        .await;
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Say why it won't be done")
    );
    let stale = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "7"), ("to", "accepted")],
        )
        .await;
    assert_eq!(stale.status(), 409, "a move from an old version is refused");
    for (version, to) in [("1", "accepted"), ("2", "in_progress"), ("3", "done")] {
        let res = server
            .post(
                "/api/countermeasures/move",
                &[("number", "1"), ("version", version), ("to", to)],
            )
            .await;
        assert_eq!(res.status(), 200, "{to}: {}", res.text().await.unwrap());
    }
    let done = common::query_text(
        &server.db_path,
        "SELECT status || ' ' || (completed_at IS NOT NULL) FROM countermeasures",
    )
    .await;
    assert_eq!(done, "done 1", "done records when");
    let res = server
        .post(
            "/api/countermeasures/move",
            &[
                ("number", "1"),
                ("version", "4"),
                ("to", "wont_do"),
                (
                    "reason",
                    "Covered by the new load balancer's health checks.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let row = common::query_text(
        &server.db_path,
        "SELECT status || ': ' || wont_do_reason || ' ' || (completed_at IS NULL) FROM countermeasures",
    )
    .await;
    assert_eq!(
        row,
        "wont_do: Covered by the new load balancer's health checks. 1"
    );
    // Every move is in the history.
    let moves = common::query_i64(
        &server.db_path,
        "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'countermeasure' AND action = 'moved'",
    )
    .await;
    assert_eq!(moves, 4);

    // Filing one as "won't do" without a reason is refused too, and nothing is stored.
    let res = server
        .post(
            "/api/countermeasures/create",
            &with(cm_form("Rewrite the cache", "1"), "form[status]", "wont_do"),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        common::query_i64(&server.db_path, "SELECT COUNT(*) FROM countermeasures").await,
        1
    );
}

#[tokio::test]
async fn overdue_items_stand_out_on_the_backlog_and_the_incident_list() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    incident(&server, "Search timeouts", "search").await;
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let form = with(
        with(
            cm_form("Alert on checkout p99", "1"),
            "form[due]",
            &yesterday,
        ),
        "form[status]",
        "accepted",
    );
    file(&server, &form).await;
    file(
        &server,
        &with(
            cm_form("Runbook for search failover", "2"),
            "form[due]",
            &today,
        ),
    )
    .await;

    let all = list(&server, &[]).await;
    let overdue: Vec<bool> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(numbers(&all), [2, 1], "proposed before accepted");
    assert_eq!(overdue, [false, true], "due today is not overdue yet");
    assert_eq!(
        numbers(&list(&server, &[("filter[overdue]", "true")]).await),
        [1]
    );

    let page = server.page("/countermeasures").await;
    assert!(page.contains("1 overdue"));
    let incidents = server.page("/incidents").await;
    assert!(incidents.contains("1 open") && incidents.contains("1 overdue"));

    // Done, it no longer counts.
    let res = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "2"), ("to", "done")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(numbers(&list(&server, &[("filter[overdue]", "true")]).await).is_empty());
    assert!(!server.page("/incidents").await.contains("1 overdue"));
}

#[tokio::test]
async fn filters_select_by_owner_kind_incident_and_service() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    incident(&server, "Search timeouts", "search").await;
    file(&server, &cm_form("Alert on checkout p99", "1")).await;
    file(
        &server,
        &with(
            with(
                cm_form("Runbook for search failover", "2"),
                "form[owner]",
                "Sam",
            ),
            "form[kind]",
            "documentation",
        ),
    )
    .await;
    file(
        &server,
        &with(
            cm_form("Shared dashboard of both", "1, 2"),
            "form[kind]",
            "process",
        ),
    )
    .await;
    assert_eq!(
        numbers(&list(&server, &[("filter[owner]", "Sam")]).await),
        [2]
    );
    assert_eq!(
        numbers(&list(&server, &[("filter[kind]", "process")]).await),
        [3]
    );
    assert_eq!(
        numbers(&list(&server, &[("filter[incident]", "2")]).await),
        [2, 3]
    );
    assert_eq!(
        numbers(&list(&server, &[("filter[service]", "checkout")]).await),
        [1, 3]
    );
    // "Seen in 2 incidents" shows on the backlog.
    assert!(
        server
            .page("/countermeasures")
            .await
            .contains("seen in 2 incidents")
    );
    // The board groups by status without JavaScript.
    let board = server.page("/countermeasures?view=board").await;
    assert!(board.contains("id=\"column-proposed\"") && board.contains("Move to Accepted →"));
}

#[tokio::test]
async fn a_similar_open_title_is_offered_before_filing_a_new_one() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    incident(&server, "Checkout latency again", "checkout").await;
    file(&server, &cm_form("Alert on checkout latency", "1")).await;
    let res = server
        .post(
            "/api/countermeasures/create",
            &cm_form("An alert for checkout latency spikes", "2"),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("CM-1"), "{body}");
    let n = file(
        &server,
        &with(
            cm_form("An alert for checkout latency spikes", "2"),
            "confirm_new",
            "yes",
        ),
    )
    .await;
    assert_eq!(n, 2);
    // Unrelated titles go straight through.
    file(&server, &cm_form("Runbook for the payments failover", "1")).await;
}

#[tokio::test]
async fn stale_edits_and_foreign_sources_are_refused() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    incident(&server, "Search timeouts", "search").await;
    file(&server, &cm_form("Alert on checkout p99", "1")).await;
    let mut form = cm_form("Alert on checkout p99 above 800 ms", "1");
    form.extend([("number", "1"), ("version", "1")]);
    assert_eq!(
        server
            .post("/api/countermeasures/update", &form)
            .await
            .status(),
        200
    );
    let res = server.post("/api/countermeasures/update", &form).await;
    assert_eq!(res.status(), 409, "the second save was based on version 1");
    assert_eq!(
        common::query_text(&server.db_path, "SELECT title FROM countermeasures").await,
        "Alert on checkout p99 above 800 ms"
    );
    // An unknown incident is named.
    let res = server
        .post(
            "/api/countermeasures/create",
            &cm_form("Something else entirely", "9"),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("no incident #9"));
}

#[tokio::test]
async fn the_jira_csv_parses_and_neutralizes_formulas() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    common::execute_sql(
        &server.db_path,
        "UPDATE incidents SET cynefin_first = 'complicated', cynefin_hindsight = 'complex'",
    )
    .await;
    let description = "Line one, with a comma\nand \"quotes\" on line two";
    file(
        &server,
        &with(
            with(
                cm_form("=HYPERLINK(\"http://x\")", "1"),
                "form[description]",
                description,
            ),
            "form[due]",
            "2026-12-31",
        ),
    )
    .await;
    let res = server.get("/countermeasures/export/jira.csv").await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..5],
        [
            "Summary",
            "Description",
            "Issue Type",
            "Priority",
            "Due date"
        ]
    );
    assert!(header[5..].iter().all(|h| h == "Labels"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(&row[0], "'=HYPERLINK(\"http://x\")");
    assert!(row[1].starts_with(description), "{}", &row[1]);
    assert_eq!((&row[2], &row[3], &row[4]), ("Task", "High", "2026-12-31"));
    let labels: Vec<&str> = row.iter().skip(5).filter(|l| !l.is_empty()).collect();
    assert_eq!(
        labels,
        [
            "debrief",
            "incident-1",
            "kind-detect_sooner",
            "cynefin-first-complicated",
            "cynefin-hindsight-complex"
        ]
    );

    let res = server.get("/countermeasures/export/github.json").await;
    let issues: Value = res.json().await.unwrap();
    assert_eq!(
        issues[0]["title"], "=HYPERLINK(\"http://x\")",
        "JSON needs no neutralizing"
    );
    assert!(issues[0]["body"].as_str().unwrap().contains("/incidents/1"));
}
