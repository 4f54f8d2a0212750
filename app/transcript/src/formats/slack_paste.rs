//! Slack messages copied from the app and pasted as text.
//!
//! What a copy looks like:
//!
//! ```text
//! Wednesday, March 4th, 2026
//! Sam Lee  2:32 PM
//! checkout p99 is up
//! second line of the same message
//! 2:33
//! a second message from Sam
//! :eyes: 2
//! PagerDuty APP  2:35 PM
//! Triggered: checkout-api latency (edited)
//! ```
//!
//! - A header is a name, then two spaces or a tab, then a time (`2:32 PM`, or
//!   `14:32` with Slack's 24-hour clock); or `Sam Lee [2:32 PM]`; or the name on
//!   its own line with the time on the next (Slack's newer copies indent it:
//!   `  2:32 PM`). An ` APP` or ` BOT` badge after the name makes the messages
//!   bot messages. A `replied to a thread:` note after the time is dropped.
//! - The header returns [`Parsed::Skip`]; the first text line after it returns
//!   the entry (with the header's line), later lines are continuations.
//!   Blank lines inside a message are kept only when more text of the message
//!   follows them.
//! - A time alone on its line (`2:33`, `2:33 PM`, `[2:33]`) starts another
//!   message by the same author. Without AM/PM after a 12-hour header it is
//!   read as the AM or PM time nearest after the time before.
//! - `(edited)` at the end of a line is normalised to one space and
//!   `(edited)` at the end of the text: the marker is kept, so that the
//!   review shows the message was changed after it was sent.
//! - Date dividers (`Wednesday, March 4th`, `March 4th, 2026`, `Today`,
//!   `Yesterday`): with a year (its own, or the year of an earlier divider,
//!   moving to the next year when the month goes back) they are a
//!   [`Parsed::Day`]; without one they are skipped and the date comes from the
//!   file name or the date given, with midnight rollover. `Today` and
//!   `Yesterday` are always skipped: the day of the paste is not known.
//! - Reaction lines (`:+1: 2`), reply counts (`3 replies`), `View thread` and
//!   avatar images (`![](https://...)`) are skipped.
//! - The first text line of a message that says `joined #ops.`, `left #ops.`
//!   or `set the channel topic: ...` gives a join, part or topic.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use super::plain::twelve_hour;
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind, Stamp};

#[derive(Default)]
pub struct SlackPaste {
    /// The author of the current messages, and whether it is a bot (APP badge).
    author: Option<(String, bool)>,
    /// A header read, waiting for the message's first text line.
    header: Option<Header>,
    /// A message has started: text lines continue it.
    in_message: bool,
    /// Blank lines inside the current message, kept if more text follows.
    blanks: usize,
    /// The line before was text of a message (not blank, not a divider).
    after_text: bool,
    /// A line that may be the name of a header whose time is on the next line.
    held: Option<Held>,
    /// A day marker waiting for a line that returns nothing else.
    pending_day: Option<NaiveDate>,
    /// The year and month of the last divider that had one.
    year: Option<(i32, u32)>,
    /// The headers use the 12-hour clock.
    twelve_hour: bool,
    last_time: Option<NaiveTime>,
}

struct Header {
    line: u64,
    time: NaiveTime,
}

struct Held {
    line: u64,
    text: String,
    after_break: bool,
}

/// A time as Slack writes it: `2:32 PM`, `14:32`, `2:33`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    pm: Option<bool>,
}

enum Kind<'a> {
    Blank,
    /// A time alone on its line; whether the line is indented.
    Time(Clock, bool),
    Header(&'a str, Clock),
    Divider(Option<(u32, u32, Option<i32>)>),
    Noise,
    Text,
}

impl LineFormat for SlackPaste {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        let parsed = self.step(number, line);
        if parsed == Parsed::Skip
            && let Some(day) = self.pending_day.take()
        {
            return Parsed::Day(day);
        }
        parsed
    }

    fn finish(&mut self) -> Option<Parsed> {
        if let Some(header) = self.header.take() {
            return Some(Parsed::Invalid(no_text(header.line)));
        }
        let held = self.held.take()?;
        Some(self.release(held))
    }
}

