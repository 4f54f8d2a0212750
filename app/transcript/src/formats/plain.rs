//! Plain pasted text with times: notes typed during an incident, a chat pasted
//! from a tool Debrief has no format for, an incident report or a wiki
//! timeline pasted whole (its title, summary and lessons around the log).
//!
//! A message line starts with a time, `HH:MM` or `HH:MM:SS` (a fraction of a
//! second and `AM`/`PM`/`a.m.` allowed), optionally:
//!
//! - after a bullet (`- `, `* `, `• `, `· `), a `~` (an estimate), and/or in
//!   brackets or quotes (`[14:32]`, `(14:32)`, `"14:32"`);
//! - with a date before it (`2026-03-04 14:32`, `2026-03-04T14:32:05`); a date,
//!   time and offset (`2026-03-04T14:32:05Z`, `...+01:00`) is an instant;
//! - followed, in any order, by:
//!   - a zone, `Z` (`08:00Z`) or an abbreviation (`14:02 PST`, `(UTC)`): the
//!     time is read at that zone's fixed offset ([`NamedZone`]), not in the
//!     transcript's zone;
//!   - the end of a range (`17:45-18:00`, `19:14 -> 19:34`, `10:01 – 10:07`):
//!     the start is the time, and the text starts `(until 18:00)`;
//!   - a mark of an estimate (`23:30+`, `11:30(approx)`, `11:30 onwards`,
//!     `14:30ish`): the entry is [`Entry::approximate`], as after a `~`;
//!   - a date (`13:26, 22 May 2018`, `13:26, May 22, 2018`, `13:26
//!     2018-05-22`): the line's date;
//! - then a separator (`-`, `--`, `–`, `—`, `|`, `:`, `,`).
//!
//! A line of prose that starts with "At", "By", "Around", "Shortly after" or
//! "From" and a time (`At 9:37AM PST, an engineer ran…`) is timed too, the
//! whole line its text, with no author; "by", "around" and "shortly after"
//! mark an estimate.
//!
//! After the time comes an optional channel tag (`[#ops]`, `[private
//! message]`, `(in another channel)`), read as the line's channel when an IRC
//! author follows it; then an optional author, `<nick>` or `< nick>` (IRC
//! style, mode prefix dropped) or `nick:` (one word, no `/`, with text after
//! it, so that `https://...` and `14:40 failover complete` are not read as
//! nicks), or `* nick does something` (an action). A line with a time and no
//! author is narrative: no author, kind message.
//!
//! A line without a time that directly follows a line with text continues
//! it, kept as written (indentation included): the rest of a multi-line
//! message, or of a paragraph. After a blank line, or at the top of the file,
//! it starts a note instead ([`Parsed::Note`]): prose around the messages (a
//! title, a summary, a "What we learned" section), kept apart from them. A
//! line that starts like a time (digits, a colon and a digit, after the
//! bullet, bracket, quote or `~`) but is not read as one (`25:61 restarted`,
//! `14:32abc`) is reported as a problem, never folded into a message.
//!
//! A time alone on its line takes the next line as its text (which may
//! itself start with `nick:`); if another timed line, a line that cannot be
//! read, or the end of the file comes first, the lone time is reported by
//! its line number ("has no text after it"), never dropped. Blank lines are
//! skipped.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

use super::common::{angle_message, digits, is_weekday, month_word};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind, NamedZone, Stamp};

#[derive(Default)]
pub struct Plain {
    /// A time alone on its line, waiting for its text: (line, time).
    held: Option<(u64, Time)>,
    /// Whether the line before had text (not blank, not the top of the file):
    /// a line without a time then continues it rather than starting a note.
    in_paragraph: bool,
    /// The year of the last full date read (a dated heading, a dated
    /// time): a date written without its year (`## Feb 21, 13:00`) is in it.
    year: Option<i32>,
}

impl LineFormat for Plain {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if line.trim().is_empty() {
            self.in_paragraph = false;
            return Parsed::Skip;
        }
        let follows = std::mem::replace(&mut self.in_paragraph, true);
        let parsed = self.read(number, line, follows);
        match &parsed {
            Parsed::Day(day) => self.year = Some(day.year()),
            Parsed::Entry(entry) => {
                if let Some(year) = stamp_year(&entry.stamp) {
                    self.year = Some(year);
                }
            }
            _ => {}
        }
        parsed
    }

    fn finish(&mut self) -> Option<Parsed> {
        self.held.take().map(|(line, _)| Parsed::Unread {
            line,
            reason: "this time has no text after it; the file ends here".into(),
            then: Box::new(Parsed::Skip),
        })
    }
}

impl Plain {
    fn read(&mut self, number: u64, line: &str, follows: bool) -> Parsed {
        match timed_line(line, self.year) {
            Ok(Some(timed)) => {
                let parsed = if timed.rest.is_empty() {
                    let lone = self.held.replace((number, timed.time));
                    return lone.map_or(Parsed::Skip, |(line, _)| textless(line, Parsed::Skip));
                } else {
                    Parsed::Entry(timed.entry(number))
                };
                match self.held.take() {
                    Some((line, _)) => textless(line, parsed),
                    None => parsed,
                }
            }
            Err(reason) => match self.held.take() {
                Some((line, _)) => textless(line, Parsed::Invalid(reason)),
                None => Parsed::Invalid(reason),
            },
            Ok(None) if table_rule(line) => {
                self.in_paragraph = follows;
                Parsed::Skip
            }
            Ok(None) => match (date_line(line, self.year), self.held.take()) {
                (Some(day), None) => Parsed::Day(day),
                (Some(day), Some((line, _))) => textless(line, Parsed::Day(day)),
                (None, Some((start, time))) => Parsed::Entry(message(start, time, line.trim())),
                (None, None) if follows => Parsed::Continuation(line.to_string()),
                (None, None) => Parsed::Note(line.trim().to_string()),
            },
        }
    }
}

