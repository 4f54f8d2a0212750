//! Zulip's organization export and API message dumps, from
//! `tests/fixtures/zulip/`.

mod support;

use support::{Expect, OTHER_FORMATS, assert_entries, fixture, head, problems, read, utc, utc_ms};
use transcript::LineKind::*;
use transcript::formats::zulip;
use transcript::{Entry, Problem};

fn export(with_realm: bool) -> Vec<Result<Entry, Problem>> {
    let realm = std::fs::read(fixture("zulip/export/realm.json")).unwrap();
    let realm = zulip::read_realm(&realm).unwrap();
    let bytes = std::fs::read(fixture("zulip/export/messages-000001.json")).unwrap();
    let mut out = Vec::new();
    zulip::read_export_messages(
        &bytes,
        "messages-000001.json",
        with_realm.then_some(&realm),
        &mut |e| out.push(e),
    );
    out
}

#[test]
fn an_organization_export_reads_every_field() {
    let ops = Some("#ops > checkout latency");
    let e = |line, stamp, kind, author, text, channel| Expect {
        line,
        stamp,
        kind,
        author,
        text,
        thread: None,
        thread_root: false,
        channel,
    };
    assert_entries(
        &export(true),
        &[
            e(
                1,
                utc(14, 30, 0),
                Bot,
                Some("Grafana"),
                "**Alert**: checkout p99 above 1 s",
                ops,
            ),
            // Out of order in the file: sorted by date_sent.
            e(
                3,
                utc(14, 31, 40),
                Action,
                Some("Kim Park"),
                "is looking at the db dashboards",
                ops,
            ),
            e(
                2,
                utc_ms(14, 32, 5, 500),
                Message,
                Some("Sam Lee"),
                "@Kim Park pool is at 100/100, see [file: pool.log (/user_uploads/2/ab/pool.log)] (edited)",
                ops,
            ),
            e(
                4,
                utc(14, 33, 20),
                System,
                None,
                "This topic was moved here from #ops > alerts by @Sam Lee.",
                ops,
            ),
            // A private message: everyone in it, sorted.
            e(
                5,
                utc(14, 34, 10),
                Message,
                Some("Kim Park"),
                "taking comms",
                Some("@Kim Park, @Sam Lee"),
            ),
            // An old export's pub_date; the code fence dropped around its code.
            e(
                6,
                utc(15, 0, 0),
                Message,
                Some("Sam Lee"),
                "max_connections = 200\nrolled out",
                Some("#ops > follow-ups"),
            ),
            // A group conversation, its people from the subscriptions.
            e(
                7,
                utc(15, 1, 40),
                Bot,
                Some("Grafana"),
                "resolved: checkout p99 below 300 ms",
                Some("@Grafana, @Kim Park, @Sam Lee"),
            ),
        ],
    );
}

#[test]
fn messages_without_their_realm_show_ids() {
    let got = export(false);
    let first = got[0].as_ref().unwrap();
    assert_eq!(first.author.as_deref(), Some("user 12"));
    assert_eq!(first.kind, Message);
    assert_eq!(
        first.channel.as_deref(),
        Some("#recipient 20 > checkout latency")
    );
    assert_eq!(got.len(), 7);
}

#[test]
fn an_api_dump_reads_every_field() {
    let got = read(zulip::read, "zulip/api-messages.json");
    let ops = Some("#ops > checkout latency");
    let e = |line, stamp, kind, author, text, channel| Expect {
        line,
        stamp,
        kind,
        author,
        text,
        thread: None,
        thread_root: false,
        channel,
    };
    assert_entries(
        &got,
        &[
            e(
                4,
                utc(14, 30, 0),
                Bot,
                Some("Grafana"),
                "alert: checkout p99 above 1 s",
                ops,
            ),
            e(
                2,
                utc(14, 31, 40),
                Message,
                Some("Kim Park"),
                "on it, @Sam Lee",
                Some("@Kim Park, @Sam Lee"),
            ),
            // HTML content (apply_markdown) as text.
            e(
                1,
                utc(14, 32, 5),
                Message,
                Some("Sam Lee"),
                "p99 at 2.4 s, see the dashboard (https://grafana.example.com/d/checkout) (edited)",
                ops,
            ),
            e(
                3,
                utc(14, 33, 20),
                System,
                None,
                "Stream #ops created by @Sam Lee.",
                ops,
            ),
        ],
    );
}

#[test]
fn unreadable_messages_are_problems_and_the_rest_is_read() {
    let got = read(zulip::read, "zulip/malformed.json");
    assert_eq!(
        problems(&got),
        [
            (1, "zulip/malformed.json: message 1 is not a JSON object".to_string()),
            (
                2,
                "zulip/malformed.json: message 2 has no readable \"date_sent\" (epoch seconds), skipped".to_string()
            ),
        ]
    );
    assert_eq!(got[2].as_ref().unwrap().text, "still read");
    let got = read(zulip::read, "zulip/invalid.json");
    let p = problems(&got);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].1
            .starts_with("zulip/invalid.json is not valid JSON: EOF while parsing"),
        "{p:?}"
    );
    assert!(
        zulip::read_realm(b"{\"zerver_realm\": []}")
            .unwrap_err()
            .contains("zerver_userprofile")
    );
}

#[test]
fn sniff_knows_its_own_and_not_the_others() {
    assert_eq!(
        zulip::sniff(&head("zulip/export/messages-000001.json")),
        1.0
    );
    assert!(zulip::sniff(&head("zulip/api-messages.json")) >= 0.8);
    assert!(zulip::is_realm(&head("zulip/export/realm.json")));
    assert!(!zulip::is_realm(&head("zulip/export/messages-000001.json")));
    for other in OTHER_FORMATS {
        assert!(zulip::sniff(&head(other)) < 0.3, "{other}");
        assert!(!zulip::is_realm(&head(other)), "{other}");
    }
}
