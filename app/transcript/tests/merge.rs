//! Several transcripts into one review: order by instant, then transcript,
//! then line; the same message read twice kept once with every source.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use transcript::clock::Flag;
use transcript::formats::Format;
use transcript::merge::{Merged, Source, merge};
use transcript::read::{Options, read_text};
use transcript::{Line, LineKind};

fn read(name: &str, format: Format, zone: Tz, date: Option<NaiveDate>) -> Vec<Line> {
    let path = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures/text/merge")
    .join(name);
    let bytes = std::fs::read(path).unwrap();
    let options = Options {
        format,
        zone,
        date,
        file_name: None,
    };
    let mut out = Vec::new();
    read_text(&bytes[..], &options, &mut out).unwrap();
    out.into_iter()
        .map(|l| l.expect("every fixture line reads"))
        .collect()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[allow(clippy::too_many_arguments)]
fn merged(
    line: u64,
    at: &str,
    kind: LineKind,
    author: &str,
    text: &str,
    channel: Option<&str>,
    flag: Option<Flag>,
    sources: &[(usize, u64)],
) -> Merged {
    Merged {
        line: Line {
            line,
            at: utc(at),
            kind,
            author: Some(author.to_string()),
            text: text.to_string(),
            thread: None,
            thread_root: false,
            channel: channel.map(str::to_string),
            flag,
            approximate: false,
            zone: None,
            continued: 0,
        },
        sources: sources
            .iter()
            .map(|&(transcript, line)| Source { transcript, line })
            .collect(),
    }
}

#[test]
fn three_channels_with_overlaps_replays_and_the_same_quit() {
    use LineKind::*;
    let ops = read("ops.csv", Format::Csv, chrono_tz::UTC, None);
    let db = read("db.csv", Format::Csv, chrono_tz::UTC, None);
    let incident = read("incident.csv", Format::Csv, chrono_tz::UTC, None);
    // The bouncer's replay goes back in time and is flagged where it was read.
    assert_eq!(incident[3].line, 5);
    assert_eq!(
        incident[3].flag,
        Some(Flag::WentBack {
            previous: utc("2026-03-04T14:55:00Z"),
            line: 4,
        })
    );
    // Two minutes back is within the tolerance.
    assert_eq!(ops[2].flag, None);

    let review = merge(vec![ops, db, incident]);
    let (o, d, i) = (Some("#ops"), Some("#db"), Some("#incident"));
    assert_eq!(
        review,
        vec![
            merged(
                2,
                "2026-03-04T14:31:00Z",
                Message,
                "dba",
                "replication lag 30s",
                d,
                None,
                &[(1, 2)]
            ),
            // Same instant: transcript 0 before transcript 2, whatever the lines.
            merged(
                2,
                "2026-03-04T14:32:00Z",
                Message,
                "sam",
                "checkout p99 is up",
                o,
                None,
                &[(0, 2)]
            ),
            merged(
                2,
                "2026-03-04T14:32:00Z",
                Message,
                "kim",
                "paging",
                i,
                None,
                &[(2, 2), (2, 5)]
            ),
            // Written after 14:35 in its file, ordered by its time.
            merged(
                4,
                "2026-03-04T14:33:00Z",
                Message,
                "lee",
                "written late",
                o,
                None,
                &[(0, 4)]
            ),
            // "rolling  back" in #db: the same message (whitespace collapsed).
            merged(
                3,
                "2026-03-04T14:35:00Z",
                Message,
                "kim",
                "rolling back",
                o,
                None,
                &[(0, 3), (1, 3)]
            ),
            // One quit seen in every channel (and replayed): kept once, every source listed.
            merged(
                5,
                "2026-03-04T14:50:00Z",
                Quit,
                "sam",
                "Quit: Ping timeout",
                o,
                None,
                &[(0, 5), (1, 4), (2, 3), (2, 6)],
            ),
            merged(
                4,
                "2026-03-04T14:55:00Z",
                Message,
                "sam",
                "back",
                i,
                None,
                &[(2, 4)]
            ),
        ]
    );
}

#[test]
fn midnight_and_both_dst_changes_in_date_less_logs() {
    use LineKind::Message;
    let paris = chrono_tz::Europe::Paris;
    let autumn = read(
        "autumn.txt",
        Format::Plain,
        paris,
        NaiveDate::from_ymd_opt(2026, 10, 24),
    );
    let spring = read(
        "spring.txt",
        Format::Plain,
        paris,
        NaiveDate::from_ymd_opt(2026, 3, 28),
    );
    let gap = Some(Flag::DstGap { zone: paris });
    let repeat = |second| {
        Some(Flag::DstRepeat {
            zone: paris,
            second,
        })
    };
    let review = merge(vec![autumn, spring]);
    assert_eq!(
        review,
        vec![
            // Spring (transcript 1) comes first: it is earlier.
            merged(
                1,
                "2026-03-28T22:58:00Z",
                Message,
                "sam",
                "saturday night deploy",
                None,
                None,
                &[(1, 1)]
            ),
            // 00:05 is the next day (rollover), still CET.
            merged(
                2,
                "2026-03-28T23:05:00Z",
                Message,
                "kim",
                "after midnight",
                None,
                None,
                &[(1, 2)]
            ),
            merged(
                3,
                "2026-03-29T00:59:00Z",
                Message,
                "sam",
                "before the change",
                None,
                None,
                &[(1, 3)]
            ),
            // 02:30 does not exist in Paris that night: read as CET, flagged.
            merged(
                4,
                "2026-03-29T01:30:00Z",
                Message,
                "kim",
                "in the gap",
                None,
                gap,
                &[(1, 4)]
            ),
            merged(
                5,
                "2026-03-29T01:45:00Z",
                Message,
                "sam",
                "after the change",
                None,
                None,
                &[(1, 5)]
            ),
            merged(
                1,
                "2026-10-24T21:50:00Z",
                Message,
                "sam",
                "before midnight",
                None,
                None,
                &[(0, 1)]
            ),
            merged(
                2,
                "2026-10-24T22:10:00Z",
                Message,
                "kim",
                "after midnight",
                None,
                None,
                &[(0, 2)]
            ),
            // 02:00-03:00 happens twice: the first pass is CEST ...
            merged(
                3,
                "2026-10-25T00:10:00Z",
                Message,
                "sam",
                "first 02:10",
                None,
                repeat(false),
                &[(0, 3)]
            ),
            merged(
                4,
                "2026-10-25T00:50:00Z",
                Message,
                "kim",
                "still summer time",
                None,
                repeat(false),
                &[(0, 4)]
            ),
            // ... and 02:05 after 02:50 is the second pass, CET.
            merged(
                5,
                "2026-10-25T01:05:00Z",
                Message,
                "sam",
                "clocks went back",
                None,
                repeat(true),
                &[(0, 5)]
            ),
            merged(
                6,
                "2026-10-25T02:01:00Z",
                Message,
                "kim",
                "winter time",
                None,
                None,
                &[(0, 6)]
            ),
        ]
    );
}
