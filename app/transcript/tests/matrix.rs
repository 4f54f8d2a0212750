//! Element's (Matrix) chat export: the JSON export and the plain-text export,
//! from the fixtures in `tests/fixtures/matrix/`.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use support::root;
use transcript::formats::{google_chat, matrix};
use transcript::{Entry, LineKind, Problem, Stamp};

fn fixture(path: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures")
    .join(path)
}

type Reader = fn(&[u8], &str, &mut dyn FnMut(Result<Entry, Problem>));

fn read_with(reader: Reader, bytes: &[u8], label: &str) -> Vec<Result<Entry, Problem>> {
    let mut out = Vec::new();
    reader(bytes, label, &mut |e| out.push(e));
    out
}

fn read(reader: Reader, path: &str) -> Vec<Result<Entry, Problem>> {
    let bytes = std::fs::read(fixture(path)).unwrap();
    read_with(reader, &bytes, path.rsplit('/').next().unwrap())
}

/// 2026-03-04 14:30:00 UTC plus `seconds`.
fn at(seconds: i64) -> Stamp {
    Stamp::Exact(DateTime::<Utc>::from_timestamp(1_772_634_600 + seconds, 0).unwrap())
}

fn local(day: u32, h: u32, m: u32, s: u32) -> Stamp {
    Stamp::Local {
        date: NaiveDate::from_ymd_opt(2026, 3, day),
        time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
    }
}

#[allow(clippy::too_many_arguments)]
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

