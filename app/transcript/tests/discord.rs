//! DiscordChatExporter exports (JSON, CSV, TXT) from the fixtures in
//! `tests/fixtures/discord/`: every field of every entry, the problems of the
//! malformed files, and detection by content.

mod support;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use support::root;
use transcript::formats::discord;
use transcript::{Entry, LineKind, Problem, Stamp};

type Reader = fn(&[u8], &str, transcript::formats::Emit<'_>);

fn fixture_dir(group: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures")
    .join(group)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir("discord").join(name)).unwrap()
}

fn run(reader: Reader, bytes: &[u8], label: &str) -> Vec<Result<Entry, Problem>> {
    let mut out = Vec::new();
    reader(bytes, label, &mut |r| out.push(r));
    out
}

fn read(reader: Reader, name: &str) -> Vec<Result<Entry, Problem>> {
    run(reader, &bytes(name), name)
}

/// An instant from RFC 3339.
fn exact(s: &str) -> Stamp {
    Stamp::Exact(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

/// A wall-clock time on 2026-03-04.
fn local(h: u32, m: u32) -> Stamp {
    Stamp::Local {
        date: NaiveDate::from_ymd_opt(2026, 3, 4),
        time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
    }
}

fn entry(
    line: u64,
    stamp: Stamp,
    kind: LineKind,
    author: Option<&str>,
    text: &str,
    thread: Option<&str>,
    channel: Option<&str>,
) -> Result<Entry, Problem> {
    Ok(Entry {
        line,
        stamp,
        kind,
        author: author.map(str::to_string),
        text: text.to_string(),
        thread: thread.map(str::to_string),
        thread_root: false,
        channel: channel.map(str::to_string),
        approximate: false,
    })
}

fn problem(line: u64, reason: &str) -> Result<Entry, Problem> {
    Err(Problem::new(line, reason))
}

/// Compares one by one, for readable failures.
fn assert_entries(actual: &[Result<Entry, Problem>], expected: &[Result<Entry, Problem>]) {
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a, e, "item {i}");
    }
    assert_eq!(actual.len(), expected.len(), "{actual:#?}");
}

const CH: Option<&str> = Some("#incident-412");
const DATES: &str = "ISO 8601 such as 2026-03-04T14:32:05.123+01:00, \"3/4/2026 2:32 PM\", \"04-Mar-26 02:32 PM\", \"2026-03-04 14:32\" or \"04.03.2026 14:32\"";
const CDN: &str = "https://cdn.discordapp.com/attachments/1213000000000000412/";

// ---------------------------------------------------------------------------
// JSON

