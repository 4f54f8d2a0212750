//! Imports a generated 1,000,000-line IRC transcript (about 100 MB) end to end
//! with the release binary's `debrief import`, and reports lines/s, MB/s and
//! peak memory. A benchmark, not a test: run it with
//! `cargo bench --features ssr --bench transcript_import`.
//!
//! Two runs on fresh databases: `--dry-run` (read, detect and summarise only:
//! the preview) and a real import (one pass that summarises, parses and
//! stores every line in one transaction, then commits; the time includes
//! SQLite copying the write-ahead log into the database file as the command
//! closes it). Peak memory is the largest resident set of the child process
//! (getrusage).
//!
//! Then the same file through the running server, as a browser sends it: the
//! upload (multipart, staged on disk) and the import request, timed together;
//! then the search indexing the server does after such a large import
//! commits; and the server's peak memory (VmHWM) over all of it.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::{figure, peak_rss_kb};

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const LINES: usize = 1_000_000;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("#ops_20260304.log");
    let bytes = generate(&log);
    let mb = bytes as f64 / 1_048_576.0;
    println!("transcript: {LINES} lines, {mb:.1} MB ({})", log.display());

    for dry_run in [true, false] {
        let db = dir
            .path()
            .join(if dry_run { "dry.db" } else { "import.db" });
        let mut args = vec!["import", "--zone", "UTC"];
        if dry_run {
            args.push("--dry-run");
        }
        args.extend(["--new-incident", "Checkout latency (benchmark)"]);
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .arg("--database-url")
            .arg(&db)
            .args(&args)
            .arg(&log)
            .output()
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(&format!("lines: {LINES}")), "{stdout}");
        let peak_mb = peak_child_rss_kb() as f64 / 1024.0;
        let what = if dry_run {
            "preview only (--dry-run)"
        } else {
            "import (summary included)"
        };
        println!(
            "{what:<28} {seconds:>6.2} s  {:>9.0} lines/s  {:>6.1} MB/s  peak memory {peak_mb:.0} MB",
            LINES as f64 / seconds,
            mb / seconds,
        );
        figure(
            &format!("transcript {what}, command line"),
            &format!("{LINES} IRC lines, {mb:.1} MB"),
            &format!(
                "{seconds:.2} s: {:.0} lines/s, {:.1} MB/s, peak {peak_mb:.0} MB",
                LINES as f64 / seconds,
                mb / seconds
            ),
        );
    }
    through_the_server(&log, mb).await;
}

/// Upload and import over HTTP into a running server, then its search
/// indexing.
async fn through_the_server(log: &std::path::Path, mb: f64) {
    let server = common::Server::start_with_args(&["--transcript-max-mb", "200"]);
    let res = server
        .post(
            "/api/incidents/create",
            &common::incident_form("Checkout latency (benchmark)", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200, "create the incident");
    let bytes = std::fs::read(log).unwrap();
    let name = log.file_name().unwrap().to_string_lossy().into_owned();
    let started = Instant::now();
    let res = server
        .post_files("/incidents/1/transcripts", vec![(name.as_str(), bytes)])
        .await;
    assert_eq!(res.status(), 201);
    let token = res.text().await.unwrap();
    let res = server
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", token.as_str())],
        )
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), LINES.to_string(), "every line stored");
    let seconds = started.elapsed().as_secs_f64();
    let indexing = Instant::now();
    while common::query_i64(
        &server.db_path,
        "SELECT COUNT(*) FROM transcripts WHERE search_indexed = 0",
    )
    .await
        > 0
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let index_seconds = indexing.elapsed().as_secs_f64();
    let peak_mb = peak_rss_kb(server.pid()) as f64 / 1024.0;
    println!(
        "{:<28} {seconds:>6.2} s  {:>9.0} lines/s  {:>6.1} MB/s  server peak memory {peak_mb:.0} MB",
        "upload + import over HTTP",
        LINES as f64 / seconds,
        mb / seconds,
    );
    println!(
        "{:<28} {index_seconds:>6.2} s (after the import answered)",
        "search indexing"
    );
    let input = format!("{LINES} IRC lines, {mb:.1} MB");
    figure(
        "transcript upload + import, end to end over HTTP",
        &input,
        &format!(
            "{seconds:.2} s: {:.0} lines/s, {:.1} MB/s",
            LINES as f64 / seconds,
            mb / seconds
        ),
    );
    figure(
        "search indexing of that import, after it answered",
        &input,
        &format!("{index_seconds:.2} s"),
    );
    figure(
        "server peak memory (RSS) during upload, import and indexing",
        &input,
        &format!("{peak_mb:.0} MB"),
    );
}

/// The largest resident set of any finished child, in KB.
fn peak_child_rss_kb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

/// Writes an IRC log ("[HH:MM:SS] <nick> text") of `LINES` lines: a busy
/// incident channel over about 23 hours, with actions, joins and quits, alerts
/// and a bouncer replaying a few lines. Returns its size in bytes.
fn generate(path: &std::path::Path) -> u64 {
    let nicks = [
        "sam",
        "kim",
        "ana",
        "lee",
        "priya",
        "jo",
        "alertbot",
        "deploybot",
    ];
    let texts = [
        "checkout p99 is above 2 s again, looking at the dashboard",
        "PROBLEM: checkout-api latency p99 > 2000 ms on checkout-7",
        "I restarted checkout-7, watching the error rate for a minute",
        "the connection pool on the primary is at its limit of 50",
        "deploying 412 to canary with the pool size raised to 80",
        "RECOVERY: checkout-api latency p99 back under 300 ms",
    ];
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..LINES {
        let seconds = (i * 83 / 1000) as u32; // ~83 s per 1000 lines
        let (h, m, s) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        let nick = nicks[i % nicks.len()];
        match i % 50 {
            7 => writeln!(
                out,
                "[{h:02}:{m:02}:{s:02}] * {nick} checks the load balancer"
            ),
            13 => writeln!(out, "[{h:02}:{m:02}:{s:02}] *** {nick} has joined #ops"),
            29 => writeln!(
                out,
                "[{h:02}:{m:02}:{s:02}] *** {nick} has quit (Ping timeout)"
            ),
            _ => writeln!(
                out,
                "[{h:02}:{m:02}:{s:02}] <{nick}> {} (#{i})",
                texts[i % texts.len()]
            ),
        }
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}
