//! Google Chat as Google Takeout exports it: `Google Chat/Groups/<space or
//! DM>/messages.json`, `{"messages": [...]}`, one object per message:
//! `creator` (`name`, `email`, `user_type` `Human` or `Bot`), `created_date`,
//! `updated_date`, `text`, `topic_id`, `message_id` (`space/topic/message`),
//! `annotations`, `attached_files` (`original_name`, `export_name`),
//! `quoted_message_metadata`, and for deleted messages `message_state:
//! "DELETED"` with `deleted_date` and `deletion_metadata`. `group_info.json`
//! (the space's name and members) is another file, not read here.
//!
//! - [`Entry::line`] is the message's 1-based position in the `messages`
//!   array. Messages are emitted in time order, sorted stably (Takeout
//!   writes them in order); a file whose dates mix instants and wall-clock
//!   times (zones it cannot resolve) keeps the file's order.
//! - [`Entry::stamp`]: `created_date` is localized text. Read: an optional
//!   English day name, the date as `March 4, 2026` or `4 March 2026` (month
//!   names English, full or abbreviated; the day name is not checked), an
//!   optional `at`, the time as `2:32:05 PM` (U+202F, U+00A0 or a space
//!   before `AM`/`PM`, any case, or none) or `14:32:05` (seconds optional),
//!   then the zone. `UTC`, `GMT`, `UT`, `Z` and offsets (`GMT+1`,
//!   `UTC-05:00`, `GMT+0530`, `+01:00`) give [`Stamp::Exact`]. Any other
//!   zone (`CET`, `PST`: abbreviations are ambiguous) or none gives
//!   [`Stamp::Local`] with its date, read later in the zone the user picks.
//! - [`Entry::kind`]: `user_type: "Bot"` → bot; a deleted message → system
//!   `(message deleted)` by its creator; a message without a creator →
//!   system; any other → message.
//! - [`Entry::author`]: `creator.name`, else the creator's email.
//! - [`Entry::text`]: `text` as written (Google Chat writes mentions as
//!   `@Name` already), a quoted message first as `> Name: quoted text`
//!   lines, ` (edited)` after the text when `updated_date` differs from
//!   `created_date`, then one `[file: original_name (export_name)]` line per
//!   attached file (the export name is the file next to `messages.json`) and
//!   `[file: title (https://drive.google.com/open?id=...)]` for a Drive
//!   file annotation whose id is not already in the text.
//! - [`Entry::thread`]: the `topic_id` (else the middle of `message_id`), set
//!   on every message of a topic that has more than one message in the file
//!   (older exports give every message of a flat space a topic of its own).
//!   The message that started the topic (its own id, the last part of
//!   `message_id`, is the topic's) is [`Entry::thread_root`].
//! - [`Entry::channel`]: `None` (the space's name is its folder's, or
//!   `group_info.json`'s), unless the file itself has a top-level
//!   `group_name` or `name`, which is used as written.
//!
//! Problems: invalid JSON is one problem with serde_json's line (and line
//! and column in the reason); a file that is not an object with a
//! `messages` array is one problem; a message that is not an object, or
//! whose `created_date` is missing or unreadable, is skipped with a problem
//! at its position.

use std::collections::HashMap;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::Value;

use crate::formats::common::{digits, is_weekday, meridiem, month_word};
use crate::formats::{Emit, json};
use crate::{Entry, LineKind, Problem, Stamp};

/// Reads one `messages.json`, whole. `label` names the file in problems.
pub fn read(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let document = match json::parse(bytes, label) {
        Ok(document) => document,
        Err(problem) => {
            emit(Err(problem));
            return;
        }
    };
    let top = document.as_object();
    let Some(items) = top
        .and_then(|t| t.get("messages"))
        .and_then(Value::as_array)
    else {
        emit(Err(Problem::new(
            0,
            format!(
                "{label}: expected a JSON object with a \"messages\" array (Google Chat's messages.json)"
            ),
        )));
        return;
    };
    let channel = top
        .and_then(|t| json::str_of(t, "group_name").or_else(|| json::str_of(t, "name")))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let mut messages = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pos = index as u64 + 1;
        match message(item, pos, label) {
            Ok(m) => messages.push(m),
            Err(problem) => emit(Err(problem)),
        }
    }
    // Instants and wall-clock times cannot be compared: a file mixing both
    // keeps its own order.
    let exact = messages
        .iter()
        .filter(|m| matches!(m.stamp, Stamp::Exact(_)))
        .count();
    if exact == 0 || exact == messages.len() {
        messages.sort_by_key(|m| sort_key(m.stamp));
    }
    let mut per_topic: HashMap<&str, usize> = HashMap::new();
    for m in &messages {
        if let Some(topic) = m.topic.as_deref() {
            *per_topic.entry(topic).or_default() += 1;
        }
    }
    for m in &messages {
        let thread = m
            .topic
            .as_deref()
            .filter(|t| per_topic.get(t).is_some_and(|n| *n > 1))
            .map(str::to_string);
        emit(Ok(Entry {
            line: m.pos,
            stamp: m.stamp,
            kind: m.kind,
            author: m.author.clone(),
            text: m.text.clone(),
            thread_root: m.root && thread.is_some(),
            thread,
            channel: channel.clone(),
            approximate: false,
        }));
    }
}

