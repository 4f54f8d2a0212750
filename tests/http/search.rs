//! Search against the real server and a real SQLite file: a term is found in
//! each kind of content (incident, timeline event, transcript line,
//! post-mortem, countermeasure), the exact phrase ranks first, filters by
//! kind and date narrow, snippets are escaped, and the index follows edits,
//! deletes and restores. Also "related incidents" and "this week in past
//! years".

use crate::common;

use common::{Client, Server, incident_form, query_text, with};
use serde_json::Value;

async fn search(server: &Server, params: &[(&str, &str)]) -> Vec<Value> {
    let form: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), v.to_string()))
        .collect();
    let res = server
        .http
        .post(server.url("/api/search"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    view["results"].as_array().unwrap().clone()
}

fn kinds(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn create(server: &Server, form: &[(&str, &str)]) {
    let res = server.post("/api/incidents/create", form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn quick_add(server: &Server, line: &str) -> String {
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[("number", "1"), ("line", line)],
        )
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    query_text(
        &server.db_path,
        "SELECT id FROM timeline_events ORDER BY seq DESC LIMIT 1",
    )
    .await
}

async fn import(client: &Client, text: &str) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("#ops_20260304.log"),
    );
    let res = client
        .http
        .post(client.url("/incidents/1/transcripts"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let token = res.text().await.unwrap();
    let res = client
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", &token)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn each_kind_of_content_is_found_and_the_exact_phrase_ranks_first() {
    let server = Server::start();
    create(
        &server,
        &with(
            incident_form(
                "Checkout errors after the pool change",
                "outage",
                "checkout",
            ),
            "form[summary]",
            "The connection pool was exhausted under the Monday peak.",
        ),
    )
    .await;
    let event = quick_add(&server, "14:20 kim: connection limit hit, the pool drained").await;
    import(
        &server,
        "[14:19] <kim> connection pool exhausted on checkout\n[14:22] <sam> <b>pool</b> back to normal\n",
    )
    .await;
    let res = server
        .post(
            "/api/postmortem/save",
            &[
                ("number", "1"),
                ("version", "0"),
                (
                    "body",
                    "## Contributing factors\n\nA smaller connection pool after the change.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on connection pool saturation"),
                ("form[description]", "Page before the pool is exhausted."),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[incidents]", "1"),
                ("confirm_new", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    let results = search(&server, &[("text", "connection pool")]).await;
    let mut found = kinds(&results);
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        ["countermeasure", "event", "incident", "line", "postmortem"],
        "{results:#?}"
    );
    // The exact phrase "connection pool" ranks above "connection limit hit, the pool".
    let exact: Vec<bool> = results
        .iter()
        .map(|r| r["exact"].as_bool().unwrap())
        .collect();
    let first_loose = exact.iter().position(|e| !e).unwrap();
    assert!(exact[..first_loose].iter().all(|e| *e) && exact[first_loose..].iter().all(|e| !e));
    assert!(first_loose >= 4, "{results:#?}");
    let event_hit = results.iter().find(|r| r["kind"] == "event").unwrap();
    assert_eq!(event_hit["exact"], false);
    assert_eq!(event_hit["link"], format!("/incidents/1#event-{event}"));
    let line = results.iter().find(|r| r["kind"] == "line").unwrap();
    assert!(
        line["link"]
            .as_str()
            .unwrap()
            .starts_with("/incidents/1/review?page=1#line-"),
        "{line}"
    );
    assert!(
        line["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<mark>connection</mark> <mark>pool</mark>")
    );
    let cm = results
        .iter()
        .find(|r| r["kind"] == "countermeasure")
        .unwrap();
    assert_eq!(cm["link"], "/countermeasures/1");

    // Snippets are escaped: stored markup shows as text.
    let escaped = search(&server, &[("text", "normal"), ("kind", "line")]).await;
    let snippet = escaped[0]["snippet_html"].as_str().unwrap();
    assert!(snippet.contains("&lt;b&gt;pool&lt;/b&gt;"), "{snippet}");

    // Filters: by kind, and by date.
    assert_eq!(
        kinds(&search(&server, &[("text", "pool"), ("kind", "postmortem")]).await),
        ["postmortem"]
    );
    assert_eq!(
        search(
            &server,
            &[("text", "pool"), ("kind", "line"), ("from", "2026-03-05")]
        )
        .await
        .len(),
        0
    );
    assert_eq!(
        search(
            &server,
            &[("text", "pool"), ("kind", "line"), ("to", "2026-03-04")]
        )
        .await
        .len(),
        2
    );
    // Operators are words here, never syntax errors.
    assert_eq!(
        search(&server, &[("text", "pool OR NEAR(\"x\" *")])
            .await
            .len(),
        0
    );

    // The page, without JavaScript.
    let page = server.page("/search?q=connection+pool").await;
    assert!(page.contains("the exact phrase first"), "{page}");
    assert!(page.contains("<mark>connection</mark>"));
}

#[tokio::test]
async fn the_index_follows_edits_deletes_and_restores() {
    let server = Server::start();
    create(
        &server,
        &incident_form("Search latency", "outage", "search"),
    )
    .await;
    let event = quick_add(&server, "14:20 kim: shard rebalancing stalled").await;
    assert_eq!(search(&server, &[("text", "rebalancing")]).await.len(), 1);

    let res = server
        .post(
            "/api/timeline/update",
            &[
                ("number", "1"),
                ("id", &event),
                ("version", "1"),
                ("form[at]", "2026-03-04 14:20:00"),
                ("form[kind]", "observation"),
                ("form[actor]", "kim"),
                ("form[body]", "replica promotion stalled"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(search(&server, &[("text", "rebalancing")]).await.len(), 0);
    assert_eq!(
        search(&server, &[("text", "replica promotion")])
            .await
            .len(),
        1
    );

    let res = server
        .post(
            "/api/timeline/delete",
            &[("number", "1"), ("id", &event), ("version", "2")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(search(&server, &[("text", "replica")]).await.len(), 0);
    let res = server
        .post("/api/timeline/restore", &[("number", "1"), ("id", &event)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(search(&server, &[("text", "replica")]).await.len(), 1);

    let res = server
        .post(
            "/api/incidents/update",
            &with(
                with(
                    incident_form("Index rebuild latency", "outage", "search"),
                    "number",
                    "1",
                ),
                "version",
                "1",
            ),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let found = search(&server, &[("text", "rebuild"), ("kind", "incident")]).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["label"], "#1 Index rebuild latency");
    assert_eq!(
        search(&server, &[("text", "search latency"), ("kind", "incident")])
            .await
            .len(),
        0
    );
    // Every indexed document still points at a record.
    assert_eq!(
        common::query_i64(
            &server.db_path,
            &format!(
                "SELECT count(*) FROM search_docs WHERE {} NOT IN (SELECT docid FROM search_refs)",
                if common::on_postgres() {
                    "docid"
                } else {
                    "rowid"
                }
            )
        )
        .await,
        0
    );
}

#[tokio::test]
async fn related_incidents_share_services_or_rare_words_and_show_their_countermeasures() {
    let server = Server::start();
    let first = with(
        incident_form("Kafka consumer lag on billing", "outage", "billing"),
        "form[impact_started][at]",
        "2025-01-10 10:00",
    );
    let first = with(first, "form[detected][at]", "2025-01-10 10:05");
    let first = with(first, "form[notified][at]", "2025-01-10 10:06");
    let first = with(first, "form[responded][at]", "2025-01-10 10:07");
    let first = with(first, "form[diagnosed][at]", "2025-01-10 10:30");
    let first = with(first, "form[repaired][at]", "2025-01-10 11:00");
    create(&server, &first).await;
    create(
        &server,
        &incident_form("Slow search", "degradation", "search"),
    )
    .await;
    create(
        &server,
        &incident_form("Kafka consumer lag again", "outage", "payments"),
    )
    .await;
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on consumer lag"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[incidents]", "1"),
                ("confirm_new", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    let res = server.post("/api/search/related", &[("number", "3")]).await;
    assert_eq!(res.status(), 200);
    let related: Vec<Value> = res.json().await.unwrap();
    assert_eq!(related.len(), 1, "{related:#?}");
    assert_eq!(related[0]["number"], 1);
    let words: Vec<&str> = related[0]["shared_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        words.contains(&"kafka") && words.contains(&"consumer"),
        "{words:?}"
    );
    assert_eq!(related[0]["countermeasures"][0][1], "Alert on consumer lag");
    let page = server.page("/incidents/3").await;
    assert!(page.contains("Has this happened before?"));
    assert!(page.contains("#1 Kafka consumer lag on billing"));
}

#[tokio::test]
async fn a_large_import_becomes_searchable_right_after_it_is_stored() {
    let server = Server::start();
    create(&server, &incident_form("Log flood", "outage", "logging")).await;
    // Over the size indexed inside the import: committed first, then indexed
    // by the server's indexer.
    let mut text = String::with_capacity(2_000_000);
    for i in 0..50_001 {
        text.push_str(&format!(
            "[14:{:02}] <bot> heartbeat {i}\n",
            (i / 1000) % 60
        ));
    }
    text.push_str("[15:00] <kim> found the runaway logrotate job\n");
    import(&server, &text).await;
    let mut found = Vec::new();
    for _ in 0..120 {
        found = search(&server, &[("text", "runaway logrotate")]).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(kinds(&found), ["line"], "indexed within a minute");
    assert_eq!(
        common::query_i64(
            &server.db_path,
            "SELECT count(*) FROM transcripts WHERE search_indexed = FALSE"
        )
        .await,
        0
    );
}
