//! Suggestions over the fixtures of every format, read as an import reads
//! them: what each line is offered, pinned, so that a change to the rules
//! shows here as the lines it changes.

mod support;

use transcript::formats::detect_path;
use transcript::read::{Options, read_path};
use transcript::{Line, Problem};

/// The suggestions of a fixture's lines: (channel, line, rule id).
fn suggestions(path: &str) -> Vec<(String, u64, &'static str)> {
    let full = support::fixture(path);
    let name = full.file_name().unwrap().to_string_lossy().into_owned();
    let ranked = detect_path(&full, Some(&name)).unwrap();
    let options = Options {
        format: ranked[0].format,
        zone: chrono_tz::UTC,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
        file_name: Some(name),
    };
    let mut out: Vec<Result<Line, Problem>> = Vec::new();
    read_path(&full, &options, &mut out).unwrap();
    out.iter()
        .filter_map(|l| l.as_ref().ok())
        .filter_map(|l| {
            let rule = transcript::suggest::suggest(l)?;
            Some((l.channel.clone().unwrap_or_default(), l.line, rule.id))
        })
        .collect()
}

/// What a fixture's lines are offered: (channel, line, rule id).
type Offered<'a> = &'a [(&'a str, u64, &'a str)];

#[test]
fn the_fixtures_are_offered_what_they_were() {
    let cases: &[(&str, Offered)] = &[
        ("reports/access-revoked.txt", &[("", 8, "page")]),
        (
            "reports/checkout-ranges.txt",
            // Line 12, "Status page updated twice", is a notification.
            &[("", 7, "page"), ("", 12, "page")],
        ),
        ("reports/deploy-sync.txt", &[]),
        (
            "reports/logins-irc.txt",
            &[
                ("", 8, "rollback"),
                ("", 15, "rollback"),
                ("", 22, "rollback"),
            ],
        ),
        // "Disk alarms on queue-2, nobody paged": no page.
        ("reports/queue-backlog.txt", &[]),
        ("reports/retry-storm.txt", &[]),
        ("reports/router-flap.txt", &[]),
        ("reports/runbook-history.txt", &[("", 6, "rollback")]),
        ("text/plain.txt", &[("", 10, "diagnosed")]),
        (
            "text/slack-paste.txt",
            &[("", 5, "page"), ("", 17, "rollback"), ("", 19, "rollback")],
        ),
        ("text/chat.csv", &[]),
        (
            "irc/irssi-#ops.log",
            &[("", 4, "alert-firing"), ("", 6, "responding")],
        ),
        (
            "irc/irc-#ops.log",
            &[("", 2, "alert-firing"), ("", 3, "responding")],
        ),
        (
            "irc/limnoria-#ops.log",
            &[("", 2, "alert-firing"), ("", 3, "responding")],
        ),
        (
            "slack/workspace",
            &[
                ("general", 2, "page"),
                ("general", 6, "rollback"),
                ("general", 7, "rollback"),
            ],
        ),
        ("slack/ops", &[]),
        ("mattermost/incident-4711.jsonl", &[]),
        (
            "discord/incident-412.json",
            &[
                ("#incident-412", 9, "rollback"),
                ("#incident-412", 14, "deploy"),
            ],
        ),
        (
            "discord/incident-412.txt",
            &[
                ("#incident-412", 11, "page"),
                ("#incident-412", 55, "deploy"),
            ],
        ),
        (
            "matrix/element-export.json",
            &[
                ("#incident-checkout", 8, "alert-firing"),
                ("#incident-checkout", 9, "rollback"),
                ("#incident-checkout", 10, "rollback"),
                ("#incident-checkout", 14, "declared-resolved"),
                ("#incident-checkout", 23, "declared-resolved"),
            ],
        ),
        ("teams/messages.json", &[]),
        (
            "teams/channel-messages.json",
            &[("", 7, "declared-resolved")],
        ),
        (
            "zulip/api-messages.json",
            &[("@Kim Park, @Sam Lee", 2, "responding")],
        ),
        (
            "google_chat/Groups/Incident checkout/messages.json",
            &[("", 3, "page"), ("", 6, "rollback")],
        ),
    ];
    for (path, want) in cases {
        let want: Vec<(String, u64, &str)> = want
            .iter()
            .map(|(channel, line, id)| (channel.to_string(), *line, *id))
            .collect();
        assert_eq!(suggestions(path), want, "{path}");
    }
}