/// How sure it is that `head` starts a Google Chat `messages.json`.
pub fn sniff(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') || !t.contains("\"created_date\"") {
        return 0.0;
    }
    let has = |s: &str| t.contains(s);
    let mut score: f32 = 0.4;
    if has("\"creator\"") {
        score += 0.2;
    }
    if has("\"topic_id\"") {
        score += 0.15;
    }
    if has("\"message_id\"") {
        score += 0.1;
    }
    if has("\"messages\"") {
        score += 0.1;
    }
    if has("\"user_type\"") {
        score += 0.05;
    }
    if has(" at ") && (has(" UTC\"") || has(" GMT")) {
        score += 0.05;
    }
    score.min(1.0)
}

/// One message, read.
struct Message {
    pos: u64,
    stamp: Stamp,
    kind: LineKind,
    author: Option<String>,
    text: String,
    topic: Option<String>,
    /// Whether it started its topic: its own id (the last part of
    /// `message_id`) is the topic's.
    root: bool,
}

/// The order of stamps of one kind.
fn sort_key(stamp: Stamp) -> NaiveDateTime {
    match stamp {
        Stamp::Exact(at) => at.naive_utc(),
        Stamp::Local { date, time } | Stamp::Zoned { date, time, .. } => {
            date.unwrap_or_default().and_time(time)
        }
    }
}

fn message(item: &Value, pos: u64, label: &str) -> Result<Message, Problem> {
    let Some(object) = item.as_object() else {
        return Err(Problem::new(
            pos,
            format!("{label}: message {pos} is not a JSON object"),
        ));
    };
    let Some(created) = object.get("created_date").and_then(Value::as_str) else {
        return Err(Problem::new(
            pos,
            format!(
                "{label}: message {pos} has no \"created_date\" (expected a date like \"Wednesday, March 4, 2026 at 2:32:05 PM UTC\")"
            ),
        ));
    };
    let stamp = parse_date(created).map_err(|why| {
        Problem::new(
            pos,
            format!(
                "{label}: message {pos} has a \"created_date\" that is not a date like \"Wednesday, March 4, 2026 at 2:32:05 PM UTC\": {:?} ({why})",
                short(created)
            ),
        )
    })?;
    let creator = object.get("creator").and_then(Value::as_object);
    let author = creator
        .and_then(|c| json::str_of(c, "name").or_else(|| json::str_of(c, "email")))
        .map(|n| n.trim().to_string());
    let bot = creator
        .and_then(|c| json::str_of(c, "user_type"))
        .is_some_and(|t| t.eq_ignore_ascii_case("bot"));
    let topic = json::str_of(object, "topic_id")
        .map(str::to_string)
        .or_else(|| {
            let id = json::str_of(object, "message_id")?;
            let mut parts = id.split('/');
            let (_, topic, _) = (parts.next()?, parts.next()?, parts.next()?);
            (!topic.is_empty()).then(|| topic.to_string())
        });
    let root = topic.as_deref().is_some_and(|topic| {
        json::str_of(object, "message_id").and_then(|id| id.rsplit('/').next()) == Some(topic)
    });
    let deleted =
        json::str_of(object, "message_state").is_some_and(|s| s.eq_ignore_ascii_case("deleted"));
    if deleted {
        return Ok(Message {
            pos,
            stamp,
            kind: LineKind::System,
            author,
            text: "(message deleted)".to_string(),
            topic,
            root,
        });
    }
    let kind = if author.is_none() {
        LineKind::System
    } else if bot {
        LineKind::Bot
    } else {
        LineKind::Message
    };
    let body = object
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .replace("\r\n", "\n");
    let body = body.trim();
    let mut text = String::with_capacity(body.len() + 32);
    if let Some(quote) = object
        .get("quoted_message_metadata")
        .and_then(Value::as_object)
    {
        let quoted = quote
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        let who = quote
            .get("creator")
            .and_then(Value::as_object)
            .and_then(|c| json::str_of(c, "name").or_else(|| json::str_of(c, "email")));
        let mut first = true;
        for line in quoted.lines() {
            text.push_str("> ");
            if first && let Some(who) = who {
                text.push_str(who.trim());
                text.push_str(": ");
            }
            first = false;
            text.push_str(line.trim_end());
            text.push('\n');
        }
        if first && let Some(who) = who {
            text.push_str(&format!("> {}\n", who.trim()));
        }
    }
    text.push_str(body);
    let updated = object.get("updated_date").and_then(Value::as_str);
    if updated.is_some_and(|u| !u.trim().is_empty() && u.trim() != created.trim()) {
        text.push_str(if text.is_empty() {
            "(edited)"
        } else {
            " (edited)"
        });
    }
    for file in object
        .get("attached_files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let original = json::str_of(file, "original_name").map(str::trim);
        let exported = json::str_of(file, "export_name").map(str::trim);
        let line = match (original, exported) {
            (Some(o), Some(e)) if o != e => format!("[file: {o} ({e})]"),
            (Some(name), _) | (None, Some(name)) => format!("[file: {name}]"),
            (None, None) => "[file]".to_string(),
        };
        push_line(&mut text, &line);
    }
    for drive in object
        .get("annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("drive_metadata"))
        .filter_map(Value::as_object)
    {
        let id = json::str_of(drive, "id").map(str::trim);
        if id.is_some_and(|id| body.contains(id)) {
            continue;
        }
        let title = json::str_of(drive, "title").map(str::trim);
        let line = match (title, id) {
            (Some(title), Some(id)) => {
                format!("[file: {title} (https://drive.google.com/open?id={id})]")
            }
            (Some(title), None) => format!("[file: {title}]"),
            (None, Some(id)) => format!("[file: https://drive.google.com/open?id={id}]"),
            (None, None) => continue,
        };
        push_line(&mut text, &line);
    }
    Ok(Message {
        pos,
        stamp,
        kind,
        author,
        text,
        topic,
        root,
    })
}

/// Adds `line` to `text` on a line of its own.
fn push_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}

