//! The IRC formats (irssi, WeeChat, ZNC, HexChat, mIRC, Textual, Limnoria,
//! MeetBot and the generic "[HH:MM] <nick>" layout), read through the driver
//! from the fixtures in `tests/fixtures/irc/`: every field of every line, the
//! problems of the malformed files, and detection.
//!
//! Each fixture has the same incident in its format's layout: markers, mode
//! prefixes, an action, joins, parts, quits, a nick change, topics, notices,
//! a line with mIRC colour codes, a cp1252 line ("café break, €5 budget") and,
//! where the format has no date on its lines, a midnight rollover. Several
//! have CRLF line endings.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use chrono_tz::Tz;
use transcript::formats::{Format, detect};
use transcript::read::{Options, read_str, read_text};
use transcript::{Line, LineKind, Problem};

use LineKind::{Action, Bot, Join, Message, Nick, Notice, Part, Quit, System, Topic};

const CP1252: &str = "café break, €5 budget";

fn fixture(name: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures/irc")
    .join(name)
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Reads a fixture's bytes through the driver, its name as the file name;
/// returns the lines and the problems apart (a problem is reported at once,
/// the line before it only when the next one shows it is complete).
fn read(
    name: &str,
    format: Format,
    zone: Tz,
    date: Option<NaiveDate>,
) -> (Vec<Line>, Vec<Problem>) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let options = Options {
        format,
        zone,
        date,
        file_name: Some(name.to_string()),
    };
    let mut out = Vec::new();
    read_text(&bytes[..], &options, &mut out).unwrap();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for item in out {
        match item {
            Ok(line) => lines.push(line),
            Err(problem) => problems.push(problem),
        }
    }
    (lines, problems)
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A line of the transcript's own channel, with no thread and no flag.
fn line(n: u64, at: &str, kind: LineKind, author: Option<&str>, text: &str) -> Line {
    Line::new(n, utc(at), kind, author, text)
}

fn problem(n: u64, reason: &str) -> Problem {
    Problem::new(n, reason)
}

/// Compares line by line, so that a failure names the line.
fn assert_lines(actual: &[Line], expected: &[Line]) {
    for (a, e) in actual.iter().zip(expected) {
        assert_eq!(a, e, "line {}", e.line);
    }
    assert_eq!(actual.len(), expected.len(), "{actual:#?}");
}

const IRSSI: &str = "expected \"HH:MM <nick> text\", \"HH:MM -!- event\" or a \"--- Log opened\" / \"--- Day changed\" marker (irssi)";
const WEECHAT: &str = "expected \"YYYY-MM-DD HH:MM:SS<tab>nick<tab>text\" (WeeChat)";
const ZNC: &str = "expected \"[HH:MM:SS] <nick> text\" (ZNC)";
const HEXCHAT: &str =
    "expected \"Mon DD HH:MM:SS <nick><tab>text\" or a \"**** BEGIN LOGGING AT\" marker (HexChat)";
const MIRC: &str =
    "expected \"[HH:MM] <nick> text\", \"[HH:MM] * nick ...\" or a \"Session Start:\" line (mIRC)";
const TEXTUAL: &str = "expected \"[YYYY-MM-DDTHH:MM:SS+ZZZZ] <nick> text\" (Textual)";
const LIMNORIA: &str = "expected \"YYYY-MM-DDTHH:MM:SS  <nick> text\" (Limnoria ChannelLogger)";
const MEETBOT: &str = "expected \"HH:MM:SS <nick> text\" (MeetBot)";
const IRC: &str = "expected \"[HH:MM] <nick> text\" (IRC)";

#[test]
fn irssi() {
    let (lines, problems) = read("irssi-#ops.log", Format::Irssi, Paris, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                2,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam [~sam@203.0.113.5] has joined #ops",
            ),
            line(
                3,
                "2026-03-04T13:02:00Z",
                System,
                None,
                "Irssi: Join to #ops was synced in 0 secs",
            ),
            line(
                4,
                "2026-03-04T13:04:00Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                5,
                "2026-03-04T13:05:00Z",
                Message,
                Some("sam"),
                "looking at the dashboard now",
            ),
            line(
                6,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                7,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                8,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                9,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changed the topic of #ops to: checkout latency incident",
            ),
            line(
                10,
                "2026-03-04T13:09:00Z",
                System,
                None,
                "mode/#ops [+o kim] by sam_oncall",
            ),
            line(
                11,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("sam_oncall"),
                "are you on the bridge?",
            ),
            line(
                12,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(13, "2026-03-04T13:11:00Z", Message, Some("kim"), CP1252),
            line(
                14,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee [~lee@198.51.100.7] has quit [Ping timeout: 240 seconds]",
            ),
            line(
                15,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana [~ana@192.0.2.1] has left #ops [bye]",
            ),
            line(
                16,
                "2026-03-04T13:22:00Z",
                Part,
                Some("bob"),
                "bob was kicked from #ops by sam_oncall [flood]",
            ),
            line(
                18,
                "2026-03-04T22:58:00Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            // After "--- Day changed Thu Mar 05 2026".
            line(
                20,
                "2026-03-04T23:03:00Z",
                Message,
                Some("kim"),
                "quiet since midnight",
            ),
        ],
    );
}

#[test]
fn irssi_malformed() {
    let (lines, problems) = read("irssi-malformed.log", Format::Irssi, Paris, None);
    assert_lines(
        &lines,
        &[
            line(2, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                6,
                "2026-03-04T13:04:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(3, IRSSI),
            problem(4, IRSSI),
            problem(
                5,
                "expected a date such as \"Wed Mar 04 2026\" in this irssi marker, found \"sometime soon\""
            ),
        ]
    );
}

#[test]
fn weechat() {
    let (lines, problems) = read("irc.libera.#ops.weechatlog", Format::Weechat, Paris, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                2,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam (~sam@203.0.113.5) has joined #ops",
            ),
            line(
                3,
                "2026-03-04T13:02:00Z",
                Topic,
                None,
                "Topic for #ops is \"checkout\"",
            ),
            line(
                4,
                "2026-03-04T13:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                5,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                6,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                7,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                8,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall has changed topic for #ops from \"checkout\" to \"checkout latency incident\"",
            ),
            line(
                9,
                "2026-03-04T13:09:00Z",
                System,
                None,
                "Mode #ops [+o kim] by sam_oncall",
            ),
            line(
                10,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                11,
                "2026-03-04T13:11:00Z",
                System,
                None,
                "irc: command \"foo\" not found",
            ),
            line(
                12,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee (~lee@198.51.100.7) has quit (Ping timeout: 240 seconds)",
            ),
            line(
                13,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana (~ana@192.0.2.1) has left #ops (bye)",
            ),
            line(14, "2026-03-04T13:22:00Z", Message, Some("kim"), CP1252),
            line(
                15,
                "2026-03-04T22:59:30Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            line(
                16,
                "2026-03-04T23:00:30Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn weechat_malformed() {
    let (lines, problems) = read("weechat-malformed.weechatlog", Format::Weechat, Paris, None);
    assert_lines(
        &lines,
        &[
            line(1, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                5,
                "2026-03-04T13:06:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, WEECHAT),
            problem(3, WEECHAT),
            problem(4, WEECHAT)
        ]
    );
}

#[test]
fn znc_takes_the_date_from_the_file_name() {
    let (lines, problems) = read("znc_2026-03-04.log", Format::Znc, chrono_tz::UTC, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T14:02:00Z",
                Join,
                Some("sam"),
                "Joins: sam (~sam@203.0.113.5)",
            ),
            line(
                2,
                "2026-03-04T14:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                3,
                "2026-03-04T14:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                4,
                "2026-03-04T14:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                5,
                "2026-03-04T14:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                6,
                "2026-03-04T14:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changes topic to 'checkout latency incident'",
            ),
            line(
                7,
                "2026-03-04T14:09:00Z",
                System,
                Some("sam_oncall"),
                "sam_oncall sets mode: +o kim",
            ),
            line(
                8,
                "2026-03-04T14:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                9,
                "2026-03-04T14:20:00Z",
                Quit,
                Some("lee"),
                "Quits: lee (~lee@198.51.100.7) (Ping timeout: 240 seconds)",
            ),
            line(
                10,
                "2026-03-04T14:21:00Z",
                Part,
                Some("ana"),
                "Parts: ana (~ana@192.0.2.1) (bye)",
            ),
            line(
                11,
                "2026-03-04T14:22:00Z",
                Part,
                Some("bob"),
                "bob was kicked by sam_oncall (flood)",
            ),
            line(12, "2026-03-04T14:30:00Z", Message, Some("kim"), CP1252),
            line(
                13,
                "2026-03-04T14:40:00Z",
                System,
                None,
                "Disconnected from IRC (irc.libera.chat +6697)",
            ),
            line(
                14,
                "2026-03-04T14:41:00Z",
                System,
                None,
                "Connected to IRC (irc.libera.chat +6697)",
            ),
        ],
    );
}

#[test]
fn znc_malformed() {
    let (lines, problems) = read(
        "znc-malformed_2026-03-04.log",
        Format::Znc,
        chrono_tz::UTC,
        None,
    );
    assert_lines(
        &lines,
        &[
            line(1, "2026-03-04T14:02:00Z", Message, Some("sam"), "fine"),
            line(
                5,
                "2026-03-04T14:06:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, ZNC),
            problem(
                3,
                "expected a ZNC event (\"*** Joins:\", \"*** Parts:\", \"*** Quits:\", \"*** sam is now known as ...\", \"*** sam changes topic to ...\", \"*** sam sets mode: ...\", \"*** kim was kicked by ...\")"
            ),
            problem(4, ZNC),
        ]
    );
}

#[test]
fn hexchat() {
    let (lines, problems) = read("hexchat-#ops.log", Format::Hexchat, Paris, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                3,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam (~sam@203.0.113.5) has joined #ops",
            ),
            line(
                4,
                "2026-03-04T13:02:00Z",
                Topic,
                None,
                "Topic for #ops is: checkout",
            ),
            line(
                5,
                "2026-03-04T13:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                6,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                7,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                8,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                9,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall has changed the topic to: checkout latency incident",
            ),
            line(
                10,
                "2026-03-04T13:09:00Z",
                System,
                Some("sam_oncall"),
                "sam_oncall gives channel operator status to kim",
            ),
            line(
                11,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                12,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee has quit (Ping timeout: 240 seconds)",
            ),
            line(
                13,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana (~ana@192.0.2.1) has left #ops (bye)",
            ),
            line(14, "2026-03-04T13:22:00Z", Message, Some("kim"), CP1252),
            line(
                15,
                "2026-03-04T22:59:30Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            // "Mar 05 00:00:30": the month and day of the stamp, the year of the marker.
            line(
                16,
                "2026-03-04T23:00:30Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn hexchat_malformed() {
    let (lines, problems) = read(
        "hexchat-malformed.log",
        Format::Hexchat,
        Paris,
        date(2026, 3, 4),
    );
    assert_lines(
        &lines,
        &[
            // Before any marker the stamp's month and day are not used: the
            // date given is.
            line(
                1,
                "2026-03-04T13:02:00Z",
                Message,
                Some("sam"),
                "before any marker",
            ),
            line(5, "2026-03-04T13:05:00Z", Message, Some("sam"), "fine"),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, HEXCHAT),
            problem(3, HEXCHAT),
            problem(
                4,
                "expected a date such as \"Wed Mar  4 14:00:00 2026\" in this HexChat marker, found \"some day\""
            ),
        ]
    );
}

#[test]
fn mirc() {
    let (lines, problems) = read("mirc-#ops.log", Format::Mirc, Paris, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                3,
                "2026-03-04T13:00:00Z",
                System,
                None,
                "Now talking in #ops",
            ),
            line(
                4,
                "2026-03-04T13:00:00Z",
                Topic,
                None,
                "Topic is 'checkout'",
            ),
            line(
                5,
                "2026-03-04T13:00:00Z",
                Topic,
                None,
                "Set by kim on Tue Mar 03 09:00:00",
            ),
            line(
                6,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam (~sam@203.0.113.5) has joined #ops",
            ),
            line(
                7,
                "2026-03-04T13:02:00Z",
                Join,
                Some("kim"),
                "Joins: kim (~kim@198.51.100.9)",
            ),
            line(
                8,
                "2026-03-04T13:04:00Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                9,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                10,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                11,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                12,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changes topic to 'checkout latency incident'",
            ),
            line(
                13,
                "2026-03-04T13:09:00Z",
                System,
                Some("sam_oncall"),
                "sam_oncall sets mode: +o kim",
            ),
            line(
                14,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                15,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee (~lee@198.51.100.7) Quit (Ping timeout)",
            ),
            line(
                16,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana (~ana@192.0.2.1) has left #ops",
            ),
            line(17, "2026-03-04T13:22:00Z", Message, Some("kim"), CP1252),
            line(
                18,
                "2026-03-04T22:59:00Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            // After "Session Time: Thu Mar 05 00:00:00 2026".
            line(
                20,
                "2026-03-04T23:01:00Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn mirc_malformed() {
    let (lines, problems) = read("mirc-malformed.log", Format::Mirc, Paris, None);
    assert_lines(
        &lines,
        &[
            line(2, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                7,
                "2026-03-04T13:05:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(3, MIRC),
            problem(4, MIRC),
            problem(
                5,
                "expected a date such as \"Wed Mar 04 14:00:00 2026\" in this mIRC session line, found \"tomorrow\""
            ),
            problem(6, MIRC),
        ]
    );
}

#[test]
fn textual_times_are_instants() {
    // The zone does not matter: the offsets are in the lines.
    let (lines, problems) = read(
        "textual-ops.txt",
        Format::Textual,
        chrono_tz::America::New_York,
        None,
    );
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam (~sam@203.0.113.5) joined the channel",
            ),
            line(2, "2026-03-04T13:02:00Z", Topic, None, "Topic is checkout"),
            line(
                3,
                "2026-03-04T13:02:00Z",
                Topic,
                None,
                "Set by kim on March 3, 2026 at 09:00:00",
            ),
            line(
                4,
                "2026-03-04T13:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                5,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                6,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                7,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                8,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changed the topic to checkout latency incident",
            ),
            line(
                9,
                "2026-03-04T13:09:00Z",
                System,
                Some("sam_oncall"),
                "sam_oncall sets mode +o kim",
            ),
            line(
                10,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                11,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee (~lee@198.51.100.7) left IRC (Ping timeout)",
            ),
            line(
                12,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana (~ana@192.0.2.1) left the channel (bye)",
            ),
            line(
                13,
                "2026-03-04T13:22:00Z",
                Part,
                Some("bob"),
                "sam_oncall kicked bob from the channel. (flood)",
            ),
            line(14, "2026-03-04T13:23:00Z", Message, Some("kim"), CP1252),
            line(
                15,
                "2026-03-04T23:00:30Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn textual_malformed() {
    let (lines, problems) = read(
        "textual-malformed.txt",
        Format::Textual,
        chrono_tz::UTC,
        None,
    );
    assert_lines(
        &lines,
        &[
            line(1, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                5,
                "2026-03-04T13:06:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, TEXTUAL),
            problem(3, TEXTUAL),
            problem(4, TEXTUAL)
        ]
    );
}

#[test]
fn limnoria() {
    let (lines, problems) = read("limnoria-#ops.log", Format::Limnoria, Paris, None);
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam <sam!~sam@203.0.113.5> has joined #ops",
            ),
            line(
                2,
                "2026-03-04T13:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                3,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                4,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                5,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                6,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changes topic to \"checkout latency incident\"",
            ),
            line(
                7,
                "2026-03-04T13:09:00Z",
                System,
                Some("sam_oncall"),
                "sam_oncall sets mode: +o kim",
            ),
            line(
                8,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                9,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee <lee!~lee@198.51.100.7> has quit IRC (Ping timeout: 240 seconds)",
            ),
            line(
                10,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana <ana!~ana@192.0.2.1> has left #ops (bye)",
            ),
            line(
                11,
                "2026-03-04T13:22:00Z",
                Part,
                Some("bob"),
                "bob was kicked by sam_oncall (flood)",
            ),
            line(12, "2026-03-04T13:23:00Z", Message, Some("kim"), CP1252),
            line(
                13,
                "2026-03-04T22:59:30Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            line(
                14,
                "2026-03-04T23:00:30Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
        ],
    );
}

#[test]
fn limnoria_malformed() {
    let (lines, problems) = read("limnoria-malformed.log", Format::Limnoria, Paris, None);
    assert_lines(
        &lines,
        &[
            line(1, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                5,
                "2026-03-04T13:06:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, LIMNORIA),
            problem(3, LIMNORIA),
            problem(4, LIMNORIA)
        ]
    );
}

#[test]
fn meetbot_keeps_commands_as_written_and_rolls_over_at_midnight() {
    let (lines, problems) = read(
        "ops.2026-03-04-14.02.log.txt",
        Format::Meetbot,
        chrono_tz::UTC,
        None,
    );
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T14:02:05Z",
                System,
                Some("sam"),
                "#startmeeting checkout incident review",
            ),
            line(
                2,
                "2026-03-04T14:02:05Z",
                Bot,
                Some("meetbot"),
                "Meeting started Wed Mar  4 14:02:05 2026 UTC.  The chair is sam. Information about MeetBot at http://wiki.debian.org/MeetBot.",
            ),
            line(
                3,
                "2026-03-04T14:02:05Z",
                Bot,
                Some("meetbot"),
                "Useful Commands: #action #agreed #help #info #idea #link #topic.",
            ),
            line(
                4,
                "2026-03-04T14:02:30Z",
                Topic,
                Some("sam"),
                "#topic timeline",
            ),
            line(
                5,
                "2026-03-04T14:03:10Z",
                Message,
                Some("kim"),
                "#info p99 went above 2 s at 14:04, paged at 14:06",
            ),
            line(
                6,
                "2026-03-04T14:04:00Z",
                Message,
                Some("sam"),
                "#action sam checks the LB",
            ),
            line(
                7,
                "2026-03-04T14:04:20Z",
                Message,
                Some("kim"),
                "#agreed roll back 412",
            ),
            line(
                8,
                "2026-03-04T14:04:40Z",
                Message,
                Some("kim"),
                "#link https://status.example.com/incidents/42",
            ),
            line(9, "2026-03-04T14:05:00Z", Action, Some("sam"), "nods"),
            line(10, "2026-03-04T14:06:00Z", Message, Some("kim"), CP1252),
            line(
                11,
                "2026-03-04T23:59:30Z",
                Message,
                Some("kim"),
                "still here",
            ),
            line(
                12,
                "2026-03-05T00:00:30Z",
                System,
                Some("sam"),
                "#endmeeting",
            ),
            line(
                13,
                "2026-03-05T00:00:30Z",
                Bot,
                Some("meetbot"),
                "Meeting ended Thu Mar  5 00:00:30 2026 UTC.",
            ),
        ],
    );
    // Commands stay messages, for the suggestions that read their text.
    assert_eq!(
        transcript::suggest::suggest(&lines[6]).map(|r| r.id),
        Some("rollback")
    );
}

#[test]
fn meetbot_malformed() {
    let (lines, problems) = read(
        "malformed.2026-03-04-14.02.log.txt",
        Format::Meetbot,
        chrono_tz::UTC,
        None,
    );
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T14:02:05Z",
                System,
                Some("sam"),
                "#startmeeting malformed",
            ),
            line(
                4,
                "2026-03-04T14:05:00Z",
                Message,
                Some("sam"),
                "minutes only are fine",
            ),
        ],
    );
    assert_eq!(problems, vec![problem(2, MEETBOT), problem(3, MEETBOT)]);
}

#[test]
fn irc_bracket_rolls_over_at_midnight() {
    let (lines, problems) = read("irc-#ops.log", Format::IrcBracket, Paris, date(2026, 3, 4));
    assert_eq!(problems, vec![]);
    assert_lines(
        &lines,
        &[
            line(
                1,
                "2026-03-04T13:02:00Z",
                Join,
                Some("sam"),
                "sam (~sam@203.0.113.5) has joined #ops",
            ),
            line(
                2,
                "2026-03-04T13:04:10Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s",
            ),
            line(
                3,
                "2026-03-04T13:05:00Z",
                Message,
                Some("kim"),
                "on it, checking the pool",
            ),
            line(
                4,
                "2026-03-04T13:06:00Z",
                Action,
                Some("sam"),
                "opens the runbook",
            ),
            line(
                5,
                "2026-03-04T13:07:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            line(
                6,
                "2026-03-04T13:08:00Z",
                Topic,
                Some("sam_oncall"),
                "sam_oncall changed the topic of #ops to: checkout latency incident",
            ),
            line(
                7,
                "2026-03-04T13:09:00Z",
                System,
                Some("ChanServ"),
                "ChanServ sets mode +o kim",
            ),
            line(
                8,
                "2026-03-04T13:10:00Z",
                Notice,
                Some("ChanServ"),
                "this channel is logged",
            ),
            line(
                9,
                "2026-03-04T13:20:00Z",
                Quit,
                Some("lee"),
                "lee has quit (Ping timeout)",
            ),
            line(
                10,
                "2026-03-04T13:21:00Z",
                Part,
                Some("ana"),
                "ana has left #ops",
            ),
            line(11, "2026-03-04T13:22:00Z", Message, Some("kim"), CP1252),
            line(
                12,
                "2026-03-04T22:59:00Z",
                Message,
                Some("kim"),
                "still watching",
            ),
            line(
                13,
                "2026-03-04T23:01:00Z",
                Message,
                Some("kim"),
                "after midnight",
            ),
            line(
                14,
                "2026-03-04T23:05:00Z",
                Message,
                Some("kim"),
                "with a date",
            ),
            line(15, "2026-03-04T23:06:30Z", Message, Some("kim"), "with a T"),
        ],
    );
}

#[test]
fn irc_bracket_malformed() {
    let (lines, problems) = read(
        "irc-malformed.log",
        Format::IrcBracket,
        Paris,
        date(2026, 3, 4),
    );
    assert_lines(
        &lines,
        &[
            line(1, "2026-03-04T13:02:00Z", Message, Some("sam"), "fine"),
            line(
                6,
                "2026-03-04T13:06:00Z",
                Message,
                Some("sam"),
                "fine again",
            ),
        ],
    );
    assert_eq!(
        problems,
        vec![
            problem(2, IRC),
            problem(3, IRC),
            problem(4, IRC),
            problem(5, IRC)
        ]
    );
}

#[test]
fn each_fixture_is_detected_as_its_own_format() {
    let cases = [
        ("irssi-#ops.log", Format::Irssi),
        ("irc.libera.#ops.weechatlog", Format::Weechat),
        ("znc_2026-03-04.log", Format::Znc),
        ("hexchat-#ops.log", Format::Hexchat),
        ("mirc-#ops.log", Format::Mirc),
        ("textual-ops.txt", Format::Textual),
        ("limnoria-#ops.log", Format::Limnoria),
        ("ops.2026-03-04-14.02.log.txt", Format::Meetbot),
        ("irc-#ops.log", Format::IrcBracket),
    ];
    for (name, format) in cases {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let ranked = detect(&bytes, Some(name));
        assert_eq!(ranked[0].format, format, "{name}: {ranked:?}");
        assert!(ranked[0].confidence > 0.9, "{name}: {ranked:?}");
        // Without the file name too (the name only hints WeeChat and MeetBot).
        let ranked = detect(&bytes, None);
        assert_eq!(
            ranked[0].format, format,
            "{name} without its name: {ranked:?}"
        );
    }
}

#[test]
fn generic_bracketed_logs_are_not_taken_for_mirc_or_znc() {
    // No "Session Start:" and no "*** Joins:": the generic layout.
    let generic = "[14:32] <sam> checkout p99 is up\n[14:33] <kim> looking\n";
    assert_eq!(
        detect(generic.as_bytes(), None)[0].format,
        Format::IrcBracket
    );
    let with_seconds = "[14:32:05] <sam> checkout p99 is up\n[14:33:10] <kim> looking\n";
    assert_eq!(
        detect(with_seconds.as_bytes(), None)[0].format,
        Format::IrcBracket
    );
    // No "#startmeeting": irssi with seconds, not MeetBot.
    let irssi = "14:32:05 <sam> checkout p99 is up\n14:33:10 <kim> looking\n";
    assert_eq!(detect(irssi.as_bytes(), None)[0].format, Format::Irssi);
}

/// The IRC transcript of the web import test: detected as the generic
/// layout, its nick change and quit read as events.
#[test]
fn the_import_test_transcript() {
    let ops = "\
[14:04] <alertbot> PROBLEM: checkout p99 above 2s
[14:05] <sam> looking at the dashboard now
this line is not IRC
[14:06] * sam is now known as sam_oncall
[14:20] <kim> found it: the connection pool is at 5
[14:36] *** kim has quit (Ping timeout)
";
    assert_eq!(
        detect(ops.as_bytes(), Some("#ops_20260304.log"))[0].format,
        Format::IrcBracket
    );
    let out = read_str(
        ops,
        &Options {
            format: Format::IrcBracket,
            zone: Paris,
            date: None,
            file_name: Some("#ops_20260304.log".into()),
        },
    );
    assert_eq!(
        out,
        vec![
            Ok(line(
                1,
                "2026-03-04T13:04:00Z",
                Message,
                Some("alertbot"),
                "PROBLEM: checkout p99 above 2s"
            )),
            // Reported at once; line 2 waits for line 4 to show it is complete.
            Err(problem(3, IRC)),
            Ok(line(
                2,
                "2026-03-04T13:05:00Z",
                Message,
                Some("sam"),
                "looking at the dashboard now"
            )),
            Ok(line(
                4,
                "2026-03-04T13:06:00Z",
                Nick,
                Some("sam"),
                "sam is now known as sam_oncall"
            )),
            Ok(line(
                5,
                "2026-03-04T13:20:00Z",
                Message,
                Some("kim"),
                "found it: the connection pool is at 5"
            )),
            Ok(line(
                6,
                "2026-03-04T13:36:00Z",
                Quit,
                Some("kim"),
                "kim has quit (Ping timeout)"
            )),
        ]
    );
}

/// A million lines of each format, in release: `cargo test --release -p
/// transcript --test irc_formats -- --ignored --nocapture`.
#[test]
#[ignore = "a timing, for release builds"]
fn a_million_lines_of_each_format() {
    let samples: [(Format, &[&str]); 9] = [
        (
            Format::Irssi,
            &[
                "14:32 < @sam> checkout p99 is up again, looking",
                "14:32 -!- kim [~kim@host] has joined #ops",
                "14:32  * sam waves",
            ],
        ),
        (
            Format::Weechat,
            &[
                "2026-03-04 14:32:05\t@sam\tcheckout p99 is up again, looking",
                "2026-03-04 14:32:05\t-->\tkim (~kim@host) has joined #ops",
                "2026-03-04 14:32:05\t *\tsam waves",
            ],
        ),
        (
            Format::Znc,
            &[
                "[14:32:05] <sam> checkout p99 is up again, looking",
                "[14:32:05] *** Joins: kim (~kim@host)",
                "[14:32:05] * sam waves",
            ],
        ),
        (
            Format::Hexchat,
            &[
                "Mar 04 14:32:05 <sam>\tcheckout p99 is up again, looking",
                "Mar 04 14:32:05 *\tkim (~kim@host) has joined #ops",
                "Mar 04 14:32:05 *\tsam waves",
            ],
        ),
        (
            Format::Mirc,
            &[
                "[14:32] <sam> checkout p99 is up again, looking",
                "[14:32] * kim (~kim@host) has joined #ops",
                "[14:32] * sam waves",
            ],
        ),
        (
            Format::Textual,
            &[
                "[2026-03-04T14:32:05+0100] <sam> checkout p99 is up again, looking",
                "[2026-03-04T14:32:05+0100] kim (~kim@host) joined the channel",
                "[2026-03-04T14:32:05+0100] • sam: waves",
            ],
        ),
        (
            Format::Limnoria,
            &[
                "2026-03-04T14:32:05  <sam> checkout p99 is up again, looking",
                "2026-03-04T14:32:05  *** kim <kim!~kim@host> has joined #ops",
                "2026-03-04T14:32:05  * sam waves",
            ],
        ),
        (
            Format::Meetbot,
            &[
                "14:32:05 <sam> checkout p99 is up again, looking",
                "14:32:05 <kim> #action kim checks the LB",
                "14:32:05 * sam waves",
            ],
        ),
        (
            Format::IrcBracket,
            &[
                "[14:32:05] <sam> checkout p99 is up again, looking",
                "[14:32:05] *** kim has joined #ops",
                "[14:32:05] * sam waves",
            ],
        ),
    ];
    struct Count(u64);
    impl transcript::Sink for Count {
        fn line(&mut self, _: Line) {
            self.0 += 1;
        }
        fn problem(&mut self, p: Problem) {
            panic!("{p}");
        }
    }
    for (format, lines) in samples {
        let mut text = String::new();
        for i in 0..1_000_000 {
            text.push_str(lines[i % lines.len()]);
            text.push('\n');
        }
        let options = Options {
            format,
            zone: Paris,
            date: date(2026, 3, 4),
            file_name: None,
        };
        let start = std::time::Instant::now();
        let mut count = Count(0);
        read_text(text.as_bytes(), &options, &mut count).unwrap();
        let took = start.elapsed();
        println!("{format:?}: {} lines in {took:?}", count.0);
        assert_eq!(count.0, 1_000_000);
    }
}