#[test]
fn json_export() {
    use LineKind::*;
    let thread = Some("1214000000000000004");
    let expected = vec![
        entry(
            1,
            exact("2026-03-04T14:20:11.402+01:00"),
            Join,
            Some("Lee Wong"),
            "Joined the server.",
            None,
            CH,
        ),
        entry(
            2,
            exact("2026-03-04T14:25:03.117+01:00"),
            Bot,
            Some("PagerDuty"),
            "Triggered #412: checkout latency > 2s\nService: checkout-api\nUrgency: high\nAssigned to: @Sam Lee",
            None,
            CH,
        ),
        // A raw role mention rendered; the link preview of the person's own URL left out.
        entry(
            3,
            exact("2026-03-04T14:32:05.123+01:00"),
            Message,
            Some("Sam Lee"),
            "checkout p99 is up to 2.4s since 14:25, @sre-oncall looking at the dashboard https://grafana.example.com/d/checkout",
            None,
            CH,
        ),
        // Replied to: the thread is its own id, and it is the root.
        root(entry(
            4,
            exact("2026-03-04T14:33:40.900+01:00"),
            Message,
            Some("Sam Lee"),
            "@Kim Park can you check the db pool? notes go in #incident-412",
            thread,
            CH,
        )),
        entry(
            5,
            exact("2026-03-04T14:35:12.004+01:00"),
            Message,
            Some("Kim Park"),
            "pool is at 95% of max connections, raising it from 50 to 80 :eyes: (edited)",
            thread,
            CH,
        ),
        entry(
            6,
            exact("2026-03-04T14:36:30.555+01:00"),
            Message,
            Some("Sam Lee"),
            &format!(
                "p99 over the last hour :eyes_purple:\n[file: p99-latency.png ({CDN}1215000000000000001/p99-latency.png)]"
            ),
            None,
            CH,
        ),
        // A reply to a reply: the top of the chain.
        entry(
            7,
            exact("2026-03-04T14:38:02.010+01:00"),
            Message,
            Some("Lee Wong"),
            "db CPU is fine, the time goes to waiting for a pool connection",
            thread,
            CH,
        ),
        // A pin refers to a message but is no reply.
        entry(
            8,
            exact("2026-03-04T14:38:30+01:00"),
            System,
            Some("Sam Lee"),
            "Pinned a message.",
            None,
            CH,
        ),
        entry(
            9,
            exact("2026-03-04T14:40:00+01:00"),
            Bot,
            Some("Deploy Bot"),
            "[Kim Park used /rollback]\nRolled back checkout-api to v2.31.4 at 2026-03-04 13:40 UTC",
            None,
            CH,
        ),
        // Empty content: DCE's own sentence.
        entry(
            10,
            exact("2026-03-04T14:41:15.300+01:00"),
            Topic,
            Some("Kim Park"),
            "Changed the channel name.",
            None,
            CH,
        ),
        entry(
            11,
            exact("2026-03-04T14:45:00+01:00"),
            System,
            Some("Sam Lee"),
            "Started a call that lasted 12 minutes.",
            None,
            CH,
        ),
        entry(
            12,
            exact("2026-03-04T14:58:20+01:00"),
            System,
            Some("Kim Park"),
            "Started a thread.",
            None,
            CH,
        ),
        // A deleted account replying to a message not in the export.
        entry(
            13,
            exact("2026-03-04T15:02:45.777+01:00"),
            Message,
            Some("Deleted User"),
            "same pattern showed up in the February load test",
            Some("1209999999999999999"),
            CH,
        ),
        entry(
            14,
            exact("2026-03-04T15:05:00+01:00"),
            Message,
            Some("Lee Wong"),
            "[forwarded] status page: checkout degraded, fix rolling out",
            None,
            CH,
        ),
        // Replied to from part 2 only: no thread here.
        entry(
            15,
            exact("2026-03-04T15:10:30.250+01:00"),
            Message,
            Some("Sam Lee"),
            "p99 back under 300 ms, closing the incident\n[sticker: thumbs-up-cat]",
            None,
            CH,
        ),
    ];
    assert_entries(&read(discord::read_json, "incident-412.json"), &expected);
}

#[test]
fn json_part_two_names_the_same_channel() {
    use LineKind::*;
    let expected = vec![
        entry(
            1,
            exact("2026-03-04T14:20:00Z"),
            Message,
            Some("Kim Park"),
            "confirmed, p99 at 280 ms for 10 minutes",
            Some("1214000000000000015"),
            CH,
        ),
        entry(
            2,
            exact("2026-03-04T14:21:10.5Z"),
            Bot,
            Some("PagerDuty"),
            "Resolved #412: checkout latency > 2s",
            None,
            CH,
        ),
    ];
    let part2 = read(discord::read_json, "incident-412 [part 2].json");
    assert_entries(&part2, &expected);
    let part1 = read(discord::read_json, "incident-412.json");
    let channel = |e: &Result<Entry, Problem>| e.as_ref().unwrap().channel.clone();
    assert_eq!(channel(&part1[0]), channel(&part2[0]));
}

/// `mentions.json`: raw `<@id>` and `<@!id>` mentions (an export made with
/// `--markdown false`) shown with the names the file holds.
#[test]
fn json_raw_mentions_are_shown_with_the_names_in_the_file() {
    use LineKind::*;
    let ch = Some("#incident-413");
    let thread = Some("1214000000000000101");
    assert_eq!(
        read(discord::read_json, "mentions.json"),
        vec![
            // The message's own mentions, by nickname.
            root(entry(
                1,
                exact("2026-03-04T15:10:00+01:00"),
                Message,
                Some("Sam Lee"),
                "@Kim Park can you take the db? @Lee Wong has comms",
                thread,
                ch,
            )),
            // Not among its mentions: the author with that id elsewhere in the
            // file (a later message's); an id the file does not name stays one.
            entry(
                2,
                exact("2026-03-04T15:11:00+01:00"),
                Message,
                Some("Kim Park"),
                "on it, @Ana Diaz was on call before me, not @1100000000000000999",
                thread,
                ch,
            ),
            entry(
                3,
                exact("2026-03-04T15:12:00+01:00"),
                Message,
                Some("Ana Diaz"),
                "yes, handing over to @Kim Park",
                None,
                ch,
            ),
        ]
    );
}