fn short(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// A `created_date` as a stamp, or what is wrong with it.
pub(crate) fn parse_date(s: &str) -> Result<Stamp, String> {
    let tokens: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let mut t = &tokens[..];
    if t.first().is_some_and(|w| is_weekday(w)) {
        t = &t[1..];
    }
    let (month, day, year, rest) = match t {
        [a, b, c, rest @ ..] if month_word(a).is_some() => {
            (month_word(a), digits(b, 1, 2), c, rest)
        }
        [a, b, c, rest @ ..] if month_word(b).is_some() => {
            (month_word(b), digits(a, 1, 2), c, rest)
        }
        _ => return Err("no month name and day".to_string()),
    };
    let (Some(month), Some(day), Some(year)) = (month, day, digits(year, 4, 4)) else {
        return Err("no day and four-digit year".to_string());
    };
    let rest = match rest {
        [at, rest @ ..] if at.eq_ignore_ascii_case("at") => rest,
        _ => rest,
    };
    let [time, rest @ ..] = rest else {
        return Err("no time".to_string());
    };
    let split = time
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(time.len());
    let (clock, attached) = time.split_at(split);
    let mut parts = clock.split(':');
    let h = parts.next().and_then(|p| digits(p, 1, 2));
    let m = parts.next().and_then(|p| digits(p, 2, 2));
    let sec = match parts.next() {
        Some(p) => digits(p, 2, 2),
        None => Some(0),
    };
    let (Some(h), Some(m), Some(sec), None) = (h, m, sec, parts.next()) else {
        return Err("no time like 2:32:05 PM or 14:32:05".to_string());
    };
    let (pm, rest) = if attached.is_empty() {
        match rest {
            [word, rest @ ..] if meridiem(word).is_some() => (meridiem(word), rest),
            _ => (None, rest),
        }
    } else {
        match meridiem(attached) {
            Some(pm) => (Some(pm), rest),
            None => return Err("no time like 2:32:05 PM or 14:32:05".to_string()),
        }
    };
    let zone = rest.concat();
    let h = match pm {
        None => h,
        Some(_) if !(1..=12).contains(&h) => {
            return Err(format!("{h} is not a 12-hour clock hour"));
        }
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
    };
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        return Err(format!("there is no day {day} in month {month} of {year}"));
    };
    let Some(time) = NaiveTime::from_hms_opt(h, m, sec) else {
        return Err("not a time of day".to_string());
    };
    Ok(match offset(&zone) {
        Some(offset) => match date.and_time(time).and_local_timezone(offset) {
            chrono::LocalResult::Single(at) => Stamp::Exact(at.with_timezone(&Utc)),
            _ => return Err("not an instant".to_string()),
        },
        None => Stamp::Local {
            date: Some(date),
            time,
        },
    })
}