fn assert_entries(got: &[Result<Entry, Problem>], want: &[Result<Entry, Problem>]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "entry {i}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

#[test]
fn the_json_export_reads_every_field() {
    use LineKind::*;
    let c = Some("#incident-checkout");
    let sam = Some("Sam Lee");
    let kim = Some("Kim");
    let kim_park = Some("Kim Park");
    let want = vec![
        // Before Sam's first member event: the localpart.
        entry(
            1,
            at(0),
            System,
            Some("sam"),
            "sam created the room.",
            None,
            c,
        ),
        entry(2, at(1), Join, sam, "Sam Lee joined the room", None, c),
        entry(
            3,
            at(2),
            Topic,
            sam,
            "Sam Lee changed the room name to incident-checkout.",
            None,
            c,
        ),
        entry(
            4,
            at(3),
            Topic,
            sam,
            "Sam Lee changed the topic to \"Checkout latency, 4 March\".",
            None,
            c,
        ),
        entry(5, at(10), Join, kim, "Kim joined the room", None, c),
        // HTML: a user pill and a link; answered below, so a thread root.
        root(entry(
            6,
            at(125),
            Message,
            sam,
            "@Kim: checkout p99 is up, see the dashboard (https://grafana.example.com/d/abc?from=now-1h&to=now)",
            Some("$p99"),
            c,
        )),
        // Written after the reply below, sorted by time; no member event: the localpart.
        entry(
            8,
            at(130),
            Notice,
            Some("alertbot"),
            "[FIRING] checkout latency > 2s",
            None,
            c,
        ),
        // The reply: <mx-reply> dropped; an edit by someone else ignored.
        entry(
            7,
            at(140),
            Message,
            kim,
            "looking, the db pool is saturated",
            Some("$p99"),
            c,
        ),
        entry(
            9,
            at(150),
            Action,
            sam,
            "is rolling back release 412",
            None,
            c,
        ),
        // Edited: the edit's HTML (an ordered list) replaces the text; the edit is no entry.
        entry(
            10,
            at(160),
            Message,
            kim,
            "rollback plan:\n1. drain the pool\n2. restart checkout\n3. watch p99 (edited)",
            None,
            c,
        ),
        entry(
            12,
            at(180),
            Message,
            kim,
            "[file: p99.png (mxc://example.org/p99png)]",
            None,
            c,
        ),
        root(entry(
            13,
            at(200),
            Message,
            sam,
            "status thread: updates here",
            Some("$status"),
            c,
        )),
        entry(
            14,
            at(210),
            Message,
            kim,
            "db connections back to normal",
            Some("$status"),
            c,
        ),
        entry(
            15,
            at(220),
            Join,
            Some("Dana Ray"),
            "Dana Ray joined the room",
            None,
            c,
        ),
        // unsigned.redacted_because.
        entry(
            16,
            at(230),
            System,
            Some("Dana Ray"),
            "(message deleted)",
            None,
            c,
        ),
        entry(
            17,
            at(240),
            Nick,
            kim,
            "Kim changed their display name to Kim Park",
            None,
            c,
        ),
        root(entry(
            18,
            at(250),
            Message,
            kim_park,
            "failover complete, @Sam Lee can you confirm?",
            Some("$failover"),
            c,
        )),
        // The body's reply fallback dropped.
        entry(
            19,
            at(260),
            Message,
            sam,
            "confirmed, p99 is 280 ms",
            Some("$failover"),
            c,
        ),
        // Deleted by the m.room.redaction at 21, which is no entry.
        entry(20, at(270), System, sam, "(message deleted)", None, c),
        // A reply to a reply: the first message's thread.
        entry(
            22,
            at(280),
            Message,
            kim_park,
            "closing the incident",
            Some("$failover"),
            c,
        ),
        entry(
            23,
            at(290),
            Topic,
            kim_park,
            "Kim Park changed the topic to \"Checkout latency, resolved\".",
            None,
            c,
        ),
        // An encrypted file with a caption; the reaction at 25 is no entry.
        entry(
            24,
            at(300),
            Message,
            kim_park,
            "pool stats from 14:30 to 14:35\n[file: checkout-pool.log (mxc://example.org/poollog)]",
            None,
            c,
        ),
        entry(
            26,
            at(310),
            Part,
            Some("Dana Ray"),
            "Dana Ray left the room",
            None,
            c,
        ),
        entry(
            27,
            at(320),
            System,
            sam,
            "Sam Lee invited Lee Chen",
            None,
            c,
        ),
        // The edited message is older than the export: the edit stands alone.
        entry(
            28,
            at(330),
            Message,
            kim_park,
            "runbook link updated: https://wiki.example.com/runbook (edited)",
            None,
            c,
        ),
        // No member event before: the name in the later one's prev_content.
        entry(
            30,
            at(340),
            Message,
            Some("Ana Ruiz"),
            "I can help with the db",
            None,
            c,
        ),
        // A kick: the removed member's part.
        entry(
            31,
            at(345),
            Part,
            Some("Ana Ruiz"),
            "Kim Park removed Ana Ruiz: shift over",
            None,
            c,
        ),
    ];
    assert_entries(
        &read(matrix::read_json, "matrix/element-export.json"),
        &want,
    );
}

#[test]
fn json_events_that_cannot_be_read_are_problems_at_their_position() {
    let label = "element-malformed.json";
    assert_eq!(
        read(matrix::read_json, "matrix/element-malformed.json"),
        vec![
            Err(Problem::new(
                1,
                format!("{label}: message 1 is not a JSON object (expected a Matrix event)")
            )),
            Err(Problem::new(
                2,
                format!(
                    "{label}: message 2 has no \"origin_server_ts\" in epoch milliseconds (found nothing)"
                )
            )),
            Err(Problem::new(
                3,
                format!(
                    "{label}: message 3 has no \"origin_server_ts\" in epoch milliseconds (found \"yesterday\")"
                )
            )),
            Err(Problem::new(
                4,
                format!(
                    "{label}: message 4 has no \"type\" (expected a Matrix event type like \"m.room.message\")"
                )
            )),
            entry(
                5,
                at(1),
                LineKind::Message,
                Some("kim"),
                "readable",
                None,
                Some("#incident-checkout")
            ),
        ]
    );
}

#[test]
fn invalid_json_is_one_problem_with_its_line_and_column() {
    assert_eq!(
        read(matrix::read_json, "matrix/element-invalid.json"),
        vec![Err(Problem::new(
            4,
            "element-invalid.json is not valid JSON: key must be a string (line 4, column 31)"
        ))]
    );
    let expected = "x.json: expected a JSON object with a \"messages\" array (Element's export)";
    for doc in [
        &b"{\"room_name\": \"x\"}"[..],
        b"\"text\"",
        b"{\"messages\": {}}",
    ] {
        assert_eq!(
            read_with(matrix::read_json, doc, "x.json"),
            vec![Err(Problem::new(0, expected))]
        );
    }
}

#[test]
fn a_bare_array_of_events_has_no_channel() {
    // An edit aggregated by the server in the original's `unsigned`, and a
    // redaction of a message older than the export.
    let doc = br#"[
        {"type": "m.room.message", "sender": "@sam:example.org", "origin_server_ts": 1772634725000,
         "event_id": "$a", "content": {"msgtype": "m.text", "body": "checkout p99 is upp"},
         "unsigned": {"m.relations": {"m.replace": {"type": "m.room.message",
           "sender": "@sam:example.org", "origin_server_ts": 1772634727000, "event_id": "$e",
           "content": {"msgtype": "m.text", "body": " * checkout p99 is up",
             "m.new_content": {"msgtype": "m.text", "body": "checkout p99 is up"},
             "m.relates_to": {"rel_type": "m.replace", "event_id": "$a"}}}}}},
        {"type": "m.room.message", "sender": "@kim:example.org", "origin_server_ts": 1772634730000,
         "event_id": "$b", "content": {"msgtype": "m.text", "body": "on it",
           "m.relates_to": {"rel_type": "m.thread", "event_id": "$a"}}},
        {"type": "m.room.redaction", "sender": "@kim:example.org", "origin_server_ts": 1772634735000,
         "event_id": "$r", "redacts": "$older", "content": {}}
    ]"#;
    assert_eq!(
        read_with(matrix::read_json, doc, "events.json"),
        vec![
            root(entry(
                1,
                at(125),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up (edited)",
                Some("$a"),
                None
            )),
            entry(
                2,
                at(130),
                LineKind::Message,
                Some("kim"),
                "on it",
                Some("$a"),
                None
            ),
            entry(
                3,
                at(135),
                LineKind::System,
                Some("kim"),
                "(message deleted)",
                None,
                None
            ),
        ]
    );
}

