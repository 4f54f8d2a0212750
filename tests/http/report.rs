//! The outlier report over a seeded database: the figures the server shows
//! (page, JSON export, `debrief report`) match a computation written here
//! from the raw rows, independently of the app's statistics code; filters
//! narrow the same way SQL does; the CSV export reads back.

use crate::common;

use std::process::Command;

use common::{Server, query_i64};
use serde_json::Value;

/// The phases and the impact, in the report's order, as the pair of key
/// moments each runs between.
const METRICS: [(&str, &str, &str); 6] = [
    ("detect", "impact_started", "detected"),
    ("notify", "detected", "notified"),
    ("respond", "notified", "responded"),
    ("troubleshoot", "responded", "diagnosed"),
    ("repair", "diagnosed", "repaired"),
    ("impact", "impact_started", "repaired"),
];

fn debrief(db_path: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .arg("--database-url")
        .arg(db_path)
        .args(["--log-level", "warn"])
        .output()
        .unwrap()
}

fn seed(db_path: &std::path::Path, count: &str) {
    let out = debrief(db_path, &["seed", "--incidents", count, "--seed", "7"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each metric's durations in seconds, read straight from the table.
async fn durations(db_path: &std::path::Path, filter_sql: &str) -> Vec<Vec<(i64, f64)>> {
    let mut out = Vec::new();
    for (_, from, to) in METRICS {
        let rows = common::query_pairs(
            db_path,
            &format!(
                "SELECT number, {to}_at - {from}_at AS d FROM incidents \
                 WHERE {from}_at IS NOT NULL AND {to}_at IS NOT NULL {filter_sql} ORDER BY number"
            ),
        )
        .await;
        out.push(rows.into_iter().map(|(n, d)| (n, d as f64)).collect());
    }
    out
}

/// Type-7 quantile (linear between ranks), as spreadsheets compute it.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (sorted[h.floor() as usize], sorted[h.ceil() as usize]);
    lo + (hi - lo) * (h - h.floor())
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    quantile(&v, 0.5)
}

/// The page's rule: modified z-score of ln(seconds, at least 1) above 3.5,
/// with the mean absolute deviation when the MAD is zero.
fn outliers(values: &[(i64, f64)]) -> Vec<i64> {
    let logs: Vec<f64> = values.iter().map(|(_, d)| d.max(1.0).ln()).collect();
    let m = median(&logs);
    let mad = median(&logs.iter().map(|l| (l - m).abs()).collect::<Vec<_>>());
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else {
        1.253314 * logs.iter().map(|l| (l - m).abs()).sum::<f64>() / logs.len() as f64
    };
    let mut out: Vec<i64> = values
        .iter()
        .zip(&logs)
        .filter(|(_, l)| scale > 0.0 && (*l - m) / scale > 3.5)
        .map(|((n, _), _)| *n)
        .collect();
    out.sort();
    out
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{what}: {a}"));
    assert!((a - b).abs() < 1e-6, "{what}: server {a}, computed {b}");
}

/// Compares one report (the JSON export's `report`) with the durations.
fn assert_matches(report: &Value, durations: &[Vec<(i64, f64)>], incidents: i64) {
    assert_eq!(report["incident_count"], incidents);
    for ((code, _, _), (metric, values)) in METRICS
        .iter()
        .zip(report["metrics"].as_array().unwrap().iter().zip(durations))
    {
        assert_eq!(metric["count"], values.len(), "{code} count");
        assert_eq!(
            metric["gap_count"].as_i64().unwrap(),
            incidents - values.len() as i64,
            "{code}: every incident without the moments is a gap"
        );
        let mut sorted: Vec<f64> = values.iter().map(|(_, d)| *d).collect();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let s = &metric["summary"];
        close(&s["median"], quantile(&sorted, 0.5), code);
        close(&s["p75"], quantile(&sorted, 0.75), code);
        close(&s["p90"], quantile(&sorted, 0.9), code);
        close(&s["max"], *sorted.last().unwrap(), code);
        let m = quantile(&sorted, 0.5);
        close(
            &s["mad"],
            median(&sorted.iter().map(|v| (v - m).abs()).collect::<Vec<_>>()),
            code,
        );
        let expected = outliers(values);
        assert_eq!(
            metric["outlier_count"].as_u64().unwrap() as usize,
            expected.len(),
            "{code} outliers"
        );
        // The page lists the longest outliers; each is one of the expected.
        for v in metric["values"].as_array().unwrap() {
            assert_eq!(v["outlier"], true, "{code}: the page lists outliers only");
            assert!(expected.contains(&v["number"].as_i64().unwrap()));
        }
    }
}

#[tokio::test]
async fn a_seeded_reports_figures_match_an_independent_computation() {
    let server = Server::start();
    seed(&server.db_path, "400");
    let all = query_i64(&server.db_path, "SELECT COUNT(*) FROM incidents").await;
    assert_eq!(all, 400);
    let synthetic = query_i64(
        &server.db_path,
        "SELECT COUNT(*) FROM incidents WHERE title LIKE '[synthetic]%'",
    )
    .await;
    assert_eq!(synthetic, 400, "seeded data is marked synthetic");

    let res = server.get("/report/incidents.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let d = durations(&server.db_path, "").await;
    assert_matches(&doc["report"], &d, 400);
    assert_eq!(doc["incidents"].as_array().unwrap().len(), 400);
    // The seed gives heavy outliers and missing moments, or this test would
    // prove little.
    assert!(
        doc["report"]["metrics"][3]["outlier_count"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(doc["report"]["metrics"][0]["gap_count"].as_u64().unwrap() > 0);

    // The command line prints the same report.
    let out = debrief(&server.db_path, &["report", "--format", "json"]);
    assert!(out.status.success());
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["report"], doc["report"]);

    // The page shows the count and, for time to repair, the median in words.
    let page = server.page("/report").await;
    assert!(
        page.contains("<strong>400</strong>"),
        "the count is visible"
    );
    assert!(page.contains("modified z-score"), "the rule is documented");
    assert!(page.contains("<svg") && page.contains("Time to repair"));
}

/// The report's `incident_count` and countermeasure figures for a query.
async fn counted(server: &Server, query: &str) -> (i64, Value) {
    let res = server.get(&format!("/report/incidents.json{query}")).await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    (
        doc["report"]["incident_count"].as_i64().unwrap(),
        doc["report"]["countermeasures"].clone(),
    )
}

#[tokio::test]
async fn the_report_follows_every_change_even_from_another_process() {
    let server = Server::start();
    seed(&server.db_path, "20");
    assert_eq!(counted(&server, "").await.0, 20);
    // Another process adds incidents: the server's kept report is stale.
    seed(&server.db_path, "5");
    assert_eq!(counted(&server, "").await.0, 25);
    // Another connection changes severities and services.
    common::execute_sql(&server.db_path, "UPDATE incidents SET severity = 'blip'").await;
    assert_eq!(counted(&server, "?severity=outage").await.0, 0);
    common::execute_sql(
        &server.db_path,
        "INSERT INTO incident_services (incident_id, position, service) \
         SELECT id, 99, 'ledger' FROM incidents WHERE number <= 3 ON CONFLICT DO NOTHING",
    )
    .await;
    assert_eq!(counted(&server, "?service=ledger").await.0, 3);
    common::execute_sql(
        &server.db_path,
        "DELETE FROM incident_services WHERE service = 'ledger' AND incident_id = \
         (SELECT id FROM incidents WHERE number = 1)",
    )
    .await;
    assert_eq!(counted(&server, "?service=ledger").await.0, 2);

    // Countermeasures filed and moved through the app show at once.
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on ledger replication lag"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[owner]", "Robin"),
                ("form[incidents]", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (_, figures) = counted(&server, "?service=ledger").await;
    assert_eq!(figures["linked"], 1);
    assert_eq!(figures["completion"], 0.0);
    let res = server
        .post(
            "/api/countermeasures/move",
            &[("number", "1"), ("version", "1"), ("to", "done")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, figures) = counted(&server, "?service=ledger").await;
    assert_eq!(figures["completion"], 1.0);
    // Deleting an incident through another connection drops it too.
    common::execute_sql(&server.db_path, "DELETE FROM incidents WHERE number = 25").await;
    assert_eq!(counted(&server, "").await.0, 24);
    // What the server refreshed change by change equals a fresh read.
    let same_as_fresh = || async {
        let res = server.get("/report/incidents.json").await;
        let doc: Value = res.json().await.unwrap();
        let out = debrief(&server.db_path, &["report", "--format", "json"]);
        assert!(out.status.success());
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["report"], cli["report"]);
        assert_eq!(doc["incidents"], cli["incidents"]);
    };
    same_as_fresh().await;

    // A server further behind than the change log reaches reads everything
    // again; the log prunes itself.
    common::execute_sql(
        &server.db_path,
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) \
         INSERT INTO report_changes (incident_id) SELECT 'elsewhere' FROM n",
    )
    .await;
    assert!(query_i64(&server.db_path, "SELECT COUNT(*) FROM report_changes").await <= 21_000);
    common::execute_sql(
        &server.db_path,
        "UPDATE incidents SET severity = 'outage' WHERE number = 2",
    )
    .await;
    assert_eq!(counted(&server, "?severity=outage").await.0, 1);
    same_as_fresh().await;
}

#[tokio::test]
async fn filters_narrow_the_report_as_sql_does() {
    let server = Server::start();
    seed(&server.db_path, "300");
    let filter_sql = "AND severity = 'outage' AND EXISTS (SELECT 1 FROM incident_services s \
                      WHERE s.incident_id = incidents.id AND s.service = 'checkout')";
    let expected = query_i64(
        &server.db_path,
        &format!("SELECT COUNT(*) FROM incidents WHERE 1 = 1 {filter_sql}"),
    )
    .await;
    assert!(expected > 0 && expected < 300);
    let res = server
        .get("/report/incidents.json?severity=outage&service=checkout")
        .await;
    let doc: Value = res.json().await.unwrap();
    let d = durations(&server.db_path, filter_sql).await;
    assert_matches(&doc["report"], &d, expected);

    let out = debrief(
        &server.db_path,
        &[
            "report",
            "--severity",
            "outage",
            "--service",
            "checkout",
            "--format",
            "json",
        ],
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["report"], doc["report"]);

    // A bad filter on the command line is named, not ignored.
    let out = debrief(&server.db_path, &["report", "--severity", "huge"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--severity must be one of"));

    let page = server
        .page("/report?severity=outage&service=checkout")
        .await;
    assert!(page.contains(&format!("<strong>{expected}</strong>")));
}

#[tokio::test]
async fn the_csv_export_reads_back_and_neutralizes_formulas() {
    let server = Server::start();
    let form = common::with(
        common::incident_form("=HYPERLINK(\"x\"), checkout slow", "outage", "checkout"),
        "form[summary]",
        "Responders saw latency.",
    );
    assert_eq!(
        server.post("/api/incidents/create", &form).await.status(),
        200
    );
    // A countermeasure on it shows in the report's figures.
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on checkout p99"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[owner]", "Robin"),
                ("form[status]", "accepted"),
                ("form[due]", "2026-01-01"),
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let doc: Value = server
        .get("/report/incidents.json")
        .await
        .json()
        .await
        .unwrap();
    let cm = &doc["report"]["countermeasures"];
    assert_eq!(
        (cm["linked"].as_i64(), cm["overdue"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(cm["completion"].as_f64(), Some(0.0));

    let res = server.get("/report/incidents.csv").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte order mark");
    let mut lines = body.split("\r\n");
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row = lines.next().unwrap();
    assert_eq!(lines.next(), Some(""), "one incident, then the end");
    let cells = split_csv(row);
    assert_eq!(cells.len(), header.len());
    let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()].as_str();
    assert_eq!(cell("title"), "'=HYPERLINK(\"x\"), checkout slow");
    // 14:00 Europe/Paris is 13:00 UTC.
    assert_eq!(cell("impact_started_at"), "2026-03-04T13:00:00+00:00");
    assert_eq!(cell("detect_seconds"), "360");
    assert_eq!(cell("detect_human"), "6 min");
    assert_eq!(cell("impact_seconds"), "5700");
    assert_eq!(cell("impact_human"), "1 h 35 min");
    assert_eq!(cell("resolved_at"), "", "a missing moment stays empty");
}

/// RFC 4180 cells of one line.
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[tokio::test]
async fn metrics_need_the_token_an_admin_set_and_serve_the_reports_figures() {
    let server = Server::start();
    assert_eq!(
        server
            .post(
                "/api/incidents/create",
                &common::incident_form("Checkout latency", "outage", "checkout")
            )
            .await
            .status(),
        200
    );
    let scraper = server.anonymous();
    let res = scraper.get("/metrics").await;
    assert_eq!(res.status(), 404, "off until a token is set");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Administration → Metrics")
    );

    // Only an administrator sets it; a short token is refused, and says why.
    let token = "dbm_0123456789abcdef0123456789abcdef-scraper";
    let res = server
        .post("/api/admin/save_metrics", &[("token", token)])
        .await;
    assert_eq!(res.status(), 403, "an editor may not");
    let admin = server.as_user("admin").await;
    let res = admin
        .post("/api/admin/save_metrics", &[("token", "too-short")])
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at least 32"));
    let res = admin
        .post("/api/admin/save_metrics", &[("token", token)])
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = admin
        .post("/api/admin/save_metrics", &[("windows", "7, 3650")])
        .await;
    assert!(res.status().is_success());
    let res = admin
        .post("/api/admin/save_metrics", &[("windows", "a fortnight")])
        .await;
    assert_eq!(res.status(), 400);

    // The database holds the token's digest, never the token.
    let stored = common::query_text(
        &server.db_path,
        "SELECT string_agg(value, ' ') FROM settings",
    )
    .await;
    assert!(!stored.contains(token));
    assert!(
        common::query_text(
            &server.db_path,
            "SELECT changes FROM audit_log WHERE object_kind = 'settings' ORDER BY id LIMIT 1"
        )
        .await
        .contains("bearer token")
    );

    let res = scraper.get("/metrics").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"debrief\""
    );
    let wrong = scrape(&scraper, "dbm_not-the-token-but-long-enough-to-try-it").await;
    assert_eq!(wrong.status(), 401);

    let res = scrape(&scraper, token).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    assert!(text.contains("debrief_incidents{severity=\"outage\",status=\"investigating\"} 1\n"));
    assert!(text.contains("debrief_countermeasures{status=\"done\"} 0\n"));
    assert!(text.contains("debrief_countermeasures_overdue 0\n"));
    // 2026-03-04 is within ten years, not within a week: the windows apply.
    assert!(
        text.contains("debrief_duration_median_seconds{metric=\"detect\",window=\"3650d\"} 360\n")
    );
    assert!(text.contains("debrief_duration_count{metric=\"detect\",window=\"7d\"} 0\n"));
    assert!(
        !text.contains("window=\"30d\""),
        "the default windows were replaced"
    );

    // Turned off, the token no longer opens it.
    let res = admin
        .post("/api/admin/save_metrics", &[("turn_off", "yes")])
        .await;
    assert!(res.status().is_success());
    let res = scrape(&scraper, token).await;
    assert_eq!(res.status(), 404);
}

/// `GET /metrics` with a bearer token, as Prometheus sends it.
async fn scrape(client: &common::Client, token: &str) -> reqwest::Response {
    client
        .http
        .get(client.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}
