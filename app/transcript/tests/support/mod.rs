//! What the export parsers' tests share: fixtures, times, expected entries.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use transcript::formats::DocumentReader;
use transcript::{Entry, Line, LineKind, Problem, Stamp};

pub fn fixture(path: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures")
    .join(path)
}

/// Reads `bytes` with `reader`, collecting everything it emits in order.
pub fn read_bytes(
    reader: DocumentReader,
    bytes: &[u8],
    label: &str,
) -> Vec<Result<Entry, Problem>> {
    let mut out = Vec::new();
    reader(bytes, label, &mut |e| out.push(e));
    out
}

/// Reads the fixture at `path` (under `tests/fixtures/`) with `reader`.
pub fn read(reader: DocumentReader, path: &str) -> Vec<Result<Entry, Problem>> {
    read_bytes(reader, &std::fs::read(fixture(path)).unwrap(), path)
}

/// The first 64 KB of a fixture, as detection sees it.
pub fn head(path: &str) -> String {
    let bytes = std::fs::read(fixture(path)).unwrap();
    String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned()
}

/// 2026-03-04 at `h:m:s.ms` UTC.
pub fn utc_ms(h: u32, m: u32, s: u32, ms: u32) -> Stamp {
    let naive = NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_milli_opt(h, m, s, ms)
        .unwrap();
    Stamp::Exact(DateTime::<Utc>::from_naive_utc_and_offset(naive, Utc))
}

/// 2026-03-04 at `h:m:s` UTC.
pub fn utc(h: u32, m: u32, s: u32) -> Stamp {
    utc_ms(h, m, s, 0)
}

/// An expected entry.
pub struct Expect<'a> {
    pub line: u64,
    pub stamp: Stamp,
    pub kind: LineKind,
    pub author: Option<&'a str>,
    pub text: &'a str,
    pub thread: Option<&'a str>,
    /// Whether it is its thread's root ([`Entry::thread_root`]).
    pub thread_root: bool,
    pub channel: Option<&'a str>,
}

impl Expect<'_> {
    /// The same, as its thread's root.
    pub fn root(self) -> Self {
        Expect {
            thread_root: true,
            ..self
        }
    }

    pub fn entry(&self) -> Result<Entry, Problem> {
        Ok(Entry {
            line: self.line,
            stamp: self.stamp,
            kind: self.kind,
            author: self.author.map(str::to_string),
            text: self.text.to_string(),
            thread: self.thread.map(str::to_string),
            thread_root: self.thread_root,
            channel: self.channel.map(str::to_string),
            approximate: false,
        })
    }
}

/// The same entry, as its thread's root ([`Entry::thread_root`]).
pub fn root(entry: Result<Entry, Problem>) -> Result<Entry, Problem> {
    entry.map(|e| Entry {
        thread_root: true,
        ..e
    })
}

/// Compares entry by entry, so that a failure names the first that differs.
pub fn assert_entries(got: &[Result<Entry, Problem>], expected: &[Expect<'_>]) {
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(g, &e.entry(), "entry {i}");
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
}

/// The problems among `got`, as (line, reason).
pub fn problems(got: &[Result<Entry, Problem>]) -> Vec<(u64, String)> {
    got.iter()
        .filter_map(|r| r.as_ref().err())
        .map(|p| (p.line, p.reason.clone()))
        .collect()
}

/// Fixtures of other formats, which a parser's sniff must score low.
pub const OTHER_FORMATS: [&str; 12] = [
    "irc/irssi-#ops.log",
    "irc/irc.libera.#ops.weechatlog",
    "slack/ops/2026-03-04.json",
    "text/chat.csv",
    "text/plain.txt",
    "text/slack-paste.txt",
    "discord/incident-412.json",
    "discord/incident-412.txt",
    "matrix/element-export.json",
    "google_chat/Groups/Incident checkout/messages.json",
    "mattermost/incident-4711.jsonl",
    "teams/channel-messages.json",
];

/// What a line of plain text became when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The first line of a message (a line with a time).
    Message,
    /// A line joined to the message or note before it, shown in its text.
    Continuation,
    /// The first line of a narrative note.
    Note,
    /// A line reported as a problem.
    Problem,
    /// A blank line, skipped.
    Blank,
    /// A Markdown table's rule, or a heading that is only a date (it dates
    /// the lines after it): read, and no line of its own.
    Structure,
}

