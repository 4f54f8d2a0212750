//! mIRC logs, with mIRC's default timestamp `[HH:nn]` (`[HH:nn:ss]` too):
//!
//! ```text
//! Session Start: Wed Mar 04 14:00:00 2026
//! Session Ident: #ops
//! [14:32] <@sam> checkout p99 is up
//! [14:32] * sam waves
//! [14:33] * ana (~ana@host) has joined #ops
//! [14:33] * Joins: kim (~kim@host)
//! [14:34] * ana (~ana@host) has left #ops
//! [14:35] * lee (~lee@host) Quit (Ping timeout)
//! [14:36] * sam is now known as sam_oncall
//! [14:37] * sam changes topic to 'checkout down'
//! [14:38] * sam sets mode: +o kim
//! [14:38] -kim- deploy frozen
//! Session Time: Thu Mar 05 00:00:00 2026
//! Session Close: Thu Mar 05 00:10:00 2026
//! ```
//!
//! `Session Start:`, `Session Time:` (written at midnight) and `Session
//! Close:` give the date of the lines that follow; `Session Ident:` is
//! skipped. mIRC writes events and actions alike after `*`: a line that reads
//! as an event ([`common::irc_prose`]: joins, parts, quits in both the long
//! and the short "Joins:" form, nick and topic changes, modes, kicks as the
//! kicked nick's part, "Now talking in #ops", "Topic is '...'") is one, with
//! its text as written and the nick it is about as author; anything else is
//! an action. Notices are `-nick- text` or `-nick:#channel- text`.

use super::common::{self, bracketed, ctime_date};
use super::{LineFormat, Parsed};

const EXPECTED: &str =
    "expected \"[HH:MM] <nick> text\", \"[HH:MM] * nick ...\" or a \"Session Start:\" line (mIRC)";

#[derive(Default)]
pub struct Mirc {}

impl LineFormat for Mirc {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        if let Some(session) = line.strip_prefix("Session ") {
            return session_line(session);
        }
        let Some(b) = bracketed(line).filter(|b| b.date.is_none()) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let stamp = common::stamp(None, b.time);
        let entry = if let Some(body) = b.rest.strip_prefix("* ") {
            common::star_entry(number, stamp, body)
        } else {
            common::message_entry(number, stamp, b.rest)
                .or_else(|| common::notice_entry(number, stamp, b.rest))
        };
        match entry {
            Some(entry) => Parsed::Entry(entry),
            None => Parsed::Invalid(EXPECTED.into()),
        }
    }
}

/// `Start: <date>`, `Time: <date>`, `Close: <date>`, `Ident: #ops`.
fn session_line(session: &str) -> Parsed {
    if session.starts_with("Ident:") {
        return Parsed::Skip;
    }
    let Some(date) = ["Start:", "Time:", "Close:"]
        .iter()
        .find_map(|word| session.strip_prefix(word))
    else {
        return Parsed::Invalid(EXPECTED.into());
    };
    match ctime_date(date) {
        Some(date) => Parsed::Day(date),
        None => Parsed::Invalid(format!(
            "expected a date such as \"Wed Mar 04 14:00:00 2026\" in this mIRC session line, found \"{}\"",
            date.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Entry, LineKind, Stamp};
    use chrono::{NaiveDate, NaiveTime};

    fn at(h: u32, m: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
        }
    }

    #[test]
    fn lines() {
        let cases = [
            ("[14:32] <@sam> up", LineKind::Message, Some("sam"), "up"),
            (
                "[14:32] * sam waves",
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "[14:32] * Joins: kim (~kim@host)",
                LineKind::Join,
                Some("kim"),
                "Joins: kim (~kim@host)",
            ),
            (
                "[14:32] * lee (~lee@host) Quit (Ping timeout)",
                LineKind::Quit,
                Some("lee"),
                "lee (~lee@host) Quit (Ping timeout)",
            ),
            (
                "[14:32] * sam changes topic to 'checkout down'",
                LineKind::Topic,
                Some("sam"),
                "sam changes topic to 'checkout down'",
            ),
            (
                "[14:32] * Now talking in #ops",
                LineKind::System,
                None,
                "Now talking in #ops",
            ),
            (
                "[14:32] * Topic is 'checkout'",
                LineKind::Topic,
                None,
                "Topic is 'checkout'",
            ),
            (
                "[14:32] -kim:#ops- frozen",
                LineKind::Notice,
                Some("kim"),
                "frozen",
            ),
        ];
        for (line, kind, author, text) in cases {
            assert_eq!(
                Mirc::default().parse(4, line),
                Parsed::Entry(Entry::new(4, at(14, 32), kind, author, text)),
                "{line}"
            );
        }
    }

    #[test]
    fn sessions_and_problems() {
        let mut p = Mirc::default();
        let day = Parsed::Day(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
        assert_eq!(p.parse(1, "Session Start: Wed Mar 04 14:00:00 2026"), day);
        assert_eq!(p.parse(1, "Session Time: Wed Mar 04 00:00:00 2026"), day);
        assert_eq!(p.parse(1, "Session Close: Wed Mar 04 15:00:00 2026"), day);
        assert_eq!(p.parse(1, "Session Ident: #ops"), Parsed::Skip);
        assert!(
            matches!(p.parse(1, "Session Start: soon"), Parsed::Invalid(r) if r.contains("soon"))
        );
        for bad in [
            "14:32 <sam> hi",
            "[14:32] sam: hi",
            "[14:32] *** sam has joined",
            "[2026-03-04 14:32] <sam> hi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
    }
}
