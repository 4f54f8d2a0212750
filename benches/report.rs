//! The outlier report over 100,000 synthetic incidents: how long the server
//! takes to build it and how large the responses are. A benchmark, not a
//! test: `cargo bench --features ssr --bench report`.
//!
//! It seeds a fresh SQLite file with `debrief seed --incidents 100000` (the
//! release binary), then measures, in this process, loading the incidents
//! (one SQL query) and building the report from them, and, over real HTTP
//! against the release server, the `/report` page (everything it shows:
//! figures, outliers, plots, the Cynefin section) and the two exports.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use app::db::Db;
use app::domain::report::{self, PAGE_LIST_LIMIT, ReportFilter};

const INCIDENTS: usize = 100_000;
const WARM_UP: usize = 2;
const RUNS: usize = 10;

#[tokio::main]
async fn main() {
    let server = common::Server::start();
    let began = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args([
            "seed",
            "--incidents",
            &INCIDENTS.to_string(),
            "--database-url",
        ])
        .arg(&server.db_path)
        .args(["--log-level", "warn"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "outlier report over {INCIDENTS} seeded incidents ({RUNS} runs after {WARM_UP} warm-up, median):"
    );
    println!("  seeding took {:.1} s", began.elapsed().as_secs_f64());

    let db = Db::open(&server.db_path.display().to_string())
        .await
        .unwrap();
    let filter = ReportFilter::default();
    let (load, _) = measure(|| async {
        let incidents = db.report_incidents(&filter).await.unwrap();
        assert_eq!(incidents.len(), INCIDENTS);
    })
    .await;
    let incidents = db.report_incidents(&filter).await.unwrap();
    let (build, _) = measure(|| async {
        let r = report::build(&filter, &incidents).for_page(PAGE_LIST_LIMIT);
        assert_eq!(r.incident_count, INCIDENTS);
    })
    .await;
    db.close().await;
    println!("  load the incidents (SQL):      {:>7.1} ms", ms(load));
    println!("  build the report (statistics): {:>7.1} ms", ms(build));

    for (path, what) in [
        ("/report", "GET /report (the whole page)"),
        ("/report?severity=outage", "GET /report?severity=outage"),
        ("/report/incidents.json", "GET /report/incidents.json"),
        ("/report/incidents.csv", "GET /report/incidents.csv"),
    ] {
        let (took, bytes) = measure(|| async {
            let res = server.get(path).await;
            assert_eq!(res.status(), 200, "{path}");
            res.bytes().await.unwrap().len()
        })
        .await;
        println!(
            "  {what:<34} {:>7.1} ms, {:>9} bytes ({:.2} MB)",
            ms(took),
            bytes,
            bytes as f64 / 1e6
        );
    }
}

/// The median time of `RUNS` calls after `WARM_UP`, and the last result.
async fn measure<F, Fut, T>(mut f: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for run in 0..WARM_UP + RUNS {
        let began = Instant::now();
        last = Some(f().await);
        if run >= WARM_UP {
            times.push(began.elapsed());
        }
    }
    times.sort();
    (times[RUNS / 2], last.expect("at least one run"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