#[test]
fn json_malformed_messages_are_skipped_with_their_position() {
    let expected = vec![
        problem(
            1,
            "malformed.json: message 1 of \"messages\" is not a JSON object",
        ),
        problem(
            2,
            &format!(
                "malformed.json: message 2 (id 1214000000000000020) has no \"timestamp\" (expected {DATES})"
            ),
        ),
        problem(
            3,
            &format!(
                "malformed.json: message 3 (id 1214000000000000021) has a \"timestamp\" that is not a date: \"yesterday afternoon\" (expected {DATES})"
            ),
        ),
        problem(
            4,
            &format!(
                "malformed.json: message 4 (id 1214000000000000022) has a \"timestamp\" that is not a string: 1772634725 (expected {DATES})"
            ),
        ),
        entry(
            5,
            exact("2026-03-04T14:50:00+01:00"),
            LineKind::Message,
            Some("Kim Park"),
            "pool change is live",
            None,
            CH,
        ),
    ];
    assert_entries(&read(discord::read_json, "malformed.json"), &expected);
}

#[test]
fn json_invalid_is_one_problem_with_line_and_column() {
    assert_eq!(
        read(discord::read_json, "invalid.json"),
        vec![problem(
            5,
            "invalid.json is not valid JSON: expected `,` or `}` (line 5, column 80)"
        )]
    );
}

#[test]
fn json_that_is_not_an_export_is_one_problem() {
    let reason = "x.json: expected a DiscordChatExporter JSON export (an object with \"guild\", \"channel\" and a \"messages\" array)";
    for text in [
        "[{\"type\": \"message\", \"ts\": \"1772634725.000100\", \"text\": \"hi\"}]",
        "{\"guild\": {}, \"channel\": {}}",
        "{\"messages\": {}}",
        "42",
    ] {
        assert_eq!(
            run(discord::read_json, text.as_bytes(), "x.json"),
            vec![problem(0, reason)],
            "{text}"
        );
    }
}

#[test]
fn json_sorted_stably_and_reply_chains_resolved() {
    // Out of order in the file; a reply chain 3 -> 2 -> 1 written backwards;
    // a cycle (4 <-> 5) does not hang; a message without a channel name.
    let text = r##"{"channel": {"id": "7", "name": "#ops"}, "messages": [
      {"id": "3", "type": "Reply", "timestamp": "2026-03-04T14:03:00Z", "author": {"id": "u1", "name": "sam"}, "content": "c", "reference": {"messageId": "2"}},
      {"id": "2", "type": "Reply", "timestamp": "2026-03-04T14:02:00Z", "author": {"id": "u2", "name": "kim", "nickname": ""}, "content": "b", "reference": {"messageId": "1"}},
      {"id": "1", "timestamp": "2026-03-04T14:01:00Z", "author": {"id": "u1", "name": "sam"}, "content": "a <@u2> <@2>"},
      {"id": "4", "type": "Reply", "timestamp": "2026-03-04T14:01:00Z", "content": "d", "reference": {"messageId": "5"}},
      {"id": "5", "type": "Reply", "timestamp": "2026-03-04T14:04:00Z", "author": {"isBot": true}, "content": "e <#7> <#8>", "reference": {"messageId": "4"}}
    ]}"##;
    let got = run(discord::read_json, text.as_bytes(), "x.json");
    type Summary<'a> = (u64, Option<&'a str>, &'a str, Option<&'a str>, LineKind);
    let summary: Vec<Summary> = got
        .iter()
        .map(|e| {
            let e = e.as_ref().unwrap();
            assert_eq!(e.channel.as_deref(), Some("#ops"));
            (
                e.line,
                e.author.as_deref(),
                e.text.as_str(),
                e.thread.as_deref(),
                e.kind,
            )
        })
        .collect();
    use LineKind::*;
    assert_eq!(
        summary,
        vec![
            (3, Some("sam"), "a <@u2> @2", Some("1"), Message),
            (4, None, "d", Some("5"), Message),
            (2, Some("kim"), "b", Some("1"), Message),
            (1, Some("sam"), "c", Some("1"), Message),
            (5, None, "e #ops #8", Some("5"), Bot),
        ]
    );
}

// ---------------------------------------------------------------------------
// CSV

