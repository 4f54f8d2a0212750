//! HexChat (and XChat) logs, with the default `stamp_log_format`
//! `%b %d %H:%M:%S `; the text event's `$t` is a tab in the log (`\t` below):
//!
//! ```text
//! **** BEGIN LOGGING AT Wed Mar  4 14:00:00 2026
//!
//! Mar 04 14:32:05 <sam>\tcheckout p99 is up
//! Mar 04 14:32:09 *\tsam waves
//! Mar 04 14:33:00 -->\tana (~ana@host) has joined #ops
//! Mar 04 14:34:00 <--\tana (~ana@host) has left #ops (bye)
//! Mar 04 14:35:00 <--\tlee has quit (Ping timeout)
//! Mar 04 14:36:00 ---\tsam is now known as sam_oncall
//! Mar 04 14:37:00 *\tsam has changed the topic to: checkout down
//! Mar 04 14:38:00 -kim-\tdeploy frozen
//! **** ENDING LOGGING AT Wed Mar  4 15:00:00 2026
//! ```
//!
//! XChat and older HexChat mark events with `-->` (join), `<--` (part, quit)
//! and `---`; newer HexChat with `*`, like actions: after `*`, a line that
//! reads as an event ([`common::irc_prose`]: joins, parts, quits, nick and
//! topic changes, modes, "Now talking on #ops") is one, anything else is an
//! action. Event texts are kept as written, with the nick they are about as
//! author. Notices are `-nick-` (or `-nick/#channel-`), private messages
//! `*nick*`.
//!
//! The stamp has no year: it comes from the last `BEGIN LOGGING` marker (and
//! goes up by one when the month goes back, December to January). Before any
//! marker, the month and day are not used and the line's date comes from the
//! file name or the date given.

use chrono::NaiveDate;

