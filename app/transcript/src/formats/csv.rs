//! CSV (RFC 4180) with a header row: `timestamp,channel,author,text`, and
//! optionally `kind` and `thread`.
//!
//! Header names are matched case-insensitively, in any order; extra columns
//! are ignored. Accepted names (the first found wins):
//!
//! | column    | required | names                                                   |
//! |-----------|----------|---------------------------------------------------------|
//! | timestamp | yes      | `timestamp`, `ts`, `datetime`; else `date` + `time` read together; else `time` or `date` |
//! | author    | yes      | `author`, `user`, `nick`, `name`, `sender`, `from`, `username` |
//! | text      | yes      | `text`, `message`, `body`, `content`, `msg`             |
//! | channel   | no       | `channel`, `room`, `conversation`                       |
//! | kind      | no       | `kind`, `type` (the codes of [`LineKind`]; empty is `message`) |
//! | thread    | no       | `thread`, `thread_id`, `thread_ts`                      |
//!
//! Timestamps: RFC 3339 with `Z` or an offset (an instant); `YYYY-MM-DD
//! HH:MM[:SS]` (wall-clock time in the transcript's zone); epoch seconds, with
//! an optional fraction (an instant; 12 digits or more without a fraction are
//! read as epoch milliseconds); a bare `HH:MM[:SS]` (the day comes from the
//! file name or the date given).
//!
//! Quoted fields may hold commas, `""` and line breaks: a record spanning lines
//! is read whole (its lines return [`Parsed::Skip`] until it completes) and its
//! entry carries the line where it started. Fields are trimmed. An empty
//! author is a line without an author; an empty channel or thread is none.
//! When the header is unusable, its problem is reported once and the rest of
//! the file is skipped.

use chrono::{DateTime, Utc};

use super::plain::{date_prefix, stamp_prefix};
use super::{LineFormat, Parsed};
use crate::{Entry, LineKind, Stamp};

#[derive(Default)]
pub struct Csv {
    header: Header,
    /// The fields of the record being read; `count` of them are in use (the
    /// strings are reused from record to record).
    fields: Vec<String>,
    count: usize,
    /// Inside a quoted field that goes on on the next line.
    in_quotes: bool,
    /// The line where the record being read started, while it spans lines.
    open_since: Option<u64>,
}

#[derive(Default)]
enum Header {
    #[default]
    Pending,
    Ready(Columns),
    Failed,
}

struct Columns {
    fields: usize,
    time: TimeColumn,
    author: usize,
    text: usize,
    channel: Option<usize>,
    kind: Option<usize>,
    thread: Option<usize>,
}

enum TimeColumn {
    One(usize),
    DateAndTime(usize, usize),
}

const TIMESTAMP: &[&str] = &["timestamp", "ts", "datetime", "date_time", "date time"];
const AUTHOR: &[&str] = &[
    "author",
    "user",
    "nick",
    "name",
    "sender",
    "from",
    "username",
    "user_name",
];
const TEXT: &[&str] = &["text", "message", "body", "content", "msg"];
const CHANNEL: &[&str] = &["channel", "room", "conversation", "channel_name"];
const KIND: &[&str] = &["kind", "type"];
const THREAD: &[&str] = &["thread", "thread_id", "thread_ts"];

impl LineFormat for Csv {
    fn parse(&mut self, number: u64, line: &str) -> Parsed {
        if matches!(self.header, Header::Failed) {
            return Parsed::Skip;
        }
        let start = match self.open_since {
            Some(start) => start,
            None => {
                if line.trim().is_empty() {
                    return Parsed::Skip;
                }
                self.count = 0;
                self.next_field();
                number
            }
        };
        if !self.feed(line) {
            self.open_since = Some(start);
            return Parsed::Skip;
        }
        self.open_since = None;
        match &self.header {
            Header::Pending => match self.columns() {
                Ok(columns) => {
                    self.header = Header::Ready(columns);
                    Parsed::Skip
                }
                Err(reason) => {
                    self.header = Header::Failed;
                    Parsed::Invalid(reason)
                }
            },
            Header::Ready(columns) => self.record(columns, start, number),
            Header::Failed => Parsed::Skip,
        }
    }