#[test]
fn csv_export() {
    use LineKind::*;
    let e = |line, at: &str, kind, author, text: &str| {
        entry(line, exact(at), kind, Some(author), text, None, None)
    };
    let expected = vec![
        e(
            2,
            "2026-03-04T14:20:11.402+01:00",
            Join,
            "lee.wong",
            "Joined the server.",
        ),
        // Current DCE writes a webhook's name without "#0000": not told from a person.
        e(
            3,
            "2026-03-04T14:25:03.117+01:00",
            Message,
            "PagerDuty",
            "Triggered #412: checkout latency > 2s",
        ),
        e(
            4,
            "2026-03-04T14:32:05.123+01:00",
            Message,
            "sam.lee",
            "checkout p99 is up to 2.4s since 14:25, @sre-oncall looking at the dashboard",
        ),
        // Multi-line; the raw mention named from the AuthorID column.
        e(
            5,
            "2026-03-04T14:33:40.9+01:00",
            Message,
            "sam.lee",
            "@kim.park can you check the db pool? notes so far:\n- p99 2.4s\n- errors flat",
        ),
        e(
            8,
            "2026-03-04T14:35:12.004+01:00",
            Message,
            "kim.park",
            "pool is at 95% of max connections, raising it from 50 to 80",
        ),
        e(
            9,
            "2026-03-04T14:36:30.555+01:00",
            Message,
            "sam.lee",
            &format!(
                "graphs attached, \"pool wait\" is the one to watch\n[file: p99-latency.png ({CDN}1215000000000000001/p99-latency.png)]\n[file: pool-wait.csv ({CDN}1215000000000000002/pool-wait.csv)]"
            ),
        ),
        e(
            10,
            "2026-03-04T14:38:30+01:00",
            System,
            "sam.lee",
            "Pinned a message.",
        ),
        e(
            11,
            "2026-03-04T14:41:15.3+01:00",
            Topic,
            "kim.park",
            "Changed the channel name: incident-412-checkout",
        ),
        e(
            12,
            "2026-03-04T14:45:00+01:00",
            System,
            "sam.lee",
            "Started a call that lasted 12 minutes.",
        ),
        e(
            13,
            "2026-03-04T15:10:30.25+01:00",
            Message,
            "sam.lee",
            "p99 back under 300 ms, closing the incident",
        ),
    ];
    assert_entries(&read(discord::read_csv, "incident-412.csv"), &expected);
}

#[test]
fn csv_of_older_versions_has_locale_dates_and_discriminators() {
    use LineKind::*;
    let expected = vec![
        // "#0000": a webhook.
        entry(
            2,
            local(14, 25),
            Bot,
            Some("PagerDuty"),
            "Triggered #412: checkout latency > 2s",
            None,
            None,
        ),
        // No AuthorID column: the raw mention keeps its id.
        entry(
            3,
            local(14, 32),
            Message,
            Some("sam"),
            "checkout p99 is up, @1100000000000000002 can you check the pool?",
            None,
            None,
        ),
        entry(
            4,
            local(14, 35),
            Message,
            Some("kim"),
            &format!("on it\n[file: pool.png ({CDN}1215000000000000003/pool.png)]"),
            None,
            None,
        ),
    ];
    assert_entries(&read(discord::read_csv, "incident-412-2022.csv"), &expected);
}

#[test]
fn csv_malformed_records_are_problems_on_their_lines() {
    let expected = vec![
        problem(
            2,
            &format!("malformed.csv: \"yesterday 2pm\" is not a date (expected {DATES})"),
        ),
        problem(
            3,
            "malformed.csv: expected 6 fields as in the header, found 5",
        ),
        entry(
            4,
            exact("2026-03-04T14:38:02.01+01:00"),
            LineKind::Message,
            Some("lee.wong"),
            "db CPU is fine,\nthe pool wait is not",
            None,
            None,
        ),
        problem(
            6,
            "malformed.csv: the record starting on line 6 has a quoted field that is never closed (a \" is missing)",
        ),
    ];
    assert_entries(&read(discord::read_csv, "malformed.csv"), &expected);
    assert_eq!(
        read(discord::read_csv, "missing-column.csv"),
        vec![problem(
            1,
            "missing-column.csv: the header has no Date column; a DiscordChatExporter CSV starts with AuthorID,Author,Date,Content,Attachments,Reactions"
        )]
    );
    assert_eq!(run(discord::read_csv, b"", "empty.csv"), vec![]);
}

// ---------------------------------------------------------------------------
// TXT

