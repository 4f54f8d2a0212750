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

use support::{figure, peak_rss_kb};

use std::process::Command;

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
            let run = wrk(&server.url(path), &cookie, connections);
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

struct Run {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    timeouts: u64,
}

fn wrk(url: &str, cookie: &str, connections: u32) -> Run {
    let out = Command::new("wrk")
        // A generous timeout: a slow answer is measured, not dropped.
        .args(["--latency", "-t", "2", "--timeout", "10s"])
        .args(["-c", &connections.to_string()])
        .args(["-d", &format!("{SECONDS}s")])
        .args(["-H", &format!("Cookie: {cookie}")])
        .arg(url)
        .output()
        .expect("wrk is installed (apt-get install wrk; scripts/bench does it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let field = |label: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("{label} in wrk's output: {text}"))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let errors = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Non-2xx or 3xx responses:"))
        .map_or(0, |n| n.trim().parse().unwrap());
    // "Socket errors: connect 0, read 0, write 0, timeout 12"
    let timeouts = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Socket errors:"))
        .and_then(|l| l.rsplit("timeout").next())
        .map_or(0, |n| n.trim().parse().unwrap_or(0));
    Run {
        requests_per_second: field("Requests/sec:").parse().unwrap(),
        p50_ms: millis(&field("50%")),
        p99_ms: millis(&field("99%")),
        errors,
        timeouts,
    }
}

/// wrk's "812.00us", "1.20ms" or "2.01s" in milliseconds.
fn millis(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let (n, unit) = value.split_at(split);
    let n: f64 = n.parse().unwrap();
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        other => panic!("unit {other} in {value}"),
    }
}
