//! The outlier report over 100,000 synthetic incidents: how long the server
//! takes to build it and how large the responses are. A benchmark, not a
//! test: `cargo bench --features ssr --bench report`.
//!
//! It seeds a fresh SQLite file with `debrief seed --incidents 100000` (the
//! release binary), then measures, in this process, reading every incident
//! (a server's first report), reading again after one edit (only that
//! incident), building the report, and the same report again with nothing
//! changed (from memory), and, over real HTTP
//! against the release server, the `/report` page (everything it shows:
//! figures, outliers, plots, the Cynefin section) right after a change and
//! with nothing changed, and the two exports.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::ms;

use std::time::{Duration, Instant};

use app::db::Db;
use app::domain::report::{self, PAGE_LIST_LIMIT, ReportFilter};
use app::flows::report::{self as report_flow, ReportCache};

const INCIDENTS: usize = 100_000;
const WARM_UP: usize = 2;
const RUNS: usize = 10;

#[tokio::main]
async fn main() {
    let server = common::Server::start();
    let began = Instant::now();
    support::seed(&server.db_path, INCIDENTS);
    println!(
        "outlier report over {INCIDENTS} seeded incidents ({RUNS} runs after {WARM_UP} warm-up, median):"
    );
    println!("  seeding took {:.1} s", began.elapsed().as_secs_f64());

    let db = Db::open(&server.db_path.display().to_string())
        .await
        .unwrap();
    let reports = ReportCache::default();
    let filter = ReportFilter::default();
    // A full read: what a server's first report costs (a fresh cache has
    // nothing in memory).
    let url = server.db_path.display().to_string();
    let (full, _) = measure(|| async {
        let fresh = Db::open(&url).await.unwrap();
        let snapshot = report_flow::snapshot(&fresh, &ReportCache::default())
            .await
            .unwrap();
        assert_eq!(snapshot.incidents.len(), INCIDENTS);
        fresh.close().await;
    })
    .await;
    // After one edit: only the changed incident is read again.
    let (refresh, _) = measure_after(
        || bump(&server.db_path),
        || async {
            let snapshot = report_flow::snapshot(&db, &reports).await.unwrap();
            assert_eq!(snapshot.incidents.len(), INCIDENTS);
        },
    )
    .await;
    let snapshot = report_flow::snapshot(&db, &reports).await.unwrap();
    let (build, _) = measure(|| async {
        let r = report::build(&filter, &snapshot.incidents).for_page(PAGE_LIST_LIMIT);
        assert_eq!(r.incident_count, INCIDENTS);
    })
    .await;
    // Warm: the same report again, nothing changed.
    let (warm, _) = measure(|| async {
        let (r, _) = report_flow::report(&db, &reports, &filter).await.unwrap();
        assert_eq!(r.incident_count, INCIDENTS);
    })
    .await;
    println!("  read every incident (SQL):     {:>7.1} ms", ms(full));
    println!("  re-read after one edit:        {:>7.1} ms", ms(refresh));
    println!("  build the report (statistics): {:>7.1} ms", ms(build));
    println!("  the same report, data unchanged: {:>5.1} ms", ms(warm));
    let input = format!("{INCIDENTS} incidents");
    support::figure(
        "report: read every incident (a server's first report)",
        &input,
        &format!("{:.0} ms", ms(full)),
    );
    support::figure(
        "report: build the statistics",
        &input,
        &format!("{:.0} ms", ms(build)),
    );

    // Over HTTP: cold (a change just before each request) and warm.
    for (path, changed, what) in [
        ("/report", true, "GET /report after a change"),
        (
            "/report?severity=outage",
            true,
            "GET /report?severity=outage, changed",
        ),
        ("/report", false, "GET /report, data unchanged"),
        (
            "/report?severity=outage",
            false,
            "GET /report?severity=outage, unchanged",
        ),
        (
            "/report/incidents.json",
            false,
            "GET /report/incidents.json",
        ),
        ("/report/incidents.csv", false, "GET /report/incidents.csv"),
    ] {
        let (took, bytes) = measure_after(
            || async {
                if changed {
                    bump(&server.db_path).await;
                }
            },
            || async {
                let res = server.get(path).await;
                assert_eq!(res.status(), 200, "{path}");
                res.bytes().await.unwrap().len()
            },
        )
        .await;
        println!(
            "  {what:<38} {:>7.1} ms, {:>9} bytes ({:.2} MB)",
            ms(took),
            bytes,
            bytes as f64 / 1e6
        );
        support::figure(
            what,
            &format!("{INCIDENTS} incidents"),
            &format!("{:.0} ms, {:.2} MB", ms(took), bytes as f64 / 1e6),
        );
    }
    db.close().await;
}

/// Changes one incident's title (and back on the next call), as an edit
/// would: the report's data version moves on.
async fn bump(db_path: &std::path::Path) {
    common::execute_sql(
        db_path,
        "UPDATE incidents SET title = CASE WHEN title LIKE '% ' THEN rtrim(title) \
         ELSE title || ' ' END WHERE number = 1",
    )
    .await;
}

/// The median time of `RUNS` calls after `WARM_UP`, and the last result.
async fn measure<F, Fut, T>(f: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    measure_after(|| async {}, f).await
}

/// Like [`measure`], with `setup` run before each call, outside the time.
async fn measure_after<S, SFut, F, Fut, T>(mut setup: S, mut f: F) -> (Duration, T)
where
    S: FnMut() -> SFut,
    SFut: std::future::Future<Output = ()>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for run in 0..WARM_UP + RUNS {
        setup().await;
        let began = Instant::now();
        last = Some(f().await);
        if run >= WARM_UP {
            times.push(began.elapsed());
        }
    }
    times.sort();
    (times[RUNS / 2], last.expect("at least one run"))
}
