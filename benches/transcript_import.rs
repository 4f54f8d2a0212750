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

use std::io::Write;
use std::process::Command;
use std::time::Instant;

const LINES: usize = 1_000_000;

fn main() {
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
        println!(
            "{:<28} {seconds:>6.2} s  {:>9.0} lines/s  {:>6.1} MB/s  peak memory {peak_mb:.0} MB",
            if dry_run {
                "preview only (--dry-run)"
            } else {
                "import (summary included)"
            },
            LINES as f64 / seconds,
            mb / seconds,
        );
    }
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