/// The offset a zone written after the time gives: `UTC`, `GMT`, `UT`, `Z`,
/// `GMT+1`, `UTC-05:00`, `GMT+0530`, `+01:00`. `None` for anything else
/// (an abbreviation like `CET`, or no zone).
fn offset(zone: &str) -> Option<FixedOffset> {
    let upper = zone.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "UT", "Z"]
        .iter()
        .find_map(|p| upper.strip_prefix(p))
        .unwrap_or(&upper);
    if rest.is_empty() {
        return (!upper.is_empty())
            .then(|| FixedOffset::east_opt(0))
            .flatten();
    }
    let (sign, digits_part) = if let Some(r) = rest.strip_prefix('+') {
        (1, r)
    } else if let Some(r) = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('\u{2212}'))
    {
        (-1, r)
    } else {
        return None;
    };
    let (h, m) = match digits_part.split_once(':') {
        Some((h, m)) => (digits(h, 1, 2)?, digits(m, 2, 2)?),
        None if digits_part.len() == 4 => (
            digits(digits_part.get(..2)?, 2, 2)?,
            digits(digits_part.get(2..)?, 2, 2)?,
        ),
        None => (digits(digits_part, 1, 2)?, 0),
    };
    if h > 18 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn utc(y: i32, mo: u32, d: u32, h: u32, m: u32, s: u32) -> Stamp {
        Stamp::Exact(DateTime::from_naive_utc_and_offset(
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap(),
            Utc,
        ))
    }

    #[test]
    fn created_dates() {
        let want = utc(2026, 3, 4, 14, 32, 5);
        for s in [
            "Wednesday, March 4, 2026 at 2:32:05 PM UTC",
            "Wednesday, March 4, 2026 at 2:32:05\u{202f}PM UTC",
            "Wednesday, March 4, 2026 at 2:32:05\u{a0}pm GMT",
            "Wednesday, 4 March 2026 at 14:32:05 UTC",
            "March 4, 2026 at 2:32:05 PM UTC",
            "4 Mar 2026 at 14:32:05 Z",
            "Wednesday, March 4, 2026 at 3:32:05 PM GMT+1",
            "Wednesday, March 4, 2026 at 3:32:05 PM GMT+01:00",
            "Wednesday, March 4, 2026 at 9:32:05 AM UTC-05:00",
            "Wednesday, March 4, 2026 at 9:32:05 AM UTC\u{2212}5",
            "Wednesday, March 4, 2026 at 8:02:05 PM GMT+0530",
            "Wednesday, March 4, 2026 at 3:32:05 PM +01:00",
        ] {
            assert_eq!(parse_date(s), Ok(want), "{s}");
        }
        // Thursday is not checked against the date.
        assert_eq!(
            parse_date("Thursday, March 4, 2026 at 2:32:05 PM UTC"),
            Ok(want)
        );
        let local = |h, m, s| Stamp::Local {
            date: NaiveDate::from_ymd_opt(2026, 3, 4),
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        };
        assert_eq!(
            parse_date("Wednesday, March 4, 2026 at 3:32:05 PM CET"),
            Ok(local(15, 32, 5))
        );
        assert_eq!(
            parse_date("Wednesday, March 4, 2026 at 15:32"),
            Ok(local(15, 32, 0))
        );
        assert_eq!(
            parse_date("Wednesday, March 4, 2026 at 12:00:00 AM UTC"),
            Ok(utc(2026, 3, 4, 0, 0, 0))
        );
        for bad in [
            "",
            "yesterday at noon",
            "Wednesday, February 30, 2026 at 2:32:05 PM UTC",
            "Wednesday, March 4, 2026 at 13:32:05 PM UTC",
            "Wednesday, March 4, 2026 at 25:00:00 UTC",
            "Wednesday, March 4, 26 at 2:32:05 PM UTC",
            "Wednesday, March 4, 2026",
            "2026-03-04T14:32:05Z",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets() {
        let east = |s| FixedOffset::east_opt(s);
        assert_eq!(offset("UTC"), east(0));
        assert_eq!(offset("gmt"), east(0));
        assert_eq!(offset("GMT-8"), east(-8 * 3600));
        assert_eq!(offset("UTC+05:45"), east(5 * 3600 + 45 * 60));
        assert_eq!(offset("-0330"), east(-(3 * 3600 + 30 * 60)));
        assert_eq!(offset(""), None);
        assert_eq!(offset("CET"), None);
        assert_eq!(offset("PST"), None);
        assert_eq!(offset("UTC+99"), None);
        assert_eq!(offset("UTC+1:5"), None);
    }
}
