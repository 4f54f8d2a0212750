//! Limnoria (and Supybot) ChannelLogger logs: the time in
//! `supybot.log.timestampFormat` (default `%Y-%m-%dT%H:%M:%S`), two spaces,
//! then the line:
//!
//! ```text
//! 2026-03-04T14:32:05  <sam> checkout p99 is up
//! 2026-03-04T14:32:09  * sam waves
//! 2026-03-04T14:32:30  -kim- deploy frozen
//! 2026-03-04T14:33:00  *** ana <ana!~ana@host> has joined #ops
//! 2026-03-04T14:34:00  *** ana <ana!~ana@host> has left #ops (bye)
//! 2026-03-04T14:35:00  *** lee <lee!~lee@host> has quit IRC (Ping timeout)
//! 2026-03-04T14:36:00  *** sam is now known as sam_oncall
//! 2026-03-04T14:37:00  *** sam changes topic to "checkout down"
//! 2026-03-04T14:38:00  *** sam sets mode: +o kim
//! 2026-03-04T14:39:00  *** kim was kicked by sam (flood)
//! ```
//!
//! A space instead of the `T` is read too. Every line has its date (a
//! wall-clock time in the bot's zone). Events after `***` keep their text as
//! written, with their kind and author from the prose
//! ([`common::irc_prose`]; a kick is the kicked nick's part, an invitation or
//! anything else a system line).

use super::common::{self, date_time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str = "expected \"YYYY-MM-DDTHH:MM:SS  <nick> text\" (Limnoria ChannelLogger)";

#[derive(Default)]
pub struct Limnoria {}

impl LineFormat for Limnoria {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let Some((date, time, used)) = date_time_at(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let Some(rest) = line[used..].strip_prefix(' ') else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let stamp = common::stamp(Some(date), time);
        if let Some(entry) = common::message_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        if let Some(event) = rest.strip_prefix("*** ") {
            return Parsed::Entry(common::event_entry(number, stamp, event, LineKind::System));
        }
        if let Some(action) = rest.strip_prefix("* ")
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
        if let Some(entry) = common::notice_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        Parsed::Invalid(EXPECTED.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use chrono::{NaiveDate, NaiveTime};

    fn at(h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date: NaiveDate::from_ymd_opt(2026, 3, 4),
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    #[test]
    fn lines() {
        let cases = [
            (
                "2026-03-04T14:32:05  <sam> checkout p99 is up",
                at(14, 32, 5),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up",
            ),
            (
                "2026-03-04T14:32:09  * sam waves",
                at(14, 32, 9),
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "2026-03-04T14:32:30  -kim- deploy frozen",
                at(14, 32, 30),
                LineKind::Notice,
                Some("kim"),
                "deploy frozen",
            ),
            (
                "2026-03-04T14:33:00  *** ana <ana!~ana@host> has joined #ops",
                at(14, 33, 0),
                LineKind::Join,
                Some("ana"),
                "ana <ana!~ana@host> has joined #ops",
            ),
            (
                "2026-03-04T14:35:00  *** lee <lee!~lee@host> has quit IRC (Ping timeout)",
                at(14, 35, 0),
                LineKind::Quit,
                Some("lee"),
                "lee <lee!~lee@host> has quit IRC (Ping timeout)",
            ),
            (
                "2026-03-04T14:37:00  *** sam changes topic to \"checkout down\"",
                at(14, 37, 0),
                LineKind::Topic,
                Some("sam"),
                "sam changes topic to \"checkout down\"",
            ),
            (
                "2026-03-04T14:38:00  *** sam <sam!~sam@host> invited kim to #ops",
                at(14, 38, 0),
                LineKind::System,
                None,
                "sam <sam!~sam@host> invited kim to #ops",
            ),
        ];
        for (line, stamp, kind, author, text) in cases {
            assert_eq!(
                Limnoria::default().parse(5, line),
                Parsed::Entry(Entry::new(5, stamp, kind, author, text)),
                "{line}"
            );
        }
    }

    #[test]
    fn problems() {
        let mut p = Limnoria::default();
        for bad in [
            "2026-03-04T14:32:05<sam> hi",
            "2026-03-04T14:32:05  sam: hi",
            "14:32:05  <sam> hi",
            "2026-03-04\t14:32:05  <sam> hi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
    }
}
