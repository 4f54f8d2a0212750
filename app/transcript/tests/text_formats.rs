//! Slack copy-paste, plain text and CSV, read through the driver from the
//! fixtures in `tests/fixtures/text/`.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use transcript::clock::Flag;
use transcript::formats::{Format, detect};
use transcript::read::{Options, read_str, read_text};
use transcript::{Line, LineKind, Problem};

fn fixture(name: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures/text")
    .join(name)
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Reads a fixture's bytes (BOM, CRLF and all) through the driver.
fn read(
    name: &str,
    format: Format,
    zone: Tz,
    date: Option<NaiveDate>,
) -> Vec<Result<Line, Problem>> {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let options = Options {
        format,
        zone,
        date,
        file_name: Some(name.to_string()),
    };
    let mut out = Vec::new();
    read_text(&bytes[..], &options, &mut out).unwrap();
    out
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A line with every field given.
#[allow(clippy::too_many_arguments)]
fn full(
    n: u64,
    at: &str,
    kind: LineKind,
    author: Option<&str>,
    text: &str,
    thread: Option<&str>,
    channel: Option<&str>,
    flag: Option<Flag>,
) -> Result<Line, Problem> {
    Ok(Line {
        line: n,
        at: utc(at),
        kind,
        author: author.map(str::to_string),
        text: text.to_string(),
        thread: thread.map(str::to_string),
        thread_root: false,
        channel: channel.map(str::to_string),
        flag,
        approximate: false,
        zone: None,
        continued: 0,
    })
}

/// A line without thread, channel or flag.
fn line(
    n: u64,
    at: &str,
    kind: LineKind,
    author: Option<&str>,
    text: &str,
) -> Result<Line, Problem> {
    full(n, at, kind, author, text, None, None, None)
}

/// `line`, with `n` lines without a time continuing it.
fn continued(n: u32, line: Result<Line, Problem>) -> Result<Line, Problem> {
    line.map(|mut l| {
        l.continued = n;
        l
    })
}

/// A narrative line (prose around the messages).
fn note(n: u64, at: &str, text: &str) -> Result<Line, Problem> {
    line(n, at, LineKind::Narrative, None, text)
}

fn problem(n: u64, reason: &str) -> Result<Line, Problem> {
    Err(Problem::new(n, reason))
}

fn assert_lines(got: Vec<Result<Line, Problem>>, want: Vec<Result<Line, Problem>>) {
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "item {i}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

// ---------------------------------------------------------------- Slack paste

#[test]
fn slack_paste_same_line_headers() {
    use LineKind::*;
    let got = read("slack-paste.txt", Format::SlackPaste, chrono_tz::UTC, None);
    assert_lines(
        got,
        vec![
            // "March 4th, 2026" gives the day (and the year for later dividers).
            continued(
                1,
                line(
                    2,
                    "2026-03-04T14:32:00Z",
                    Message,
                    Some("Sam Lee"),
                    "checkout p99 is up\nsee the dashboard",
                ),
            ),
            // A bare "2:33" after a PM header is 14:33; "(edited)" normalised.
            line(
                5,
                "2026-03-04T14:33:00Z",
                Message,
                Some("Sam Lee"),
                "paging Kim (edited)",
            ),
            line(
                8,
                "2026-03-04T14:35:00Z",
                Join,
                Some("Kim Park"),
                "joined #incident-412.",
            ),
            // A blank line inside a message is kept; "3 replies" is skipped.
            continued(
                1,
                line(
                    10,
                    "2026-03-04T14:36:00Z",
                    Message,
                    Some("Kim Park"),
                    "looking now\n\nfirst guess: the cache",
                ),
            ),
            line(
                15,
                "2026-03-04T14:40:00Z",
                Bot,
                Some("PagerDuty"),
                "Triggered: checkout latency",
            ),
            line(
                17,
                "2026-03-04T14:58:00Z",
                Message,
                Some("Sam Lee"),
                "rolling back",
            ),
            line(
                19,
                "2026-03-04T15:01:00Z",
                Message,
                Some("Sam Lee"),
                "rollback done",
            ),
            // "Thursday, March 5th" takes the year of the divider before.
            continued(
                1,
                line(
                    22,
                    "2026-03-05T09:15:00Z",
                    Message,
                    Some("Kim Park"),
                    "all green overnight\n(edited)",
                ),
            ),
            // "Yesterday" is skipped; a tab separates name and time.
            line(
                26,
                "2026-03-05T23:59:00Z",
                Message,
                Some("Sam Lee"),
                "late note",
            ),
            // "12:01" after 11:59 PM is just after midnight: rollover.
            line(
                28,
                "2026-03-06T00:01:00Z",
                Message,
                Some("Sam Lee"),
                "just after midnight",
            ),
        ],
    );
}

#[test]
fn slack_paste_names_on_their_own_line() {
    use LineKind::*;
    let got = read(
        "slack-paste-newline.txt",
        Format::SlackPaste,
        chrono_tz::Europe::Paris,
        date(2026, 3, 4),
    );
    assert_lines(
        got,
        vec![
            // "Wednesday, March 4th" has no year: the date given applies.
            continued(
                1,
                line(
                    2,
                    "2026-03-04T10:13:00Z",
                    Message,
                    Some("Jessie Booker"),
                    "@channel please use the new runbook\n\nIt is linked from the channel topic.",
                ),
            ),
            line(
                8,
                "2026-03-04T10:20:00Z",
                Message,
                Some("Lindsay Burden"),
                "Thanks, will do",
            ),
            line(
                11,
                "2026-03-04T10:21:00Z",
                Message,
                Some("Lindsay Burden"),
                "one more thing",
            ),
            // "Grafana" then "APP  11:25 AM": a bot.
            line(
                13,
                "2026-03-04T10:25:00Z",
                Bot,
                Some("Grafana"),
                "[FIRING] checkout latency",
            ),
        ],
    );
}

#[test]
fn slack_paste_problems() {
    let got = read(
        "slack-paste-malformed.txt",
        Format::SlackPaste,
        chrono_tz::UTC,
        date(2026, 3, 4),
    );
    let before = "text before any message header; a Slack copy starts with a name and a time, such as \"Sam Lee  2:32 PM\"";
    let no_text = |n: u64| {
        format!(
            "the message header on line {n} has no text after it (an image or a file that was not copied?)"
        )
    };
    assert_lines(
        got,
        vec![
            problem(2, &format!("line 1: {before}")),
            problem(3, &no_text(2)),
            problem(6, &no_text(5)),
            problem(0, &no_text(6)),
            line(
                3,
                "2026-03-04T14:35:00Z",
                LineKind::Message,
                Some("Kim Park"),
                "looking",
            ),
        ],
    );
    let options = Options {
        format: Format::SlackPaste,
        zone: chrono_tz::UTC,
        date: date(2026, 3, 4),
        file_name: None,
    };
    assert_eq!(
        read_str("2:33\nhello there, all.\n", &options),
        vec![
            problem(
                1,
                "a time alone on its line, but no message header (\"Sam Lee  2:32 PM\") before it names the author"
            ),
            problem(2, before),
        ]
    );
}

// ---------------------------------------------------------------- plain text

#[test]
fn plain_text_with_times() {
    use LineKind::*;
    let got = read(
        "plain.txt",
        Format::Plain,
        chrono_tz::Europe::Paris,
        date(2026, 3, 4),
    );
    assert_lines(
        got,
        vec![
            continued(
                1,
                line(
                    1,
                    "2026-03-04T13:32:00Z",
                    Message,
                    Some("sam"),
                    "checkout p99 is up\n  https://grafana.example.com/d/abc",
                ),
            ),
            line(3, "2026-03-04T13:33:00Z", Message, Some("kim"), "looking"),
            line(
                4,
                "2026-03-04T13:34:10Z",
                Message,
                None,
                "narrative in brackets",
            ),
            line(
                5,
                "2026-03-04T13:35:00Z",
                Message,
                Some("lee"),
                "cache flushed",
            ),
            line(
                7,
                "2026-03-04T13:40:00Z",
                Message,
                None,
                "failover complete",
            ),
            line(
                8,
                "2026-03-04T13:41:00Z",
                Message,
                None,
                "https://status.example.com is green",
            ),
            line(
                9,
                "2026-03-04T13:42:00Z",
                Message,
                Some("sam"),
                "dated line",
            ),
            line(
                10,
                "2026-03-04T13:43:00Z",
                Message,
                None,
                "root cause: disk full",
            ),
            line(11, "2026-03-04T13:44:00Z", Action, Some("sam"), "waves"),
            line(
                12,
                "2026-03-04T13:45:00Z",
                Message,
                Some("ops"),
                "exact instant",
            ),
            line(
                13,
                "2026-03-04T13:46:00Z",
                Message,
                Some("kim"),
                "time on the line above",
            ),
            line(
                15,
                "2026-03-04T13:47:00Z",
                Message,
                None,
                "dashboards are green",
            ),
            line(
                16,
                "2026-03-04T13:48:00Z",
                Message,
                Some("sam"),
                "twelve-hour clock",
            ),
            line(
                17,
                "2026-03-04T22:59:00Z",
                Message,
                Some("sam"),
                "almost midnight",
            ),
            // 00:02 in Paris on the next day.
            line(
                18,
                "2026-03-04T23:02:00Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn plain_text_problems() {
    let got = read(
        "plain-malformed.txt",
        Format::Plain,
        chrono_tz::UTC,
        date(2026, 3, 4),
    );
    assert_lines(
        got,
        vec![
            // Prose at the top is a note at the time of the first message.
            note(1, "2026-03-04T14:32:00Z", "Incident 412 notes"),
            line(
                2,
                "2026-03-04T14:32:00Z",
                LineKind::Message,
                Some("sam"),
                "first",
            ),
            // Thirty seconds back: clock skew, not flagged.
            line(
                3,
                "2026-03-04T14:31:30Z",
                LineKind::Message,
                Some("kim"),
                "skew",
            ),
            full(
                4,
                "2026-03-04T13:00:00Z",
                LineKind::Message,
                Some("lee"),
                "typo",
                None,
                None,
                Some(Flag::WentBack {
                    previous: utc("2026-03-04T14:32:00Z"),
                    line: 2,
                }),
            ),
            // The lone "14:40" on line 5 has no text: the next line has a
            // time of its own. The lone "14:50" at the end neither.
            problem(
                5,
                "this time has no text after it; the next line with a time starts a message of its own",
            ),
            line(
                6,
                "2026-03-04T14:41:00Z",
                LineKind::Message,
                Some("sam"),
                "next",
            ),
            problem(7, "this time has no text after it; the file ends here"),
        ],
    );
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_with_bom_crlf_quotes_and_extra_columns() {
    use LineKind::*;
    let got = read("chat.csv", Format::Csv, chrono_tz::Europe::Paris, None);
    assert_lines(
        got,
        vec![
            full(
                2,
                "2026-03-04T14:32:05Z",
                Message,
                Some("sam"),
                "checkout p99 is up",
                None,
                Some("#ops"),
                None,
            ),
            full(
                3,
                "2026-03-04T14:33:00Z",
                Message,
                Some("kim"),
                "looking, with \"quotes\"",
                Some("t1"),
                Some("#ops"),
                None,
            ),
            // A record over three lines; epoch seconds with a fraction.
            full(
                4,
                "2026-03-04T14:32:05.5Z",
                Action,
                Some("lee"),
                "multi\nline, \"text\"",
                Some("t1"),
                Some("#db"),
                None,
            ),
            full(
                7,
                "2026-03-04T14:40:00Z",
                Message,
                None,
                "failover complete",
                None,
                None,
                None,
            ),
            full(
                9,
                "2026-03-04T14:45:30Z",
                Bot,
                Some("PagerDuty"),
                "Triggered: latency",
                None,
                Some("#ops"),
                None,
            ),
            full(
                10,
                "2026-03-04T14:36:40Z",
                Quit,
                Some("sam"),
                "quit message",
                None,
                Some("#ops"),
                Some(Flag::WentBack {
                    previous: utc("2026-03-04T14:45:30Z"),
                    line: 9,
                }),
            ),
        ],
    );
}

#[test]
fn csv_header_synonyms_and_date_and_time_columns() {
    let got = read("chat-synonyms.csv", Format::Csv, chrono_tz::UTC, None);
    assert_lines(
        got,
        vec![
            line(
                2,
                "2026-03-04T14:32:00Z",
                LineKind::Message,
                Some("sam"),
                "hello",
            ),
            line(
                3,
                "2026-03-04T14:33:05Z",
                LineKind::Message,
                Some("kim"),
                "hi, all",
            ),
        ],
    );
}

#[test]
fn csv_timestamp_forms() {
    let options = Options {
        format: Format::Csv,
        zone: chrono_tz::America::New_York,
        date: date(2026, 3, 4),
        file_name: None,
    };
    let text = "Body,Name,TS\n\
                a,x,2026-03-04T14:32:05.250+05:30\n\
                b,x,2026-03-04 09:33\n\
                c,x,1772634725123\n\
                d,x,09:40:30\n\
                e,,2026-03-04T14:45:00z\n";
    assert_eq!(
        read_str(text, &options),
        vec![
            line(
                2,
                "2026-03-04T09:02:05.250Z",
                LineKind::Message,
                Some("x"),
                "a"
            ),
            line(3, "2026-03-04T14:33:00Z", LineKind::Message, Some("x"), "b"),
            line(
                4,
                "2026-03-04T14:32:05.123Z",
                LineKind::Message,
                Some("x"),
                "c"
            ),
            line(5, "2026-03-04T14:40:30Z", LineKind::Message, Some("x"), "d"),
            line(6, "2026-03-04T14:45:00Z", LineKind::Message, None, "e"),
        ]
    );
}

#[test]
fn csv_problems() {
    let got = read("csv-malformed.csv", Format::Csv, chrono_tz::UTC, None);
    assert_lines(
        got,
        vec![
            problem(
                2,
                "unknown kind \"shout\"; the kinds are message, action, notice, join, part, quit, nick, topic, bot, system, narrative",
            ),
            problem(3, "expected 5 fields as in the header, found 6"),
            problem(
                4,
                "\"yesterday\" is not a timestamp (expected RFC 3339 such as 2026-03-04T14:32:05Z, \"2026-03-04 14:32:05\", or epoch seconds)",
            ),
            problem(
                7,
                "expected 5 fields as in the header, found 7 (the record starting on line 6)",
            ),
            problem(
                0,
                "the record starting on line 8 has a quoted field that is never closed (a \" is missing)",
            ),
            full(
                5,
                "2026-03-04T14:34:05Z",
                LineKind::Message,
                Some("kim"),
                "fine",
                None,
                Some("#ops"),
                None,
            ),
        ],
    );
}

#[test]
fn csv_without_a_required_column() {
    let got = read("csv-missing-column.csv", Format::Csv, chrono_tz::UTC, None);
    assert_lines(
        got,
        vec![problem(
            1,
            "the header has no \"text\" column (accepted names: text, message, body, content, msg); the first line must name the columns, e.g. timestamp,channel,author,text",
        )],
    );
}

// ---------------------------------------------------------------- detection

#[test]
fn fixtures_are_detected_as_their_own_format() {
    let cases = [
        ("slack-paste.txt", Format::SlackPaste),
        ("slack-paste-newline.txt", Format::SlackPaste),
        ("slack-paste-malformed.txt", Format::SlackPaste),
        ("plain.txt", Format::Plain),
        ("plain-malformed.txt", Format::Plain),
        ("chat.csv", Format::Csv),
        ("chat-synonyms.csv", Format::Csv),
        ("csv-malformed.csv", Format::Csv),
    ];
    for (name, want) in cases {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for file_name in [Some(name), None] {
            let ranked = detect(&bytes, file_name);
            assert_eq!(
                ranked.first().map(|d| d.format),
                Some(want),
                "{name} ({file_name:?}): {ranked:?}"
            );
        }
    }
}