    fn finish(&mut self) -> Option<Parsed> {
        let start = self.open_since.take()?;
        Some(Parsed::Invalid(format!(
            "the record starting on line {start} has a quoted field that is never closed (a \" is missing)"
        )))
    }
}

impl Csv {
    /// Starts a new (empty) field, reusing a string from an earlier record.
    fn next_field(&mut self) {
        if self.count < self.fields.len() {
            self.fields[self.count].clear();
        } else {
            self.fields.push(String::new());
        }
        self.count += 1;
    }

    fn field(&mut self) -> &mut String {
        &mut self.fields[self.count - 1]
    }

    /// Reads one line into the current record. Returns whether the record is
    /// complete (false: a quoted field goes on on the next line).
    fn feed(&mut self, line: &str) -> bool {
        let bytes = line.as_bytes();
        let mut i = 0;
        if self.in_quotes {
            // The line break belongs to the quoted field.
            self.field().push('\n');
        }
        loop {
            if self.in_quotes {
                match memchr(b'"', &bytes[i..]) {
                    None => {
                        self.field().push_str(&line[i..]);
                        return false;
                    }
                    Some(j) => {
                        self.field().push_str(&line[i..i + j]);
                        i += j + 1;
                        if bytes.get(i) == Some(&b'"') {
                            self.field().push('"');
                            i += 1;
                        } else {
                            self.in_quotes = false;
                        }
                    }
                }
            } else {
                match bytes[i..].iter().position(|&b| b == b',' || b == b'"') {
                    None => {
                        self.field().push_str(&line[i..]);
                        return true;
                    }
                    Some(j) => {
                        let at = i + j;
                        self.field().push_str(&line[i..at]);
                        i = at + 1;
                        if bytes[at] == b',' {
                            self.next_field();
                        } else if self.field().trim().is_empty() {
                            // An opening quote (spaces before it dropped).
                            self.field().clear();
                            self.in_quotes = true;
                        } else {
                            // A quote inside an unquoted field, or after the
                            // closing one: kept as written.
                            self.field().push('"');
                        }
                    }
                }
            }
        }
    }

    fn columns(&self) -> Result<Columns, String> {
        let names: Vec<String> = self.fields[..self.count]
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        let find = |wanted: &[&str]| {
            wanted
                .iter()
                .find_map(|w| names.iter().position(|n| n == w))
        };
        let missing = |what: &str, wanted: &[&str]| {
            format!(
                "the header has no \"{what}\" column (accepted names: {}); the first line must name the columns, e.g. timestamp,channel,author,text",
                wanted.join(", ")
            )
        };
        let time = match find(TIMESTAMP) {
            Some(i) => TimeColumn::One(i),
            None => match (find(&["date"]), find(&["time"])) {
                (Some(d), Some(t)) => TimeColumn::DateAndTime(d, t),
                (Some(i), None) | (None, Some(i)) => TimeColumn::One(i),
                (None, None) => {
                    return Err(missing(
                        "timestamp",
                        &["timestamp", "ts", "datetime", "time", "date"],
                    ));
                }
            },
        };
        Ok(Columns {
            fields: self.count,
            time,
            author: find(AUTHOR).ok_or_else(|| missing("author", AUTHOR))?,
            text: find(TEXT).ok_or_else(|| missing("text", TEXT))?,
            channel: find(CHANNEL),
            kind: find(KIND),
            thread: find(THREAD),
        })
    }