#[test]
fn txt_export() {
    use LineKind::*;
    let e = |line, h, m, kind, author, text: &str| {
        entry(line, local(h, m), kind, Some(author), text, None, CH)
    };
    let expected = vec![
        e(7, 14, 20, Join, "lee.wong", "Joined the server."),
        // An embed's lines as DCE wrote them (author, URL, title, description, field).
        e(
            11,
            14,
            25,
            Message,
            "PagerDuty",
            "PagerDuty\nhttps://acme.pagerduty.com/incidents/Q1ABC412\nTriggered #412: checkout latency > 2s\nService: checkout-api\nUrgency: high\nAssigned to\n@Sam Lee",
        ),
        // " (pinned)" dropped; reactions not kept.
        e(
            24,
            14,
            32,
            Message,
            "sam.lee",
            "checkout p99 is up to 2.4s since 14:25, @sre-oncall looking at the dashboard",
        ),
        // A blank line inside the text is kept.
        e(
            30,
            14,
            33,
            Message,
            "sam.lee",
            "@kim.park can you check the db pool? notes so far:\n\n- p99 2.4s\n- errors flat",
        ),
        e(
            37,
            14,
            35,
            Message,
            "kim.park",
            &format!(
                "pool is at 95% of max connections, raising it from 50 to 80\n[file: pool-wait.png ({CDN}1215000000000000003/pool-wait.png)]\n[sticker: https://media.discordapp.net/stickers/1217000000000000001.png]"
            ),
        ),
        e(47, 14, 38, System, "sam.lee", "Pinned a message."),
        e(
            51,
            14,
            45,
            System,
            "sam.lee",
            "Started a call that lasted 12 minutes.",
        ),
        e(
            55,
            15,
            5,
            Message,
            "lee.wong",
            "[forwarded] status page: checkout degraded, fix rolling out\nOriginally sent: 3/4/2026 3:04 PM",
        ),
        e(
            63,
            15,
            10,
            Message,
            "sam.lee",
            "p99 back under 300 ms, closing the incident",
        ),
    ];
    assert_entries(&read(discord::read_txt, "incident-412.txt"), &expected);
}

#[test]
fn txt_part_two_names_the_same_channel() {
    // Written by a newer .NET: a narrow no-break space before PM.
    let expected = vec![
        entry(
            7,
            local(15, 20),
            LineKind::Message,
            Some("kim.park"),
            "confirmed, p99 at 280 ms for 10 minutes",
            None,
            CH,
        ),
        entry(
            11,
            local(15, 21),
            LineKind::Message,
            Some("PagerDuty"),
            "Resolved #412: checkout latency > 2s",
            None,
            CH,
        ),
    ];
    assert_entries(
        &read(discord::read_txt, "incident-412 [part 2].txt"),
        &expected,
    );
}

#[test]
fn txt_of_older_versions_has_the_old_default_date_and_discriminators() {
    use LineKind::*;
    // CRLF line endings.
    let expected = vec![
        entry(
            6,
            local(14, 25),
            Bot,
            Some("PagerDuty"),
            "Triggered #412: checkout latency > 2s",
            None,
            CH,
        ),
        entry(
            9,
            local(14, 32),
            Message,
            Some("sam"),
            "checkout p99 is up, @1100000000000000002 can you check the pool? :eyes_purple:",
            None,
            CH,
        ),
        entry(
            12,
            local(14, 35),
            Message,
            Some("kim"),
            &format!("on it\n[file: pool.png ({CDN}1215000000000000003/pool.png)]"),
            None,
            CH,
        ),
    ];
    assert_entries(&read(discord::read_txt, "incident-412-2022.txt"), &expected);
}

#[test]
fn txt_with_iso_dates() {
    let text =
        "[2026-03-04 14:32] sam\ncheckout p99 is up\n\n[2026-03-04T14:33:05+01:00] kim#0\non it\n";
    assert_eq!(
        run(discord::read_txt, text.as_bytes(), "x.txt"),
        vec![
            entry(
                1,
                local(14, 32),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up",
                None,
                None
            ),
            entry(
                4,
                exact("2026-03-04T13:33:05Z"),
                LineKind::Message,
                Some("kim"),
                "on it",
                None,
                None
            ),
        ]
    );
}

#[test]
fn txt_malformed_lines_are_problems() {
    let ch = Some("#incident-412");
    let expected = vec![
        problem(
            6,
            "malformed.txt: text before the first message (expected a line \"[date] author\" such as \"[3/4/2026 2:32 PM] sam\")",
        ),
        entry(
            9,
            local(14, 32),
            LineKind::Message,
            Some("sam.lee"),
            "checkout p99 is up",
            None,
            ch,
        ),
        problem(
            12,
            &format!(
                "malformed.txt: \"13/45/2026 2:33 PM\" is not a date (expected a message line \"[date] author\" with {DATES})"
            ),
        ),
        entry(
            15,
            local(14, 34),
            LineKind::Message,
            Some("lee.wong"),
            "looking at the pool",
            None,
            ch,
        ),
    ];
    assert_entries(&read(discord::read_txt, "malformed.txt"), &expected);
}