#[test]
fn the_text_export_reads_every_field() {
    use LineKind::*;
    let d = |h, m, s| local(4, h, m, s);
    let sam = Some("Sam Lee");
    let kim = Some("Kim");
    let kim_park = Some("Kim Park");
    let want = vec![
        entry(
            1,
            d(15, 30, 1),
            Join,
            sam,
            "Sam Lee joined the room",
            None,
            None,
        ),
        entry(
            2,
            d(15, 30, 2),
            Topic,
            sam,
            "Sam Lee changed the room name to incident-checkout.",
            None,
            None,
        ),
        entry(
            3,
            d(15, 30, 3),
            Topic,
            sam,
            "Sam Lee changed the topic to \"Checkout latency, 4 March\".",
            None,
            None,
        ),
        entry(
            4,
            d(15, 30, 10),
            Join,
            kim,
            "Kim joined the room",
            None,
            None,
        ),
        entry(
            5,
            d(15, 32, 5),
            Message,
            sam,
            "Kim: checkout p99 is up, see the dashboard",
            None,
            None,
        ),
        entry(
            6,
            d(15, 32, 10),
            Message,
            Some("alertbot"),
            "[FIRING] checkout latency > 2s",
            None,
            None,
        ),
        // Element's rendering of a reply is kept.
        entry(
            7,
            d(15, 32, 20),
            Message,
            kim,
            "<@sam:example.org \"Kim: checkout p99 is up, see th...\"> looking, the db pool is saturated",
            None,
            None,
        ),
        entry(
            8,
            d(15, 32, 30),
            Action,
            sam,
            "is rolling back release 412",
            None,
            None,
        ),
        // Three more lines; the blank line after them dropped.
        entry(
            9,
            d(15, 32, 40),
            Message,
            kim,
            "rollback plan:\n1. drain the pool\n2. restart checkout\n3. watch p99",
            None,
            None,
        ),
        entry(14, d(15, 33, 0), Message, kim, "[file: image]", None, None),
        entry(
            15,
            d(15, 33, 20),
            Message,
            sam,
            "status thread: updates here",
            None,
            None,
        ),
        entry(
            16,
            d(15, 33, 30),
            Message,
            kim,
            "db connections back to normal",
            None,
            None,
        ),
        entry(
            17,
            d(15, 33, 40),
            Join,
            Some("Dana Ray"),
            "Dana Ray joined the room",
            None,
            None,
        ),
        entry(
            18,
            d(15, 33, 50),
            System,
            Some("Dana Ray"),
            "(message deleted)",
            None,
            None,
        ),
        entry(
            19,
            d(15, 34, 0),
            Nick,
            kim,
            "Kim changed their display name to Kim Park",
            None,
            None,
        ),
        entry(
            20,
            d(15, 34, 10),
            Message,
            kim_park,
            "failover complete, Sam Lee can you confirm?",
            None,
            None,
        ),
        entry(
            21,
            d(15, 34, 20),
            Message,
            sam,
            "<@kim:example.org \"failover complete, Sam Lee can...\"> confirmed, p99 is 280 ms",
            None,
            None,
        ),
        entry(
            22,
            d(15, 34, 30),
            System,
            sam,
            "(message deleted)",
            None,
            None,
        ),
        entry(
            23,
            d(15, 34, 50),
            Topic,
            kim_park,
            "Kim Park changed the topic to \"Checkout latency, resolved\".",
            None,
            None,
        ),
        entry(
            24,
            d(15, 35, 0),
            Message,
            kim_park,
            "[file: checkout-pool.log]",
            None,
            None,
        ),
        entry(
            25,
            d(15, 35, 10),
            Part,
            Some("Dana Ray"),
            "Dana Ray left the room",
            None,
            None,
        ),
        entry(
            26,
            d(15, 35, 20),
            System,
            sam,
            "Sam Lee invited Lee Chen",
            None,
            None,
        ),
        entry(
            27,
            d(15, 35, 40),
            Message,
            Some("Ana Ruiz"),
            "I can help with the db",
            None,
            None,
        ),
        entry(
            28,
            d(15, 35, 45),
            Part,
            Some("Ana Ruiz"),
            "Kim Park removed Ana Ruiz: shift over",
            None,
            None,
        ),
        entry(
            29,
            d(15, 36, 0),
            System,
            sam,
            "Sam Lee pinned a message.",
            None,
            None,
        ),
        // 12:05 AM, the next day.
        entry(
            30,
            local(5, 0, 5, 0),
            Message,
            sam,
            "after midnight, all green",
            None,
            None,
        ),
    ];
    assert_entries(&read(matrix::read_text, "matrix/element-export.txt"), &want);
}