impl SlackPaste {
    fn step(&mut self, number: u64, line: &str) -> Parsed {
        let line = line.trim_end();
        let kind = classify(line);
        let Some(held) = self.held.take() else {
            return self.handle(number, line, kind);
        };
        // The line before may have been a name, with the time on this line.
        match kind {
            Kind::Time(clock, indented) if indented || held.after_break => {
                let (name, bot) = badge(&held.text);
                let author = (name.to_string(), bot);
                return self.start_header(held.line, Some(author), clock);
            }
            Kind::Header("APP" | "BOT", clock) => {
                let author = (held.text.clone(), true);
                return self.start_header(held.line, Some(author), clock);
            }
            _ => {}
        }
        let held_line = held.line;
        let released = self.release(held);
        match self.handle(number, line, kind) {
            Parsed::Skip => released,
            Parsed::Day(day) => {
                self.pending_day = Some(day);
                released
            }
            Parsed::Continuation(more) => match released {
                Parsed::Continuation(mut text) => {
                    text.push('\n');
                    text.push_str(&more);
                    Parsed::Continuation(text)
                }
                other => other,
            },
            Parsed::Invalid(reason) => match released {
                Parsed::Invalid(first) => Parsed::Invalid(format!("{first}; {reason}")),
                _ => Parsed::Invalid(reason),
            },
            parsed @ (Parsed::Entry(_) | Parsed::Note(_) | Parsed::Unread { .. }) => match released
            {
                Parsed::Invalid(reason) => Parsed::Unread {
                    line: held_line,
                    reason,
                    then: Box::new(parsed),
                },
                _ => parsed,
            },
        }
    }

    fn handle(&mut self, number: u64, line: &str, kind: Kind<'_>) -> Parsed {
        match kind {
            Kind::Blank => {
                if self.in_message {
                    self.blanks += 1;
                }
                self.after_text = false;
                Parsed::Skip
            }
            Kind::Noise => {
                self.after_text = false;
                self.blanks = 0;
                self.textless_header()
            }
            Kind::Divider(day) => {
                self.after_text = false;
                self.blanks = 0;
                let open = self.textless_header();
                let day = day.and_then(|(month, day, year)| self.divider_date(month, day, year));
                match (open, day) {
                    (Parsed::Skip, Some(day)) => Parsed::Day(day),
                    (open, day) => {
                        self.pending_day = day;
                        open
                    }
                }
            }
            Kind::Time(clock, _) => {
                if self.author.is_none() {
                    self.after_text = false;
                    return Parsed::Invalid(
                        "a time alone on its line, but no message header (\"Sam Lee  2:32 PM\") before it names the author"
                            .into(),
                    );
                }
                self.start_header(number, None, clock)
            }
            Kind::Header(name, clock) => {
                let (name, bot) = badge(name);
                self.start_header(number, Some((name.to_string(), bot)), clock)
            }
            Kind::Text => self.text(number, line),
        }
    }

    fn text(&mut self, number: u64, line: &str) -> Parsed {
        if let Some(header) = self.header.take() {
            let (author, bot) = self.author.clone().unwrap_or_default();
            let text = edited(line.trim());
            let kind = if bot {
                LineKind::Bot
            } else {
                event_kind(&text)
            };
            self.in_message = true;
            self.after_text = true;
            self.blanks = 0;
            let stamp = Stamp::Local {
                date: None,
                time: header.time,
            };
            return Parsed::Entry(Entry::new(header.line, stamp, kind, Some(&author), &text));
        }
        if name_like(line) {
            self.held = Some(Held {
                line: number,
                text: line.to_string(),
                after_break: !self.after_text,
            });
            self.after_text = true;
            return Parsed::Skip;
        }
        if !self.in_message {
            self.after_text = false;
            return Parsed::Invalid(
                "text before any message header; a Slack copy starts with a name and a time, such as \"Sam Lee  2:32 PM\""
                    .into(),
            );
        }
        self.after_text = true;
        Parsed::Continuation(self.with_blanks(&edited(line)))
    }

    /// A held line turns out to be text: more of the current message.
    fn release(&mut self, held: Held) -> Parsed {
        if !self.in_message {
            return Parsed::Invalid(format!(
                "line {}: text before any message header; a Slack copy starts with a name and a time, such as \"Sam Lee  2:32 PM\"",
                held.line
            ));
        }
        Parsed::Continuation(self.with_blanks(&edited(&held.text)))
    }

    /// `text` after the blank lines held back before it.
    fn with_blanks(&mut self, text: &str) -> String {
        let mut out = "\n".repeat(self.blanks);
        self.blanks = 0;
        out.push_str(text);
        out
    }