/// A time alone on line `line` that the next timed line leaves without text:
/// reported, then `then`.
fn textless(line: u64, then: Parsed) -> Parsed {
    Parsed::Unread {
        line,
        reason:
            "this time has no text after it; the next line with a time starts a message of its own"
                .into(),
        then: Box::new(then),
    }
}

/// A time as a line writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Time {
    stamp: Stamp,
    /// Written as an estimate (`~14:30`, `around 14:30`, `14:30 (approx)`).
    approximate: bool,
    /// The end of a range (`17:45-18:00`), as written.
    until: Option<String>,
}

impl Time {
    /// The date written before the time, when none is written after it.
    fn set_date(&mut self, day: NaiveDate) {
        match &mut self.stamp {
            Stamp::Local { date, .. } | Stamp::Zoned { date, .. } => {
                date.get_or_insert(day);
            }
            _ => {}
        }
    }
}

/// A line read as timed: its time and the text after it.
struct Timed<'a> {
    time: Time,
    rest: &'a str,
    /// The whole line is the text ("At 9:37AM PST, an engineer ran…"): no
    /// author to look for.
    prose: bool,
}

impl Timed<'_> {
    fn entry(self, number: u64) -> Entry {
        if self.prose {
            let mut entry = Entry::new(number, self.time.stamp, LineKind::Message, None, self.rest);
            entry.approximate = self.time.approximate;
            entry
        } else {
            message(number, self.time, self.rest)
        }
    }
}

/// The entry for the text after a time: `<nick> text`, `* nick action`,
/// `nick: text`, or narrative; a channel tag before an IRC author.
fn message(number: u64, time: Time, rest: &str) -> Entry {
    let (channel, rest) = match channel_tag(rest) {
        Some((tag, after)) => (Some(tag.to_string()), after),
        None => (None, rest),
    };
    let mut entry = author_and_text(number, time.stamp, rest);
    entry.channel = channel;
    entry.approximate = time.approximate;
    if let Some(end) = time.until {
        entry.text = format!("(until {end}) {}", entry.text)
            .trim_end()
            .to_string();
    }
    entry
}

fn author_and_text(number: u64, stamp: Stamp, rest: &str) -> Entry {
    // "*** kim has quit (...)", as IRC clients write events: the same message
    // as in an IRC log of the same channel, so the two de-duplicate.
    if let Some(event) = rest
        .strip_prefix("*** ")
        .or_else(|| rest.strip_prefix("-!- "))
    {
        return super::common::event_entry(number, stamp, event, LineKind::System);
    }
    // `<https://…>` is a link, not an IRC nick.
    if let Some((nick, text)) = angle_message(rest).filter(|(nick, _)| !nick.contains([':', '/'])) {
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

/// `[#ops] <sam> text`, `[private message] <sam> text`, `(in another
/// channel) < sam> text`: the tag, and the IRC message after it.
fn channel_tag(rest: &str) -> Option<(&str, &str)> {
    let close = match rest.as_bytes().first()? {
        b'[' => ']',
        b'(' => ')',
        _ => return None,
    };
    let end = rest.find(close)?;
    let tag = rest[1..end].trim();
    let after = rest[end + 1..].trim_start();
    (!tag.is_empty() && angle_message(after).is_some()).then_some((tag, after))
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
        && !is_weekday(nick)
        && nick.len() <= 64
        && !nick.contains(['/', ':', '<', '>', '"', '(', ')', '[', ']'])
        && nick.chars().any(char::is_alphabetic)
}

/// Whether a line starts like a timed line (see the module's docs): what is
/// either read as one or reported. Detection counts these lines.
pub fn looks_timed(line: &str) -> bool {
    let s = without_bullet(line);
    lead_word(s).is_some() || clock_like(opened(s).2)
}

/// A line starting with a time: its time and the text after it (trimmed);
/// `Ok(None)` for a line that does not start like a time, `Err` (the
/// problem's reason) for one that does but is not read.
fn timed_line(line: &str, year: Option<i32>) -> Result<Option<Timed<'_>>, String> {
    let (s, mut close) = without_markup(line);
    let table = line.trim_start().starts_with('|');
    let unread = |why: &str| format!("`{}` looks like a time but {why}", excerpt(line));
    if let Some((approximate, after)) = lead_word(s) {
        let (mut time, rest) = read_time(after).map_err(|why| unread(&why))?;
        if !ends_time(rest) {
            return Err(unread(RUNS_ON));
        }
        time.approximate |= approximate;
        time.until = None;
        let rest = s.trim_end();
        return Ok(Some(Timed {
            time,
            rest,
            prose: true,
        }));
    }
    // A date in words before the time ("Feb 20 2018 14:17"): the line's date.
    let (dated, s) = match date_words(s)
        .or_else(|| month_day(s, year?))
        .map(|(date, after)| (date, after.trim_start_matches([' ', ','])))
    {
        Some((date, after)) if clock_like(after) => (Some(date), after),
        _ => (None, s),
    };
    let (tilde, bracket, s) = opened(s);
    if !clock_like(s) {
        return Ok(None);
    }
    let (mut time, mut rest) = read_time(s).map_err(|why| unread(&why))?;
    time.approximate |= tilde;
    if let Some(date) = dated {
        time.set_date(date);
    }
    if let Some(bracket) = bracket {
        rest = rest
            .trim_start()
            .strip_prefix(bracket)
            .ok_or_else(|| unread("the brackets hold more than a time"))?;
    }
    // Emphasis closed right after the time (`**21:45 UTC** - …`) is done
    // with; otherwise it closes at the end of the line.
    if let Some(after) = close.and_then(|mark| rest.strip_prefix(mark)) {
        rest = after;
        close = None;
    } else if !ends_time(rest) {
        return Err(unread(RUNS_ON));
    }
    if let Some(zone) = unknown_zone(rest) {
        return Err(unread(&format!(
            "{zone} is not a time zone Debrief knows; write the offset (such as UTC+04:00) or choose the zone when importing"
        )));
    }
    Ok(Some(Timed {
        time,
        rest: closed(without_separator(rest.trim_start()), close, table),
        prose: false,
    }))
}

/// A word of three or four capitals ending in T right after the time, as a
/// zone abbreviation is written (`20:20 GST :`), that is not one Debrief
/// reads: reported rather than taken for a speaker or for text.
fn unknown_zone(rest: &str) -> Option<&str> {
    let s = rest.strip_prefix(' ')?;
    let end = s.find(|c: char| !c.is_ascii_uppercase()).unwrap_or(s.len());
    let word = &s[..end];
    let after = s[end..].trim_start();
    ((3..=4).contains(&word.len())
        && word.ends_with('T')
        && (after.starts_with([':', '-', '–', '—', '|', ')']) || after.is_empty())
        && NamedZone::parse(word).is_none())
    .then_some(word)
}

const RUNS_ON: &str = "the time runs into the text after it (a space missing?)";

/// The line without its indentation and bullet.
fn without_bullet(line: &str) -> &str {
    without_markup(line).0
}

/// The line without what a report's Markdown puts before a time: its
/// indentation, a heading's `#`s, a table row's first `|`, a bullet (`-`,
/// `*`, `+`, `•`, `·`, `1.`, `1)`), and emphasis (`**`, `__`, `*`, `_`),
/// whose closing mark is returned to be taken off after the time (`**21:45
/// UTC** - …`) or at the end of the line (`**21:31 UTC: text**`).
fn without_markup(line: &str) -> (&str, Option<&'static str>) {
    let mut s = line.trim_start();
    let hashes = s.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && s[hashes..].starts_with([' ', '\t']) {
        s = s[hashes..].trim_start();
    }
    if let Some(rest) = s.strip_prefix('|') {
        s = rest.trim_start();
    }
    s = numbered(s).unwrap_or(s);
    for bullet in ["- ", "* ", "+ ", "• ", "· "] {
        if let Some(rest) = s.strip_prefix(bullet) {
            s = rest.trim_start();
            break;
        }
    }
    for mark in ["**", "__", "*", "_"] {
        if let Some(rest) = s.strip_prefix(mark)
            && rest.starts_with(|c: char| c.is_ascii_digit() || c == '~' || c == '[' || c == '(')
        {
            return (rest, Some(mark));
        }
    }
    (s, None)
}

/// `s` after a numbered list's `1. ` or `1) `.
fn numbered(s: &str) -> Option<&str> {
    let n = s.bytes().take(3).take_while(u8::is_ascii_digit).count();
    let rest = s.get(n..)?;
    let rest = rest
        .strip_prefix(". ")
        .or_else(|| rest.strip_prefix(") "))?;
    (n > 0).then(|| rest.trim_start())
}

/// The text after a time without a table row's last `|` and the emphasis
/// mark `close` that opened before the time: `text**` is `text`.
fn closed<'a>(rest: &'a str, close: Option<&str>, table: bool) -> &'a str {
    let mut rest = rest.trim_end();
    if table && let Some(inner) = rest.strip_suffix('|') {
        rest = inner.trim_end();
    }
    match close {
        Some(mark) => rest.strip_suffix(mark).unwrap_or(rest).trim_end(),
        None => rest,
    }
}