#[test]
fn the_2022_layout_with_a_header_names_the_room() {
    use LineKind::*;
    let c = Some("#incident-checkout");
    let want = vec![
        entry(
            3,
            local(4, 14, 32, 5),
            Message,
            Some("Sam Lee"),
            "checkout p99 is up",
            None,
            c,
        ),
        entry(
            4,
            local(4, 14, 32, 20),
            Message,
            Some("Kim Park"),
            "looking",
            None,
            c,
        ),
        entry(
            5,
            local(4, 14, 33, 0),
            Nick,
            Some("Kim Park"),
            "Kim Park changed their display name to Kim P",
            None,
            c,
        ),
        // "Kim P" is a name of the file (line 7): the action is theirs.
        entry(
            6,
            local(4, 14, 33, 10),
            Action,
            Some("Kim P"),
            "takes the pager",
            None,
            c,
        ),
        entry(
            7,
            local(4, 14, 33, 20),
            Message,
            Some("Kim P"),
            "back, checking the pool",
            None,
            c,
        ),
        entry(
            8,
            local(4, 23, 59, 59),
            Message,
            Some("Sam Lee"),
            "almost midnight",
            None,
            c,
        ),
    ];
    assert_entries(
        &read(matrix::read_text, "matrix/element-export-2022.txt"),
        &want,
    );
}

