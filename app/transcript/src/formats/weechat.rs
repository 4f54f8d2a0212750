//! WeeChat logs (`*.weechatlog`): the date and time, the prefix column and
//! the message, separated by tabs (`\t` below):
//!
//! ```text
//! 2026-03-04 14:32:05\t@sam\tcheckout p99 is up
//! 2026-03-04 14:32:09\t *\tsam waves
//! 2026-03-04 14:33:00\t-->\tana (~ana@host) has joined #ops
//! 2026-03-04 14:34:00\t<--\tana (~ana@host) has left #ops (bye)
//! 2026-03-04 14:35:00\t<--\tlee (~lee@host) has quit (Ping timeout)
//! 2026-03-04 14:36:00\t--\tsam is now known as sam_oncall
//! 2026-03-04 14:37:00\t--\tsam has changed topic for #ops to "checkout down"
//! 2026-03-04 14:37:30\t--\tNotice(kim) -> #ops: deploy frozen
//! 2026-03-04 14:38:00\t=!=\tirc: command "foo" not found
//! ```
//!
//! The time is `logger.file.time_format`'s default, `%Y-%m-%d %H:%M:%S`: every
//! line has its date. The prefix column is the author (its mode prefix
//! dropped), or an event marker: `-->` a join, `<--` a part or quit, `--`
//! anything the network or WeeChat says (nick and topic changes, modes,
//! notices `Notice(nick): text`), ` *` an action, `=!=` an error (system). An
//! empty prefix is a system line. Event texts are kept as written; their
//! kind and author come from the prose ([`common::irc_prose`]). The
//! `****  Beginning of log  ****` lines (`logger.file.info_lines`) are skipped.

use super::common::{self, date_at, time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str = "expected \"YYYY-MM-DD HH:MM:SS<tab>nick<tab>text\" (WeeChat)";

#[derive(Default)]
pub struct Weechat {}

impl LineFormat for Weechat {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let mut columns = line.splitn(3, '\t');
        let when = columns.next().unwrap_or("");
        let (Some(prefix), Some(message)) = (columns.next(), columns.next()) else {
            // "2026-03-04 14:00:00\t****  Beginning of log  ****"
            return match line.split_once('\t') {
                Some((when, info)) if stamp(when).is_some() && info.starts_with("****") => {
                    Parsed::Skip
                }
                _ => Parsed::Invalid(EXPECTED.into()),
            };
        };
        let Some(stamp) = stamp(when) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let entry = match prefix.trim() {
            "" => Entry::new(number, stamp, LineKind::System, None, message),
            "-->" => common::event_entry(number, stamp, message, LineKind::Join),
            "<--" => common::event_entry(number, stamp, message, LineKind::Part),
            "--" => match notice(message) {
                Some((nick, text)) => Entry::new(number, stamp, LineKind::Notice, Some(nick), text),
                None => common::event_entry(number, stamp, message, LineKind::System),
            },
            "=!=" => Entry::new(number, stamp, LineKind::System, None, message),
            "*" => match common::action(message) {
                Some((nick, text)) => Entry::new(number, stamp, LineKind::Action, Some(nick), text),
                None => return Parsed::Invalid(EXPECTED.into()),
            },
            nick => {
                let nick = nick
                    .strip_prefix('<')
                    .and_then(|n| n.strip_suffix('>'))
                    .unwrap_or(nick);
                let nick = common::bare_nick(nick);
                if nick.is_empty() || nick.contains(' ') {
                    return Parsed::Invalid(EXPECTED.into());
                }
                Entry::new(number, stamp, LineKind::Message, Some(nick), message)
            }
        };
        Parsed::Entry(entry)
    }
}

/// `YYYY-MM-DD HH:MM:SS`, the whole of `s`.
fn stamp(s: &str) -> Option<crate::Stamp> {
    let date = date_at(s)?;
    let rest = s[10..].strip_prefix(' ')?;
    let (time, used) = time_at(rest)?;
    (used == rest.len()).then_some(common::stamp(Some(date), time))
}

/// `Notice(kim): text` or `Notice(kim) -> #ops: text`.
fn notice(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix("Notice(")?;
    let (nick, rest) = rest.split_once(')')?;
    let (_, text) = rest.split_once(": ")?;
    common::is_nick(nick).then_some((nick, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use chrono::{NaiveDate, NaiveTime};

    fn entry(line: &str) -> Entry {
        match Weechat::default().parse(3, line) {
            Parsed::Entry(e) => e,
            other => panic!("{line}: {other:?}"),
        }
    }

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
                "2026-03-04 14:32:05\t@sam\tcheckout p99 is up",
                at(14, 32, 5),
                LineKind::Message,
                Some("sam"),
                "checkout p99 is up",
            ),
            (
                "2026-03-04 14:32:09\t *\tsam waves",
                at(14, 32, 9),
                LineKind::Action,
                Some("sam"),
                "waves",
            ),
            (
                "2026-03-04 14:33:00\t-->\tana (~ana@host) has joined #ops",
                at(14, 33, 0),
                LineKind::Join,
                Some("ana"),
                "ana (~ana@host) has joined #ops",
            ),
            (
                "2026-03-04 14:35:00\t<--\tlee (~lee@host) has quit (Ping timeout)",
                at(14, 35, 0),
                LineKind::Quit,
                Some("lee"),
                "lee (~lee@host) has quit (Ping timeout)",
            ),
            (
                "2026-03-04 14:35:30\t<--\tsam has kicked kim (flood)",
                at(14, 35, 30),
                LineKind::Part,
                Some("kim"),
                "sam has kicked kim (flood)",
            ),
            (
                "2026-03-04 14:37:30\t--\tNotice(kim) -> #ops: deploy frozen",
                at(14, 37, 30),
                LineKind::Notice,
                Some("kim"),
                "deploy frozen",
            ),
            (
                "2026-03-04 14:38:00\t=!=\tirc: command \"foo\" not found",
                at(14, 38, 0),
                LineKind::System,
                None,
                "irc: command \"foo\" not found",
            ),
            (
                "2026-03-04 14:38:00\t--\tMode #ops [+o kim] by sam",
                at(14, 38, 0),
                LineKind::System,
                None,
                "Mode #ops [+o kim] by sam",
            ),
        ];
        for (line, stamp, kind, author, text) in cases {
            assert_eq!(
                entry(line),
                Entry::new(3, stamp, kind, author, text),
                "{line}"
            );
        }
    }

    #[test]
    fn problems() {
        let mut p = Weechat::default();
        assert_eq!(
            p.parse(1, "2026-03-04 14:00:00\t****  Beginning of log  ****"),
            Parsed::Skip
        );
        assert_eq!(p.parse(1, ""), Parsed::Skip);
        for bad in [
            "2026-03-04 14:32:05 sam checkout",
            "2026-03-04T14:32:05\tsam\thi",
            "2026-02-30 14:32:05\tsam\thi",
            "14:32:05\tsam\thi",
            "2026-03-04 14:32:05\tsam lee\thi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
    }
}
