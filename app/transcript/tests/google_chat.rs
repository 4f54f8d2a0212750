//! Google Chat's Takeout `messages.json`, from the fixtures in
//! `tests/fixtures/google_chat/`.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use support::root;
use transcript::formats::{google_chat, matrix};
use transcript::{Entry, LineKind, Problem, Stamp};

const SPACE: &str = "google_chat/Groups/Incident checkout/messages.json";

fn fixture(path: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures")
    .join(path)
}

fn read_bytes(bytes: &[u8], label: &str) -> Vec<Result<Entry, Problem>> {
    let mut out = Vec::new();
    google_chat::read(bytes, label, &mut |e| out.push(e));
    out
}

fn read(path: &str) -> Vec<Result<Entry, Problem>> {
    read_bytes(&std::fs::read(fixture(path)).unwrap(), path)
}

/// 2026-03-04 at `h:m:s` UTC.
fn utc(h: u32, m: u32, s: u32) -> Stamp {
    let naive = NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap();
    Stamp::Exact(DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc))
}

fn entry(
    line: u64,
    stamp: Stamp,
    kind: LineKind,
    author: Option<&str>,
    text: &str,
    thread: Option<&str>,
) -> Result<Entry, Problem> {
    Ok(Entry {
        line,
        stamp,
        kind,
        author: author.map(str::to_string),
        text: text.to_string(),
        thread: thread.map(str::to_string),
        thread_root: false,
        channel: None,
        approximate: false,
    })
}

#[test]
fn a_space_export_reads_every_field() {
    use LineKind::*;
    let sam = Some("Sam Lee");
    let kim = Some("Kim Park");
    // Three messages: a thread. Topics of one message are not.
    let pool = Some("kq3Xb1QaZ0E");
    let postmortem = Some("Pm7cR2dWx5Y");
    let want = vec![
        // U+202F before PM; the mention is in the text already.
        root(entry(
            1,
            utc(14, 32, 5),
            Message,
            sam,
            "checkout p99 is up, @Kim Park can you look?",
            pool,
        )),
        // updated_date: edited.
        entry(
            2,
            utc(14, 33, 10),
            Message,
            kim,
            "looking, the db pool is saturated (edited)",
            pool,
        ),
        // 24-hour clock, day before month; a bot; its link preview is not repeated.
        entry(
            3,
            utc(14, 34, 0),
            Bot,
            Some("PagerDuty"),
            "[Triggered] checkout latency > 2s\nhttps://example.pagerduty.com/incidents/412",
            None,
        ),
        entry(
            4,
            utc(14, 35, 0),
            Message,
            kim,
            "graph of the pool\n[file: p99.png (File-p99.png)]",
            pool,
        ),
        entry(
            5,
            utc(14, 36, 0),
            System,
            Some("Dana Ray"),
            "(message deleted)",
            None,
        ),
        // No day name, GMT+1: 15:40 there is 14:40 UTC.
        entry(
            6,
            utc(14, 40, 0),
            Message,
            sam,
            "rolling back release 412",
            None,
        ),
        // CET is not resolved: a wall-clock time.
        entry(
            7,
            Stamp::Local {
                date: NaiveDate::from_ymd_opt(2026, 3, 4),
                time: NaiveTime::from_hms_opt(15, 45, 0).unwrap(),
            },
            Message,
            kim,
            "failover complete",
            None,
        ),
        // UTC-05:00, and a quoted message.
        entry(
            8,
            utc(16, 50, 0),
            Message,
            sam,
            "> Kim Park: failover complete\nconfirmed, p99 is 280 ms",
            None,
        ),
        // A Drive file with no text.
        root(entry(
            9,
            utc(16, 55, 0),
            Message,
            sam,
            "[file: Checkout postmortem (https://drive.google.com/open?id=1AbCdEfGhIjKlMnOp)]",
            postmortem,
        )),
        entry(
            10,
            utc(16, 56, 0),
            Message,
            kim,
            "added the timeline, @Sam Lee",
            postmortem,
        ),
    ];
    let got = read(SPACE);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "entry {i}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

#[test]
fn messages_are_sorted_by_time_and_a_stated_group_name_is_the_channel() {
    let doc = r#"{"group_name": "Incident checkout", "messages": [
        {"creator": {"name": "Kim Park", "email": "kim@example.com", "user_type": "Human"},
         "created_date": "Wednesday, March 4, 2026 at 2:33:00 PM UTC", "text": "second",
         "topic_id": "b", "message_id": "S/b/b"},
        {"creator": {"name": "", "email": "sam@example.com", "user_type": "Human"},
         "created_date": "Wednesday, March 4, 2026 at 2:32:00 PM UTC", "text": "first",
         "message_id": "S/a/a"},
        {"created_date": "Wednesday, March 4, 2026 at 2:34:00 PM UTC", "text": "no creator",
         "message_id": "S/a/c"}
    ]}"#;
    let with_channel = |mut e: Result<Entry, Problem>| {
        if let Ok(e) = e.as_mut() {
            e.channel = Some("Incident checkout".to_string());
        }
        e
    };
    assert_eq!(
        read_bytes(doc.as_bytes(), "messages.json"),
        vec![
            // No name: the email; the topic from message_id.
            with_channel(root(entry(
                2,
                utc(14, 32, 0),
                LineKind::Message,
                Some("sam@example.com"),
                "first",
                Some("a")
            ))),
            with_channel(entry(
                1,
                utc(14, 33, 0),
                LineKind::Message,
                Some("Kim Park"),
                "second",
                None
            )),
            with_channel(entry(
                3,
                utc(14, 34, 0),
                LineKind::System,
                None,
                "no creator",
                Some("a")
            )),
        ]
    );
}

