//! Incident reports and wiki timelines pasted whole (`tests/fixtures/reports/`):
//! a title, a summary, a timeline whose times come in many shapes, and what
//! was learned. Each is detected as plain text with times from its content
//! alone, as a paste is; every timed line is read with its time, author,
//! channel and estimate mark; the prose is kept apart as narrative; and every
//! line of the file is accounted for, so that none is merged in silence.
//!
//! Then a property over generated mixes of prose, timed lines, lines without
//! a time and blank lines: each line becomes exactly one of a message, a
//! continuation, a note, a problem or a skipped blank line.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use support::{Role, roles};
use transcript::clock::Flag;
use transcript::formats::{Format, detect_path, recognised};
use transcript::read::{Options, read_path, read_str};
use transcript::summary::Summary;
use transcript::{Line, LineKind, NamedZone, Problem};

fn fixture(name: &str) -> PathBuf {
    support::fixture("reports").join(name)
}

/// Detects the fixture as a paste is detected (no file name) and reads it as
/// what was detected; checks that every line is accounted for.
fn read(name: &str, zone: Tz, date: Option<NaiveDate>) -> Vec<Result<Line, Problem>> {
    let path = fixture(name);
    let ranked = detect_path(&path, None).unwrap();
    assert!(recognised(&ranked), "{name}: {ranked:?}");
    assert_eq!(ranked[0].format, Format::Plain, "{name}: {ranked:?}");
    let options = Options {
        format: ranked[0].format,
        zone,
        date,
        file_name: None,
    };
    let mut out = Vec::new();
    read_path(&path, &options, &mut out).unwrap();
    roles(&std::fs::read_to_string(&path).unwrap(), &out);
    out
}

fn march4() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 3, 4)
}

/// "14:04" on 2026-03-04, or a full "2018-05-22T11:26:00Z", as UTC.
fn utc(at: &str) -> DateTime<Utc> {
    let full = if at.len() == 5 {
        format!("2026-03-04T{at}:00Z")
    } else {
        at.to_string()
    };
    DateTime::parse_from_rfc3339(&full)
        .unwrap()
        .with_timezone(&Utc)
}

fn line(n: u64, at: &str, kind: LineKind, author: Option<&str>, text: &str) -> Line {
    Line::new(n, utc(at), kind, author, text)
}

/// A message.
fn msg(n: u64, at: &str, author: Option<&str>, text: &str) -> Line {
    line(n, at, LineKind::Message, author, text)
}

/// Narrative: prose kept apart from the messages.
fn note(n: u64, at: &str, text: &str) -> Line {
    line(n, at, LineKind::Narrative, None, text)
}

/// What a line has beyond its time, kind, author and text.
trait With {
    fn approximate(self) -> Self;
    fn continued(self, lines: u32) -> Self;
    fn zone(self, name: &str) -> Self;
    fn channel(self, channel: &str) -> Self;
    fn flag(self, flag: Flag) -> Self;
}

impl With for Line {
    fn approximate(mut self) -> Self {
        self.approximate = true;
        self
    }
    fn continued(mut self, lines: u32) -> Self {
        self.continued = lines;
        self
    }
    fn zone(mut self, name: &str) -> Self {
        self.zone = Some(NamedZone::parse(name).unwrap());
        self
    }
    fn channel(mut self, channel: &str) -> Self {
        self.channel = Some(channel.to_string());
        self
    }
    fn flag(mut self, flag: Flag) -> Self {
        self.flag = Some(flag);
        self
    }
}

