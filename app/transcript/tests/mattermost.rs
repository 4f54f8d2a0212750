//! Mattermost's bulk export (JSONL), from `tests/fixtures/mattermost/`.

mod support;

use support::{Expect, OTHER_FORMATS, assert_entries, head, problems, read, utc};
use transcript::LineKind::*;
use transcript::formats::mattermost;

#[test]
fn a_bulk_export_reads_every_field() {
    let got = read(mattermost::read, "mattermost/incident-4711.jsonl");
    let channel = Some("#incident-4711");
    let thread = Some("1772634725000");
    let post = |line, stamp, kind, author, text, thread| Expect {
        line,
        stamp,
        kind,
        author,
        text,
        thread,
        thread_root: false,
        channel,
    };
    assert_entries(
        &got,
        &[
            // Unsorted in the file: emitted in time order per channel.
            post(
                8,
                utc(14, 30, 0),
                Bot,
                Some("PagerDuty"),
                "Triggered: checkout p99 > 1 s\nService: checkout\nUrgency: high",
                None,
            ),
            post(
                10,
                utc(14, 30, 50),
                Topic,
                Some("Sam"),
                "sam updated the channel header to: Checkout latency, 4711",
                None,
            ),
            // No user line for alex: the username stands.
            post(
                9,
                utc(14, 31, 40),
                Join,
                Some("alex"),
                "alex joined the channel.",
                None,
            ),
            post(
                6,
                utc(14, 32, 5),
                Message,
                Some("Sam"),
                "checkout p99 is at 2.4 s, looking at the db pool (edited)",
                thread,
            )
            .root(),
            // Replies carry the root's line and thread; "kim" is resolved
            // through a user line that comes after the post.
            post(
                6,
                utc(14, 33, 20),
                Message,
                Some("Kim Park"),
                "pool is at 100/100 connections",
                thread,
            ),
            post(
                6,
                utc(14, 35, 0),
                Message,
                Some("Sam"),
                "raising it to 200\n[file: pool-config.yaml]",
                thread,
            ),
            post(
                11,
                utc(14, 36, 0),
                Action,
                Some("alex"),
                "is reading the deploy log",
                None,
            ),
            post(
                5,
                utc(15, 0, 0),
                Message,
                Some("Kim Park"),
                "checkout p99 back under 300 ms after the pool change",
                None,
            ),
            Expect {
                line: 13,
                stamp: utc(14, 34, 10),
                kind: Message,
                author: Some("Kim Park"),
                text: "can you take comms? I will stay on the pool",
                thread: None,
                thread_root: false,
                channel: Some("@Kim Park, @Sam"),
            },
        ],
    );
}

/// `incident-4712.jsonl`: people joining, added, a guest, leaving, removed
/// (and an older server's combined join/leave type), around a thread whose
/// first reply is timed before its root.
#[test]
fn presence_posts_are_presence_and_a_thread_keeps_its_root() {
    let got = read(mattermost::read, "mattermost/incident-4712.jsonl");
    let channel = Some("#incident-4712");
    let thread = Some("1772634300000");
    let post = |line, stamp, kind, author, text, thread| Expect {
        line,
        stamp,
        kind,
        author,
        text,
        thread,
        thread_root: false,
        channel,
    };
    assert_entries(
        &got,
        &[
            post(
                6,
                utc(14, 20, 0),
                Join,
                Some("Kim Park"),
                "kim joined the channel.",
                None,
            ),
            post(
                7,
                utc(14, 21, 0),
                Join,
                Some("Sam"),
                "lee added to the channel by sam.",
                None,
            ),
            post(
                8,
                utc(14, 22, 0),
                Join,
                Some("Ola Vendor"),
                "vendor joined the channel as a guest.",
                None,
            ),
            // The reply timed before its root stays a reply: the post holding
            // the replies is the root.
            post(
                9,
                utc(14, 24, 0),
                Message,
                Some("Kim Park"),
                "host 4 reverted",
                thread,
            ),
            post(
                9,
                utc(14, 25, 0),
                Message,
                Some("Sam"),
                "rollback status: 3 of 5 hosts",
                thread,
            )
            .root(),
            post(
                9,
                utc(14, 26, 0),
                Message,
                Some("Kim Park"),
                "host 5 reverted",
                thread,
            ),
            post(
                10,
                utc(14, 27, 0),
                Part,
                Some("Ola Vendor"),
                "vendor left the channel.",
                None,
            ),
            post(
                11,
                utc(14, 28, 0),
                Part,
                Some("Sam"),
                "lee was removed from the channel.",
                None,
            ),
            post(
                12,
                utc(14, 29, 0),
                Part,
                Some("Kim Park"),
                "kim left the channel.",
                None,
            ),
            // Not presence: the system's.
            post(
                13,
                utc(14, 30, 0),
                System,
                Some("Sam"),
                "sam archived the channel",
                None,
            ),
        ],
    );
    // Hidden from the review unless asked for, like IRC's joins and parts.
    let presence: Vec<u64> = got
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .filter(|e| e.kind.is_presence())
        .map(|e| e.line)
        .collect();
    assert_eq!(presence, [6, 7, 8, 10, 11, 12]);
}

#[test]
fn bad_lines_are_problems_and_the_rest_is_read() {
    let got = read(mattermost::read, "mattermost/malformed.jsonl");
    let problems = problems(&got);
    let lines: Vec<u64> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, [2, 3, 4, 5], "{problems:#?}");
    assert!(
        problems[0]
            .1
            .contains("line 2 is not a JSON object (EOF while parsing")
    );
    assert!(
        problems[1]
            .1
            .contains("line 3 is [\"not\",\"an\",\"object\"], not a JSON object")
    );
    assert!(
        problems[2]
            .1
            .contains("needs \"create_at\" (epoch milliseconds)")
    );
    assert!(problems[3].1.contains("needs its \"channel\""));
    assert!(
        problems
            .iter()
            .all(|p| p.1.starts_with("mattermost/malformed.jsonl: "))
    );
    let texts: Vec<&str> = got
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(texts, ["still read"]);
}

#[test]
fn sniff_knows_its_own_and_not_the_others() {
    assert_eq!(
        mattermost::sniff(&head("mattermost/incident-4711.jsonl")),
        1.0
    );
    assert!(mattermost::sniff(&head("mattermost/malformed.jsonl")) < 0.3);
    for other in OTHER_FORMATS
        .iter()
        .filter(|p| !p.starts_with("mattermost"))
    {
        assert!(mattermost::sniff(&head(other)) < 0.3, "{other}");
    }
}