#[test]
fn messages_that_cannot_be_read_are_problems_at_their_position() {
    let label = "google_chat/malformed/messages.json";
    let like = "a date like \"Wednesday, March 4, 2026 at 2:32:05 PM UTC\"";
    assert_eq!(
        read("google_chat/malformed/messages.json"),
        vec![
            Err(Problem::new(
                1,
                format!("{label}: message 1 is not a JSON object")
            )),
            Err(Problem::new(
                2,
                format!("{label}: message 2 has no \"created_date\" (expected {like})")
            )),
            Err(Problem::new(
                3,
                format!(
                    "{label}: message 3 has a \"created_date\" that is not {like}: \"yesterday at noon\" (no month name and day)"
                )
            )),
            Err(Problem::new(
                4,
                format!(
                    "{label}: message 4 has a \"created_date\" that is not {like}: \"Wednesday, February 30, 2026 at 2:32:05 PM UTC\" (there is no day 30 in month 2 of 2026)"
                )
            )),
            entry(
                5,
                utc(14, 32, 5),
                LineKind::Message,
                Some("Kim Park"),
                "readable",
                None
            ),
        ]
    );
}

#[test]
fn invalid_json_is_one_problem_with_its_line_and_column() {
    assert_eq!(
        read("google_chat/malformed/invalid.json"),
        vec![Err(Problem::new(
            3,
            "google_chat/malformed/invalid.json is not valid JSON: key must be a string (line 3, column 37)"
        ))]
    );
    let expected =
        "m.json: expected a JSON object with a \"messages\" array (Google Chat's messages.json)";
    for doc in [&b"[]"[..], b"{}", b"{\"messages\": \"none\"}", b"null"] {
        assert_eq!(
            read_bytes(doc, "m.json"),
            vec![Err(Problem::new(0, expected))]
        );
    }
}

fn head(path: &str) -> String {
    let bytes = std::fs::read(fixture(path)).unwrap();
    let end = bytes.len().min(64 * 1024);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[test]
fn sniffing_tells_google_chat_from_other_formats() {
    let own = head(SPACE);
    assert!(google_chat::sniff(&own) >= 0.8);
    assert!(
        google_chat::sniff(&own[..own.len() / 4]) >= 0.8,
        "a cut head"
    );
    assert!(google_chat::sniff(&head("google_chat/malformed/messages.json")) >= 0.8);
    assert!(matrix::sniff_json(&own) < 0.3);
    for other in [
        "irc/irc-#ops.log",
        "irc/irssi-#ops.log",
        "irc/irc.libera.#ops.weechatlog",
        "irc/znc_2026-03-04.log",
        "slack/workspace/general/2026-03-04.json",
        "slack/workspace/users.json",
        "text/chat.csv",
        "text/plain.txt",
        "text/slack-paste.txt",
        "matrix/element-export.json",
        "matrix/element-export.txt",
    ] {
        assert!(google_chat::sniff(&head(other)) < 0.3, "{other}");
    }
}

#[test]
fn no_input_makes_it_panic() {
    let bytes = std::fs::read(fixture(SPACE)).unwrap();
    let step = (bytes.len() / 400).max(1);
    for end in (0..bytes.len()).step_by(step) {
        read_bytes(&bytes[..end], "cut");
        google_chat::sniff(&String::from_utf8_lossy(&bytes[..end]));
    }
    for odd in [
        &b"{\"messages\": [{\"created_date\": \"\xe2\x88\x92 at 99:99 UTC+99:99\"}]}"[..],
        b"{\"messages\": [{\"created_date\": \"March 4, 2026 at 12:00 AM GMT-18\", \"creator\": 7, \"attached_files\": [1, {}], \"annotations\": [{\"drive_metadata\": {}}], \"quoted_message_metadata\": {\"text\": \"\"}}]}",
        b"{\"messages\": [{\"created_date\": \"Wed, Mar 4, 2026 at 1:00:00 PM \xe2\x88\x925\", \"message_id\": \"//\"}]}",
    ] {
        read_bytes(odd, "odd");
    }
}
