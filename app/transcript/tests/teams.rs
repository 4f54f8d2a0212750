//! Microsoft Teams exports (Graph chatMessage lists and the personal data
//! export), from `tests/fixtures/teams/`.

mod support;

use support::{Expect, OTHER_FORMATS, assert_entries, head, problems, read, utc, utc_ms};
use transcript::LineKind::*;
use transcript::formats::teams;

#[test]
fn a_graph_channel_export_reads_every_field() {
    let got = read(teams::read, "teams/channel-messages.json");
    let root = Some("1772634725000");
    let message = |line, stamp, kind, author, text, thread| Expect {
        line,
        stamp,
        kind,
        author,
        text,
        thread,
        thread_root: false,
        channel: None,
    };
    assert_entries(
        &got,
        &[
            // +01:00 offset: 15:30 there is 14:30 UTC. A card's text follows.
            message(
                3,
                utc(14, 30, 0),
                Bot,
                Some("Azure Monitor"),
                "Alert fired\ncheckout p99 > 1 s",
                None,
            ),
            message(
                4,
                utc(14, 31, 40),
                Join,
                Some("Sam Lee"),
                "added Alex Kim",
                None,
            ),
            message(
                1,
                utc_ms(14, 32, 5, 123),
                Message,
                Some("Sam Lee"),
                "@Kim Park checkout p99 is at 2.4 s, can you look at the db pool? (edited)",
                root,
            )
            .root(),
            // A nested reply: counted after its root, threaded to it.
            message(
                2,
                utc(14, 33, 20),
                Message,
                Some("Kim Park"),
                "pool is at 100/100\nraising it to 200\n[file: pool-config.yaml (https://example.sharepoint.com/sites/sre/pool-config.yaml)]",
                root,
            ),
            // A reply by replyToId that was deleted.
            message(
                5,
                utc(14, 35, 0),
                System,
                Some("Alex Kim"),
                "This message was deleted.",
                root,
            ),
            message(
                6,
                utc(15, 0, 0),
                System,
                Some("Sam Lee"),
                "Call ended after 12 min 30 s",
                None,
            ),
            message(
                7,
                utc(15, 1, 40),
                Topic,
                Some("Kim Park"),
                "renamed it to incident-4711-resolved",
                None,
            ),
        ],
    );
}

#[test]
fn pascal_case_keys_read_the_same() {
    let got = read(teams::read, "teams/powershell-export.json");
    let e = |line, stamp, author, text| Expect {
        line,
        stamp,
        kind: Message,
        author: Some(author),
        text,
        thread: Some("2"),
        thread_root: false,
        channel: None,
    };
    assert_entries(
        &got,
        &[
            e(1, utc(14, 32, 5), "Sam Lee", "checkout p99 is at 2.4 s").root(),
            e(2, utc(14, 33, 20), "Kim Park", "on it"),
        ],
    );
}

#[test]
fn the_personal_export_reads_every_field() {
    let got = read(teams::read, "teams/messages.json");
    let channel = Some("Incident 4711");
    let e = |line, stamp, kind, author, text| Expect {
        line,
        stamp,
        kind,
        author: Some(author),
        text,
        thread: None,
        thread_root: false,
        channel,
    };
    assert_entries(
        &got,
        &[
            // The sender's name comes from their other messages.
            e(3, utc(14, 31, 0), Join, "Sam Lee", "added Kim Park"),
            e(
                2,
                utc(14, 32, 5),
                Message,
                "Sam Lee",
                "checkout p99 is at 2.4 s",
            ),
            e(
                1,
                utc(14, 33, 20),
                Message,
                "Kim Park",
                "pool is at 100/100 (edited)",
            ),
            e(
                5,
                utc(14, 40, 0),
                System,
                "Kim Park",
                "This message was deleted.",
            ),
            e(
                4,
                utc(15, 0, 0),
                System,
                "Sam Lee",
                "Call ended after 12 min 30 s",
            ),
        ],
    );
}

#[test]
fn unreadable_messages_are_problems_and_the_rest_is_read() {
    let got = read(teams::read, "teams/malformed.json");
    assert_eq!(
        problems(&got),
        [
            (1, "teams/malformed.json: message 1 is not a JSON object".to_string()),
            (
                2,
                "teams/malformed.json: message 2 has no readable \"createdDateTime\" (such as 2026-03-04T14:32:05.123Z), skipped".to_string()
            ),
        ]
    );
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].as_ref().unwrap().text, "still read");

    let got = read(teams::read, "teams/invalid.json");
    assert_eq!(
        problems(&got),
        [(
            3,
            "teams/invalid.json is not valid JSON: expected value (line 3, column 23)".to_string()
        )]
    );
    let got = support::read_bytes(teams::read, b"{\"name\": \"x\"}", "other.json");
    assert_eq!(problems(&got)[0].0, 0);
    assert!(problems(&got)[0].1.contains("expected Teams messages"));
}

#[test]
fn sniff_knows_its_own_and_not_the_others() {
    for own in [
        "teams/channel-messages.json",
        "teams/powershell-export.json",
        "teams/messages.json",
    ] {
        assert!(teams::sniff(&head(own)) >= 0.8, "{own}");
    }
    for other in OTHER_FORMATS.iter().filter(|p| !p.starts_with("teams")) {
        assert!(teams::sniff(&head(other)) < 0.3, "{other}");
    }
}