#[test]
fn the_2021_numeric_layout_reads_padded_dates_day_first() {
    use LineKind::*;
    let want = vec![
        entry(
            1,
            local(4, 14, 32, 5),
            Message,
            Some("Sam Lee"),
            "checkout p99 is up",
            None,
            None,
        ),
        entry(
            2,
            local(4, 14, 32, 20),
            Message,
            Some("Kim Park"),
            "looking",
            None,
            None,
        ),
        entry(
            3,
            local(5, 0, 5, 0),
            Message,
            Some("Sam Lee"),
            "after midnight",
            None,
            None,
        ),
    ];
    assert_entries(
        &read(matrix::read_text, "matrix/element-export-2021.txt"),
        &want,
    );
    // en-US writes months first, unpadded.
    let us = "3/4/2026, 2:32:05 PM - Sam Lee: checkout p99 is up\n3/5/2026, 12:05:00 AM - Sam Lee: after midnight\n";
    assert_eq!(
        read_with(matrix::read_text, us.as_bytes(), "us.txt"),
        vec![
            entry(
                1,
                local(4, 14, 32, 5),
                Message,
                Some("Sam Lee"),
                "checkout p99 is up",
                None,
                None
            ),
            entry(
                2,
                local(5, 0, 5, 0),
                Message,
                Some("Sam Lee"),
                "after midnight",
                None,
                None
            ),
        ]
    );
}

#[test]
fn unreadable_text_lines_are_problems_on_their_line() {
    let label = "element-malformed.txt";
    assert_eq!(
        read(matrix::read_text, "matrix/element-malformed.txt"),
        vec![
            Err(Problem::new(
                1,
                format!(
                    "{label}: not a message line: expected a date and time, \" - \" and the text, like \"Wed, Mar 4, 2026, 2:32:05 PM - Sam Lee: checkout p99 is up\""
                )
            )),
            entry(
                2,
                local(4, 14, 32, 5),
                LineKind::Message,
                Some("Sam Lee"),
                "checkout p99 is up",
                None,
                None
            ),
            // Its second line (4) goes with it.
            Err(Problem::new(
                3,
                format!(
                    "{label}: \"Wed, Feb 30, 2026, 2:32:06 PM\" is not a date: there is no day 30 in month 2 of 2026"
                )
            )),
            Err(Problem::new(
                5,
                format!("{label}: \"Wed, Mar 4, 2026, 13:32:07 PM\" is not a time of day")
            )),
            Err(Problem::new(
                6,
                format!("{label}: no text after the date and time")
            )),
            entry(
                7,
                local(4, 14, 32, 9),
                LineKind::Message,
                Some("Kim Park"),
                "looking",
                None,
                None
            ),
        ]
    );
    assert_eq!(read_with(matrix::read_text, b"", "empty.txt"), vec![]);
}