// ---------------------------------------------------------------------------
// Detection

fn head(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned()
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for item in std::fs::read_dir(&path).unwrap() {
            let item = item.unwrap();
            if item.file_type().unwrap().is_dir() {
                stack.push(item.path());
            } else if !item.file_name().to_string_lossy().starts_with('.') {
                out.push(item.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn sniff_tells_the_three_apart() {
    type Sniff = fn(&str) -> f32;
    let sniffs: [(&str, Sniff); 3] = [
        ("json", discord::sniff_json),
        ("csv", discord::sniff_csv),
        ("txt", discord::sniff_txt),
    ];
    for (name, own) in [
        ("incident-412.json", "json"),
        ("incident-412 [part 2].json", "json"),
        ("malformed.json", "json"),
        ("incident-412.csv", "csv"),
        ("incident-412-2022.csv", "csv"),
        ("malformed.csv", "csv"),
        ("incident-412.txt", "txt"),
        ("incident-412 [part 2].txt", "txt"),
        ("incident-412-2022.txt", "txt"),
        ("malformed.txt", "txt"),
    ] {
        let head = head(&bytes(name));
        for (kind, sniff) in sniffs {
            let score = sniff(&head);
            if kind == own {
                assert!(score >= 0.8, "{name} scores {score} as {kind}");
            } else {
                assert!(score < 0.3, "{name} scores {score} as {kind}");
            }
        }
    }
    // A head cut in the middle of the first message still reads as an export.
    let json = head(&bytes("incident-412.json"));
    assert!(discord::sniff_json(&json[..900]) >= 0.8);
}

#[test]
fn other_formats_score_low() {
    let mut checked = 0;
    for group in ["irc", "text", "slack"] {
        for path in files_under(&fixture_dir(group)) {
            let head = head(&std::fs::read(&path).unwrap());
            for (kind, score) in [
                ("json", discord::sniff_json(&head)),
                ("csv", discord::sniff_csv(&head)),
                ("txt", discord::sniff_txt(&head)),
            ] {
                assert!(
                    score < 0.3,
                    "{} scores {score} as Discord {kind}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20);
    assert_eq!(
        discord::sniff_json(
            "[{\"type\":\"message\",\"ts\":\"1772634725.000100\",\"text\":\"hi\"}]"
        ),
        0.0
    );
    assert_eq!(
        discord::sniff_json("{\"ok\": true, \"channel\": \"C1\", \"messages\": []}"),
        0.0
    );
    assert_eq!(discord::sniff_csv("timestamp,channel,author,text\n"), 0.0);
    assert_eq!(discord::sniff_txt("[14:32] <sam> hi\n"), 0.0);
}

// ---------------------------------------------------------------------------
// Robustness

#[test]
fn never_panics_on_cut_or_damaged_files() {
    let readers: [Reader; 3] = [discord::read_json, discord::read_csv, discord::read_txt];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for path in files_under(&fixture_dir("discord")) {
        let original = std::fs::read(&path).unwrap();
        let step = (original.len() / 400).max(1);
        for reader in readers {
            for cut in (0..original.len()).step_by(step) {
                run(reader, &original[..cut], "cut");
            }
            for _ in 0..40 {
                let mut damaged = original.clone();
                for _ in 0..8 {
                    let at = (next() as usize) % damaged.len().max(1);
                    let byte = [
                        b'"', b'[', b']', b'{', b'}', b',', b'\n', b'<', b'>', b':', 0xE2, 0xFF,
                        b'#', b'0',
                    ][(next() as usize) % 14];
                    if let Some(b) = damaged.get_mut(at) {
                        *b = byte;
                    }
                }
                run(reader, &damaged, "damaged");
            }
        }
        for s in [discord::sniff_json, discord::sniff_csv, discord::sniff_txt] {
            for cut in (0..original.len()).step_by(step) {
                s(&String::from_utf8_lossy(&original[..cut]));
            }
        }
    }
    for reader in readers {
        for text in [
            "",
            "\u{feff}",
            "[",
            "{",
            "\"",
            "[3/4/2026 2:32 PM] ",
            "=====================\n",
            "<@",
            "<t:-99999999999999999>",
        ] {
            run(reader, text.as_bytes(), "tiny");
        }
    }
}