    fn record(&self, columns: &Columns, start: u64, number: u64) -> Parsed {
        let spanning = if start == number {
            String::new()
        } else {
            format!(" (the record starting on line {start})")
        };
        if self.count != columns.fields {
            return Parsed::Invalid(format!(
                "expected {} fields as in the header, found {}{spanning}",
                columns.fields, self.count
            ));
        }
        let field = |i: usize| self.fields[i].trim();
        let stamp = match columns.time {
            TimeColumn::One(i) => timestamp(field(i)),
            TimeColumn::DateAndTime(d, t) => date_and_time(field(d), field(t)),
        };
        let Some(stamp) = stamp else {
            let shown = match columns.time {
                TimeColumn::One(i) => field(i).to_string(),
                TimeColumn::DateAndTime(d, t) => format!("{} {}", field(d), field(t)),
            };
            return Parsed::Invalid(format!(
                "\"{shown}\" is not a timestamp (expected RFC 3339 such as 2026-03-04T14:32:05Z, \"2026-03-04 14:32:05\", or epoch seconds){spanning}"
            ));
        };
        let kind = match columns.kind.map(field) {
            None | Some("") => LineKind::Message,
            Some(code) => match LineKind::ALL
                .into_iter()
                .find(|k| k.code().eq_ignore_ascii_case(code))
            {
                Some(kind) => kind,
                None => {
                    let allowed: Vec<&str> = LineKind::ALL.iter().map(|k| k.code()).collect();
                    return Parsed::Invalid(format!(
                        "unknown kind \"{code}\"; the kinds are {}{spanning}",
                        allowed.join(", ")
                    ));
                }
            },
        };
        let optional = |column: Option<usize>| {
            column
                .map(field)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let author = field(columns.author);
        let mut entry = Entry::new(
            start,
            stamp,
            kind,
            (!author.is_empty()).then_some(author),
            field(columns.text),
        );
        entry.channel = optional(columns.channel);
        entry.thread = optional(columns.thread);
        Parsed::Entry(entry)
    }
}

/// A timestamp field: RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, epoch seconds, or a
/// bare time.
fn timestamp(s: &str) -> Option<Stamp> {
    if let Some(at) = epoch(s) {
        return Some(Stamp::Exact(at));
    }
    match stamp_prefix(s) {
        Some((stamp, used)) if used == s.len() => Some(stamp),
        _ => None,
    }
}

fn date_and_time(date: &str, time: &str) -> Option<Stamp> {
    if date.len() != 10 {
        return None;
    }
    let date = date_prefix(date.as_bytes())?;
    match stamp_prefix(time)? {
        (
            Stamp::Local {
                date: None,
                time: t,
            },
            used,
        ) if used == time.len() => Some(Stamp::Local {
            date: Some(date),
            time: t,
        }),
        _ => None,
    }
}

/// Epoch seconds (`1772634725`, `1772634725.0002`), or milliseconds when the
/// whole number has 12 digits or more.
fn epoch(s: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 15
        || fraction.len() > 9
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || s.ends_with('.')
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    if fraction.is_empty() && s.len() >= 12 {
        return DateTime::from_timestamp_millis(whole);
    }
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for d in fraction.bytes() {
        nanos += u32::from(d - b'0') * scale;
        scale /= 10;
    }
    DateTime::from_timestamp(whole, nanos)
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Parsed> {
        let mut csv = Csv::default();
        let mut out: Vec<Parsed> = text
            .lines()
            .enumerate()
            .map(|(i, l)| csv.parse(i as u64 + 1, l))
            .collect();
        out.extend(csv.finish());
        out
    }

    #[test]
    fn quoted_fields_with_commas_quotes_and_line_breaks() {
        let out = all("time,user,message\n2026-03-04 14:32,sam,\"a, \"\"b\"\"\nc\"\n");
        assert_eq!(out[0], Parsed::Skip);
        assert_eq!(out[1], Parsed::Skip);
        let Parsed::Entry(e) = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!(e.line, 2);
        assert_eq!(e.text, "a, \"b\"\nc");
        assert_eq!(e.author.as_deref(), Some("sam"));
    }

    #[test]
    fn epochs() {
        assert_eq!(epoch("1772634725").unwrap().timestamp(), 1_772_634_725);
        assert_eq!(
            epoch("1772634725.5").unwrap().timestamp_subsec_millis(),
            500
        );
        assert_eq!(
            epoch("1772634725123").unwrap().timestamp_millis(),
            1_772_634_725_123
        );
        assert_eq!(epoch("17726x"), None);
        assert_eq!(epoch("1772634725."), None);
    }
}
