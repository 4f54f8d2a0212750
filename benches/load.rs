//! The server under load on loopback: requests per second and p50/p99 latency
//! of the incident list and an incident page at 16 and 64 connections, and the
//! server's peak memory (RSS) over the whole run. A benchmark, not a test: run
//! it with `cargo bench --features ssr --bench load` (needs `wrk`, Debian's
//! package; `scripts/bench` installs it).
//!
//! The release binary serves a fresh SQLite file holding 10,000 seeded
//! incidents (`debrief seed`); incident #1 has 200 timeline events. Requests
//! carry a signed-in viewer's session, so every one reads its session and
//! renders the whole page server-side, as a reader's browser would see it.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::{figure, peak_rss_kb, wrk};

const INCIDENTS: usize = 10_000;
const EVENTS: usize = 200;
const SECONDS: u32 = 10;

#[tokio::main]
async fn main() {
    let server = common::Server::start();
    support::seed(&server.db_path, INCIDENTS);
    let start = 1_772_625_600_i64;
    common::execute_sql(
        &server.db_path,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {EVENTS}) \
             INSERT INTO timeline_events (id, incident_id, seq, at, kind, actor, body_markdown, \
             evidence_url, source, version, created_by, created_at, updated_at) \
             SELECT lower(hex(randomblob(16))), (SELECT id FROM incidents WHERE number = 1), i, \
             {start} + 30 * i, CASE i % 3 WHEN 0 THEN 'observation' WHEN 1 THEN 'action' ELSE 'alert' END, \
             CASE i % 2 WHEN 0 THEN 'sam' ELSE 'PagerDuty' END, \
             'Event ' || i || ': checkout **p99** at ' || (200 + i % 900) || ' ms', '', 'typed', 1, \
             'Benchmark', {start}, {start} FROM n"
        ),
    )
    .await;
    let viewer = server.as_user("viewer").await;
    let cookie = viewer.cookie.clone().unwrap();
    for path in ["/incidents", "/incidents/1"] {
        let page = viewer.page(path).await;
        assert!(page.contains("</html>"), "{path} renders");
    }

    println!(
        "load on loopback ({INCIDENTS} incidents, incident #1 with {EVENTS} events; wrk, 2 threads, {SECONDS} s per run):"
    );
    for (path, what) in [
        ("/incidents", "incident list"),
        ("/incidents/1", "incident page"),
    ] {
        for connections in [16, 64] {
            let run = wrk(&server.url(path), &cookie, connections, SECONDS);
            println!(
                "  {what:<14} {connections:>2} connections: {:>7.0} requests/s, p50 {:>6.1} ms, p99 {:>6.1} ms, {} non-2xx, {} timed out (10 s)",
                run.requests_per_second, run.p50_ms, run.p99_ms, run.errors, run.timeouts
            );
            assert_eq!(run.errors, 0, "every request answered with success");
            let input = format!("{connections} connections, {INCIDENTS} incidents");
            figure(
                &format!("{what}: requests per second"),
                &input,
                &format!("{:.0}", run.requests_per_second),
            );
            figure(
                &format!("{what}: latency p50 / p99"),
                &input,
                &if run.timeouts > 0 {
                    format!(
                        "{:.1} ms / {:.1} ms, {} timed out",
                        run.p50_ms, run.p99_ms, run.timeouts
                    )
                } else {
                    format!("{:.1} ms / {:.1} ms", run.p50_ms, run.p99_ms)
                },
            );
        }
    }
    let peak = peak_rss_kb(server.pid());
    println!("  server peak memory (RSS): {:.0} MB", peak as f64 / 1024.0);
    figure(
        "server peak memory (RSS) under load",
        "the four runs above",
        &format!("{:.0} MB", peak as f64 / 1024.0),
    );
}
