//! The Slack export: zips built here from the folders in
//! `tests/fixtures/slack/`, the folders themselves, and lone day files.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use transcript::formats::{Format, slack_export};
use transcript::read::{Options, read_export, read_str};
use transcript::{Entry, Line, LineKind, Problem, Stamp};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

fn fixture(path: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures/slack")
    .join(path)
}

/// Every file under `dir`, as (path relative to `dir` with `/`, full path), sorted.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, path)) = stack.pop() {
        for item in std::fs::read_dir(&path).unwrap() {
            let item = item.unwrap();
            let name = item.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if item.file_type().unwrap().is_dir() {
                stack.push((relative, item.path()));
            } else {
                out.push((relative, item.path()));
            }
        }
    }
    out.sort();
    out
}

/// A zip of the files under `dir`, their names starting with `prefix`.
fn zip_of(dir: &Path, prefix: &str, method: CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, path) in files_under(dir) {
        writer
            .start_file(format!("{prefix}{name}"), options)
            .unwrap();
        writer.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn options(format: Format, file_name: Option<&str>) -> Options {
    Options {
        format,
        zone: chrono_tz::Europe::Paris,
        date: None,
        file_name: file_name.map(str::to_string),
    }
}

fn export(zip: Vec<u8>) -> Vec<Result<Line, Problem>> {
    let mut out = Vec::new();
    read_export(
        Cursor::new(zip),
        &options(Format::SlackExport, Some("export.zip")),
        &mut out,
    )
    .unwrap();
    out
}

/// The instant of a Slack `ts`.
fn at(ts: &str) -> DateTime<Utc> {
    let (s, frac) = ts.split_once('.').unwrap();
    let nanos: u32 = format!("{frac:0<9}").parse().unwrap();
    DateTime::from_timestamp(s.parse().unwrap(), nanos).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn line(
    n: u64,
    ts: &str,
    kind: LineKind,
    author: Option<&str>,
    text: &str,
    thread: Option<&str>,
    channel: Option<&str>,
) -> Result<Line, Problem> {
    Ok(Line {
        line: n,
        at: at(ts),
        kind,
        author: author.map(str::to_string),
        text: text.to_string(),
        thread: thread.map(str::to_string),
        // Slack's rule: the parent is the message whose ts is the thread's.
        thread_root: thread == Some(ts),
        channel: channel.map(str::to_string),
        flag: None,
        approximate: false,
        zone: None,
        continued: 0,
    })
}

const PARENT: &str = "1772634800.001100";

/// What the workspace export reads as: #general then #incident-412, each in
/// `ts` order and numbered from 1.
fn workspace_lines() -> Vec<Result<Line, Problem>> {
    use LineKind::*;
    let g = Some("general");
    let i = Some("incident-412");
    vec![
        line(
            1,
            "1772634600.000100",
            Join,
            Some("lee"),
            "@lee has joined the channel",
            None,
            g,
        ),
        // Sub-second order: .000100 was written after .000200 in the file.
        line(
            2,
            "1772634725.000100",
            Message,
            Some("Kim Park"),
            "looking & paging @sre-oncall <3",
            None,
            g,
        ),
        line(
            3,
            "1772634725.000200",
            Message,
            Some("sam"),
            "checkout p99 is up, see the dashboard (https://grafana.example.com/d/abc?from=now-1h&to=now) cc @Kim Park @here",
            None,
            g,
        ),
        line(
            4,
            "1772634730.000300",
            Bot,
            Some("PagerDuty"),
            "Triggered #412: checkout latency > 2s",
            None,
            g,
        ),
        line(
            5,
            "1772634740.000400",
            Bot,
            Some("deploybot"),
            "Deploy finished\nrelease 412\n3 services https://ci.example.com/412",
            None,
            g,
        ),
        line(
            6,
            "1772634750.000500",
            Action,
            Some("sam"),
            "is rolling back",
            None,
            g,
        ),
        line(
            7,
            "1772634760.000600",
            Message,
            Some("Kim Park"),
            "rollback plan in #incident-412, logs attached (edited)\n[file: checkout errors (checkout.log)]",
            None,
            g,
        ),
        line(
            8,
            "1772634770.000700",
            Topic,
            Some("sam"),
            "set the channel topic: checkout degraded",
            None,
            g,
        ),
        // Not in users.json: the message's own user_profile names U04.
        line(
            9,
            "1772634780.000800",
            Message,
            Some("Dana Ray"),
            "new here, @sam what happened? also @Dana Ray",
            None,
            g,
        ),
        line(
            10,
            "1772634790.000900",
            Part,
            Some("lee"),
            "@lee has left the channel",
            None,
            g,
        ),
        line(
            11,
            "1772634795.001000",
            System,
            Some("sam"),
            "@sam pinned a message to this channel.",
            None,
            g,
        ),
        line(
            12,
            PARENT,
            Message,
            Some("sam"),
            "status thread",
            Some(PARENT),
            g,
        ),
        line(
            13,
            "1772634810.001200",
            Message,
            Some("Kim Park"),
            "db is fine",
            Some(PARENT),
            g,
        ),
        // A link preview on a person's message is not repeated.
        line(
            14,
            "1772634820.001300",
            Message,
            Some("Kim Park"),
            "https://status.example.com",
            None,
            g,
        ),
        // A reply in the next day's file: the parent is known, no prefix.
        line(
            15,
            "1772668800.000100",
            Message,
            Some("sam"),
            "closing this, see oncall@example.com",
            Some(PARENT),
            g,
        ),
        line(
            16,
            "1772668860.000200",
            Message,
            Some("Kim Park"),
            "(reply to a thread started 2026-03-03 01:06 UTC) late answer",
            Some("1772500000.000100"),
            g,
        ),
        // The copy of 1772634810.001200 in the second day's file is kept once.
        line(
            17,
            "1772668900.000300",
            Message,
            Some("sam"),
            "summary: fixed",
            Some(PARENT),
            g,
        ),
        line(
            1,
            "1772634900.000100",
            Message,
            Some("sam"),
            "@channel incident declared, war room #general",
            None,
            i,
        ),
        // Neither users.json nor a profile: the id.
        line(
            2,
            "1772634960.000200",
            Message,
            Some("U05"),
            "I can help",
            None,
            i,
        ),
        line(
            3,
            "1772635020.000300",
            Message,
            Some("Kim Park"),
            "runbook https://wiki.example.com/runbook",
            None,
            i,
        ),
    ]
}

#[test]
fn a_workspace_export_zip_reads_every_channel_in_time_order() {
    let zip = zip_of(&fixture("workspace"), "", CompressionMethod::Stored);
    let got = export(zip);
    let want = workspace_lines();
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
}

#[test]
fn a_deflated_zip_with_a_top_folder_reads_the_same() {
    let zip = zip_of(
        &fixture("workspace"),
        "Debrief Slack export Mar 4 2026 - Mar 5 2026/",
        CompressionMethod::Deflated,
    );
    assert_eq!(export(zip), workspace_lines());
}

fn entries_to_lines(entries: Vec<Result<Entry, Problem>>) -> Vec<Result<Line, Problem>> {
    entries
        .into_iter()
        .map(|e| {
            e.map(|e| {
                let Stamp::Exact(at) = e.stamp else {
                    panic!("a Slack message has an exact time: {e:?}")
                };
                Line {
                    line: e.line,
                    at,
                    kind: e.kind,
                    author: e.author,
                    text: e.text,
                    thread: e.thread,
                    thread_root: e.thread_root,
                    channel: e.channel,
                    flag: None,
                    approximate: false,
                    zone: None,
                    continued: 0,
                }
            })
        })
        .collect()
}

#[test]
fn an_unzipped_export_on_disk_reads_the_same() {
    let mut entries = Vec::new();
    slack_export::read_dir(&fixture("workspace"), &mut |e| entries.push(e)).unwrap();
    assert_eq!(entries_to_lines(entries), workspace_lines());
}

/// `integrations/`: a GitHub integration added to #deploys and posting with
/// its bot id only, Grafana naming itself on its first message only, a
/// webhook posting under a name of its own, and a thread whose reply is
/// timed before its parent.
#[test]
fn integrations_are_named_and_their_attachments_kept_whole() {
    use LineKind::*;
    let mut entries = Vec::new();
    slack_export::read_dir(&fixture("integrations"), &mut |e| entries.push(e)).unwrap();
    let d = Some("deploys");
    let thread = Some("1772635000.000500");
    assert_eq!(
        entries_to_lines(entries),
        vec![
            line(
                1,
                "1772634000.000100",
                System,
                Some("sam"),
                "added an integration to this channel: github (https://acme.slack.com/services/B0GITHUB01)",
                None,
                d,
            ),
            // Named by the line that added it; the summary, then the commit
            // messages and the fields the summary leaves out.
            line(
                2,
                "1772634600.000200",
                Bot,
                Some("github"),
                "[acme/checkout] 2 new commits pushed to main by kim\n\
                 a1b2c3d (https://github.com/acme/checkout/commit/a1b2c3d) Revert \"raise pool timeout\"\n\
                 e4f5a6b (https://github.com/acme/checkout/commit/e4f5a6b) pool: cap connections at 200\n\
                 Branch: main\n\
                 Checks: passed (https://ci.example.com/412)",
                None,
                d,
            ),
            line(
                3,
                "1772634700.000300",
                Bot,
                Some("Grafana"),
                "[FIRING:1] checkout p99 > 2s",
                None,
                d,
            ),
            // A text the fallback already says is not repeated.
            line(
                4,
                "1772634800.000400",
                Bot,
                Some("github"),
                "Deployment 412 of acme/checkout to production succeeded",
                None,
                d,
            ),
            // Timed before its parent, and still its reply: the parent is
            // the root (see `line`).
            line(
                5,
                "1772634990.000600",
                Message,
                Some("Kim Park"),
                "reverted on all hosts",
                thread,
                d,
            ),
            line(
                6,
                "1772635000.000500",
                Message,
                Some("sam"),
                "rollback status",
                thread,
                d,
            ),
            // Named by its profile on an earlier message.
            line(
                7,
                "1772635100.000700",
                Bot,
                Some("Grafana"),
                "[RESOLVED] checkout p99",
                None,
                d,
            ),
            // The name it posted under, before its app's.
            line(
                8,
                "1772635200.000800",
                Bot,
                Some("Deploy notifier"),
                "freeze lifted",
                None,
                d,
            ),
            // Nothing in the export names it.
            line(
                9,
                "1772635300.000900",
                Bot,
                Some("B0UNKNOWN1"),
                "heartbeat",
                None,
                d,
            ),
        ]
    );
}

#[test]
fn a_thread_root_is_the_parent_whatever_the_times() {
    let mut entries = Vec::new();
    slack_export::read_dir(&fixture("integrations"), &mut |e| entries.push(e)).unwrap();
    let threaded: Vec<(&str, bool)> = entries
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .filter(|e| e.thread.is_some())
        .map(|e| (e.text.as_str(), e.thread_root))
        .collect();
    assert_eq!(
        threaded,
        [("reverted on all hosts", false), ("rollback status", true)]
    );
}

/// The `ops` channel folder: no users.json, names from `user_profile`.
fn ops_lines(channel: Option<&str>) -> Vec<Result<Line, Problem>> {
    vec![
        line(
            1,
            "1772635100.000100",
            LineKind::Message,
            Some("Omar Said"),
            "cache flushed",
            None,
            channel,
        ),
        line(
            2,
            "1772635200.000200",
            LineKind::Message,
            Some("ana"),
            "thanks @Omar Said",
            None,
            channel,
        ),
        line(
            3,
            "1772635300.000300",
            LineKind::Bot,
            Some("Grafana"),
            "[OK] checkout latency\nback under 300 ms",
            None,
            channel,
        ),
        line(
            4,
            "1772635400.000400",
            LineKind::Message,
            Some("Omar Said"),
            "bye",
            Some("1772635100.000100"),
            channel,
        ),
    ]
}

#[test]
fn a_zip_of_one_channel_folder_without_metadata() {
    let zip = zip_of(&fixture("ops"), "ops/", CompressionMethod::Stored);
    assert_eq!(export(zip), ops_lines(Some("ops")));
}

#[test]
fn a_zip_of_bare_day_files_has_no_channel_name() {
    let zip = zip_of(&fixture("ops"), "", CompressionMethod::Stored);
    assert_eq!(export(zip), ops_lines(None));
}

#[test]
fn a_channel_folder_on_disk_is_named_by_the_folder() {
    let mut entries = Vec::new();
    slack_export::read_dir(&fixture("ops"), &mut |e| entries.push(e)).unwrap();
    assert_eq!(entries_to_lines(entries), ops_lines(Some("ops")));
}

#[test]
fn a_zip_on_disk_is_read_by_read_dir() {
    let dir = std::env::temp_dir().join(format!("transcript-slack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.zip");
    std::fs::write(
        &path,
        zip_of(&fixture("ops"), "ops/", CompressionMethod::Stored),
    )
    .unwrap();
    let mut entries = Vec::new();
    slack_export::read_dir(&path, &mut |e| entries.push(e)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(entries_to_lines(entries), ops_lines(Some("ops")));
}

#[test]
fn one_day_file_read_as_text() {
    let text = std::fs::read_to_string(fixture("workspace/general/2026-03-05.json")).unwrap();
    let out = read_str(
        &text,
        &options(Format::SlackExport, Some("general/2026-03-05.json")),
    );
    // No users.json: ids. No other day: every reply's parent is unknown.
    let started = "(reply to a thread started 2026-03-04 14:33 UTC) ";
    assert_eq!(
        out,
        vec![
            line(
                1,
                "1772634810.001200",
                LineKind::Message,
                Some("U02"),
                &format!("{started}db is fine"),
                Some(PARENT),
                None
            ),
            line(
                2,
                "1772668800.000100",
                LineKind::Message,
                Some("U01"),
                &format!("{started}closing this, see oncall@example.com"),
                Some(PARENT),
                None
            ),
            line(
                3,
                "1772668860.000200",
                LineKind::Message,
                Some("U02"),
                "(reply to a thread started 2026-03-03 01:06 UTC) late answer",
                Some("1772500000.000100"),
                None
            ),
            line(
                4,
                "1772668900.000300",
                LineKind::Message,
                Some("U01"),
                &format!("{started}summary: fixed"),
                Some(PARENT),
                None
            ),
        ]
    );
}

#[test]
fn read_day_reports_problems_naming_the_file() {
    let mut got = Vec::new();
    slack_export::read_day(br#"{"ts": "1"}"#, "ops/2026-03-04.json", &mut |e| {
        got.push(e)
    });
    assert_eq!(
        got,
        vec![Err(Problem::new(
            0,
            "ops/2026-03-04.json: expected a JSON array"
        ))]
    );
    let mut got = Vec::new();
    slack_export::read_day(b"[]", "empty.json", &mut |e| got.push(e));
    assert_eq!(got, vec![]);
}

#[test]
fn malformed_files_are_problems_naming_the_file_and_the_place() {
    let zip = zip_of(&fixture("malformed"), "", CompressionMethod::Stored);
    let day2 = "general/2026-03-05.json";
    assert_eq!(
        export(zip),
        vec![
            Err(Problem::new(
                3,
                "general/2026-03-04.json is not valid JSON: expected `,` or `]` (line 3, column 3)"
            )),
            Err(Problem::new(
                0,
                format!("{day2}: the message at index 1 (number 2) has no \"ts\"")
            )),
            Err(Problem::new(
                0,
                format!(
                    "{day2}: the message at index 2 (number 3) has a \"ts\" that is not a Slack timestamp: yesterday"
                )
            )),
            Err(Problem::new(
                0,
                format!("{day2}: the message at index 3 (number 4) is not a JSON object")
            )),
            line(
                1,
                "1772668800.000100",
                LineKind::Message,
                Some("U01"),
                "first",
                None,
                Some("general")
            ),
            line(
                2,
                "1772668860.000200",
                LineKind::Message,
                Some("U02"),
                "last",
                None,
                Some("general")
            ),
        ]
    );
}

#[test]
fn bad_json_in_a_lone_day_file_gives_its_line() {
    let text = std::fs::read_to_string(fixture("malformed/general/2026-03-04.json")).unwrap();
    let out = read_str(
        &text,
        &options(Format::SlackExport, Some("2026-03-04.json")),
    );
    assert_eq!(
        out,
        vec![Err(Problem::new(
            3,
            "2026-03-04.json is not valid JSON: expected `,` or `]` (line 3, column 3)"
        ))]
    );
}

#[test]
fn a_file_that_is_not_a_zip_is_an_error() {
    let mut out = Vec::new();
    let err = read_export(
        Cursor::new(b"not a zip at all".to_vec()),
        &options(Format::SlackExport, None),
        &mut out,
    )
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
    assert!(out.is_empty());
}

#[test]
fn slack_day_files_are_detected_as_the_export() {
    let text = std::fs::read(fixture("workspace/general/2026-03-04.json")).unwrap();
    let ranked = transcript::formats::detect(&text, Some("2026-03-04.json"));
    assert_eq!(ranked[0].format, Format::SlackExport);
    let zip = zip_of(&fixture("ops"), "ops/", CompressionMethod::Stored);
    assert_eq!(
        transcript::formats::detect(&zip[..64], Some("ops.zip"))[0].format,
        Format::SlackExport
    );
}
