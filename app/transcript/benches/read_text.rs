//! How fast the line readers are, in a release build: a million generated
//! lines each of plain text, CSV and a Slack copy-paste, and the incident
//! reports of `tests/fixtures/reports/` repeated to a million lines (report
//! shapes: bullets, ranges, zones, estimates, prose and notes). A benchmark,
//! not a test: `cargo bench -p transcript --bench read_text`.
//!
//! Prints, per input: lines, problems, seconds, lines/s and MB/s (best of
//! three runs).

use std::fmt::Write;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use transcript::formats::Format;
use transcript::read::{Options, read_text};
use transcript::summary::Summary;

const LINES: u32 = 1_000_000;

fn main() {
    let mut plain = String::new();
    let mut csv = String::from("timestamp,channel,author,text\n");
    let mut paste = String::new();
    for i in 0..LINES {
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
        writeln!(
            plain,
            "{h:02}:{m:02}:{s:02} sam: checkout p99 is up again, line {i}"
        )
        .unwrap();
        writeln!(
            csv,
            "2026-03-04T{h:02}:{m:02}:{s:02}Z,#ops,sam,\"checkout, p99 is up again {i}\""
        )
        .unwrap();
        if i % 2 == 0 {
            writeln!(paste, "Sam Lee  {}:{m:02} PM", h % 12 + 1).unwrap();
        } else {
            writeln!(paste, "checkout p99 is up again, line {i}").unwrap();
        }
    }
    let reports = reports();

    println!("input                  lines   problems    seconds      lines/s    MB/s");
    for (name, format, text) in [
        ("plain, chat lines", Format::Plain, &plain),
        ("plain, report shapes", Format::Plain, &reports),
        ("csv", Format::Csv, &csv),
        ("slack paste", Format::SlackPaste, &paste),
    ] {
        let options = Options {
            format,
            zone: chrono_tz::Europe::Paris,
            date: NaiveDate::from_ymd_opt(2026, 3, 4),
            file_name: None,
        };
        let mut best = Duration::MAX;
        let mut summary = Summary::default();
        for _ in 0..3 {
            summary = Summary::default();
            let started = Instant::now();
            read_text(text.as_bytes(), &options, &mut summary).unwrap();
            best = best.min(started.elapsed());
        }
        let lines = text.lines().count();
        let secs = best.as_secs_f64();
        println!(
            "{name:<20} {lines:>9} {:>10} {secs:>10.3} {:>12.0} {:>7.1}",
            summary.problem_count,
            lines as f64 / secs,
            text.len() as f64 / 1_048_576.0 / secs,
        );
        if let Some(first) = summary.problems.first() {
            println!("    first problem: line {}: {}", first.line, first.reason);
        }
    }
}

/// The report fixtures, one after another, until a million lines.
fn reports() -> String {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures/reports");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut out = String::new();
    let mut lines = 0;
    'fill: loop {
        for text in &texts {
            out.push_str(text);
            out.push('\n');
            lines += text.lines().count() + 1;
            if lines >= LINES as usize {
                break 'fill;
            }
        }
    }
    out
}
