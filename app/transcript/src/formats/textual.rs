//! Textual (macOS) plain-text logs. Textual writes its own fixed layout,
//! whatever the theme: an ISO 8601 time with the UTC offset
//! (`[%Y-%m-%dT%H:%M:%S%z]`), then `<nick>` (with its mode symbol) for a
//! message, `• nick:` for an action, `-nick-` for a notice, and nothing for
//! everything else:
//!
//! ```text
//! [2026-03-04T14:32:05+0100] <@sam> checkout p99 is up
//! [2026-03-04T14:32:09+0100] • sam: waves
//! [2026-03-04T14:32:30+0100] -kim- deploy frozen
//! [2026-03-04T14:33:00+0100] ana (~ana@host) joined the channel
//! [2026-03-04T14:34:00+0100] ana (~ana@host) left the channel (bye)
//! [2026-03-04T14:35:00+0100] lee (~lee@host) left IRC (Ping timeout)
//! [2026-03-04T14:36:00+0100] sam is now known as sam_oncall
//! [2026-03-04T14:37:00+0100] sam changed the topic to checkout down
//! [2026-03-04T14:38:00+0100] Topic is checkout
//! ```
//!
//! A time with an offset is an instant ([`Stamp::Exact`]); `+01:00` and `Z`
//! are read too, and a time without an offset is a wall-clock time in the
//! transcript's zone. Lines without a nick are events read as prose
//! ([`common::irc_prose`]: joins, parts, quits, nick and topic changes, modes,
//! kicks as the kicked nick's part), with their text as written and the nick
//! they are about as author; any other such line is a system line.

use chrono::{DateTime, Duration, Utc};

use super::common::{self, date_time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind, Stamp};

const EXPECTED: &str = "expected \"[YYYY-MM-DDTHH:MM:SS+ZZZZ] <nick> text\" (Textual)";

#[derive(Default)]
pub struct Textual {}

impl LineFormat for Textual {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let Some((stamp, rest)) = stamp(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let rest = rest.trim_end();
        if rest.is_empty() {
            return Parsed::Skip;
        }
        if let Some(entry) = common::message_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        if let Some(action) = rest.strip_prefix("• ")
            && let Some((nick, text)) = action
                .split_once(": ")
                .or_else(|| action.strip_suffix(':').map(|nick| (nick, "")))
            && common::is_nick(common::bare_nick(nick))
        {
            return Parsed::Entry(Entry::new(
                number,
                stamp,
                LineKind::Action,
                Some(common::bare_nick(nick)),
                text,
            ));
        }
        if let Some(entry) = common::notice_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        Parsed::Entry(common::event_entry(number, stamp, rest, LineKind::System))
    }
}

/// `[2026-03-04T14:32:05+0100] ` at the start of `line`: the stamp and the rest.
fn stamp(line: &str) -> Option<(Stamp, &str)> {
    let inner = line.strip_prefix('[')?;
    let (date, time, used) = date_time_at(inner)?;
    let after = &inner[used..];
    let (offset, after) = offset(after)?;
    let rest = after.strip_prefix(']')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let stamp = match offset {
        Some(seconds) => {
            let naive = date.and_time(time) - Duration::seconds(seconds);
            Stamp::Exact(DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc))
        }
        None => common::stamp(Some(date), time),
    };
    Some((stamp, rest))
}

/// `+0100`, `-05:00`, `Z` or nothing at the start of `s`: the offset east of
/// UTC in seconds, and the rest.
fn offset(s: &str) -> Option<(Option<i64>, &str)> {
    if let Some(rest) = s.strip_prefix('Z') {
        return Some((Some(0), rest));
    }
    let sign = match s.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Some((None, s)),
    };
    let b = s.as_bytes();
    let two = |i: usize| -> Option<i64> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit())
            .then(|| i64::from(x - b'0') * 10 + i64::from(y - b'0'))
    };
    let hours = two(1)?;
    let (minutes, used) = if b.get(3) == Some(&b':') {
        (two(4)?, 6)
    } else {
        (two(3)?, 5)
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((Some(sign * (hours * 3600 + minutes * 60)), &s[used..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Stamp {
        Stamp::Exact(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn lines() {
        let cases = [
            (
                "[2026-03-04T14:32:05+0100] <@sam> checkout p99 is up",
                utc("2026-03-04T13:32:05Z"),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up",
            ),
            (
                "[2026-03-04T14:32:09-05:30] • sam: waves",
                utc("2026-03-04T20:02:09Z"),
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "[2026-03-04T14:32:30Z] -kim- deploy frozen",
                utc("2026-03-04T14:32:30Z"),
                LineKind::Notice,
                Some("kim"),
                "deploy frozen",
            ),
            (
                "[2026-03-04T14:33:00+0100] ana (~ana@host) joined the channel",
                utc("2026-03-04T13:33:00Z"),
                LineKind::Join,
                Some("ana"),
                "ana (~ana@host) joined the channel",
            ),
            (
                "[2026-03-04T14:35:00+0100] lee (~lee@host) left IRC (Ping timeout)",
                utc("2026-03-04T13:35:00Z"),
                LineKind::Quit,
                Some("lee"),
                "lee (~lee@host) left IRC (Ping timeout)",
            ),
            (
                "[2026-03-04T14:36:00+0100] sam changed nick to sam_oncall",
                utc("2026-03-04T13:36:00Z"),
                LineKind::Nick,
                Some("sam"),
                "sam changed nick to sam_oncall",
            ),
            (
                "[2026-03-04T14:38:00+0100] Topic is checkout",
                utc("2026-03-04T13:38:00Z"),
                LineKind::Topic,
                None,
                "Topic is checkout",
            ),
            (
                "[2026-03-04T14:39:00+0100] Mode is +nt",
                utc("2026-03-04T13:39:00Z"),
                LineKind::System,
                None,
                "Mode is +nt",
            ),
        ];
        for (line, stamp, kind, author, text) in cases {
            assert_eq!(
                Textual::default().parse(9, line),
                Parsed::Entry(Entry::new(9, stamp, kind, author, text)),
                "{line}"
            );
        }
    }

    #[test]
    fn a_time_without_offset_is_local_and_problems() {
        let mut p = Textual::default();
        assert_eq!(
            p.parse(1, "[2026-03-04T14:32:05] <sam> hi"),
            Parsed::Entry(Entry::new(
                1,
                common::stamp(
                    chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
                    chrono::NaiveTime::from_hms_opt(14, 32, 5).unwrap()
                ),
                LineKind::Message,
                Some("sam"),
                "hi"
            ))
        );
        for bad in [
            "[14:32:05] <sam> hi",
            "2026-03-04T14:32:05+0100 <sam> hi",
            "[2026-03-04T14:32:05+01] <sam> hi",
            "[2026-13-04T14:32:05+0100] <sam> hi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
    }
}
