//! The common IRC log layout many clients, bouncers and bots share: a time
//! in brackets, then the line.
//!
//! ```text
//! [14:32] <sam> checkout p99 is up
//! [14:32:05] <@sam> looking
//! [2026-03-04 14:32] <sam> the date may be in the brackets too
//! [14:32] * sam waves
//! [14:33] *** ana has joined #ops
//! [14:34] * sam is now known as sam_oncall
//! [14:35] -kim- deploy frozen
//! [14:36] -!- lee [~lee@host] has quit [Ping timeout]
//! ```
//!
//! The time is `[HH:MM]` or `[HH:MM:SS]`, or `[YYYY-MM-DD HH:MM[:SS]]` (`T`
//! between date and time accepted). Lines without a date take it from the
//! file name or the date given, and roll over at midnight. `<nick>` is a
//! message (mode prefix dropped), `-nick-` a notice. After `***` or `-!-`
//! comes an event, after `*` an event or an action: events are read as prose
//! ([`common::irc_prose`]: joins, parts, quits, nick and topic changes, modes,
//! kicks as the kicked nick's part), keep their text as written and have the
//! nick they are about as author; an unknown event after `***` or `-!-` is a
//! system line without author.

use super::common::{self, bracketed};
use super::{LineFormat, Parsed};
use crate::LineKind;

const EXPECTED: &str = "expected \"[HH:MM] <nick> text\" (IRC)";

#[derive(Default)]
pub struct IrcBracket {}

impl LineFormat for IrcBracket {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let Some(b) = bracketed(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let stamp = common::stamp(b.date, b.time);
        let rest = b.rest;
        let entry = if let Some(event) = rest
            .strip_prefix("*** ")
            .or_else(|| rest.strip_prefix("-!- "))
        {
            Some(common::event_entry(number, stamp, event, LineKind::System))
        } else if let Some(body) = rest.strip_prefix("* ") {
            common::star_entry(number, stamp, body)
        } else {
            common::message_entry(number, stamp, rest)
                .or_else(|| common::notice_entry(number, stamp, rest))
        };
        match entry {
            Some(entry) => Parsed::Entry(entry),
            None => Parsed::Invalid(EXPECTED.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entry, Stamp};
    use chrono::{NaiveDate, NaiveTime};

    fn at(date: Option<NaiveDate>, h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date,
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    #[test]
    fn lines() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4);
        let cases = [
            (
                "[14:32] <sam> up",
                at(None, 14, 32, 0),
                LineKind::Message,
                Some("sam"),
                "up",
            ),
            (
                "[14:32:05] <@sam> up",
                at(None, 14, 32, 5),
                LineKind::Message,
                Some("sam"),
                "up",
            ),
            (
                "[2026-03-04 14:32] <sam> up",
                at(day, 14, 32, 0),
                LineKind::Message,
                Some("sam"),
                "up",
            ),
            (
                "[2026-03-04T14:32:07] <sam> up",
                at(day, 14, 32, 7),
                LineKind::Message,
                Some("sam"),
                "up",
            ),
            (
                "[14:32] * sam waves",
                at(None, 14, 32, 0),
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "[14:33] *** ana has joined #ops",
                at(None, 14, 33, 0),
                LineKind::Join,
                Some("ana"),
                "ana has joined #ops",
            ),
            (
                "[14:34] * sam is now known as sam_oncall",
                at(None, 14, 34, 0),
                LineKind::Nick,
                Some("sam"),
                "sam is now known as sam_oncall",
            ),
            (
                "[14:35] -kim- frozen",
                at(None, 14, 35, 0),
                LineKind::Notice,
                Some("kim"),
                "frozen",
            ),
            (
                "[14:36] *** ChanServ sets mode +o sam",
                at(None, 14, 36, 0),
                LineKind::System,
                Some("ChanServ"),
                "ChanServ sets mode +o sam",
            ),
            (
                "[14:36] *** Netsplit *.net <-> *.split",
                at(None, 14, 36, 0),
                LineKind::System,
                None,
                "Netsplit *.net <-> *.split",
            ),
        ];
        for (line, stamp, kind, author, text) in cases {
            assert_eq!(
                IrcBracket::default().parse(6, line),
                Parsed::Entry(Entry::new(6, stamp, kind, author, text)),
                "{line}"
            );
        }
    }

    #[test]
    fn problems() {
        let mut p = IrcBracket::default();
        for bad in [
            "14:32 <sam> up",
            "[14:32]<sam> up",
            "[14:32] sam: up",
            "[25:00] <sam> up",
            "[14:32] <sam lee> up",
            "this line is not IRC",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
        assert_eq!(p.parse(1, " \t"), Parsed::Skip);
    }
}
