//! Chat transcripts read into one chronological review.
//!
//! A transcript is a chat log of one channel (IRC client logs, a Slack export,
//! pasted text, CSV). Reading one goes in three steps, each its own module:
//!
//! 1. [`text`]: bytes to text lines (UTF-8 with or without BOM, Latin-1/cp1252
//!    lines decoded one by one, CRLF or LF, mIRC colour codes stripped).
//! 2. [`formats`]: a line of a given format to an [`Entry`] (time as written,
//!    kind, author, text), a day marker, a continuation, or a problem.
//! 3. [`clock`]: times as written to instants (dates from markers, the file
//!    name or the user; midnight rollover; DST gaps and repeats; backwards jumps
//!    flagged, never moved).
//!
//! [`read`] drives the three over a stream and hands each [`Line`] to a
//! [`Sink`]; [`summary`] is the sink behind the preview, [`merge`] orders and
//! de-duplicates lines from several transcripts, and [`suggest`] offers
//! candidate timeline events. [`limits`] bounds what reading one upload may
//! take (memory held, bytes inflated, files in an archive). Nothing here knows
//! about the web or the database.

pub mod clock;
pub mod formats;
pub mod limits;
pub mod merge;
pub mod read;
pub mod suggest;
pub mod summary;
pub mod text;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

pub use clock::Flag;
pub use formats::Format;
pub use read::{Options, Sink, read_export, read_path, read_text};

/// What kind of line a transcript line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKind {
    Message,
    /// `/me waves`.
    Action,
    Notice,
    Join,
    Part,
    Quit,
    Nick,
    Topic,
    /// A message from a bot or an alerting integration.
    Bot,
    /// Anything the chat system itself wrote (mode changes, meeting markers, ...).
    System,
}

impl LineKind {
    pub const ALL: [LineKind; 10] = [
        LineKind::Message,
        LineKind::Action,
        LineKind::Notice,
        LineKind::Join,
        LineKind::Part,
        LineKind::Quit,
        LineKind::Nick,
        LineKind::Topic,
        LineKind::Bot,
        LineKind::System,
    ];

    /// The stable word stored and used in filters.
    pub fn code(self) -> &'static str {
        match self {
            LineKind::Message => "message",
            LineKind::Action => "action",
            LineKind::Notice => "notice",
            LineKind::Join => "join",
            LineKind::Part => "part",
            LineKind::Quit => "quit",
            LineKind::Nick => "nick",
            LineKind::Topic => "topic",
            LineKind::Bot => "bot",
            LineKind::System => "system",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            LineKind::Message => "Message",
            LineKind::Action => "Action (/me)",
            LineKind::Notice => "Notice",
            LineKind::Join => "Join",
            LineKind::Part => "Part",
            LineKind::Quit => "Quit",
            LineKind::Nick => "Nick change",
            LineKind::Topic => "Topic",
            LineKind::Bot => "Bot or alert",
            LineKind::System => "System",
        }
    }

    /// Joins, parts and quits: hidden from the review unless asked for.
    pub fn is_presence(self) -> bool {
        matches!(self, LineKind::Join | LineKind::Part | LineKind::Quit)
    }
}

/// A time as the transcript wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// An instant (a Slack `ts`, an RFC 3339 time with an offset).
    Exact(DateTime<Utc>),
    /// A wall-clock time in the transcript's zone; the date when the line has one.
    Local {
        date: Option<NaiveDate>,
        time: NaiveTime,
    },
}

/// One message as a format read it, before its time is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number in the file where the message starts.
    pub line: u64,
    pub stamp: Stamp,
    pub kind: LineKind,
    /// Who wrote it; `None` for narrative or system lines.
    pub author: Option<String>,
    pub text: String,
    /// The thread it belongs to (a Slack `thread_ts`), when the source has threads.
    pub thread: Option<String>,
    /// Another name for the channel this entry belongs to, when one file holds
    /// several channels (CSV, Slack export). `None`: the transcript's own channel.
    pub channel: Option<String>,
}

impl Entry {
    pub fn new(line: u64, stamp: Stamp, kind: LineKind, author: Option<&str>, text: &str) -> Self {
        Entry {
            line,
            stamp,
            kind,
            author: author.map(str::to_string),
            text: text.to_string(),
            thread: None,
            channel: None,
        }
    }
}

/// One line of the review: an [`Entry`] whose time is an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub line: u64,
    pub at: DateTime<Utc>,
    pub kind: LineKind,
    pub author: Option<String>,
    pub text: String,
    pub thread: Option<String>,
    pub channel: Option<String>,
    /// Something about the time the reader should check.
    pub flag: Option<Flag>,
}

/// A line that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number (0 when the problem is about the whole file).
    pub line: u64,
    pub reason: String,
}

impl Problem {
    pub fn new(line: u64, reason: impl Into<String>) -> Self {
        Problem {
            line,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}