/// A line that is only a date, as a report heads each day of its timeline
/// (`### 2020-02-20`, `**Tuesday 22 May 2018**`, `Feb 20th, 2018:`).
fn date_line(line: &str, year: Option<i32>) -> Option<NaiveDate> {
    let s = without_markup(line).0;
    let s = s.trim_matches(|c: char| matches!(c, '*' | '_' | ':' | '.' | '|') || c.is_whitespace());
    match date_words(s).or_else(|| month_day(s, year?))? {
        (day, "") => Some(day),
        _ => None,
    }
}

/// A Markdown table's rule under its header (`|---|:--:|`): nothing to read.
fn table_rule(line: &str) -> bool {
    let s = line.trim();
    s.starts_with('|') && s.contains('-') && s.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// "At 9:37", "By 1:54PM", "Around 14:00", "Shortly after 10:00", "From
/// 10:00" (any case): whether the word marks an estimate, and the time.
fn lead_word(s: &str) -> Option<(bool, &str)> {
    const WORDS: [(&str, bool); 5] = [
        ("at ", false),
        ("from ", false),
        ("by ", true),
        ("around ", true),
        ("shortly after ", true),
    ];
    WORDS.iter().find_map(|&(word, approximate)| {
        let after = super::common::strip_prefix_ci(s, word)?;
        // Two digits of minutes: "by 2:1 majority" is not a time.
        let b = after.as_bytes();
        let hour = b.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
        let clock = (1..=2).contains(&hour)
            && b.get(hour) == Some(&b':')
            && b.get(hour + 1..hour + 3)
                .is_some_and(|m| m.iter().all(u8::is_ascii_digit));
        clock.then_some((approximate, after))
    })
}

/// What opens a time: a `~` (an estimate) and a bracket or a quote, in either
/// order. Returns the `~`, the closing character wanted, and what follows.
fn opened(s: &str) -> (bool, Option<char>, &str) {
    let (mut tilde, mut s) = match s.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let close = match s.chars().next() {
        Some('[') => Some(']'),
        Some('(') => Some(')'),
        Some('"') => Some('"'),
        Some('“') => Some('”'),
        Some('\'') => Some('\''),
        _ => None,
    };
    if close.is_some() {
        s = &s[s.chars().next().map_or(0, char::len_utf8)..];
        if let Some(rest) = s.strip_prefix('~') {
            (tilde, s) = (true, rest);
        }
    }
    (tilde, close, s)
}

/// Whether `s` starts like a clock time: digits, a colon and a digit, with
/// or without a `YYYY-MM-DD` date and a space or `T` before them.
fn clock_like(s: &str) -> bool {
    let b = s.as_bytes();
    let b = if date_shaped(b) { &b[11..] } else { b };
    let hour = b.iter().take_while(|c| c.is_ascii_digit()).count();
    hour > 0 && b.get(hour) == Some(&b':') && b.get(hour + 1).is_some_and(u8::is_ascii_digit)
}

/// Whether `b` starts with digits shaped as `YYYY-MM-DD` and a space or `T`.
fn date_shaped(b: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() > 11
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b' ' | b'T' | b't')
}