    /// A new message starts on line `line` (a header, or a time alone on its
    /// line when `author` is `None`). A header before it that got no text is
    /// reported in its place.
    fn start_header(&mut self, line: u64, author: Option<(String, bool)>, clock: Clock) -> Parsed {
        let open = self.textless_header();
        if let Some(author) = author {
            if clock.pm.is_some() {
                self.twelve_hour = true;
            } else if clock.hour > 12 || clock.hour == 0 {
                self.twelve_hour = false;
            }
            self.author = Some(author);
        }
        let Some(time) = self.resolve(clock) else {
            self.after_text = false;
            return Parsed::Invalid(format!(
                "{:02}:{:02} is not a time of day",
                clock.hour, clock.minute
            ));
        };
        self.last_time = Some(time);
        self.header = Some(Header { line, time });
        self.in_message = false;
        self.blanks = 0;
        self.after_text = false;
        open
    }

    /// Skip, or the problem of a header that is still waiting for its text.
    fn textless_header(&mut self) -> Parsed {
        match self.header.take() {
            Some(header) => Parsed::Invalid(no_text(header.line)),
            None => Parsed::Skip,
        }
    }

    fn resolve(&self, clock: Clock) -> Option<NaiveTime> {
        let time = NaiveTime::from_hms_opt(clock.hour, clock.minute, clock.second)?;
        if let Some(pm) = clock.pm {
            return twelve_hour(time, pm);
        }
        if !self.twelve_hour || clock.hour == 0 || clock.hour > 12 {
            return Some(time);
        }
        // "2:33" after "2:32 PM": the AM or PM time nearest after the last one.
        let am = twelve_hour(time, false)?;
        let pm = twelve_hour(time, true)?;
        let Some(last) = self.last_time else {
            return Some(am);
        };
        let ahead = |t: NaiveTime| {
            let d = i64::from(t.num_seconds_from_midnight())
                - i64::from(last.num_seconds_from_midnight());
            d.rem_euclid(86_400)
        };
        Some(if ahead(pm) < ahead(am) { pm } else { am })
    }

    fn divider_date(&mut self, month: u32, day: u32, year: Option<i32>) -> Option<NaiveDate> {
        let year = match (year, self.year) {
            (Some(year), _) => year,
            (None, Some((last_year, last_month))) => {
                if month < last_month {
                    last_year + 1
                } else {
                    last_year
                }
            }
            (None, None) => return None,
        };
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        self.year = Some((date.year(), date.month()));
        Some(date)
    }
}

fn no_text(line: u64) -> String {
    format!(
        "the message header on line {line} has no text after it (an image or a file that was not copied?)"
    )
}

fn classify(line: &str) -> Kind<'_> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Kind::Blank;
    }
    let indented = line.starts_with([' ', '\t']);
    if let Some(clock) = time_line(trimmed) {
        return Kind::Time(clock, indented);
    }
    if !indented && let Some((name, clock)) = header(trimmed) {
        return Kind::Header(name, clock);
    }
    if let Some(day) = divider(trimmed) {
        return Kind::Divider(day);
    }
    if is_noise(trimmed) {
        return Kind::Noise;
    }
    Kind::Text
}

/// A name with Slack's `APP`/`BOT` badge after it: the name, and whether the
/// badge was there.
fn badge(name: &str) -> (&str, bool) {
    let name = name.trim();
    for tag in [" APP", " BOT"] {
        if let Some(bare) = name.strip_suffix(tag) {
            return (bare.trim_end(), true);
        }
    }
    (name, false)
}

/// `2:32 PM`, `14:32`, `[2:33]`, each optionally followed by "replied to a
/// thread: ...", the whole of `s`.
fn time_line(s: &str) -> Option<Clock> {
    let (clock, rest) = if let Some(inner) = s.strip_prefix('[') {
        let (inner, rest) = inner.split_once(']')?;
        let (clock, used) = clock_prefix(inner.trim())?;
        if used != inner.trim().len() {
            return None;
        }
        (clock, rest)
    } else {
        let (clock, used) = clock_prefix(s)?;
        (clock, &s[used..])
    };
    thread_note(rest).then_some(clock)
}

/// What may follow a header's time: nothing, or "replied to a thread: ...".
fn thread_note(rest: &str) -> bool {
    let rest = rest.trim_start();
    rest.is_empty()
        || rest
            .get(..19)
            .is_some_and(|s| s.eq_ignore_ascii_case("replied to a thread"))
}

/// `Sam Lee  2:32 PM`, `Sam Lee\t2:32 PM`, `Sam Lee [2:32 PM]`: the name and the time.
fn header(s: &str) -> Option<(&str, Clock)> {
    if let Some(open) = s.find(" [") {
        let name = s[..open].trim();
        if let Some((inner, rest)) = s[open + 2..].split_once(']')
            && let Some((clock, used)) = clock_prefix(inner.trim())
            && used == inner.trim().len()
            && thread_note(rest)
            && plausible_name(name)
        {
            return Some((name, clock));
        }
    }
    let sep = match (s.find('\t'), s.find("  ")) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let name = s[..sep].trim();
    let after = s[sep..].trim_start();
    let (clock, used) = clock_prefix(after)?;
    (thread_note(&after[used..]) && plausible_name(name)).then_some((name, clock))
}

