//! MeetBot / Meetingology raw meeting logs (`ops.2026-03-04-14.32.log.txt`):
//! the bot logs every line of the meeting as `HH:MM:SS <nick> text` (some
//! versions `HH:MM`), actions as `HH:MM:SS * nick text`:
//!
//! ```text
//! 14:32:05 <sam> #startmeeting incident review
//! 14:32:05 <meetbot> Meeting started Wed Mar  4 14:32:05 2026 UTC.  The chair is sam.
//! 14:32:30 <sam> #topic timeline
//! 14:33:10 <kim> #info p99 went above 2 s at 14:04
//! 14:34:00 <sam> #action sam checks the LB
//! 14:34:20 <kim> #agreed roll back 412
//! 14:34:40 <kim> #link https://status.example.com/incidents/42
//! 14:35:00 * sam waves
//! 14:40:00 <sam> #endmeeting
//! ```
//!
//! The text is kept as written. `#startmeeting` and `#endmeeting` lines are
//! system lines (they are not chat, they frame it); `#topic` and
//! `#meetingtopic` lines are topics; every other line, commands such as
//! `#action`, `#info`, `#agreed` and `#link` included, is a message, so that
//! suggestions read its text. Commands are matched without regard to case,
//! as MeetBot does. The bot announces itself with "Meeting started ...": that
//! line and every later line of that nick are bot lines.
//!
//! The lines have no date: the driver takes it from the file name.

use super::common::{self, time_at};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind};

const EXPECTED: &str = "expected \"HH:MM:SS <nick> text\" (MeetBot)";

#[derive(Default)]
pub struct Meetbot {
    /// The bot's nick, once it has announced the meeting.
    bot: Option<String>,
}

impl LineFormat for Meetbot {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        let Some((time, used)) = time_at(line) else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let Some(rest) = line[used..].strip_prefix(' ') else {
            return Parsed::Invalid(EXPECTED.into());
        };
        let stamp = common::stamp(None, time);
        if let Some((nick, text)) = common::angle_message(rest) {
            let kind = if self.bot.as_deref() == Some(nick) {
                LineKind::Bot
            } else if text.starts_with("Meeting started ") {
                self.bot = Some(nick.to_string());
                LineKind::Bot
            } else {
                command_kind(text)
            };
            return Parsed::Entry(Entry::new(number, stamp, kind, Some(nick), text));
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
        Parsed::Invalid(EXPECTED.into())
    }
}

/// The kind of a line from its MeetBot command, if any.
fn command_kind(text: &str) -> LineKind {
    let Some(command) = text.strip_prefix('#') else {
        return LineKind::Message;
    };
    let word = command
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    if word.eq_ignore_ascii_case("startmeeting") || word.eq_ignore_ascii_case("endmeeting") {
        LineKind::System
    } else if word.eq_ignore_ascii_case("topic") || word.eq_ignore_ascii_case("meetingtopic") {
        LineKind::Topic
    } else {
        LineKind::Message
    }
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
    fn commands_and_the_bot() {
        let mut p = Meetbot::default();
        let lines = [
            (
                "14:32:05 <sam> #startmeeting incident review",
                LineKind::System,
                "sam",
                "#startmeeting incident review",
            ),
            (
                "14:32:05 <meetbot> Meeting started Wed Mar  4 14:32:05 2026 UTC.",
                LineKind::Bot,
                "meetbot",
                "Meeting started Wed Mar  4 14:32:05 2026 UTC.",
            ),
            (
                "14:32:05 <meetbot> Useful Commands: #action #agreed",
                LineKind::Bot,
                "meetbot",
                "Useful Commands: #action #agreed",
            ),
            (
                "14:32:05 <sam> #TOPIC timeline",
                LineKind::Topic,
                "sam",
                "#TOPIC timeline",
            ),
            (
                "14:32:05 <kim> #action sam checks the LB",
                LineKind::Message,
                "kim",
                "#action sam checks the LB",
            ),
            (
                "14:32:05 <kim> #info p99 up",
                LineKind::Message,
                "kim",
                "#info p99 up",
            ),
            ("14:32:05 * kim nods", LineKind::Action, "kim", "nods"),
            (
                "14:32:05 <sam> #endmeeting",
                LineKind::System,
                "sam",
                "#endmeeting",
            ),
        ];
        for (line, kind, author, text) in lines {
            assert_eq!(
                p.parse(1, line),
                Parsed::Entry(Entry::new(1, at(14, 32, 5), kind, Some(author), text)),
                "{line}"
            );
        }
    }

    #[test]
    fn problems() {
        let mut p = Meetbot::default();
        assert_eq!(p.parse(1, ""), Parsed::Skip);
        for bad in [
            "[14:32:05] <sam> hi",
            "14:32:05 sam: hi",
            "14:32:05<sam> hi",
        ] {
            assert_eq!(p.parse(1, bad), Parsed::Invalid(EXPECTED.into()), "{bad}");
        }
    }
}
