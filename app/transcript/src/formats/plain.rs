//! Plain pasted text with times: notes typed during an incident, a chat pasted
//! from a tool Debrief has no format for.
//!
//! A message line starts with a time, `HH:MM` or `HH:MM:SS` (a fraction of a
//! second and `AM`/`PM` allowed), optionally:
//!
//! - after a bullet (`- `, `* `, `• `) and/or in brackets (`[14:32]`, `(14:32)`);
//! - with a date before it (`2026-03-04 14:32`, `2026-03-04T14:32:05`); a date,
//!   time and offset (`2026-03-04T14:32:05Z`, `...+01:00`) is an instant;
//! - followed by a separator (`-`, `–`, `—`, `|`).
//!
//! After the time comes an optional author, `<nick>` (IRC style, mode prefix
//! dropped) or `nick:` (one word, no `/`, with text after it, so that
//! `https://...` and `14:40 failover complete` are not read as nicks), or
//! `* nick does something` (an action). A line with a time and no author is
//! narrative: no author, kind message.
//!
//! A line without a time continues the message before it, kept as written
//! (indentation included). A time alone on its line takes the next line as its
//! text (which may itself start with `nick:`); if another timed line comes
//! first, the lone time is dropped, as it carries no message, and at the end
//! of the file it is reported. Blank lines are skipped.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::{LineFormat, Parsed};
use crate::{Entry, LineKind, Stamp};

#[derive(Default)]
pub struct Plain {
    /// A time alone on its line, waiting for its text: (line, stamp).
    held: Option<(u64, Stamp)>,
}

impl LineFormat for Plain {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            return Parsed::Skip;
        }
        match timed_line(line) {
            Some((stamp, rest)) => {
                if rest.is_empty() {
                    self.held = Some((number, stamp));
                    return Parsed::Skip;
                }
                self.held = None;
                Parsed::Entry(message(number, stamp, rest))
            }
            None => match self.held.take() {
                Some((start, stamp)) => Parsed::Entry(message(start, stamp, line.trim())),
                None => Parsed::Continuation(line.to_string()),
            },
        }
    }

    fn finish(&mut self) -> Option<Parsed> {
        self.held.take().map(|(line, _)| {
            Parsed::Invalid(format!("the time on line {line} has no text after it"))
        })
    }
}

/// The entry for the text after a time: `<nick> text`, `* nick action`,
/// `nick: text`, or narrative.
fn message(number: u64, stamp: Stamp, rest: &str) -> Entry {
    // "*** kim has quit (...)", as IRC clients write events: the same message
    // as in an IRC log of the same channel, so the two de-duplicate.
    if let Some(event) = rest
        .strip_prefix("*** ")
        .or_else(|| rest.strip_prefix("-!- "))
    {
        return super::common::event_entry(number, stamp, event, LineKind::System);
    }
    if let Some((nick, text)) = super::common::angle_message(rest) {
        return Entry::new(number, stamp, LineKind::Message, Some(nick), text);
    }
    if let Some(action) = rest.strip_prefix("* ") {
        let action = action.trim_start();
        if let Some((nick, text)) = action.split_once(' ')
            && is_nick(nick)
        {
            return Entry::new(
                number,
                stamp,
                LineKind::Action,
                Some(nick),
                text.trim_start(),
            );
        }
    }
    if let Some((nick, text)) = colon_nick(rest) {
        return Entry::new(number, stamp, LineKind::Message, Some(nick), text);
    }
    Entry::new(number, stamp, LineKind::Message, None, rest)
}

/// `nick: text`: one word ending in a colon, with text after it.
fn colon_nick(rest: &str) -> Option<(&str, &str)> {
    let end = rest.find([' ', '\t'])?;
    let word = &rest[..end];
    let nick = word.strip_suffix(':')?;
    let text = rest[end..].trim_start();
    if text.is_empty() || !is_nick(nick) {
        return None;
    }
    Some((nick, text))
}

fn is_nick(nick: &str) -> bool {
    !nick.is_empty()
        && nick.len() <= 64
        && !nick.contains(['/', ':', '<', '>', '"', '(', ')', '[', ']'])
        && nick.chars().any(char::is_alphabetic)
}

