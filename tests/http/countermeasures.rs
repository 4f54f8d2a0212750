//! Countermeasures against the real server and a real SQLite file: filing
//! (pre-linked, similar titles offered first), status moves and their rules,
//! overdue items on the backlog and the incident list, filters, stale edits,
//! linking and merging recurring lessons, the board's work-in-progress
//! limits, and the Jira and GitHub exports read back with a CSV library.

use crate::common;

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
        "SELECT status || ' ' || CASE WHEN completed_at IS NOT NULL THEN 1 ELSE 0 END FROM countermeasures",
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
        "SELECT status || ': ' || wont_do_reason || ' ' || CASE WHEN completed_at IS NULL THEN 1 ELSE 0 END FROM countermeasures",
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

/// Posts `form` and expects it refused with `status`, the body saying `says`.
async fn expect_refused(
    server: &Server,
    path: &str,
    form: &[(&str, &str)],
    status: u16,
    says: &str,
) {
    let res = server.post(path, form).await;
    assert_eq!(res.status(), status, "{path} {form:?}");
    let body = res.text().await.unwrap();
    assert!(body.contains(says), "{path} {form:?}: {body}");
}

async fn history_actions(server: &Server, number: i64) -> Vec<String> {
    let res = server
        .post(
            "/api/countermeasures/get",
            &[("number", &number.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            format!(
                "{} {}",
                pair[0]["action"].as_str().unwrap(),
                pair[0]["object_label"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn merging_keeps_both_histories_and_unites_the_incidents() {
    let server = Server::start();
    for title in ["Checkout latency", "Checkout errors", "Checkout again"] {
        incident(&server, title, "checkout").await;
    }
    file(&server, &cm_form("Alert on checkout p99", "1")).await;
    file(
        &server,
        &with(
            cm_form("Checkout p99 alerting", "2, 3"),
            "confirm_new",
            "yes",
        ),
    )
    .await;
    let moved = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "accepted")],
        )
        .await;
    assert_eq!(moved.status(), 200);

    // Refusals change nothing: a stale version, itself, an unknown target.
    let before = common::dump(&server.db_path).await;
    for (version, into, status, says) in [
        ("1", "CM-2", 409, ""),
        ("2", "CM-1", 400, "cannot be merged into itself"),
        ("2", "CM-40", 400, "There is no countermeasure CM-40."),
        ("2", "the other one", 400, "by its number, like CM-12"),
    ] {
        let form = [("number", "1"), ("version", version), ("into", into)];
        expect_refused(&server, "/api/countermeasures/merge", &form, status, says).await;
    }
    assert_eq!(common::dump(&server.db_path).await, before);

    let res = server
        .post(
            "/api/countermeasures/merge",
            &[("number", "1"), ("version", "2"), ("into", "cm-2")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let survivor = server
        .post("/api/countermeasures/get", &[("number", "2")])
        .await
        .json::<Value>()
        .await
        .unwrap();
    let linked: Vec<i64> = survivor["item"]["item"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect();
    assert_eq!(linked, vec![1, 2, 3], "the survivor gains the incidents");
    assert_eq!(survivor["merged_from"][0][0], 1);
    // Both histories, in order, on the survivor.
    assert_eq!(
        history_actions(&server, 2).await,
        vec![
            "created CM-1 Alert on checkout p99",
            "created CM-2 Checkout p99 alerting",
            "moved CM-1 Alert on checkout p99",
            "merged CM-1 Alert on checkout p99",
            "merged_in CM-2 Checkout p99 alerting",
        ]
    );
    // The merged one keeps its own, leaves the backlog and is read-only.
    assert_eq!(history_actions(&server, 1).await.len(), 3);
    assert_eq!(numbers(&list(&server, &[]).await), vec![2]);
    let form = [("number", "1"), ("version", "3"), ("to", "done")];
    let says = "CM-1 was merged into CM-2; change that one instead.";
    expect_refused(&server, "/api/countermeasures/move", &form, 400, says).await;
    // Nothing merges into a merged item.
    let form = [("number", "2"), ("version", "2"), ("into", "1")];
    let says = "merge into CM-2 instead";
    expect_refused(&server, "/api/countermeasures/merge", &form, 400, says).await;
    // The page shows where it went, and the survivor both histories.
    let page = server.page("/countermeasures/1").await;
    assert!(page.contains("Merged into CM-2; read-only."));
    assert!(
        !page.contains("id=\"field-into\""),
        "no merge form on a merged item"
    );
    let page = server.page("/countermeasures/2").await;
    assert!(page.contains("Merged into this one"));
    assert!(page.contains("merged another countermeasure into this one"));
}

#[tokio::test]
async fn a_recurring_lesson_is_linked_instead_of_filed_twice() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    incident(&server, "Checkout latency again", "checkout").await;
    file(&server, &cm_form("Alert on checkout latency", "1")).await;

    // Without JavaScript: the refused filing comes back offering CM-1.
    let file_again_for_2 = || async {
        let res = server
            .post_as_html_form(
                "/api/countermeasures/create",
                "/countermeasures/new?incident=2",
                &cm_form("An alert for checkout latency spikes", "2"),
            )
            .await;
        server.follow(res).await.1
    };
    let page = file_again_for_2().await;
    assert!(
        page.contains("Link incident 2 to CM-1 instead"),
        "the prompt offers the open item"
    );
    let offers: Value = server
        .post(
            "/api/countermeasures/similar",
            &[("title", "An alert for checkout latency spikes")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        offers,
        serde_json::json!([[1, "Alert on checkout latency", [1]]]),
        "each offer names the incidents it is linked to already"
    );

    let res = server
        .post(
            "/api/countermeasures/link",
            &[("number", "1"), ("incidents", "2")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let view = list(&server, &[]).await;
    assert_eq!(numbers(&view), vec![1], "no duplicate was filed");
    assert_eq!(
        view["items"][0]["item"]["incidents"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        server
            .page("/countermeasures")
            .await
            .contains("seen in 2 incidents")
    );

    // Filing the same lesson for #2 again: CM-1 is offered as already
    // linked, not as something to link.
    let page = file_again_for_2().await;
    assert!(
        page.contains("(incident 2 is linked to it already)")
            && !page.contains("Link incident 2 to CM-1 instead"),
        "{page}"
    );

    // Linking again, or an unknown incident, is refused and changes nothing.
    let before = common::dump(&server.db_path).await;
    for (incidents, says) in [
        ("2", "already linked to those incidents"),
        ("1, 9", "There is no incident #9."),
        ("", "Name the incident to link"),
    ] {
        let form = [("number", "1"), ("incidents", incidents)];
        expect_refused(&server, "/api/countermeasures/link", &form, 400, says).await;
    }
    assert_eq!(common::dump(&server.db_path).await, before);
    assert!(
        history_actions(&server, 1)
            .await
            .contains(&"linked CM-1 Alert on checkout latency".to_string())
    );
}

#[tokio::test]
async fn work_in_progress_limits_are_set_by_admins_and_shown_on_the_board() {
    let server = Server::start();
    incident(&server, "Checkout latency", "checkout").await;
    let view = list(&server, &[]).await;
    assert_eq!(view["wip_limits"], serde_json::json!([["in_progress", 5]]));

    // The server's own session is an editor's.
    let res = server
        .post("/api/countermeasures/wip_limits", &[("wip_accepted", "1")])
        .await;
    assert_eq!(res.status(), 403, "only admins change the limits");
    let admin = server.as_user("admin").await;
    let res = admin
        .post(
            "/api/countermeasures/wip_limits",
            &[("wip_accepted", "many")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("wip_accepted") && body.contains("Accepted"),
        "{body}"
    );

    let res = admin
        .post(
            "/api/countermeasures/wip_limits",
            &[("wip_accepted", "1"), ("wip_in_progress", "")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let view = list(&server, &[]).await;
    assert_eq!(view["wip_limits"], serde_json::json!([["accepted", 1]]));
    assert_eq!(
        common::query_text(
            &server.db_path,
            "SELECT changes FROM audit_log WHERE object_kind = 'settings' AND object_id = 'board'",
        )
        .await,
        r#"[{"field":"work-in-progress limits","before":"in_progress=5","after":"accepted=1"}]"#
    );

    // Two accepted items: the column is over its limit of one.
    for (i, title) in ["Alert on checkout p99", "Runbook for the payments failover"]
        .iter()
        .enumerate()
    {
        let n = file(
            &server,
            &with(cm_form(title, "1"), "form[status]", "accepted"),
        )
        .await;
        assert_eq!(n, i as i64 + 1);
    }
    let board = admin.page("/countermeasures?view=board").await;
    assert!(
        board.contains("(2 of a limit of 1)"),
        "the count shows the limit"
    );
    assert!(board.contains("Over its work-in-progress limit"));
    assert!(
        board.contains("id=\"field-wip_accepted\""),
        "admins see the form"
    );
    assert!(
        !server
            .page("/countermeasures?view=board")
            .await
            .contains("field-wip_accepted"),
        "editors do not"
    );
}

/// Links in exported files point at the configured public address, never
/// at a Host or X-Forwarded-Proto a client made up; without a configured
/// address, a forwarded scheme is believed only from a trusted proxy.
#[tokio::test]
async fn exported_links_use_the_public_url_not_what_a_client_claims() {
    for (args, expected) in [
        (
            vec!["--public-url", "https://debrief.example/"],
            "https://debrief.example/incidents/1",
        ),
        (vec![], "/incidents/1"),
    ] {
        let server = Server::start_with_args(&args);
        incident(&server, "Checkout latency", "checkout").await;
        file(&server, &cm_form("Alert on checkout p99", "1")).await;
        let cookie = server.cookie.clone().unwrap();
        for route in [
            "/countermeasures/export/jira.csv",
            "/countermeasures/export/github.json",
        ] {
            let answer = common::raw_request(
                &server.base,
                "GET",
                route,
                &[
                    ("cookie", cookie.as_str()),
                    ("host", "evil.example"),
                    ("x-forwarded-proto", "https"),
                    ("x-forwarded-host", "evil.example"),
                ],
                "",
            )
            .await;
            assert_eq!(answer.status, 200, "{route}");
            assert!(answer.body.contains(expected), "{route}: {}", answer.body);
            if args.is_empty() {
                assert!(
                    !answer.body.contains("https://"),
                    "{route}: a forwarded scheme from an untrusted peer was used: {}",
                    answer.body
                );
            } else {
                assert!(
                    !answer.body.contains("evil.example"),
                    "{route}: {}",
                    answer.body
                );
            }
        }
    }
}
