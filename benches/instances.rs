//! One SQLite instance, one PostgreSQL instance, and two PostgreSQL instances
//! sharing one database: requests per second and p50/p99 latency of the
//! incident list, an incident page and a search, at 16 connections in all.
//! A benchmark, not a test: `cargo bench --features ssr --bench instances`
//! (needs `wrk`; `scripts/bench instances` installs it).
//!
//! Every setup serves the same data: 10,000 incidents seeded into a SQLite
//! file (`debrief seed`), incident #1 with 200 timeline events, moved to a
//! throwaway PostgreSQL (Debian's, on the same machine, fsync off) with
//! `debrief migrate-data`. Two instances are loaded by two wrk processes at
//! once, 8 connections each, as a load balancer would split them; their
//! throughputs add up. Everything shares the machine's cores: the server(s),
//! PostgreSQL and wrk.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use common::{Client, Server, postgres};
use support::{Run, figure, wrk};

const INCIDENTS: usize = 10_000;
const EVENTS: usize = 200;
const SECONDS: u32 = 10;
const CONNECTIONS: u32 = 16;

const PAGES: [(&str, &str); 3] = [
    ("/incidents", "incident list"),
    ("/incidents/1", "incident page (200 events)"),
    ("/search?q=queue+backlog", "search (\"queue backlog\")"),
];

#[tokio::main]
async fn main() {
    let sqlite = Server::start_sqlite();
    support::seed(&sqlite.db_path, INCIDENTS);
    let editor = sqlite.as_user("editor").await;
    for i in 0..EVENTS {
        let line = format!(
            "{:02}:{:02} sam: checkout p99 at {} ms, step {i}",
            10 + i / 60,
            i % 60,
            200 + i % 900
        );
        let res = editor
            .post(
                "/api/timeline/quick_add",
                &[("number", "1"), ("line", line.as_str())],
            )
            .await;
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }
    let url = postgres::server().fresh_database();
    let moved = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["migrate-data", "--from"])
        .arg(&sqlite.db_path)
        .args(["--to", &url, "--to-attachments"])
        .arg(sqlite.dir.path().join("moved"))
        .args(["--log-level", "warn"])
        .output()
        .unwrap();
    assert!(
        moved.status.success(),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );

    println!(
        "instances on loopback ({INCIDENTS} incidents, #1 with {EVENTS} events; wrk, {CONNECTIONS} connections in all, {SECONDS} s per run):"
    );
    let cookie = sqlite.as_user("viewer").await.cookie.unwrap();
    measure("1 SQLite instance", &[&sqlite.base], &cookie).await;
    drop(editor);
    drop(sqlite);

    let first = Server::start_on_url(&url, false);
    let cookie = first.as_user("viewer").await.cookie.unwrap();
    measure("1 PostgreSQL instance", &[&first.base], &cookie).await;
    let second = Server::start_on_url(&url, false);
    measure(
        "2 PostgreSQL instances",
        &[&first.base, &second.base],
        &cookie,
    )
    .await;
}

/// Loads each page on every instance at once; reports the sum of their
/// throughputs and the worst of their latencies.
async fn measure(setup: &str, instances: &[&str], cookie: &str) {
    for base in instances {
        let client = Client::new(base, Some(cookie.to_string()));
        for (path, _) in PAGES {
            let page = client.page(path).await;
            assert!(page.contains("</html>"), "{path} renders on {base}");
        }
    }
    let per_instance = CONNECTIONS / instances.len() as u32;
    for (path, what) in PAGES {
        let runs: Vec<Run> = std::thread::scope(|s| {
            let handles: Vec<_> = instances
                .iter()
                .map(|base| {
                    let url = format!("{base}{path}");
                    s.spawn(move || wrk(&url, cookie, per_instance, SECONDS))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let rps: f64 = runs.iter().map(|r| r.requests_per_second).sum();
        let p50 = runs.iter().map(|r| r.p50_ms).fold(0.0, f64::max);
        let p99 = runs.iter().map(|r| r.p99_ms).fold(0.0, f64::max);
        let errors: u64 = runs.iter().map(|r| r.errors + r.timeouts).sum();
        println!(
            "  {setup:<24} {what:<28} {rps:>7.0} requests/s, p50 {p50:>6.1} ms, p99 {p99:>6.1} ms, {errors} failed"
        );
        assert_eq!(errors, 0, "every request answered with success");
        figure(
            &format!("{what}: requests per second"),
            setup,
            &format!("{rps:.0} (p50 {p50:.1} ms, p99 {p99:.1} ms)"),
        );
    }
}