fn plausible_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 80 && clock_prefix(name).is_none()
}

/// A time at the start of `s`: `H:MM`, `HH:MM`, `HH:MM:SS`, then optionally
/// (a space and) `AM`/`PM`/`a.m.`/`p.m.`. Returns it and the bytes used.
fn clock_prefix(s: &str) -> Option<(Clock, usize)> {
    let b = s.as_bytes();
    let hour_len = b.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&hour_len) || b.get(hour_len) != Some(&b':') {
        return None;
    }
    let digits2 = |at: usize| -> Option<u32> {
        let d = b.get(at..at + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let hour: u32 = s[..hour_len].parse().ok()?;
    let minute = digits2(hour_len + 1)?;
    let mut at = hour_len + 3;
    let mut second = 0;
    if b.get(at) == Some(&b':')
        && let Some(sec) = digits2(at + 1)
    {
        second = sec;
        at += 3;
    }
    if b.get(at).is_some_and(u8::is_ascii_alphanumeric)
        && !matches!(b[at], b'a' | b'A' | b'p' | b'P')
    {
        return None;
    }
    let mut pm = None;
    let k = if b.get(at) == Some(&b' ') { at + 1 } else { at };
    let rest = &s[k.min(s.len())..];
    for (word, is_pm) in [("am", false), ("pm", true), ("a.m.", false), ("p.m.", true)] {
        if rest
            .get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
            && !rest
                .as_bytes()
                .get(word.len())
                .is_some_and(u8::is_ascii_alphanumeric)
        {
            pm = Some(is_pm);
            at = k + word.len();
            break;
        }
    }
    if pm.is_none() && b.get(at).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    if minute > 59 || second > 59 || hour > 23 || (pm.is_some() && !(1..=12).contains(&hour)) {
        return None;
    }
    Some((
        Clock {
            hour,
            minute,
            second,
            pm,
        },
        at,
    ))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A date divider: `Today`/`Yesterday` (`Some(None)`), or `[Weekday, ]Month
/// Dth[, YYYY]` (`Some(Some((month, day, year)))`).
#[allow(clippy::type_complexity)]
fn divider(s: &str) -> Option<Option<(u32, u32, Option<i32>)>> {
    if s.len() > 40 {
        return None;
    }
    if s.eq_ignore_ascii_case("today") || s.eq_ignore_ascii_case("yesterday") {
        return Some(None);
    }
    let mut words = s.split([' ', ',']).filter(|w| !w.is_empty()).peekable();
    let first = words.peek()?.to_ascii_lowercase();
    if named(&WEEKDAYS, &first).is_some() {
        words.next();
    }
    let month = named(&MONTHS, &words.next()?.to_ascii_lowercase())? as u32 + 1;
    let day = words.next()?;
    let digits = day.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = day[digits..].to_ascii_lowercase();
    if !(1..=2).contains(&digits) || !matches!(suffix.as_str(), "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    let day: u32 = day[..digits].parse().ok()?;
    let year = match words.next() {
        None => None,
        Some(y) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => Some(y.parse().ok()?),
        Some(_) => return None,
    };
    if words.next().is_some() || !(1..=31).contains(&day) {
        return None;
    }
    Some(Some((month, day, year)))
}

/// The index of `word` in `names`, by full name or its first three letters.
fn named(names: &[&str], word: &str) -> Option<usize> {
    let word = word.trim_end_matches('.');
    names
        .iter()
        .position(|n| *n == word || (word.len() == 3 && n.starts_with(word)))
}

/// Reactions (`:+1: 2 :eyes: 1`), reply counts, "View thread", avatars.
fn is_noise(s: &str) -> bool {
    if s.starts_with("![](") || s.eq_ignore_ascii_case("view thread") {
        return true;
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let rest = s[digits..].to_ascii_lowercase();
        if let Some(after) = rest
            .strip_prefix(" replies")
            .or_else(|| rest.strip_prefix(" reply"))
            && !after.starts_with(char::is_alphanumeric)
        {
            return true;
        }
    }
    reactions(s)
}

fn reactions(s: &str) -> bool {
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix(':') else {
            return false;
        };
        let Some(end) = after.find(':') else {
            return false;
        };
        let name = &after[..end];
        if name.is_empty() || name.contains(char::is_whitespace) {
            return false;
        }
        rest = after[end + 1..].trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = rest[digits..].trim_start();
        any = true;
    }
    any
}

/// A line that could be the name of a header whose time is on the next line.
fn name_like(line: &str) -> bool {
    let t = line.trim();
    !line.starts_with([' ', '\t'])
        && !t.is_empty()
        && t.len() <= 60
        && !t.ends_with(['.', '?', '!', ',', ':', ';', ']', '}', '>', '"'])
        && !t.contains("://")
        && t.split_whitespace().count() <= 5
}

/// `(edited)` at the end of a line, normalised to one space before it.
fn edited(line: &str) -> String {
    match line.trim_end().strip_suffix("(edited)") {
        Some(before) if !before.trim().is_empty() => format!("{} (edited)", before.trim_end()),
        Some(_) => "(edited)".to_string(),
        None => line.to_string(),
    }
}

/// The kind Slack's own notices in a copy say they are.
fn event_kind(text: &str) -> LineKind {
    let lower = text.to_lowercase();
    if lower.starts_with("joined #")
        || lower.starts_with("was added to #")
        || lower.contains("has joined the channel")
    {
        LineKind::Join
    } else if lower.starts_with("left #") || lower.contains("has left the channel") {
        LineKind::Part
    } else if lower.starts_with("set the channel topic")
        || lower.starts_with("set the channel description")
        || lower.starts_with("set the channel purpose")
        || lower.starts_with("changed the channel topic")
    {
        LineKind::Topic
    } else {
        LineKind::Message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(hour: u32, minute: u32, pm: Option<bool>) -> Clock {
        Clock {
            hour,
            minute,
            second: 0,
            pm,
        }
    }

    fn run(text: &str) -> Vec<Parsed> {
        let mut paste = SlackPaste::default();
        let mut out: Vec<Parsed> = text
            .lines()
            .enumerate()
            .map(|(i, l)| paste.parse(i as u64 + 1, l))
            .collect();
        out.extend(paste.finish());
        out
    }

    fn at(h: u32, m: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
        }
    }

    #[test]
    fn a_name_with_pronouns_on_its_own_line() {
        let out = run("Sam Lee (she/her)\n  11:58 AM\nhello\n12:01\nnoon");
        let mut first = Entry::new(
            1,
            at(11, 58),
            LineKind::Message,
            Some("Sam Lee (she/her)"),
            "hello",
        );
        assert_eq!(
            out[..3],
            [Parsed::Skip, Parsed::Skip, Parsed::Entry(first.clone())]
        );
        // "12:01" after 11:58 AM is just after noon.
        first.line = 4;
        first.stamp = at(12, 1);
        first.text = "noon".into();
        assert_eq!(out[3..], [Parsed::Skip, Parsed::Entry(first)]);
    }

    #[test]
    fn headers() {
        assert_eq!(
            header("Sam Lee  2:32 PM"),
            Some(("Sam Lee", clock(2, 32, Some(true))))
        );
        assert_eq!(
            header("Sam Lee\t2:32 PM"),
            Some(("Sam Lee", clock(2, 32, Some(true))))
        );
        assert_eq!(
            header("Sam Lee [2:32 PM]"),
            Some(("Sam Lee", clock(2, 32, Some(true))))
        );
        assert_eq!(
            header("Sam Lee  14:32"),
            Some(("Sam Lee", clock(14, 32, None)))
        );
        assert_eq!(
            header("Kim  9:05 AM  replied to a thread: checkout"),
            Some(("Kim", clock(9, 5, Some(false))))
        );
        assert_eq!(header("Sam Lee 2:32 PM"), None);
        assert_eq!(header("meet at  2:32 PM please"), None);
        assert_eq!(header("Sam Lee  13:32 PM"), None);
    }

    #[test]
    fn time_lines_and_dividers() {
        assert_eq!(time_line("2:33"), Some(clock(2, 33, None)));
        assert_eq!(time_line("[2:33 pm]"), Some(clock(2, 33, Some(true))));
        assert_eq!(time_line("2:33 is when"), None);
        assert_eq!(divider("Wednesday, March 4th"), Some(Some((3, 4, None))));
        assert_eq!(divider("March 4th, 2026"), Some(Some((3, 4, Some(2026)))));
        assert_eq!(divider("Mon, Mar 2nd 2026"), Some(Some((3, 2, Some(2026)))));
        assert_eq!(divider("Today"), Some(None));
        assert_eq!(divider("March madness"), None);
        assert_eq!(divider("may 4 be with you"), None);
        assert!(reactions(":+1: 2 :eyes: 1"));
        assert!(!reactions(":+1: great"));
    }
}