/// A line starting with a time: its stamp and the text after it (trimmed).
fn timed_line(line: &str) -> Option<(Stamp, &str)> {
    let mut s = line.trim_start();
    for bullet in ["- ", "* ", "• ", "· "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            s = rest.trim_start();
            break;
        }
    }
    let first = *s.as_bytes().first()?;
    let (stamp, rest) = if first == b'[' || first == b'(' {
        let close = if first == b'[' { ']' } else { ')' };
        let end = s.find(close)?;
        let inner = s[1..end].trim();
        let (stamp, used) = stamp_prefix(inner)?;
        if used != inner.len() {
            return None;
        }
        (stamp, &s[end + 1..])
    } else if first.is_ascii_digit() {
        let (stamp, used) = stamp_prefix(s)?;
        let rest = &s[used..];
        // "14:32" must end at a word boundary: not "14:32abc".
        if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
            return None;
        }
        (stamp, rest)
    } else {
        return None;
    };
    let mut rest = rest.trim_start();
    for sep in ['-', '–', '—', '|'] {
        if let Some(after) = rest.strip_prefix(sep)
            && (after.is_empty() || after.starts_with([' ', '\t']))
        {
            rest = after.trim_start();
            break;
        }
    }
    Some((stamp, rest.trim_end()))
}

/// A stamp at the start of `s`: `[date (space|T)] time [AM|PM] [Z|offset]`.
/// Returns the stamp and the bytes it used.
pub(crate) fn stamp_prefix(s: &str) -> Option<(Stamp, usize)> {
    let b = s.as_bytes();
    let (date, mut at) = match date_prefix(b) {
        Some(date) if matches!(b.get(10), Some(b' ' | b'T' | b't')) => (Some(date), 11),
        Some(_) => return None,
        None => (None, 0),
    };
    let (mut time, used) = time_prefix(&b[at..])?;
    at += used;
    // 12-hour clock: "2:32 PM", "2:32pm".
    let mut k = at;
    if b.get(k) == Some(&b' ') {
        k += 1;
    }
    if let Some(pm) = meridiem(&b[k..]) {
        let after = b.get(k + 2);
        if after.is_none_or(|c| !c.is_ascii_alphanumeric())
            && let Some(on_24h) = twelve_hour(time, pm)
        {
            time = on_24h;
            at = k + 2;
        }
    }
    if let Some(date) = date
        && let Some((offset, used)) = offset_prefix(&b[at..])
    {
        let naive = date.and_time(time) - chrono::Duration::seconds(i64::from(offset));
        let instant = DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc);
        return Some((Stamp::Exact(instant), at + used));
    }
    Some((Stamp::Local { date, time }, at))
}

/// `AM`/`PM` (any case) at the start of `b`: whether it is PM.
fn meridiem(b: &[u8]) -> Option<bool> {
    let (&a, &m) = (b.first()?, b.get(1)?);
    if !m.eq_ignore_ascii_case(&b'm') {
        return None;
    }
    match a.to_ascii_lowercase() {
        b'a' => Some(false),
        b'p' => Some(true),
        _ => None,
    }
}

/// A 12-hour time (hour 1 to 12) on the 24-hour clock.
pub(crate) fn twelve_hour(time: NaiveTime, pm: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    let h = time.hour();
    if h == 0 || h > 12 {
        return None;
    }
    let h = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    time.with_hour(h)
}

/// `YYYY-MM-DD` at the start of `b`.
pub(crate) fn date_prefix(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = number(&b[0..4])?;
    let m = number(&b[5..7])?;
    let d = number(&b[8..10])?;
    if b.get(10).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// `H:MM`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff` (or `,fff`) at the start of `b`.
pub(crate) fn time_prefix(b: &[u8]) -> Option<(NaiveTime, usize)> {
    let hour_len = b.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&hour_len) || b.get(hour_len) != Some(&b':') {
        return None;
    }
    let h = number(&b[..hour_len])?;
    let mut at = hour_len + 1;
    let m = number(b.get(at..at + 2)?)?;
    at += 2;
    let mut sec = 0;
    let mut nanos = 0;
    if b.get(at) == Some(&b':') && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        sec = number(b.get(at + 1..at + 3)?)?;
        at += 3;
        if matches!(b.get(at), Some(b'.' | b',')) && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
            at += 1;
            let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
            let mut scale = 100_000_000u32;
            for &d in &b[at..at + digits.min(9)] {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
            }
            at += digits;
        }
    }
    if b.get(at).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?, at))
}

