//! Renders the incident page server-side with 5,000 timeline events and
//! reports the time per render and the page size. A benchmark, not a test:
//! run it with `cargo bench --features ssr --bench incident_page`.
//!
//! It starts the real release binary on a fresh SQLite file, creates one
//! incident, adds 5,000 events in one SQL transaction (as an import would),
//! then fetches `/incidents/1` as a signed-in editor: the full server-side
//! render of everything the page shows (overview, phase bar with ticks,
//! timeline, history).

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::ms;

use std::time::{Duration, Instant};

const EVENTS: usize = 5_000;
const WARM_UP: usize = 3;
const RUNS: usize = 30;

#[tokio::main]
async fn main() {
    let server = common::Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &common::incident_form("Checkout latency (benchmark)", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200, "create the incident");
    // 2026-03-04 12:00 UTC, one event every 2 s: about 2 h 47 min of timeline.
    let start = 1_772_625_600_i64;
    common::execute_sql(
        &server.db_path,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {EVENTS}) \
             INSERT INTO timeline_events (id, incident_id, seq, at, kind, actor, body_markdown, \
             evidence_url, source, version, created_by, created_at, updated_at) \
             SELECT lower(hex(randomblob(16))), (SELECT id FROM incidents WHERE number = 1), i, \
             {start} + 2 * i, \
             CASE i % 7 WHEN 0 THEN 'observation' WHEN 1 THEN 'action' WHEN 2 THEN 'decision' \
             WHEN 3 THEN 'communication' WHEN 4 THEN 'alert' WHEN 5 THEN 'change' ELSE 'other' END, \
             CASE i % 3 WHEN 0 THEN 'sam' WHEN 1 THEN 'ana' ELSE 'PagerDuty' END, \
             'Event ' || i || ': checkout **p99** at ' || (200 + i % 900) || ' ms; see `cache-' || (i % 12) || '` and [the runbook](https://runbooks.example/checkout)', \
             CASE WHEN i % 10 = 0 THEN 'https://grafana.example/d/checkout?from=' || i ELSE '' END, \
             'typed', 1, 'Benchmark', {start}, {start} FROM n"
        ),
    )
    .await;
    let events = common::query_i64(&server.db_path, "SELECT COUNT(*) FROM timeline_events").await;
    assert_eq!(events as usize, EVENTS);

    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for run in 0..WARM_UP + RUNS {
        let began = Instant::now();
        let res = server.get("/incidents/1").await;
        assert_eq!(res.status(), 200);
        let body = res.bytes().await.unwrap();
        let took = began.elapsed();
        assert!(
            std::str::from_utf8(&body)
                .unwrap()
                .contains(&format!("Event {EVENTS}:")),
            "the page holds every event"
        );
        bytes = body.len();
        if run >= WARM_UP {
            times.push(took);
        }
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / RUNS as u32;
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "incident page, server-side render with {EVENTS} events ({RUNS} runs after {WARM_UP} warm-up):"
    );
    println!(
        "  time per render: mean {:.1} ms, median {:.1} ms, p95 {:.1} ms, min {:.1} ms",
        ms(mean),
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(times[0])
    );
    println!(
        "  page size: {bytes} bytes ({:.2} MB), {:.0} bytes per event",
        bytes as f64 / 1e6,
        bytes as f64 / EVENTS as f64
    );
    support::figure(
        "incident page, server-side render (median / p95)",
        &format!(
            "{EVENTS} timeline events, {:.2} MB of HTML",
            bytes as f64 / 1e6
        ),
        &format!("{:.0} ms / {:.0} ms", ms(pct(0.5)), ms(pct(0.95))),
    );
}