fn assert_read(got: &[Result<Line, Problem>], want: &[Result<Line, Problem>]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "item {i}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

fn ok(lines: Vec<Line>) -> Vec<Result<Line, Problem>> {
    lines.into_iter().map(Ok).collect()
}

// ------------------------------------------------------------ the fixtures

/// Bullets with a colon right after the time; a continuation indented under
/// its bullet; a title, a summary and lessons as narrative.
#[test]
fn a_colon_after_the_time() {
    let got = read("deploy-sync.txt", chrono_tz::Europe::Paris, march4());
    assert_read(
        &got,
        &ok(vec![
            // Prose before the first time takes its time.
            note(
                1,
                "14:04",
                "Post-mortem: deploy sync stalled the EU cluster",
            ),
            note(
                3,
                "14:04",
                "On 4 March a routine deploy stalled halfway through and left the EU\n\
                 cluster serving two versions for 40 minutes. No data was lost.",
            )
            .continued(1),
            note(6, "14:04", "Timeline"),
            msg(7, "14:04", None, "Deploy sync started"),
            msg(
                8,
                "14:09",
                Some("sam"),
                "half the hosts report the new build, half the old",
            ),
            msg(
                9,
                "14:12",
                None,
                "Alert \"version skew\" fires\n  (the alert links to the wrong runbook)",
            )
            .continued(1),
            msg(11, "14:20", Some("kim"), "pausing the rollout"),
            msg(12, "14:31", None, "Rollout resumed host by host"),
            msg(13, "14:44", None, "All hosts on the new build"),
            // After the log: the time of the last message.
            note(
                15,
                "14:44",
                "What we learned\nThe deploy tool retries forever without saying so.\n\
                 We will add a timeout and an alert on stalled syncs.",
            )
            .continued(2),
        ]),
    );
}

/// `Z` and `UTC` after the time are UTC, whatever the transcript's zone;
/// `~`, `(approx)`, `onwards` and `+` mark estimates.
#[test]
fn zulu_times_and_estimates() {
    let got = read("queue-backlog.txt", chrono_tz::Europe::Paris, march4());
    assert_read(
        &got,
        &ok(vec![
            note(
                1,
                "00:45",
                "Incident 2207 - queue backlog after the storage failover",
            ),
            note(
                3,
                "00:45",
                "Summary: a storage failover in the night left the job queue stuck until\n\
                 the morning meeting noticed it. Times are UTC where marked, else Paris.",
            )
            .continued(1),
            note(6, "00:45", "Timeline"),
            // 1:45 in Paris.
            msg(
                7,
                "00:45",
                None,
                "Storage failover starts (from the provider's status page)",
            )
            .approximate(),
            msg(8, "03:50", None, "Disk alarms on queue-2, nobody paged")
                .approximate()
                .zone("UTC"),
            msg(9, "04:10", None, "queue-2 stops taking jobs").zone("UTC"),
            msg(10, "05:00", None, "Job latency climbs steadily")
                .approximate()
                .zone("UTC"),
            // 06:30 in Paris.
            msg(11, "05:30", None, "Overnight batch misses its window").approximate(),
            msg(12, "08:00", None, "Daily meeting notices the backlog").zone("UTC"),
            msg(13, "08:20", Some("lee"), "restarting queue-2").zone("UTC"),
            msg(14, "22:30", None, "Backlog fully drained").approximate(),
            note(
                16,
                "22:30",
                "What we learned\nDisk alarms on the queue hosts page nobody.",
            )
            .continued(1),
            // A paragraph after a blank line is a note of its own.
            note(19, "22:30", "Nobody owns the overnight batch."),
        ]),
    );
}

/// Ranges in brackets or not, with a hyphen, an arrow or a dash: read from
/// their start, their end kept in the text.
#[test]
fn ranges() {
    let got = read("checkout-ranges.txt", chrono_tz::Europe::Paris, march4());
    assert_read(
        &got,
        &ok(vec![
            note(1, "16:45", "Checkout outage, 4 March"),
            note(
                3,
                "16:45",
                "Checkout failed for about an hour while the payments database failed\n\
                 over. This is the wiki timeline, copied from the incident doc.",
            )
            .continued(1),
            note(6, "16:45", "== Timeline =="),
            msg(
                7,
                "16:45",
                None,
                "(until 18:00) Paging storm: 40 pages in 15 minutes",
            ),
            msg(
                8,
                "17:05",
                Some("kim"),
                "payments db primary is unreachable",
            ),
            msg(
                9,
                "17:42",
                None,
                "(until 18:45) Failover attempted, aborted",
            ),
            msg(
                10,
                "18:14",
                None,
                "(until 19:34) Writes failing on the new primary",
            ),
            msg(
                11,
                "18:40",
                Some("sam"),
                "(until 19:52) replaying the queued payments",
            ),
            msg(12, "19:01", None, "(until 20:07) Status page updated twice"),
            note(
                14,
                "19:01",
                "== Follow-ups ==\nAlert on replication lag before failing over.",
            )
            .continued(1),
        ]),
    );
}

/// A comma after the time (the rest of a router's line is text), times in
/// parentheses and quotes.
#[test]
fn commas_parentheses_and_quotes() {
    let got = read("router-flap.txt", chrono_tz::Europe::Paris, march4());
    let t = |hms: &str| format!("2026-03-04T{hms}Z");
    assert_read(
        &got,
        &ok(vec![
            note(
                1,
                &t("08:17:06"),
                "Core router flap, network incident review",
            ),
            note(
                3,
                &t("08:17:06"),
                "The core router flapped twice; each flap dropped the VPN for about a\n\
                 minute. Below, the router log lines and the NOC's notes.",
            )
            .continued(1),
            note(6, &t("08:17:06"), "Log and notes"),
            msg(
                7,
                &t("08:17:06"),
                None,
                "09:17:23 router1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
            ),
            msg(
                8,
                &t("08:17:40"),
                None,
                "09:17:41 router1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
            ),
            msg(9, &t("08:20:12"), Some("noc"), "VPN users report drops"),
            msg(10, "08:31", None, "second flap, same interface"),
            msg(
                11,
                "08:33",
                Some("noc"),
                "ticket opened with the carrier\n  carrier reference 88-1234",
            )
            .continued(1),
            note(
                14,
                "08:33",
                "What we learned\nThe carrier's maintenance calendar was not in ours.",
            )
            .continued(1),
        ]),
    );
}

/// A date after the time (a wiki page's history) is the line's date: no
/// date needs to be given.
#[test]
fn a_date_after_the_time() {
    let got = read("runbook-history.txt", chrono_tz::Europe::Paris, None);
    let t = |hm: &str| format!("2018-05-22T{hm}:00Z");
    assert_read(
        &got,
        &ok(vec![
            note(1, &t("11:26"), "Edit war on the failover runbook"),
            note(
                3,
                &t("11:26"),
                "The runbook page was reverted back and forth during the incident. The\n\
                 page history, as copied:",
            )
            .continued(1),
            // 13:26 in Paris (summer time).
            msg(
                6,
                &t("11:26"),
                Some("somebot"),
                "reverted to the last good version",
            ),
            msg(7, &t("11:31"), Some("Kim"), "restored the failover steps"),
            // "(UTC)" after the date.
            msg(8, &t("13:40"), Some("Sam"), "protected the page").zone("UTC"),
            msg(9, &t("21:58"), Some("Lee"), "added the postmortem link"),
            // 00:12 on the 23rd in Paris.
            msg(10, &t("22:12"), Some("somebot"), "fixed a broken link"),
            note(
                12,
                &t("22:12"),
                "What we learned\nProtect the runbook during an incident.",
            )
            .continued(1),
        ]),
    );
}

/// Zone abbreviations after the time, on the 12-hour clock or not; prose
/// lines that start with "At", "By", "Around", "Shortly after" and a time.
#[test]
fn zone_abbreviations_and_prose_with_times() {
    let got = read("access-revoked.txt", chrono_tz::America::New_York, march4());
    assert_read(
        &got,
        &ok(vec![
            note(1, "17:37", "Access revoked for 2,000 users"),
            // 9:37 PST is 17:37 UTC (not New York's 14:37).
            msg(
                3,
                "17:37",
                None,
                "At 9:37AM PST, an engineer ran a cleanup script against production\n\
                 instead of staging.",
            )
            .zone("PST")
            .continued(1),
            msg(
                5,
                "17:41",
                None,
                "By 9:41AM PST, support had 30 tickets about lost access.",
            )
            .zone("PST")
            .approximate(),
            note(7, "17:41", "Timeline"),
            msg(8, "17:44", Some("kim"), "paging identity on-call").zone("PST"),
            msg(9, "17:52", None, "script stopped").zone("PST"),
            msg(
                10,
                "18:02",
                None,
                "restore from the nightly snapshot started",
            )
            .zone("PST"),
            msg(
                11,
                "19:20",
                None,
                "Around 11:20 PST the first users got their access back",
            )
            .zone("PST")
            .approximate(),
            msg(
                12,
                "20:00",
                None,
                "Shortly after 12:00 PST, support saw the ticket rate drop",
            )
            .zone("PST")
            .approximate(),
            msg(13, "21:54", None, "By 1:54PM PST, all access was restored.")
                .zone("PST")
                .approximate(),
            note(
                15,
                "21:54",
                "What we learned\nScripts that revoke access need a dry run and a second pair of eyes.",
            )
            .continued(1),
        ]),
    );
    // The preview says which zone the times were read in.
    let mut summary = Summary::default();
    for item in got {
        match item {
            Ok(line) => summary.add(&line),
            Err(problem) => summary.add_problem(problem),
        }
    }
    assert_eq!(
        summary.zones_read().as_deref(),
        Some("times read as PST (UTC−08:00) from the text")
    );
    assert_eq!(
        summary.zones,
        BTreeMap::from([("PST (UTC−08:00)".to_string(), 8)])
    );
    assert_eq!(summary.approximate, 4);
    assert_eq!((summary.continuations, summary.continued.len()), (2, 2));
}

/// An IRC chat pasted under a one-line summary: channel tags and spaced
/// nicks read; the summary line, not the log, flagged out of order; a line
/// with a broken time reported with the line that goes on from it.
#[test]
fn an_irc_log_under_a_summary_line() {
    let got = read("logins-irc.txt", chrono_tz::UTC, march4());
    let ahead = Flag::Ahead {
        next: utc("20:50"),
        line: 6,
    };
    assert_read(
        &got,
        &[
            Ok(note(1, "21:37", "#ops: config push broke logins")),
            Ok(msg(3, "21:37", None, "old code restored, logins work again").flag(ahead)),
            Ok(note(
                5,
                "21:37",
                "Chat log from #ops, as my client saved it:",
            )),
            Ok(msg(
                6,
                "20:50",
                Some("sam"),
                "logins failing since the 20:45 push",
            )),
            Ok(msg(7, "20:51", Some("kim"), "confirmed, 500s on /login")),
            Ok(msg(8, "20:52", Some("sam"), "rolling back the push")),
            Ok(msg(9, "20:53", Some("lee"), "db is fine, no lock waits").channel("#db")),
            Ok(
                msg(10, "20:55", Some("kim"), "asked #frontend to hold deploys")
                    .channel("in another channel"),
            ),
            Ok(msg(
                11,
                "20:56",
                Some("sam"),
                "kim, can you watch the error rate?",
            )
            .channel("private message")),
            // Reported at once; line 12 waits to show it is complete.
            Err(Problem::new(
                13,
                "`25:61 restarted the auth service` looks like a time but 25:61 is not a time of day",
            )),
            Err(Problem::new(
                14,
                "this line continues line 13, which could not be read",
            )),
            Ok(msg(12, "20:58", Some("kim"), "error rate falling")),
            Ok(msg(15, "21:05", Some("sam"), "rollback half done")),
            Ok(msg(
                16,
                "21:12",
                Some("kim"),
                "logins back for most users\n  the rest are on cached sessions",
            )
            .continued(1)),
            Ok(msg(18, "21:20", Some("sam"), "purging the session cache")),
            Ok(msg(19, "21:28", Some("lee"), "cache purge done")),
            Ok(msg(20, "21:31", Some("kim"), "all green")),
            Ok(msg(21, "21:34", Some("sam"), "writing it up")),
            Ok(msg(22, "21:36", Some("sam"), "rollback complete")),
            Ok(note(
                24,
                "21:36",
                "What we learned\n- config pushes need a canary\n\
                 - the rollback took 44 minutes because it was manual",
            )
            .continued(2)),
        ],
    );
}

/// 41 timed lines, one typed 21:02 among the 22:xx ones and one typed an
/// hour ahead: two lines flagged, each naming the line it breaks with.
#[test]
fn one_flag_per_typo() {
    let got = read("retry-storm.txt", chrono_tz::UTC, march4());
    let flagged: Vec<(u64, Flag)> = got
        .iter()
        .filter_map(|l| {
            let l = l.as_ref().unwrap();
            Some((l.line, l.flag.clone()?))
        })
        .collect();
    assert_eq!(
        flagged,
        [
            (
                13,
                Flag::WentBack {
                    previous: utc("22:06"),
                    line: 12
                }
            ),
            (
                26,
                Flag::Ahead {
                    next: utc("22:21"),
                    line: 27
                }
            ),
        ]
    );
    let messages = got
        .iter()
        .filter(|l| l.as_ref().unwrap().kind == LineKind::Message)
        .count();
    assert_eq!(messages, 41);
}

/// A report written in Markdown: a heading that dates the timeline, a
/// table, bold times, a numbered list, a heading that is only a time with
/// its text in the paragraph after it, a date in words before a time.
#[test]
fn a_markdown_report() {
    let got = read("markdown-timeline.md", chrono_tz::UTC, march4());
    let paged = "the on-call engineer was paged";
    assert_read(
        &got,
        &ok(vec![
            note(1, "09:12", "# Post-incident review: search results were stale"),
            note(
                3,
                "09:12",
                "All times are UTC. This review is blameless: it asks what each person knew\n\
                 and expected at the time, not who should have known better.",
            )
            .continued(1),
            note(6, "09:12", "## Timeline"),
            note(10, "09:12", "| Time | What happened |"),
            msg(12, "09:12", None, "The nightly index rebuild started, as scheduled."),
            msg(13, "09:40", None, "The rebuild finished without an error."),
            msg(15, "10:02", None, "Support saw customers finding last week's prices.").zone("UTC"),
            msg(16, "10:05", None, paged).zone("UTC"),
            msg(17, "10:09", None, "compared the index's age with the rebuild log"),
            msg(
                18,
                "10:14",
                None,
                "<https://status.example.com> updated: \"stale search results\"",
            ),
            msg(
                20,
                "10:30",
                None,
                "The team chose to rebuild the index again rather than roll back the schema,\n\
                 because the schema change had passed its checks.",
            )
            .continued(1),
            msg(25, "2026-03-05T08:00:00Z", None, "a follow-up review was booked"),
            msg(27, "2026-03-05T09:00:00Z", None, "results were fresh again after the second rebuild."),
            note(29, "2026-03-05T09:00:00Z", "## What we learned"),
            note(
                31,
                "2026-03-05T09:00:00Z",
                "- A rebuild that finishes is not a rebuild that is read: the reader kept the\n  old index open.",
            )
            .continued(1),
        ]),
    );
}

// ------------------------------------------------------------ the property

/// A small deterministic generator (xorshift64*): the same inputs every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "checkout",
    "is",
    "up",
    "rolling",
    "back",
    "the",
    "cache",
    "paging",
    "kim",
    "db",
    "failover",
    "looks",
    "fine",
    "errors",
    "again",
    "customers",
    "see",
    "timeouts",
    "we",
    "learned",
    "that",
    "alerts",
    "(edited)",
    "#ops",
    "https://status.example.com",
];