/// Whether the time ends where `rest` starts: at the end of the line, a space
/// or a separator.
fn ends_time(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with(char::is_whitespace) || without_separator(rest) != rest
}

/// `rest` without a separator at its start (`-`, `--`, `–`, `—`, `|`, `:`,
/// `,`, followed by a space or the end of the line).
fn without_separator(rest: &str) -> &str {
    let after = if rest.starts_with('-') {
        rest.trim_start_matches('-')
    } else {
        match rest.chars().next() {
            Some(c @ ('–' | '—' | '|' | ':' | ',')) => &rest[c.len_utf8()..],
            _ => return rest,
        }
    };
    if after.is_empty() || after.starts_with(char::is_whitespace) {
        after.trim_start()
    } else {
        rest
    }
}

/// The time at the start of `s` (a clock time, with a date before it or
/// not) and what follows it: a zone, the end of a range, a mark of an
/// estimate, a date (see the module's docs). `Err`: why the time is not one.
fn read_time(s: &str) -> Result<(Time, &str), String> {
    let (stamp, used) = stamp_prefix(s).ok_or_else(|| not_a_time(s))?;
    let mut rest = &s[used..];
    let mut time = Time {
        stamp,
        approximate: false,
        until: None,
    };
    let (mut zone, mut date) = (None, None);
    loop {
        if let Some(after) = estimate_mark(rest) {
            time.approximate = true;
            rest = after;
        } else if let Some((end, after)) = range_end(rest).filter(|_| time.until.is_none()) {
            time.until = Some(end.to_string());
            rest = after;
        } else if let Some((named, after)) = zone_word(rest).filter(|_| zone.is_none()) {
            zone = Some(named);
            rest = after;
        } else if let Some((day, after)) = date_after(rest).filter(|_| date.is_none()) {
            date = Some(day);
            rest = after;
        } else {
            break;
        }
    }
    if let Stamp::Local {
        date: written,
        time: clock,
    } = time.stamp
    {
        let date = written.or(date);
        time.stamp = match zone {
            Some(zone) => Stamp::Zoned {
                date,
                time: clock,
                zone,
            },
            None => Stamp::Local { date, time: clock },
        };
    }
    Ok((time, rest))
}

/// Why `s`, which starts like a time ([`clock_like`]), is not one.
fn not_a_time(s: &str) -> String {
    let clock = if date_shaped(s.as_bytes()) {
        if date_prefix(s.as_bytes()).is_none() {
            return format!("{} is not a date", &s[..10]);
        }
        &s[11..]
    } else {
        s
    };
    let end = clock
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(clock.len());
    format!("{} is not a time of day", &clock[..end])
}

/// `+` right after the time (`23:30+`), `ish` (`14:30ish`, `14:30-ish`), or
/// after a space or in brackets `approx`, `approximately`, `est.`,
/// `estimated`, `onwards`, `or so`: what follows it.
fn estimate_mark(rest: &str) -> Option<&str> {
    const WORDS: [&str; 8] = [
        "approximately",
        "approx.",
        "approx",
        "estimated",
        "est.",
        "onwards",
        "onward",
        "or so",
    ];
    let word_end = |after: &str| !after.starts_with(|c: char| c.is_alphanumeric());
    if let Some(after) = rest.strip_prefix('+')
        && !after.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(after);
    }
    for ish in ["ish", "-ish"] {
        if let Some(after) = super::common::strip_prefix_ci(rest, ish)
            && word_end(after)
        {
            return Some(after);
        }
    }
    let spaced = rest.trim_start();
    let (inner, bracketed) = match spaced.strip_prefix('(') {
        Some(inner) => (inner, true),
        None if spaced.len() < rest.len() => (spaced, false),
        None => return None,
    };
    WORDS.iter().find_map(|word| {
        let after = super::common::strip_prefix_ci(inner, word)?;
        if bracketed {
            after.strip_prefix(')')
        } else {
            word_end(after).then_some(after)
        }
    })
}

/// The end of a range after the time (`-18:00`, ` -> 19:34`, ` – 10:07`,
/// ` to 3:15 PM`): the end as written, and what follows it.
fn range_end(rest: &str) -> Option<(&str, &str)> {
    const DASHES: [&str; 8] = ["->", "→", "–", "—", "-", "to ", "until ", "till "];
    let s = rest.trim_start();
    let after = DASHES
        .iter()
        .find_map(|dash| super::common::strip_prefix_ci(s, dash))?
        .trim_start();
    let (_, used) = clock_time(after.as_bytes())?;
    Some((&after[..used], &after[used..]))
}

/// A zone after the time: `Z` right after it (`08:00Z`), or after a space or
/// in brackets an abbreviation (`14:02 PST`, `(UTC)`; see [`NamedZone`]).
fn zone_word(rest: &str) -> Option<(NamedZone, &str)> {
    let s = rest.trim_start();
    let (inner, bracketed) = match s.strip_prefix('(') {
        Some(inner) => (inner, true),
        None => (s, false),
    };
    let end = inner
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(inner.len());
    let word = &inner[..end];
    // Only `Z` is written against the time: "14:32EST" is not a time.
    if word != "Z" && !bracketed && s.len() == rest.len() {
        return None;
    }
    if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let zone = NamedZone::parse(word)?;
    let after = &inner[end..];
    if bracketed {
        Some((zone, after.strip_prefix(')')?))
    } else {
        Some((zone, after))
    }
}