/// `Z`, `+HH:MM`, `+HHMM` or `+HH` at the start of `b`: seconds east of UTC.
pub(crate) fn offset_prefix(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let h = number(b.get(1..3)?)? as i32;
            let (m, used) = match b.get(3) {
                Some(b':') => (number(b.get(4..6)?)? as i32, 6),
                Some(c) if c.is_ascii_digit() => (number(b.get(3..5)?)? as i32, 5),
                _ => (0, 3),
            };
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = (h * 60 + m) * 60;
            Some((if *sign == b'-' { -seconds } else { seconds }, used))
        }
        _ => None,
    }
}

/// The decimal value of a run of ASCII digits (all of `b`).
pub(crate) fn number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    fn local(h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: t(h, m, s),
        }
    }

    fn entry(p: Parsed) -> Entry {
        match p {
            Parsed::Entry(e) => e,
            other => panic!("expected an entry, got {other:?}"),
        }
    }

    #[test]
    fn stamps() {
        assert_eq!(stamp_prefix("14:32 x"), Some((local(14, 32, 0), 5)));
        assert_eq!(stamp_prefix("9:05:07"), Some((local(9, 5, 7), 7)));
        assert_eq!(stamp_prefix("2:32 PM"), Some((local(14, 32, 0), 7)));
        assert_eq!(stamp_prefix("12:05am"), Some((local(0, 5, 0), 7)));
        let d = NaiveDate::from_ymd_opt(2026, 3, 4);
        assert_eq!(
            stamp_prefix("2026-03-04 14:32"),
            Some((
                Stamp::Local {
                    date: d,
                    time: t(14, 32, 0)
                },
                16
            ))
        );
        let exact = DateTime::parse_from_rfc3339("2026-03-04T13:32:05.250Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            stamp_prefix("2026-03-04T14:32:05.25+01:00"),
            Some((Stamp::Exact(exact), 28))
        );
        assert_eq!(stamp_prefix("2026-03-04"), None);
        assert_eq!(stamp_prefix("14:3"), None);
        assert_eq!(stamp_prefix("143:32"), None);
        assert_eq!(stamp_prefix("25:00"), None);
    }

    #[test]
    fn irc_event_lines_read_as_events() {
        let mut p = Plain::default();
        let e = entry(p.parse(3, "14:36 *** kim has quit (Ping timeout)"));
        assert_eq!(
            (e.kind, e.author.as_deref(), e.text.as_str()),
            (LineKind::Quit, Some("kim"), "kim has quit (Ping timeout)")
        );
        let e = entry(p.parse(4, "14:37 -!- sam is now known as sam_oncall"));
        assert_eq!((e.kind, e.author.as_deref()), (LineKind::Nick, Some("sam")));
    }

    #[test]
    fn nicks_are_one_word_with_text_after() {
        let mut p = Plain::default();
        let e = entry(p.parse(1, "14:40 failover complete"));
        assert_eq!((e.author, e.text.as_str()), (None, "failover complete"));
        let e = entry(p.parse(2, "14:41 https://status.example.com is green"));
        assert_eq!(e.author, None);
        assert_eq!(e.text, "https://status.example.com is green");
        let e = entry(p.parse(3, "14:42 sam: ok"));
        assert_eq!((e.author.as_deref(), e.text.as_str()), (Some("sam"), "ok"));
        let e = entry(p.parse(4, "14:43 root cause: disk full"));
        assert_eq!(e.author, None);
        let e = entry(p.parse(5, "14:44 sam:"));
        assert_eq!((e.author, e.text.as_str()), (None, "sam:"));
        let e = entry(p.parse(6, "14:45 * sam looks"));
        assert_eq!(
            (e.kind, e.author.as_deref(), e.text.as_str()),
            (LineKind::Action, Some("sam"), "looks")
        );
        assert_eq!(
            p.parse(7, "14:32abc"),
            Parsed::Continuation("14:32abc".into())
        );
    }
}