/// A few words, no time among them.
fn words(rng: &mut Rng) -> String {
    let n = 1 + rng.below(6);
    (0..n)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line with a time read as a message, in one of the shapes of the reports.
fn timed(rng: &mut Rng, minute: u32) -> String {
    let (h, m) = (8 + minute / 60, minute % 60);
    let hm = format!("{h:02}:{m:02}");
    let end = format!("{:02}:{:02}", h + 1, m);
    let text = words(rng);
    let nick = rng.pick(&["sam", "kim", "lee_oncall"]);
    match rng.below(21) {
        0 => format!("{hm} {nick}: {text}"),
        1 => format!("- {hm}: {text}"),
        2 => format!("• {hm} - {text}"),
        3 => format!("[{hm}] <{nick}> {text}"),
        4 => format!("~{hm} UTC - {text}"),
        5 => format!("{hm}Z {text}"),
        6 => format!("({hm}:05) {nick}: {text}"),
        7 => format!("\"{hm}\" {text}"),
        8 => format!("[{hm}-{end}] {text}"),
        9 => format!("{hm}(approx): {text}"),
        10 => format!("{hm}+ {text}"),
        11 => format!("At {hm}, {text}"),
        12 => format!("{hm}, 4 March 2026 {text}"),
        13 => format!("{hm} PST: {text}"),
        14 => format!("[{hm}] [#db] < {nick}> {text}"),
        // The Markdown reports are written in.
        16 => format!("- **{hm} UTC** - {text}"),
        17 => format!("| {hm} | {text} |"),
        18 => format!("### {hm} - {text}"),
        19 => format!("1. {hm} {text}"),
        20 => format!("- **{hm}: {text}**"),
        _ => format!(
            "{}:{m:02} {} {text}",
            (h + 11) % 12 + 1,
            if h < 12 { "AM" } else { "PM" }
        ),
    }
}

/// A line that starts like a time but is not one.
fn broken(rng: &mut Rng) -> String {
    let start = rng.pick(&[
        "25:61",
        "14:32abc",
        "[14:32 sam]",
        "99:99 -",
        "- ~[143:32]",
        "At 24:10",
        "\"9:7\"",
        "**25:61**",
        "| 14:32abc |",
    ]);
    format!("{start} {}", words(rng))
}

/// A generated input and what each of its lines must become: prose after
/// a blank line (or at the top) is a note; prose right after a line with
/// text continues it, unless that line (or the one it continues) could not
/// be read, when it is a problem too.
fn generate(rng: &mut Rng) -> (String, Vec<Role>) {
    let mut lines = Vec::new();
    let mut want = Vec::new();
    let mut minute = 0;
    let mut after_text = false;
    let mut after_problem = false;
    let count = 1 + rng.below(40);
    while lines.len() < count || !want.contains(&Role::Message) {
        let (line, role) = match rng.below(20) {
            0..=2 => (String::new(), Role::Blank),
            3..=9 => {
                minute += rng.below(4) as u32;
                (timed(rng, minute), Role::Message)
            }
            10 => (broken(rng), Role::Problem),
            // A time alone on its line, then a line with a time of its own
            // (or one that looks timed and is not): the lone time has no
            // text and is reported, not dropped.
            11 => {
                minute += rng.below(4) as u32;
                let lone = timed(rng, minute);
                let time = lone
                    .split(|c: char| !(c.is_ascii_digit() || c == ':'))
                    .find(|part| part.contains(':'))
                    .unwrap_or("09:00")
                    .trim_end_matches(':');
                lines.push(format!("{}{time}", rng.pick(&["", "- ", "• ", "  "])));
                want.push(Role::Problem);
                if rng.below(3) == 0 {
                    (broken(rng), Role::Problem)
                } else {
                    minute += rng.below(4) as u32;
                    (timed(rng, minute), Role::Message)
                }
            }
            _ => {
                let indent = if rng.below(3) == 0 { "    " } else { "" };
                let bullet = if rng.below(4) == 0 { "- " } else { "" };
                let prose = format!("{indent}{bullet}{}", words(rng));
                let role = match (after_text, after_problem) {
                    (false, _) => Role::Note,
                    (true, true) => Role::Problem,
                    (true, false) => Role::Continuation,
                };
                (prose, role)
            }
        };
        after_text = role != Role::Blank;
        after_problem = match role {
            Role::Problem => true,
            Role::Continuation => after_problem,
            _ => false,
        };
        lines.push(line);
        want.push(role);
    }
    (lines.join("\n") + "\n", want)
}

#[test]
fn every_line_is_a_message_a_continuation_a_note_a_problem_or_blank() {
    let mut rng = Rng(0x5eed_1e55_cafe_f00d);
    let options = Options {
        format: Format::Plain,
        zone: chrono_tz::Europe::Paris,
        date: march4(),
        file_name: None,
    };
    for case in 0..500 {
        let (input, want) = generate(&mut rng);
        let out = read_str(&input, &options);
        assert_eq!(roles(&input, &out), want, "case {case}:\n{input}");

        // The preview's counts add up to the lines of the file.
        let mut summary = Summary::default();
        transcript::read_text(input.as_bytes(), &options, &mut summary).unwrap();
        let notes = summary
            .by_kind
            .get(&LineKind::Narrative)
            .copied()
            .unwrap_or(0);
        let blanks = input.lines().filter(|l| l.trim().is_empty()).count() as u64;
        assert_eq!(
            (summary.lines - notes)
                + summary.continuations
                + notes
                + summary.problem_count
                + blanks,
            input.lines().count() as u64,
            "case {case}:\n{input}"
        );
        let count = |role| want.iter().filter(|&&r| r == role).count() as u64;
        assert_eq!(
            (
                summary.lines - notes,
                summary.continuations,
                notes,
                summary.problem_count
            ),
            (
                count(Role::Message),
                count(Role::Continuation),
                count(Role::Note),
                count(Role::Problem)
            ),
            "case {case}:\n{input}"
        );
    }
}

#[test]
fn the_generator_makes_every_kind_of_line() {
    // The property would prove little over inputs without some of them.
    let mut rng = Rng(0x5eed_1e55_cafe_f00d);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..500 {
        seen.extend(generate(&mut rng).1.into_iter().map(|r| format!("{r:?}")));
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
}