/// A date after the time (`, 22 May 2018`, ` May 22, 2018`, ` Tue 22 May
/// 2018`, ` 2018-05-22`) and what follows it.
fn date_after(rest: &str) -> Option<(NaiveDate, &str)> {
    let s = rest.trim_start();
    let s = s.strip_prefix(',').unwrap_or(s).trim_start();
    if s.len() == rest.len() {
        return None;
    }
    date_words(s)
}

/// A date at the start of `s`: `22 May 2018`, `May 22, 2018`, `Feb 20th
/// 2018`, `Tue 22 May 2018`, `2018-05-22`; and what follows it.
fn date_words(s: &str) -> Option<(NaiveDate, &str)> {
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (mut first, mut after) = word(s)?;
    if is_weekday(first) {
        (first, after) = word(after)?;
    }
    if first.len() == 10
        && let Some(date) = date_prefix(first.as_bytes())
    {
        return Some((date, after));
    }
    let (second, after) = word(after)?;
    let (third, after) = word(after)?;
    let (day, month) = match (digits(ordinal(first), 1, 2), month_word(second)) {
        (Some(day), Some(month)) => (day, month),
        _ => (digits(ordinal(second), 1, 2)?, month_word(first)?),
    };
    let year = digits(third, 4, 4)?;
    Some((NaiveDate::from_ymd_opt(year as i32, month, day)?, after))
}

/// A date written without its year at the start of `s` (`Feb 21`, `July
/// 23rd`, `Tuesday 22 May`), in `year`; and what follows it.
fn month_day(s: &str, year: i32) -> Option<(NaiveDate, &str)> {
    if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (mut first, mut after) = word(s)?;
    if is_weekday(first) {
        (first, after) = word(after)?;
    }
    let (second, after) = word(after)?;
    let (day, month) = match (digits(ordinal(first), 1, 2), month_word(second)) {
        (Some(day), Some(month)) => (day, month),
        _ => (digits(ordinal(second), 1, 2)?, month_word(first)?),
    };
    Some((NaiveDate::from_ymd_opt(year, month, day)?, after))
}

/// The year a stamp names, when it names a date.
fn stamp_year(stamp: &Stamp) -> Option<i32> {
    match stamp {
        Stamp::Local { date, .. } | Stamp::Zoned { date, .. } => date.map(|d| d.year()),
        Stamp::Exact(at) => Some(at.year()),
    }
}

/// A day of the month without its `st`, `nd`, `rd` or `th`.
fn ordinal(word: &str) -> &str {
    ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|end| word.strip_suffix(end))
        .filter(|day| day.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(word)
}

/// The next word of `s`, after spaces and commas and up to a space or a
/// comma, and what follows it.
fn word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches([' ', ',']);
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// The start of a line, for a problem's reason.
fn excerpt(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_string(),
    }
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
    let (time, used) = clock_time(&b[at..])?;
    at += used;
    if let Some(date) = date
        && let Some((offset, used)) = offset_prefix(&b[at..])
    {
        let naive = date.and_time(time) - chrono::Duration::seconds(i64::from(offset));
        let instant = DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc);
        return Some((Stamp::Exact(instant), at + used));
    }
    Some((Stamp::Local { date, time }, at))
}

/// A time ([`time_prefix`]) on the 12-hour clock or not (`2:32 PM`,
/// `2:32pm`, `1:45 a.m.`) at the start of `b`, and the bytes it used.
fn clock_time(b: &[u8]) -> Option<(NaiveTime, usize)> {
    use chrono::Timelike;
    let (time, at) = time_prefix(b)?;
    let mut k = at;
    if b.get(k) == Some(&b' ') {
        k += 1;
    }
    if let Some((pm, len)) = meridiem(&b[k..])
        && b.get(k + len).is_none_or(|c| !c.is_ascii_alphanumeric())
    {
        if let Some(on_24h) = twelve_hour(time, pm) {
            return Some((on_24h, k + len));
        }
        // "13:55 PM": a 24-hour time with a PM it does not need.
        if pm && time.hour() > 12 {
            return Some((time, k + len));
        }
    }
    Some((time, at))
}

