//! irssi logs, with irssi's default log settings:
//!
//! ```text
//! --- Log opened Wed Mar 04 14:00:00 2026
//! 14:32 < @sam> checkout p99 is up
//! 14:32 <+kim> looking
//! 14:33  * sam waves
//! 14:34 -!- ana [~ana@host] has joined #ops
//! 14:35 -!- ana [~ana@host] has left #ops [bye]
//! 14:36 -!- lee [~lee@host] has quit [Ping timeout: 240 seconds]
//! 14:37 -!- sam is now known as sam_oncall
//! 14:38 -!- sam changed the topic of #ops to: checkout down
//! 14:39 -!- mode/#ops [+o kim] by sam
//! 14:40 -sam(~sam@host)- a private notice
//! 14:40 -sam:#ops- a channel notice
//! --- Day changed Thu Mar 05 2026
//! --- Log closed Thu Mar 05 00:10:00 2026
//! ```
//!
//! The time is `HH:MM` or `HH:MM:SS` (`log_timestamp`), then a space. The
//! `--- Log opened`, `--- Log closed` and `--- Day changed` markers
//! (`log_open_string`, `log_close_string`, `log_day_changed`) give the date of
//! the lines that follow. Nicks lose their mode prefix (`@`, `+`, ...).
//! Events after `-!-` are read as prose ([`common::irc_prose`]): joins, parts,
//! quits, nick and topic changes, a kick as the kicked nick's part, anything
//! else (modes, `Irssi:` notes, netsplits) as a system line; their text is
//! kept as written after the marker, and their author is the nick they are
//! about. Notices are `-nick(user@host)- text` or `-nick:#channel- text`.

use super::common::{self, ctime_date, time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str = "expected \"HH:MM <nick> text\", \"HH:MM -!- event\" or a \"--- Log opened\" / \"--- Day changed\" marker (irssi)";

#[derive(Default)]
pub struct Irssi {}

impl LineFormat for Irssi {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        if let Some(marker) = line.strip_prefix("--- ") {
            return day_marker(marker);
        }
        let Some((time, used)) = time_at(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let Some(rest) = line[used..].strip_prefix(' ') else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let stamp = common::stamp(None, time);
        if let Some(entry) = common::message_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        let body = rest.trim_start();
        if let Some(event) = body.strip_prefix("-!- ") {
            return Parsed::Entry(common::event_entry(number, stamp, event, LineKind::System));
        }
        if let Some(action) = body.strip_prefix("* ")
            && let Some((nick, text)) = common::action(action)
        {
            return Parsed::Entry(Entry::new(
                number,
                stamp,
                LineKind::Action,
                Some(nick),
                text,
            ));
        }
        if let Some(entry) = common::notice_entry(number, stamp, body) {
            return Parsed::Entry(entry);
        }
        Parsed::Invalid(EXPECTED.into())
    }
}

/// `Day changed Wed Mar 04 2026`, `Log opened Wed Mar 04 14:00:00 2026`,
/// `Log closed ...`: the date.
fn day_marker(marker: &str) -> Parsed {
    let date = ["Day changed ", "Log opened ", "Log closed "]
        .iter()
        .find_map(|word| marker.strip_prefix(word));
    match date {
        Some(date) => match ctime_date(date) {
            Some(date) => Parsed::Day(date),
            None => Parsed::Invalid(format!(
                "expected a date such as \"Wed Mar 04 2026\" in this irssi marker, found \"{}\"",
                date.trim()
            )),
        },
        None => Parsed::Invalid(EXPECTED.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use chrono::{NaiveDate, NaiveTime};

    fn entry(line: &str) -> Entry {
        match Irssi::default().parse(7, line) {
            Parsed::Entry(e) => e,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn at(h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    #[test]
    fn messages_actions_and_notices() {
        assert_eq!(
            entry("14:32 < @sam> checkout p99 is up"),
            Entry::new(
                7,
                at(14, 32, 0),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up"
            )
        );
        assert_eq!(
            entry("14:32:05 <+kim> on it"),
            Entry::new(7, at(14, 32, 5), LineKind::Message, Some("kim"), "on it")
        );
        assert_eq!(
            entry("14:33  * sam waves"),
            Entry::new(7, at(14, 33, 0), LineKind::Action, Some("sam"), "waves")
        );
        assert_eq!(
            entry("14:40 -sam(~sam@host)- psst"),
            Entry::new(7, at(14, 40, 0), LineKind::Notice, Some("sam"), "psst")
        );
        assert_eq!(
            entry("14:40 -sam:#ops- all"),
            Entry::new(7, at(14, 40, 0), LineKind::Notice, Some("sam"), "all")
        );
    }

    #[test]
    fn events() {
        let cases = [
            (
                "14:34 -!- ana [~ana@host] has joined #ops",
                LineKind::Join,
                Some("ana"),
                "ana [~ana@host] has joined #ops",
            ),
            (
                "14:35 -!- ana [~ana@host] has left #ops [bye]",
                LineKind::Part,
                Some("ana"),
                "ana [~ana@host] has left #ops [bye]",
            ),
            (
                "14:36 -!- lee [~lee@host] has quit [Ping timeout]",
                LineKind::Quit,
                Some("lee"),
                "lee [~lee@host] has quit [Ping timeout]",
            ),
            (
                "14:37 -!- sam is now known as sam_oncall",
                LineKind::Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            (
                "14:38 -!- sam changed the topic of #ops to: checkout down",
                LineKind::Topic,
                Some("sam"),
                "sam changed the topic of #ops to: checkout down",
            ),
            (
                "14:39 -!- mode/#ops [+o kim] by sam",
                LineKind::System,
                None,
                "mode/#ops [+o kim] by sam",
            ),
            (
                "14:39 -!- kim was kicked from #ops by sam [flood]",
                LineKind::Part,
                Some("kim"),
                "kim was kicked from #ops by sam [flood]",
            ),
            (
                "14:39 -!- Irssi: Join to #ops was synced in 0 secs",
                LineKind::System,
                None,
                "Irssi: Join to #ops was synced in 0 secs",
            ),
        ];
        for (line, kind, author, text) in cases {
            let e = entry(line);
            assert_eq!(
                (e.kind, e.author.as_deref(), e.text.as_str()),
                (kind, author, text),
                "{line}"
            );
        }
    }

    #[test]
    fn markers_and_problems() {
        let mut p = Irssi::default();
        let day = |y, m, d| Parsed::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(
            p.parse(1, "--- Day changed Wed Mar 04 2026"),
            day(2026, 3, 4)
        );
        assert_eq!(
            p.parse(1, "--- Log opened Wed Mar 04 14:00:00 2026"),
            day(2026, 3, 4)
        );
        assert_eq!(
            p.parse(1, "--- Log closed Thu Mar 05 00:10:00 2026"),
            day(2026, 3, 5)
        );
        assert_eq!(p.parse(1, "   "), Parsed::Skip);
        assert!(
            matches!(p.parse(1, "--- Day changed someday"), Parsed::Invalid(r) if r.contains("someday"))
        );
        assert_eq!(p.parse(1, "hello"), Parsed::Invalid(EXPECTED.into()));
        assert_eq!(
            p.parse(1, "14:32 sam: hi"),
            Parsed::Invalid(EXPECTED.into())
        );
        assert_eq!(
            p.parse(1, "14:32<sam> hi"),
            Parsed::Invalid(EXPECTED.into())
        );
    }
}