fn head(path: &str) -> String {
    let bytes = std::fs::read(fixture(path)).unwrap();
    let end = bytes.len().min(64 * 1024);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Samples of the other formats in `tests/fixtures/`.
const OTHERS: &[&str] = &[
    "irc/irc-#ops.log",
    "irc/irssi-#ops.log",
    "irc/hexchat-#ops.log",
    "irc/irc.libera.#ops.weechatlog",
    "irc/znc_2026-03-04.log",
    "irc/mirc-#ops.log",
    "irc/textual-ops.txt",
    "irc/limnoria-#ops.log",
    "irc/ops.2026-03-04-14.02.log.txt",
    "slack/workspace/general/2026-03-04.json",
    "slack/workspace/users.json",
    "slack/workspace/channels.json",
    "text/chat.csv",
    "text/plain.txt",
    "text/slack-paste.txt",
];

#[test]
fn sniffing_tells_the_exports_from_other_formats() {
    assert!(matrix::sniff_json(&head("matrix/element-export.json")) >= 0.8);
    assert!(matrix::sniff_json(&head("matrix/element-malformed.json")) >= 0.8);
    for text in [
        "matrix/element-export.txt",
        "matrix/element-export-2022.txt",
        "matrix/element-export-2021.txt",
    ] {
        assert!(matrix::sniff_text(&head(text)) >= 0.8, "{text}");
        assert!(matrix::sniff_json(&head(text)) < 0.3, "{text}");
    }
    // A head cut in the middle of the document.
    let cut = head("matrix/element-export.json");
    assert!(matrix::sniff_json(&cut[..cut.len() / 3]) >= 0.8);
    let chat = head("google_chat/Groups/Incident checkout/messages.json");
    assert!(matrix::sniff_json(&chat) < 0.3);
    assert!(matrix::sniff_text(&chat) < 0.3);
    assert!(matrix::sniff_text(&head("matrix/element-export.json")) < 0.3);
    assert!(google_chat::sniff(&head("matrix/element-export.json")) < 0.3);
    for other in OTHERS {
        let h = head(other);
        assert!(matrix::sniff_json(&h) < 0.3, "{other}");
        assert!(matrix::sniff_text(&h) < 0.3, "{other}");
    }
    // WhatsApp writes no seconds.
    assert!(matrix::sniff_text("04/03/2026, 14:32 - Sam Lee: checkout p99 is up\n") < 0.3);
}

#[test]
fn no_input_makes_it_panic() {
    for path in [
        "matrix/element-export.json",
        "matrix/element-export.txt",
        "matrix/element-malformed.txt",
        "matrix/element-export-2022.txt",
    ] {
        let bytes = std::fs::read(fixture(path)).unwrap();
        let step = (bytes.len() / 400).max(1);
        for end in (0..bytes.len()).step_by(step) {
            let cut = &bytes[..end];
            read_with(matrix::read_json, cut, "cut");
            read_with(matrix::read_text, cut, "cut");
            let text = String::from_utf8_lossy(cut);
            matrix::sniff_json(&text);
            matrix::sniff_text(&text);
        }
    }
    for odd in [
        &b"\xff\xfe\x00garbage"[..],
        b"[{\"type\": \"m.room.message\", \"origin_server_ts\": 1e300, \"content\": {}}]",
        b"[{\"type\": \"m.room.message\", \"origin_server_ts\": -99999999999999999, \"content\": 5}]",
        b"[{\"type\": \"m.room.member\", \"origin_server_ts\": 1, \"content\": {\"membership\": 3}, \"state_key\": 1}]",
        b"[{\"type\": \"m.room.message\", \"origin_server_ts\": 1, \"content\": {\"format\": \"org.matrix.custom.html\", \"formatted_body\": \"<a href=\\\"https://matrix.to/#/%E2%\\\">\xc3\xa9<br></a><ol start=\\\"99999999999999999999\\\"><li>x</ol></li></a>&#xFFFFFFFF;&#0;<mx-reply>\"}}]",
        "Wed, Mar 4, 2026, 2:32:05\u{202f}PM - * \n\u{202f} - \n - x\n9/9/9999, 99:99:99 - x".as_bytes(),
    ] {
        read_with(matrix::read_json, odd, "odd");
        read_with(matrix::read_text, odd, "odd");
    }
}