use super::common::{self, ctime_date, month_number, time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str =
    "expected \"Mon DD HH:MM:SS <nick><tab>text\" or a \"**** BEGIN LOGGING AT\" marker (HexChat)";

#[derive(Default)]
pub struct Hexchat {
    /// The year of the last marker (moved on at each new year), and the month
    /// of the line before.
    year: Option<(i32, u32)>,
}

impl LineFormat for Hexchat {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        if let Some(marker) = line.strip_prefix("**** ") {
            return self.marker(marker);
        }
        let Some((month, day, time, rest)) = stamp(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let Some((prefix, body)) = rest.split_once('\t') else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let date = match &mut self.year {
            Some((year, last_month)) => {
                if month < *last_month {
                    *year += 1;
                }
                *last_month = month;
                match NaiveDate::from_ymd_opt(*year, month, day) {
                    Some(date) => Some(date),
                    None => {
                        return Parsed::Invalid(format!(
                            "day {day} of month {month} does not exist in {year}"
                        ));
                    }
                }
            }
            None => None,
        };
        let stamp = common::stamp(date, time);
        let entry = match prefix.trim() {
            "*" => common::star_entry(number, stamp, body),
            "-->" => Some(common::event_entry(number, stamp, body, LineKind::Join)),
            "<--" => Some(common::event_entry(number, stamp, body, LineKind::Part)),
            "---" | "--" | "-" => Some(common::event_entry(number, stamp, body, LineKind::System)),
            prefix => {
                person(prefix).map(|(kind, nick)| Entry::new(number, stamp, kind, Some(nick), body))
            }
        };
        match entry {
            Some(entry) => Parsed::Entry(entry),
            None => Parsed::Invalid(EXPECTED.into()),
        }
    }
}

impl Hexchat {
    /// `BEGIN LOGGING AT Wed Mar  4 14:00:00 2026`, `ENDING LOGGING AT ...`.
    fn marker(&mut self, marker: &str) -> Parsed {
        let Some(date) = ["BEGIN LOGGING AT ", "ENDING LOGGING AT "]
            .iter()
            .find_map(|word| marker.strip_prefix(word))
        else {
            return Parsed::Invalid(EXPECTED.into());
        };
        match ctime_date(date) {
            Some(date) => {
                use chrono::Datelike;
                self.year = Some((date.year(), date.month()));
                Parsed::Day(date)
            }
            None => Parsed::Invalid(format!(
                "expected a date such as \"Wed Mar  4 14:00:00 2026\" in this HexChat marker, found \"{}\"",
                date.trim()
            )),
        }
    }
}

/// `Mar 04 14:32:05 ` at the start of `line`: month, day, time and the rest.
fn stamp(line: &str) -> Option<(u32, u32, chrono::NaiveTime, &str)> {
    let b = line.as_bytes();
    let month = month_number(line.get(..3)?)?;
    if b.get(3) != Some(&b' ') || b.get(6) != Some(&b' ') {
        return None;
    }
    let day = match (b[4], b[5]) {
        (b' ', d) if d.is_ascii_digit() => u32::from(d - b'0'),
        (t, d) if t.is_ascii_digit() && d.is_ascii_digit() => {
            u32::from(t - b'0') * 10 + u32::from(d - b'0')
        }
        _ => return None,
    };
    let (time, used) = time_at(&line[7..])?;
    let rest = line[7 + used..].strip_prefix(' ')?;
    Some((month, day, time, rest))
}

/// The prefix column when it names a person: `<nick>` (a message), `-nick-`
/// or `-nick/#chan-` (a notice), `*nick*` (a private message).
fn person(prefix: &str) -> Option<(LineKind, &str)> {
    let (kind, inner) =
        if let Some(inner) = prefix.strip_prefix('<').and_then(|p| p.strip_suffix('>')) {
            (LineKind::Message, common::bare_nick(inner))
        } else if let Some(inner) = prefix.strip_prefix('-').and_then(|p| p.strip_suffix('-')) {
            (LineKind::Notice, inner.split('/').next().unwrap_or(""))
        } else if let Some(inner) = prefix.strip_prefix('*').and_then(|p| p.strip_suffix('*')) {
            (LineKind::Message, inner)
        } else {
            return None;
        };
    common::is_nick(inner).then_some((kind, inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use chrono::NaiveTime;

    fn at(date: Option<NaiveDate>, h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date,
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn lines_take_the_year_of_the_marker() {
        let mut p = Hexchat::default();
        // Before any marker: no date.
        assert_eq!(
            p.parse(1, "Mar 04 14:32:05 <@sam>\tup"),
            Parsed::Entry(Entry::new(
                1,
                at(None, 14, 32, 5),
                LineKind::Message,
                Some("sam"),
                "up"
            ))
        );
        assert_eq!(
            p.parse(2, "**** BEGIN LOGGING AT Thu Dec 31 23:00:00 2026"),
            Parsed::Day(d(2026, 12, 31).unwrap())
        );
        assert_eq!(
            p.parse(3, "Dec 31 23:59:00 *\tsam waves"),
            Parsed::Entry(Entry::new(
                3,
                at(d(2026, 12, 31), 23, 59, 0),
                LineKind::Action,
                Some("sam"),
                "waves"
            ))
        );
        assert_eq!(
            p.parse(4, "Jan  1 00:01:00 -kim/#ops-\thappy new year"),
            Parsed::Entry(Entry::new(
                4,
                at(d(2027, 1, 1), 0, 1, 0),
                LineKind::Notice,
                Some("kim"),
                "happy new year"
            ))
        );
        assert_eq!(
            p.parse(5, "Jan 01 00:02:00 *\tsam (~sam@host) has joined #ops"),
            Parsed::Entry(Entry::new(
                5,
                at(d(2027, 1, 1), 0, 2, 0),
                LineKind::Join,
                Some("sam"),
                "sam (~sam@host) has joined #ops"
            ))
        );
        assert!(
            matches!(p.parse(6, "Feb 30 00:02:00 <sam>\thi"), Parsed::Invalid(r) if r.contains("does not exist"))
        );
    }

    #[test]
    fn events_and_problems() {
        let mut p = Hexchat::default();
        let e = |p: &mut Hexchat, line: &str| match p.parse(1, line) {
            Parsed::Entry(e) => (e.kind, e.author, e.text),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            e(&mut p, "Mar 04 14:35:00 <--\tlee has quit (Ping timeout)"),
            (
                LineKind::Quit,
                Some("lee".into()),
                "lee has quit (Ping timeout)".into()
            )
        );
        assert_eq!(
            e(
                &mut p,
                "Mar 04 14:36:00 ---\tsam is now known as sam_oncall"
            ),
            (
                LineKind::Nick,
                Some("sam".into()),
                "sam is now known as sam_oncall".into()
            )
        );
        assert_eq!(
            e(&mut p, "Mar 04 14:36:00 *\tNow talking on #ops"),
            (LineKind::System, None, "Now talking on #ops".into())
        );
        assert_eq!(
            e(&mut p, "Mar 04 14:36:00 *\tTopic for #ops is: checkout"),
            (LineKind::Topic, None, "Topic for #ops is: checkout".into())
        );
        assert_eq!(
            p.parse(1, "**** ENDING LOGGING AT Wed Mar  4 15:00:00 2026"),
            Parsed::Day(d(2026, 3, 4).unwrap())
        );
        for bad in [
            "Mar 04 14:32:05 <sam> no tab",
            "Mar 4 14:32:05 <sam>\thi",
            "Foo 04 14:32:05 <sam>\thi",
            "[14:32:05] <sam> hi",
            "Mar 04 14:32:05 sam\thi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
        assert!(
            matches!(p.parse(1, "**** BEGIN LOGGING AT someday"), Parsed::Invalid(r) if r.contains("someday"))
        );
    }
}