/// Whether a line is a table rule (`|---|:--:|`) or only a date, as a
/// report's heading writes it (`### 2020-02-20`, `**Tuesday 22 May
/// 2018**`): words that are a year, a day (`22`, `22nd`), a month or weekday
/// name, or an ISO date, with a year among them.
fn structure(line: &str) -> bool {
    let s = line.trim();
    if s.starts_with('|') && s.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
        return true;
    }
    let s = s.trim_start_matches('#');
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '*' | '_' | ':' | '.' | '|'))
        .filter(|w| !w.is_empty())
        .collect();
    let digits = |w: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit())
    };
    let iso = |w: &str| {
        let p: Vec<&str> = w.split('-').collect();
        p.len() == 3 && digits(p[0], 4..=4) && digits(p[1], 2..=2) && digits(p[2], 2..=2)
    };
    let day = |w: &str| {
        let d = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        digits(d, 1..=2) && ["", "st", "nd", "rd", "th"].contains(&&w[d.len()..])
    };
    let name = |w: &str| {
        w.len() <= 9
            && w.starts_with(|c: char| c.is_ascii_uppercase())
            && w.chars().all(|c| c.is_ascii_alphabetic())
    };
    !words.is_empty()
        && words.iter().any(|w| digits(w, 4..=4) || iso(w))
        && words
            .iter()
            .all(|w| digits(w, 4..=4) || iso(w) || day(w) || name(w))
}

/// The role of each line of `input` (the first is line 1), from what reading
/// it as plain text gave: a line (message or note) at its number and the
/// lines that continue it right after it, each shown in its text as
/// written; a problem at its line; a blank line skipped. Panics naming a line
/// with two roles, or with none (merged in silence, or lost).
pub fn roles(input: &str, out: &[Result<Line, Problem>]) -> Vec<Role> {
    let lines: Vec<&str> = input.lines().collect();
    let mut roles: Vec<Option<Role>> = vec![None; lines.len()];
    let mut set = |n: u64, role: Role| {
        assert!(n >= 1 && n as usize <= lines.len(), "{role:?} on line {n}");
        let slot = &mut roles[n as usize - 1];
        assert!(slot.is_none(), "line {n} is both {slot:?} and {role:?}");
        *slot = Some(role);
    };
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            set(i as u64 + 1, Role::Blank);
        }
    }
    for item in out {
        match item {
            Ok(line) => {
                let first = if line.kind == LineKind::Narrative {
                    Role::Note
                } else {
                    Role::Message
                };
                set(line.line, first);
                let pieces: Vec<&str> = line.text.split('\n').collect();
                // A time alone on its line ("### 10:30", "**14:55 UTC**")
                // takes its text from the next line with text.
                let mut start = line.line;
                let lone = lines[start as usize - 1]
                    .split_whitespace()
                    .all(|w| !w.chars().any(|c| c.is_lowercase()));
                if lone && line.kind != LineKind::Narrative {
                    let text = (start as usize..lines.len())
                        .find(|&i| !lines[i].trim().is_empty())
                        .expect("the lone time's text");
                    start = text as u64 + 1;
                    set(start, Role::Continuation);
                }
                for k in 1..=u64::from(line.continued) {
                    let n = start + k;
                    set(n, Role::Continuation);
                    // The continuations are the last pieces of the text.
                    let shown = pieces[pieces.len() - 1 - (line.continued - k as u32) as usize];
                    assert_eq!(
                        shown,
                        lines[n as usize - 1],
                        "line {n} as shown in line {}",
                        line.line
                    );
                }
            }
            Err(problem) => set(problem.line, Role::Problem),
        }
    }
    roles
        .into_iter()
        .enumerate()
        .map(|(i, role)| {
            role.or_else(|| structure(lines[i]).then_some(Role::Structure))
                .unwrap_or_else(|| {
                    panic!(
                        "line {} ({:?}) is in no message, note or problem",
                        i + 1,
                        lines[i]
                    )
                })
        })
        .collect()
}
