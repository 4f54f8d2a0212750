//! Chat transcripts read into one chronological review.
//!
//! A transcript is a chat log of one channel (IRC client logs, a Slack export,
//! pasted text, CSV). Reading one goes in three steps, each its own module:
//!
//! 1. [`text`]: bytes to text lines (UTF-8 with or without BOM, Latin-1/cp1252
//!    lines decoded one by one, CRLF or LF, mIRC colour codes stripped).
//! 2. [`formats`]: a line of a given format to an [`Entry`] (time as written,
//!    kind, author, text), a day marker, a continuation, a note (prose around
//!    the messages), or a problem.
//! 3. [`clock`]: times as written to instants (dates from markers, the file
//!    name or the user; zones named after a time; midnight rollover; DST gaps
//!    and repeats; lines out of time order flagged, the fewest that explain
//!    the disorder, never moved).
//!
//! [`read`] drives the three over a stream and hands each [`Line`] to a
//! [`Sink`]; [`summary`] is the sink behind the preview, [`merge`] orders and
//! de-duplicates lines from several transcripts, and [`suggest`] offers
//! candidate timeline events. [`limits`] bounds what reading one upload may
//! take (memory held, bytes inflated, files in an archive). Nothing here knows
//! about the web or the database.

pub mod choose;
pub mod clock;
pub mod formats;
pub mod limits;
pub mod merge;
pub mod read;
pub mod suggest;
pub mod summary;
pub mod text;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

pub use clock::{Flag, NamedZone};
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
    /// Prose between or around the messages of a pasted report (its title, a
    /// summary, a "What we learned" section): no author, and the time of the
    /// message before it (or, before any, of the first).
    Narrative,
}

impl LineKind {
    pub const ALL: [LineKind; 11] = [
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
        LineKind::Narrative,
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
            LineKind::Narrative => "narrative",
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
            LineKind::Narrative => "Narrative (text around the messages)",
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
    /// A wall-clock time in a zone the line names after it (`08:00Z`,
    /// `14:02 PST`), read at that zone's fixed offset; the date when the line
    /// has one, else the transcript's current day.
    Zoned {
        date: Option<NaiveDate>,
        time: NaiveTime,
        zone: NamedZone,
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
    /// Whether it is its thread's root, as the export says: the message
    /// whose id [`Entry::thread`] is. The root is not always the thread's
    /// earliest line (a reply may be timed before it: clocks, an import
    /// into the chat system), so whoever shows threads takes this line as
    /// the start. `false` on replies, on entries without a thread, and where
    /// the export does not say (a CSV's thread column): there the earliest
    /// line stands for the root.
    pub thread_root: bool,
    /// Another name for the channel this entry belongs to, when one file holds
    /// several channels (CSV, Slack export). `None`: the transcript's own channel.
    pub channel: Option<String>,
    /// Whether the time is an estimate as written (`~14:30`, `around 14:30`,
    /// `14:30 (approx)`).
    pub approximate: bool,
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
            thread_root: false,
            channel: None,
            approximate: false,
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
    /// Whether it is its thread's root (see [`Entry::thread_root`]).
    pub thread_root: bool,
    pub channel: Option<String>,
    /// Something about the time the reader should check.
    pub flag: Option<Flag>,
    /// Whether the time is an estimate as written (see [`Entry::approximate`]).
    pub approximate: bool,
    /// The zone the line's own text named after its time, when it named one
    /// ([`Stamp::Zoned`]); `None`: the transcript's zone, or an instant.
    pub zone: Option<NamedZone>,
    /// How many lines without a time of their own continue this message (a
    /// multi-line message, the rest of a paragraph of narrative): joined to
    /// `text`, each after a line break.
    pub continued: u32,
}

impl Line {
    /// A line with nothing more than its time, kind, author and text: no
    /// thread, no channel of its own, no flag, not an estimate, nothing
    /// joined to it.
    pub fn new(
        line: u64,
        at: DateTime<Utc>,
        kind: LineKind,
        author: Option<&str>,
        text: impl Into<String>,
    ) -> Self {
        Line {
            line,
            at,
            kind,
            author: author.map(str::to_string),
            text: text.into(),
            thread: None,
            thread_root: false,
            channel: None,
            flag: None,
            approximate: false,
            zone: None,
            continued: 0,
        }
    }

    /// What a reader should know about this line's time, in words: why it
    /// is flagged, or that it is written as an estimate. Stored with the
    /// line and shown beside it in the review.
    pub fn time_note(&self) -> Option<String> {
        match (&self.flag, self.approximate) {
            (Some(flag), _) => Some(flag.describe()),
            (None, true) => Some("the time is an estimate, as written".to_string()),
            (None, false) => None,
        }
    }
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
