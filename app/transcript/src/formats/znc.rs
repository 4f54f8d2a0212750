//! ZNC's `log` module, with its default timestamp `[%H:%M:%S]`:
//!
//! ```text
//! [14:32:05] <sam> checkout p99 is up
//! [14:32:09] * sam waves
//! [14:32:30] -kim- deploy frozen
//! [14:33:00] *** Joins: ana (~ana@host)
//! [14:34:00] *** Parts: ana (~ana@host) (bye)
//! [14:35:00] *** Quits: lee (~lee@host) (Ping timeout)
//! [14:36:00] *** sam is now known as sam_oncall
//! [14:37:00] *** sam changes topic to 'checkout down'
//! [14:38:00] *** sam sets mode: +o kim
//! [14:39:00] *** kim was kicked by sam (flood)
//! [14:40:00] Connected to IRC (irc.libera.chat +6697)
//! ```
//!
//! Those are all the lines the module writes. Its files are named by date
//! (`$WINDOW/2026-03-04.log`): the lines have no date, the driver takes it
//! from the file name. Event lines after `***` keep their text as written,
//! with the nick they are about as author (a kick is the kicked nick's part);
//! `Connected to IRC`, `Disconnected from IRC` and `Broadcast:` lines are
//! system lines. A `***` line of another shape is not ZNC's and is reported.

use super::common::{self, bracketed};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str = "expected \"[HH:MM:SS] <nick> text\" (ZNC)";

#[derive(Default)]
pub struct Znc {}

impl LineFormat for Znc {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let Some(b) = bracketed(line).filter(|b| b.seconds && b.date.is_none()) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let stamp = common::stamp(None, b.time);
        let rest = b.rest;
        if let Some(entry) = common::message_entry(number, stamp, rest) {
            return Parsed::Entry(entry);
        }
        if let Some(event) = rest.strip_prefix("*** ") {
            return match znc_event(event) {
                Some((kind, nick)) => Parsed::Entry(Entry::new(
                    number,
                    stamp,
                    kind,
                    Some(nick),
                    event.trim_end(),
                )),
                None => Parsed::Invalid(
                    "expected a ZNC event (\"*** Joins:\", \"*** Parts:\", \"*** Quits:\", \"*** sam is now known as ...\", \"*** sam changes topic to ...\", \"*** sam sets mode: ...\", \"*** kim was kicked by ...\")"
                        .into(),
                ),
            };
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
        if [
            "Connected to IRC (",
            "Disconnected from IRC (",
            "Broadcast: ",
        ]
        .iter()
        .any(|p| rest.starts_with(p))
        {
            return Parsed::Entry(Entry::new(number, stamp, LineKind::System, None, rest));
        }
        Parsed::Invalid(EXPECTED.into())
    }
}

/// The kind and nick of an event ZNC writes after `***`, exactly as its log
/// module writes them.
fn znc_event(event: &str) -> Option<(LineKind, &str)> {
    for (word, kind) in [
        ("Joins: ", LineKind::Join),
        ("Parts: ", LineKind::Part),
        ("Quits: ", LineKind::Quit),
    ] {
        if let Some(rest) = event.strip_prefix(word) {
            let nick = rest.split(' ').next()?;
            return common::is_nick(nick).then_some((kind, nick));
        }
    }
    let (nick, rest) = event.split_once(' ')?;
    if !common::is_nick(nick) {
        return None;
    }
    let kind = if rest.starts_with("is now known as ") {
        LineKind::Nick
    } else if rest.starts_with("changes topic to '") {
        LineKind::Topic
    } else if rest.starts_with("sets mode: ") {
        LineKind::System
    } else if rest.starts_with("was kicked by ") {
        LineKind::Part
    } else {
        return None;
    };
    Some((kind, nick))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use chrono::NaiveTime;

    fn at(h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    #[test]
    fn lines() {
        let cases = [
            (
                "[14:32:05] <sam> checkout p99 is up",
                at(14, 32, 5),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up",
            ),
            (
                "[14:32:09] * sam waves",
                at(14, 32, 9),
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "[14:32:30] -kim- deploy frozen",
                at(14, 32, 30),
                LineKind::Notice,
                Some("kim"),
                "deploy frozen",
            ),
            (
                "[14:33:00] *** Joins: ana (~ana@host)",
                at(14, 33, 0),
                LineKind::Join,
                Some("ana"),
                "Joins: ana (~ana@host)",
            ),
            (
                "[14:35:00] *** Quits: lee (~lee@host) (Ping timeout)",
                at(14, 35, 0),
                LineKind::Quit,
                Some("lee"),
                "Quits: lee (~lee@host) (Ping timeout)",
            ),
            (
                "[14:37:00] *** sam changes topic to 'checkout down'",
                at(14, 37, 0),
                LineKind::Topic,
                Some("sam"),
                "sam changes topic to 'checkout down'",
            ),
            (
                "[14:39:00] *** kim was kicked by sam (flood)",
                at(14, 39, 0),
                LineKind::Part,
                Some("kim"),
                "kim was kicked by sam (flood)",
            ),
            (
                "[14:40:00] Connected to IRC (irc.libera.chat +6697)",
                at(14, 40, 0),
                LineKind::System,
                None,
                "Connected to IRC (irc.libera.chat +6697)",
            ),
        ];
        for (line, stamp, kind, author, text) in cases {
            assert_eq!(
                Znc::default().parse(2, line),
                Parsed::Entry(Entry::new(2, stamp, kind, author, text)),
                "{line}"
            );
        }
    }

    #[test]
    fn problems() {
        let mut p = Znc::default();
        assert_eq!(
            p.parse(1, "[14:32] <sam> hi"),
            Parsed::Invalid(EXPECTED.into())
        );
        assert_eq!(
            p.parse(1, "14:32:05 <sam> hi"),
            Parsed::Invalid(EXPECTED.into())
        );
        assert_eq!(
            p.parse(1, "[14:32:05] sam: hi"),
            Parsed::Invalid(EXPECTED.into())
        );
        assert!(matches!(
            p.parse(1, "[14:32:05] *** sam has joined #ops"),
            Parsed::Invalid(r) if r.contains("ZNC event")
        ));
    }
}