/// `AM`/`PM` (any case, `a.m.` too) at the start of `b`: whether it is PM,
/// and its length.
fn meridiem(b: &[u8]) -> Option<(bool, usize)> {
    let pm = match b.first()?.to_ascii_lowercase() {
        b'a' => false,
        b'p' => true,
        _ => return None,
    };
    let len = match b.get(1..) {
        Some([m, ..]) if m.eq_ignore_ascii_case(&b'm') => 2,
        Some([b'.', m, b'.', ..]) if m.eq_ignore_ascii_case(&b'm') => 4,
        _ => return None,
    };
    Some((pm, len))
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
        // A line that starts like a time is a problem, not a continuation.
        assert_eq!(
            p.parse(7, "14:32abc"),
            Parsed::Invalid(
                "`14:32abc` looks like a time but the time runs into the text after it (a space missing?)".into()
            )
        );
    }

    /// The entry one line reads as, in a fresh reader.
    fn read(line: &str) -> Entry {
        entry(Plain::default().parse(1, line))
    }

    fn zoned(h: u32, m: u32, zone: &str) -> Stamp {
        Stamp::Zoned {
            date: None,
            time: t(h, m, 0),
            zone: NamedZone::parse(zone).unwrap(),
        }
    }

    /// (stamp, author, text, approximate) of an entry.
    fn shape(e: &Entry) -> (Stamp, Option<&str>, &str, bool) {
        (e.stamp, e.author.as_deref(), e.text.as_str(), e.approximate)
    }

    #[test]
    fn a_colon_right_after_the_time() {
        let e = read("• 15:04: Deploy sync started");
        assert_eq!(
            shape(&e),
            (local(15, 4, 0), None, "Deploy sync started", false)
        );
        let e = read("15:04:05: sam: seconds, then a colon");
        assert_eq!(
            shape(&e),
            (local(15, 4, 5), Some("sam"), "seconds, then a colon", false)
        );
        let e = read("21:37 -- old code restored");
        assert_eq!(shape(&e).2, "old code restored");
    }

    #[test]
    fn markdown_around_the_time() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Emphasis around the time alone, or around the whole line.
        let e = read("- **21:45 UTC** - Deploy timeout handling change");
        assert_eq!(
            shape(&e),
            (
                zoned(21, 45, "UTC"),
                None,
                "Deploy timeout handling change",
                false
            )
        );
        // Emphasis later in the text is the text's own.
        let e = read("- **21:45 UTC** - deploy **paused**");
        assert_eq!(e.text, "deploy **paused**");
        let e = read("- **21:31 UTC: the status page reports an outage**");
        assert_eq!(shape(&e).2, "the status page reports an outage");
        let e = read("*09:15* – monitoring saw failed scans");
        assert_eq!(
            shape(&e),
            (local(9, 15, 0), None, "monitoring saw failed scans", false)
        );
        // A table row: the first cell the time, the others the text.
        let e = read("| 2021-06-30 08:32 | Kubernetes upgrade started | ops |");
        assert_eq!(
            e.stamp,
            Stamp::Local {
                date: Some(day(2021, 6, 30)),
                time: t(8, 32, 0)
            }
        );
        assert_eq!(e.text, "Kubernetes upgrade started | ops");
        // Headings and numbered lists.
        assert_eq!(
            read("### 14:17 - paged the on-call").text,
            "paged the on-call"
        );
        assert_eq!(
            read("2. 14:17 restarted the pool").text,
            "restarted the pool"
        );
        // A date in words before the time.
        assert_eq!(
            read("### July 11, 2025, 12:42 PM - the hub stopped").stamp,
            Stamp::Local {
                date: Some(day(2025, 7, 11)),
                time: t(12, 42, 0)
            }
        );
        let e = read("### Feb 20 2018 14:17 - banner shown");
        assert_eq!(
            e.stamp,
            Stamp::Local {
                date: Some(day(2018, 2, 20)),
                time: t(14, 17, 0)
            }
        );
        // `<https://…>` is a link, not a speaker.
        let e = read("- 12:32 UTC – <https://example.com/pull/6834> was opened");
        assert_eq!(e.author, None);
        // A PM the 24-hour time does not need, then its zone.
        let e = read("13:55 PM PST Saturday Oct 30th: alarms fired");
        assert_eq!(e.stamp, zoned(13, 55, "PST"));
        assert_eq!(e.author, None);
    }

    #[test]
    fn a_date_without_its_year_takes_the_year_read_before_it() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut p = Plain::default();
        // No year read yet: a note, as before.
        assert!(matches!(p.parse(1, "## Feb 21, 13:00"), Parsed::Note(_)));
        assert_eq!(p.parse(2, ""), Parsed::Skip);
        assert!(matches!(
            p.parse(3, "### 2018-02-20 14:17 - banner shown"),
            Parsed::Entry(_)
        ));
        let Parsed::Entry(e) = p.parse(4, "## Feb 21, 13:00 - the banner came down") else {
            panic!("read with the year before it")
        };
        assert_eq!(
            e.stamp,
            Stamp::Local {
                date: Some(day(2018, 2, 21)),
                time: t(13, 0, 0)
            }
        );
        assert_eq!(p.parse(5, "## July 22nd"), Parsed::Day(day(2018, 7, 22)));
        assert!(matches!(
            p.parse(6, "July 23 4:10 AM - pods restarted"),
            Parsed::Entry(_)
        ));
        // Prose that starts with a month and a day, and no time, is prose.
        assert!(matches!(
            p.parse(7, "March 3 was the last deploy"),
            Parsed::Continuation(_)
        ));
    }

    #[test]
    fn headings_dates_tables_and_unknown_zones() {
        let mut p = Plain::default();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(p.parse(1, "### 2020-02-20"), Parsed::Day(day(2020, 2, 20)));
        assert_eq!(
            p.parse(2, "**Tuesday 22 May 2018**"),
            Parsed::Day(day(2018, 5, 22))
        );
        assert_eq!(
            p.parse(3, "Oct 30th, 2021:"),
            Parsed::Day(day(2021, 10, 30))
        );
        assert_eq!(p.parse(4, ""), Parsed::Skip);
        assert_eq!(
            p.parse(5, "| Time | Event |"),
            Parsed::Note("| Time | Event |".into())
        );
        assert_eq!(p.parse(6, "|------|:-----:|"), Parsed::Skip);
        assert!(matches!(
            p.parse(7, "| 08:32 | upgrade |"),
            Parsed::Entry(_)
        ));
        // A heading that is only a time: its text is on the next line.
        assert_eq!(p.parse(8, "### 14:55"), Parsed::Skip);
        assert_eq!(p.parse(9, ""), Parsed::Skip);
        let Parsed::Entry(e) = p.parse(10, "The banner was taken down.") else {
            panic!("the heading's time takes the paragraph after it")
        };
        assert_eq!((e.line, e.text.as_str()), (8, "The banner was taken down."));
        // An abbreviation that looks like a zone and is not one Debrief
        // reads is reported, not taken for a speaker.
        let Parsed::Invalid(reason) = p.parse(11, "20:20 QQT : the chain halts") else {
            panic!("an unknown zone is reported")
        };
        assert!(reason.contains("QQT is not a time zone"), "{reason}");
        assert_eq!(
            read("20:20 GST : the chain halts").stamp,
            zoned(20, 20, "GST")
        );
        assert_eq!(
            read("14:02 TEAM: all hands").author.as_deref(),
            Some("TEAM")
        );
    }

    #[test]
    fn z_after_the_time_is_utc() {
        let e = read("• 08:00Z Daily meeting notices the backlog");
        assert_eq!(
            shape(&e),
            (
                zoned(8, 0, "UTC"),
                None,
                "Daily meeting notices the backlog",
                false
            )
        );
    }

    #[test]
    fn a_range_is_read_from_its_start_and_keeps_its_end_in_the_text() {
        let cases = [
            (
                "[17:45-18:00] Paging storm",
                (17, 45),
                None,
                "(until 18:00) Paging storm",
            ),
            (
                "[19:14 -> 19:34] Writes failing",
                (19, 14),
                None,
                "(until 19:34) Writes failing",
            ),
            (
                "18:42-18:45 sam: retrying",
                (18, 42),
                Some("sam"),
                "(until 18:45) retrying",
            ),
            (
                "10:01 – 10:07 Failover to the replica",
                (10, 1),
                None,
                "(until 10:07) Failover to the replica",
            ),
            (
                "2:15 PM to 2:40 PM status page updated",
                (14, 15),
                None,
                "(until 2:40 PM) status page updated",
            ),
        ];
        for (line, (h, m), author, text) in cases {
            assert_eq!(
                shape(&read(line)),
                (local(h, m, 0), author, text, false),
                "{line}"
            );
        }
        // A dash with text after it is a separator, not a range.
        assert_eq!(
            shape(&read("14:47 - 15 hosts restarted")).2,
            "15 hosts restarted"
        );
    }

    #[test]
    fn estimates_are_read_and_marked() {
        let cases = [
            (
                "~03:50 UTC - Disk alarms",
                zoned(3, 50, "UTC"),
                "Disk alarms",
            ),
            ("~1:45 am Backups paused", local(1, 45, 0), "Backups paused"),
            (
                "11:30(approx): Traffic shifted",
                local(11, 30, 0),
                "Traffic shifted",
            ),
            (
                "[11:30 onwards] Elevated errors",
                local(11, 30, 0),
                "Elevated errors",
            ),
            ("23:30+ Queue drains", local(23, 30, 0), "Queue drains"),
            (
                "14:30ish someone noticed",
                local(14, 30, 0),
                "someone noticed",
            ),
            ("[~09:10] first page", local(9, 10, 0), "first page"),
            (
                "- 1:45 a.m. (approx.) dashboards blank",
                local(1, 45, 0),
                "dashboards blank",
            ),
        ];
        for (line, stamp, text) in cases {
            assert_eq!(shape(&read(line)), (stamp, None, text, true), "{line}");
        }
        assert!(!read("11:30: exact").approximate);
    }

    #[test]
    fn a_comma_or_a_date_after_the_time() {
        let e = read("09:17:06, 09:17:23 router1 %LINK-3-UPDOWN: down");
        assert_eq!(
            shape(&e),
            (
                local(9, 17, 6),
                None,
                "09:17:23 router1 %LINK-3-UPDOWN: down",
                false
            )
        );
        let may22 = NaiveDate::from_ymd_opt(2018, 5, 22);
        let e = read("13:26, 22 May 2018 somebot reverted the edit");
        let dated = Stamp::Local {
            date: may22,
            time: t(13, 26, 0),
        };
        assert_eq!(shape(&e), (dated, None, "somebot reverted the edit", false));
        let e = read("13:26, May 22, 2018 (UTC) somebot: reverted");
        assert_eq!(
            shape(&e),
            (
                Stamp::Zoned {
                    date: may22,
                    time: t(13, 26, 0),
                    zone: NamedZone::parse("UTC").unwrap()
                },
                Some("somebot"),
                "reverted",
                false
            )
        );
        let e = read("13:26 Tue 2018-05-22 deploy");
        assert_eq!(shape(&e), (dated, None, "deploy", false));
    }

    #[test]
    fn times_in_brackets_and_quotes() {
        let e = read("(15:36:34) lee: cache flushed");
        assert_eq!(
            shape(&e),
            (local(15, 36, 34), Some("lee"), "cache flushed", false)
        );
        for line in [
            "\"14:04\" first report",
            "“14:04” first report",
            "'14:04' first report",
        ] {
            assert_eq!(
                shape(&read(line)),
                (local(14, 4, 0), None, "first report", false)
            );
        }
    }

    #[test]
    fn a_zone_after_the_time_is_read_at_its_offset() {
        let cases = [
            (
                "03:50 UTC - Disk alarms",
                zoned(3, 50, "UTC"),
                None,
                "Disk alarms",
            ),
            (
                "14:02 PST: rollback started",
                zoned(14, 2, "PST"),
                None,
                "rollback started",
            ),
            (
                "9:37AM PST kim: deploy",
                zoned(9, 37, "PST"),
                Some("kim"),
                "deploy",
            ),
            (
                "[10:15 CEST] <sam> up",
                zoned(10, 15, "CEST"),
                Some("sam"),
                "up",
            ),
        ];
        for (line, stamp, author, text) in cases {
            assert_eq!(shape(&read(line)), (stamp, author, text, false), "{line}");
        }
        // Only capitals, and not against the time.
        assert_eq!(read("14:02 est. 40 users").stamp, local(14, 2, 0));
        assert!(matches!(
            Plain::default().parse(1, "14:02PST x"),
            Parsed::Invalid(_)
        ));
    }

    #[test]
    fn prose_that_starts_with_a_time_is_timed() {
        let cases = [
            (
                "At 9:37AM PST, an engineer ran the script.",
                zoned(9, 37, "PST"),
                false,
            ),
            (
                "By 1:54PM PST, all regions recovered.",
                zoned(13, 54, "PST"),
                true,
            ),
            ("Around 14:00 the queue backed up", local(14, 0, 0), true),
            ("Shortly after 10:00, paging started", local(10, 0, 0), true),
            (
                "- From 10:00 to 10:30 writes failed",
                local(10, 0, 0),
                false,
            ),
            ("at 9:37 the pager fired", local(9, 37, 0), false),
        ];
        for (line, stamp, approximate) in cases {
            let text = line.trim_start_matches("- ");
            assert_eq!(
                shape(&read(line)),
                (stamp, None, text, approximate),
                "{line}"
            );
        }
        // Not a time: prose.
        assert_eq!(
            Plain::default().parse(1, "By 2:1 majority we chose to roll back"),
            Parsed::Note("By 2:1 majority we chose to roll back".into())
        );
    }

    #[test]
    fn channel_tags_before_an_irc_author() {
        let e = read("• 21:12 (in another channel) < kim> moving to #db");
        assert_eq!(
            shape(&e),
            (local(21, 12, 0), Some("kim"), "moving to #db", false)
        );
        assert_eq!(e.channel.as_deref(), Some("in another channel"));
        let e = read("21:13 [private message] <sam> can you look?");
        assert_eq!(
            (e.author.as_deref(), e.channel.as_deref()),
            (Some("sam"), Some("private message"))
        );
        let e = read("[21:14] [#db] <@lee> lag is 30s");
        assert_eq!(
            (e.author.as_deref(), e.channel.as_deref(), e.text.as_str()),
            (Some("lee"), Some("#db"), "lag is 30s")
        );
        let e = read("21:15 < kim> a space inside the brackets");
        assert_eq!(e.author.as_deref(), Some("kim"));
        // Brackets before text that is not an IRC message are text.
        let e = read("21:16 (edited) not a tag");
        assert_eq!(
            (e.author, e.channel, e.text.as_str()),
            (None, None, "(edited) not a tag")
        );
    }

    #[test]
    fn lines_that_look_timed_but_are_not_are_problems() {
        let unread = |line: &str| match Plain::default().parse(14, line) {
            Parsed::Invalid(reason) => reason,
            other => panic!("{line}: expected a problem, got {other:?}"),
        };
        assert_eq!(
            unread("25:61 restarted"),
            "`25:61 restarted` looks like a time but 25:61 is not a time of day"
        );
        assert_eq!(
            unread("- ~[143:32] db restarted"),
            "`- ~[143:32] db restarted` looks like a time but 143:32 is not a time of day"
        );
        assert_eq!(
            unread("[14:32 sam] hi"),
            "`[14:32 sam] hi` looks like a time but the brackets hold more than a time"
        );
        assert_eq!(
            unread("2026-02-30 14:00 x"),
            "`2026-02-30 14:00 x` looks like a time but 2026-02-30 is not a date"
        );
        assert!(unread("At 24:10 the pager fired").contains("24:10 is not a time of day"));
        for line in ["25:61 x", "\"9:7\" x", "14:32abc", "At 9:99 x", "• 10:00-"] {
            assert!(looks_timed(line), "{line}");
        }
        for line in [
            "Timeline",
            "1. restart the db",
            "v1:2",
            "(see below)",
            "Attendees: 10:1 ratio",
        ] {
            assert!(!looks_timed(line), "{line}");
        }
    }

    #[test]
    fn a_lone_time_without_text_is_reported_whatever_follows_it() {
        let parse_all = |lines: &[&str]| {
            let mut p = Plain::default();
            let mut out: Vec<Parsed> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| p.parse(i as u64 + 1, l))
                .collect();
            out.extend(p.finish());
            out
        };
        let unread = |parsed: &Parsed| match parsed {
            Parsed::Unread { line, then, .. } => (*line, (**then).clone()),
            other => panic!("expected the lone time reported, got {other:?}"),
        };
        // Another timed line: the lone time is reported, the line is read.
        let out = parse_all(&["14:02", "14:05 sam: paged the db on-call"]);
        let (line, then) = unread(&out[1]);
        assert_eq!(line, 1);
        assert_eq!(entry(then).text, "paged the db on-call");
        // Two lone times in a row: the first is reported when the second
        // comes, the second at the end.
        let out = parse_all(&["14:02", "- 14:03", ""]);
        assert_eq!(unread(&out[1]), (1, Parsed::Skip));
        assert_eq!(unread(&out[3]), (2, Parsed::Skip));
        // A line that looks timed and is not: both are reported.
        let out = parse_all(&["14:02", "25:61 restarted"]);
        let (line, then) = unread(&out[1]);
        assert_eq!(line, 1);
        assert!(matches!(then, Parsed::Invalid(_)));
        // Text after it, even after a blank line: the lone time's message.
        let out = parse_all(&["14:02", "", "paged the db on-call"]);
        assert_eq!(entry(out[2].clone()).line, 1);
    }

    #[test]
    fn prose_after_a_blank_line_is_a_note_and_lines_after_text_continue() {
        let mut p = Plain::default();
        let lines = [
            "Incident 412: checkout errors",
            "Customers saw errors for 40 minutes.",
            "",
            "Timeline",
            "14:32 sam: checkout p99 is up",
            "  at checkout.rs:120",
            "more of the message",
            "",
            "What we learned",
        ];
        let parsed: Vec<Parsed> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| p.parse(i as u64 + 1, l))
            .collect();
        let note = |s: &str| Parsed::Note(s.into());
        let more = |s: &str| Parsed::Continuation(s.into());
        assert_eq!(parsed[0], note("Incident 412: checkout errors"));
        assert_eq!(parsed[1], more("Customers saw errors for 40 minutes."));
        assert_eq!(parsed[2], Parsed::Skip);
        assert_eq!(parsed[3], note("Timeline"));
        assert!(matches!(parsed[4], Parsed::Entry(_)));
        assert_eq!(parsed[5], more("  at checkout.rs:120"));
        assert_eq!(parsed[6], more("more of the message"));
        assert_eq!(parsed[7], Parsed::Skip);
        assert_eq!(parsed[8], note("What we learned"));
    }
}
