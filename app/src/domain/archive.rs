//! The incident archive: what `debrief export --format json` writes and
//! `debrief restore-incident` (or the upload in the app) reads back. Its
//! shape is the database's: one array of rows per table, each row an object
//! of column to value, so nothing is lost on the way. This module reads an
//! archive into typed rows, checking every column as the forms would (its
//! type, range, allowed values and length) before anything is written, and
//! renders one as Markdown (the `md` export, and the HTML one through the
//! Markdown renderer).
//!
//! Reading streams: a file is read once for its header and once into the
//! typed rows, never into a tree of JSON values (which took about 17 times
//! the file's size).

use std::collections::HashSet;
use std::fmt::Write;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, de::Error as _};
use serde_json::{Map, Value};

use super::countermeasure::{CmStatus, Kind as CmKind, Priority};
use super::incident::{Cynefin, DetectionMethod, Severity, Status, closed_set};
use super::incident_form::limits as incident_limits;
use super::meeting::NoteKind;
use super::moments::KeyMoment;
use super::postmortem::DocStatus;
use super::timeline::EventKind;

/// The `format` field of every archive.
pub const ARCHIVE_FORMAT: &str = "debrief-incident";
/// The `version` field; an archive from a newer version is refused.
pub const ARCHIVE_VERSION: i64 = 1;

/// Every table an archive holds, in the order rows are written back.
pub const TABLES: &[&str] = &[
    "incidents",
    "incident_services",
    "timeline_events",
    "transcripts",
    "transcript_lines",
    "transcript_problems",
    "event_lines",
    "countermeasures",
    "countermeasure_incidents",
    "postmortems",
    "postmortem_versions",
    "reviews",
    "meeting_notes",
    "audit_log",
];

/// An archive as the file holds it (indented JSON).
pub fn to_json(archive: &Value) -> String {
    serde_json::to_string_pretty(archive).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Column types: each refuses, while the file is read, what its column must
// not hold, in words (the reader adds which table, row and column).

/// The largest key or number kept from an archive. Keys are kept when free
/// and the next ones are counted on from the largest: one near the end of
/// the integers would leave no key for anyone's next transcript or note.
pub const MAX_KEY: i64 = 1 << 53;

/// The most bytes any text of an archive holds: the largest field (a
/// post-mortem, 200,000 characters of up to 4 bytes).
pub const MAX_CELL_BYTES: usize = 800_000;

/// The longest transcript line, in bytes (as an import takes it).
pub const LINE_MAX_BYTES: usize = 64 * 1024;

/// A name (of a person, a channel, a file) where no form sets a limit.
pub type Name = Text<300>;
/// A record's text id (a UUID when Debrief made it).
pub type Id = Text<100, 1>;

/// What a value is written into its column as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    /// A 0/1 flag (BOOLEAN on PostgreSQL).
    Bool(bool),
}

/// A column value as its [`Cell`].
pub trait ToCell {
    fn cell(&self) -> Cell<'_>;
    /// The NULL of this column's type (PostgreSQL wants it typed).
    fn null() -> Cell<'static>;
}

impl ToCell for i64 {
    fn cell(&self) -> Cell<'_> {
        Cell::Int(Some(*self))
    }
    fn null() -> Cell<'static> {
        Cell::Int(None)
    }
}

impl<T: ToCell> ToCell for Option<T> {
    fn cell(&self) -> Cell<'_> {
        match self {
            Some(v) => v.cell(),
            None => T::null(),
        }
    }
    fn null() -> Cell<'static> {
        T::null()
    }
}

/// A whole number within `range`, or the error that says what was expected.
fn int_in<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
    check: impl Fn(i64) -> Result<(), String>,
) -> Result<i64, D::Error> {
    struct Int(&'static str);
    impl Visitor<'_> for Int {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.0)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))
        }
    }
    let v = d.deserialize_i64(Int(expecting))?;
    check(v).map_err(D::Error::custom)?;
    Ok(v)
}

macro_rules! int_column {
    ($(#[$m:meta])* $name:ident, $expecting:literal, $min:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub i64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                int_in(d, $expecting, |v| {
                    if ($min..=MAX_KEY).contains(&v) {
                        Ok(())
                    } else {
                        Err(format!("{v} is outside {} to {MAX_KEY}", $min))
                    }
                })
                .map($name)
            }
        }

        impl ToCell for $name {
            fn cell(&self) -> Cell<'_> {
                Cell::Int(Some(self.0))
            }
            fn null() -> Cell<'static> {
                Cell::Int(None)
            }
        }
    };
}

int_column!(
    /// A key or number: a whole number from 1.
    Key,
    "a whole number from 1",
    1
);
int_column!(
    /// A count or position: a whole number from 0.
    Count,
    "a whole number from 0",
    0
);

/// A time: whole seconds since 1970 (UTC), within the years Debrief accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub i64);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        int_in(d, "a time in whole seconds since 1970 (UTC)", |v| {
            let year_ok = DateTime::<Utc>::from_timestamp(v, 0)
                .is_some_and(|t| super::moments::check_year(t.date_naive()).is_ok());
            if year_ok {
                Ok(())
            } else {
                Err(format!(
                    "{v} is a time outside the years Debrief accepts ({} to {})",
                    super::moments::YEARS.start(),
                    super::moments::YEARS.end()
                ))
            }
        })
        .map(Time)
    }
}

impl ToCell for Time {
    fn cell(&self) -> Cell<'_> {
        Cell::Int(Some(self.0))
    }
    fn null() -> Cell<'static> {
        Cell::Int(None)
    }
}

/// A yes/no flag: 0 or 1, as SQLite stores it (true and false are read too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("0 or 1")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
                match v {
                    0 | 1 => Ok(Flag(v == 1)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                match v {
                    0 | 1 => Ok(Flag(v == 1)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl ToCell for Flag {
    fn cell(&self) -> Cell<'_> {
        Cell::Bool(self.0)
    }
    fn null() -> Cell<'static> {
        Cell::Bool(false)
    }
}

/// How a [`Text`] is measured.
pub trait Measure {
    fn size(text: &str) -> usize;
    const UNIT: &'static str;
}

/// Length in characters, as the forms count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chars;
impl Measure for Chars {
    fn size(text: &str) -> usize {
        text.chars().count()
    }
    const UNIT: &'static str = "characters";
}

/// Length in bytes (Markdown bodies, transcript lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytes;
impl Measure for Bytes {
    fn size(text: &str) -> usize {
        text.len()
    }
    const UNIT: &'static str = "bytes";
}

/// Text of at most `MAX` (characters, or bytes with [`Bytes`]); with `MIN`
/// 1, not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize, const MIN: usize = 0, M = Chars>(pub String, PhantomData<M>);

impl<const MAX: usize, const MIN: usize, M> Text<MAX, MIN, M> {
    pub fn new(text: impl Into<String>) -> Self {
        Text(text.into(), PhantomData)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de, const MAX: usize, const MIN: usize, M: Measure> Deserialize<'de> for Text<MAX, MIN, M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if MIN > 0 && text.trim().is_empty() {
            return Err(D::Error::custom("is empty; it needs a value"));
        }
        let size = M::size(&text);
        if size > MAX {
            return Err(D::Error::custom(format!(
                "holds {size} {}, more than the {MAX} it may hold",
                M::UNIT
            )));
        }
        Ok(Text(text, PhantomData))
    }
}

impl<const MAX: usize, const MIN: usize, M> ToCell for Text<MAX, MIN, M> {
    fn cell(&self) -> Cell<'_> {
        Cell::Text(Some(&self.0))
    }
    fn null() -> Cell<'static> {
        Cell::Text(None)
    }
}

/// A text column whose value is checked by `check` (which says why not).
macro_rules! checked_text {
    ($(#[$m:meta])* $name:ident, $check:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub String);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                let check: fn(&str) -> Result<(), String> = $check;
                check(&text).map_err(D::Error::custom)?;
                Ok($name(text))
            }
        }

        impl ToCell for $name {
            fn cell(&self) -> Cell<'_> {
                Cell::Text(Some(&self.0))
            }
            fn null() -> Cell<'static> {
                Cell::Text(None)
            }
        }
    };
}

checked_text!(
    /// An IANA time zone name.
    Zone,
    |text| super::zone::parse_zone(text).map(drop)
);
checked_text!(
    /// A day, `YYYY-MM-DD`.
    Day,
    |text| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("{text:?} is not a day written YYYY-MM-DD"))
            .and_then(|d| {
                super::moments::check_year(d)
                    .map(drop)
                    .map_err(|e| e.trim_end_matches('.').to_string())
            })
    }
);
checked_text!(
    /// A link people follow: empty, or http(s) (as the forms take it).
    EvidenceLink,
    |text| super::timeline::check_evidence_url(text).map_err(|e| e.trim_end_matches('.').to_string())
);
checked_text!(
    /// A countermeasure's ticket link: empty, or http(s), as its form takes it.
    TicketLink,
    |text| {
        let url = text.trim().to_ascii_lowercase();
        if text.chars().count() > super::countermeasure::limits::TICKET_URL {
            Err(format!(
                "the ticket link is at most {} characters",
                super::countermeasure::limits::TICKET_URL
            ))
        } else if url.is_empty() || url.starts_with("https://") || url.starts_with("http://") {
            Ok(())
        } else {
            Err("the ticket link must start with https:// or http://".into())
        }
    }
);
checked_text!(
    /// A transcript line's kind code.
    LineKindCode,
    |text| match transcript::LineKind::parse(text) {
        Some(_) => Ok(()),
        None => Err(format!(
            "unknown value {text:?}, expected one of {}",
            transcript::LineKind::ALL.map(|k| k.code()).join(", ")
        )),
    }
);
checked_text!(
    /// A history row's changes: a JSON list of {field, before, after}, as
    /// the history pages read it.
    Changes,
    |text| {
        if text.len() > MAX_CELL_BYTES {
            return Err(format!(
                "holds {} bytes, more than the {MAX_CELL_BYTES} it may hold",
                text.len()
            ));
        }
        serde_json::from_str::<Vec<super::audit::FieldChange>>(text)
            .map(drop)
            .map_err(|e| format!("is not a list of field changes ({e})"))
    }
);

closed_set!(
    /// Where a timeline event came from.
    EventSource {
        Typed => ("typed", "Typed"),
        Imported => ("imported", "Imported"),
    }
);

closed_set!(
    /// What became of a transcript line's suggestion.
    SuggestionState {
        Accepted => ("accepted", "Accepted"),
        Dismissed => ("dismissed", "Dismissed"),
    }
);

closed_set!(
    /// What made a post-mortem version.
    VersionAction {
        Saved => ("saved", "Saved"),
        Published => ("published", "Published"),
        Reopened => ("reopened", "Reopened"),
    }
);

/// Values of a closed set are written as their codes.
macro_rules! coded {
    ($($t:ty),*) => {$(
        impl ToCell for $t {
            fn cell(&self) -> Cell<'_> {
                Cell::Text(Some(self.code()))
            }
            fn null() -> Cell<'static> {
                Cell::Text(None)
            }
        }
    )*};
}

coded!(
    Severity,
    Status,
    DetectionMethod,
    Cynefin,
    EventKind,
    KeyMoment,
    CmKind,
    Priority,
    CmStatus,
    DocStatus,
    NoteKind,
    EventSource,
    SuggestionState,
    VersionAction
);

// ---------------------------------------------------------------------------
// The rows, one struct per table, column for column. An unknown column is
// refused (it may come from a newer Debrief); a missing one too, unless it
// may be null.

macro_rules! rows {
    ($($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? })*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name { $($(#[$fm])* pub $field: $ty,)* }

        impl $name {
            /// Every column and its value, for the INSERT.
            pub fn cells(&self) -> Vec<(&'static str, Cell<'_>)> {
                vec![$((stringify!($field), self.$field.cell()),)*]
            }
        }
    )*};
}

rows! {
    IncidentRow {
        id: Id,
        number: Key,
        version: Key,
        title: Text<{ incident_limits::TITLE }, 1>,
        severity: Severity,
        status: Status,
        commander: Text<{ incident_limits::PERSON }>,
        facilitator: Text<{ incident_limits::PERSON }>,
        detection_method: Option<DetectionMethod>,
        time_zone: Zone,
        summary_markdown: Text<{ incident_limits::SUMMARY }, 0, Bytes>,
        impact_started_at: Option<Time>,
        impact_started_estimated: Flag,
        detected_at: Option<Time>,
        detected_estimated: Flag,
        notified_at: Option<Time>,
        notified_estimated: Flag,
        responded_at: Option<Time>,
        responded_estimated: Flag,
        diagnosed_at: Option<Time>,
        diagnosed_estimated: Flag,
        repaired_at: Option<Time>,
        repaired_estimated: Flag,
        resolved_at: Option<Time>,
        resolved_estimated: Flag,
        cynefin_first: Option<Cynefin>,
        cynefin_first_note: Text<{ incident_limits::NOTE }>,
        cynefin_hindsight: Option<Cynefin>,
        cynefin_hindsight_note: Text<{ incident_limits::NOTE }>,
        started_at: Time,
        created_at: Time,
        updated_at: Time,
    }

    ServiceRow {
        incident_id: Id,
        position: Count,
        service: Text<{ incident_limits::SERVICE }, 1>,
    }

    EventRow {
        id: Id,
        incident_id: Id,
        seq: Count,
        at: Time,
        kind: EventKind,
        actor: Text<{ super::timeline::limits::ACTOR }>,
        body_markdown: Text<{ super::timeline::limits::BODY }>,
        evidence_url: EvidenceLink,
        source: EventSource,
        source_name: Name,
        source_line: Option<Count>,
        key_moment: Option<KeyMoment>,
        version: Key,
        deleted_at: Option<Time>,
        created_by: Name,
        created_at: Time,
        updated_at: Time,
    }

    TranscriptRow {
        id: Option<Key>,
        uuid: Id,
        incident_id: Id,
        no: Count,
        channel: Name,
        format: Text<64>,
        file_name: Name,
        zone: Zone,
        line_count: Count,
        duplicate_count: Count,
        problem_count: Count,
        first_at: Option<Time>,
        last_at: Option<Time>,
        imported_by: Name,
        imported_at: Time,
        search_indexed: Flag,
    }

    LineRow {
        id: Option<Key>,
        incident_no: Count,
        transcript_id: Key,
        line_no: Count,
        at: Time,
        kind: LineKindCode,
        author: Text<1000>,
        text: Text<LINE_MAX_BYTES, 0, Bytes>,
        thread: Option<Text<1000>>,
        /// Archives written before thread roots were stored lack it: no root.
        #[serde(default)]
        thread_root: Flag,
        flag: Option<Text<1000>>,
        fingerprint: i64,
        duplicate_of: Option<Key>,
        suggestion: Option<Text<100>>,
        suggestion_state: Option<SuggestionState>,
    }

    ProblemRow {
        transcript_id: Key,
        line_no: Count,
        reason: Text<2000>,
    }

    EventLineRow {
        event_id: Id,
        line_id: Key,
    }

    CountermeasureRow {
        id: Id,
        number: Key,
        version: Key,
        title: Text<{ super::countermeasure::limits::TITLE }, 1>,
        description_markdown: Text<{ super::countermeasure::limits::DESCRIPTION }>,
        kind: CmKind,
        priority: Priority,
        owner: Text<{ super::countermeasure::limits::OWNER }>,
        due_on: Option<Day>,
        status: CmStatus,
        wont_do_reason: Text<{ super::countermeasure::limits::REASON }>,
        ticket_url: TicketLink,
        source_event_id: Option<Id>,
        source_line_id: Option<Key>,
        merged_into: Option<Id>,
        created_by: Name,
        created_at: Time,
        updated_at: Time,
        completed_at: Option<Time>,
    }

    CountermeasureLinkRow {
        countermeasure_id: Id,
        incident_id: Id,
    }

    PostmortemRow {
        incident_id: Id,
        body: Text<{ super::postmortem::BODY_MAX }>,
        status: DocStatus,
        version: Count,
        updated_at: Time,
        updated_by: Name,
        published_at: Option<Time>,
    }

    PostmortemVersionRow {
        incident_id: Id,
        version: Count,
        body: Text<{ super::postmortem::BODY_MAX }>,
        status: DocStatus,
        action: VersionAction,
        saved_at: Time,
        saved_by: Name,
    }

    ReviewRow {
        incident_id: Id,
        scheduled_at: Option<Time>,
        minutes: i64,
        location: Text<{ super::review::LOCATION_MAX }>,
        attendees: Text<{ super::review::MAX_ATTENDEES * (super::review::ATTENDEE_MAX + 1) }>,
        handout_sent_at: Option<Time>,
        handout_sent_by: Name,
        version: Count,
        updated_at: Time,
    }

    NoteRow {
        id: Option<Key>,
        incident_id: Id,
        event_id: Id,
        kind: NoteKind,
        body: Text<{ super::meeting::NOTE_MAX }, 1>,
        author: Name,
        created_at: Time,
    }

    /// A history row. No account id: history keeps names, and an id would
    /// name an account of the deployment it is restored into.
    AuditRow {
        id: Option<Key>,
        at: Time,
        actor_name: Name,
        action: Text<200, 1>,
        object_kind: Text<64, 1>,
        object_id: Id,
        object_label: Text<1000>,
        changes: Changes,
        incident_id: Option<Id>,
    }
}

/// The rows of every table; a table the file leaves out has none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tables {
    pub incidents: Vec<IncidentRow>,
    pub incident_services: Vec<ServiceRow>,
    pub timeline_events: Vec<EventRow>,
    pub transcripts: Vec<TranscriptRow>,
    pub transcript_lines: Vec<LineRow>,
    pub transcript_problems: Vec<ProblemRow>,
    pub event_lines: Vec<EventLineRow>,
    pub countermeasures: Vec<CountermeasureRow>,
    pub countermeasure_incidents: Vec<CountermeasureLinkRow>,
    pub postmortems: Vec<PostmortemRow>,
    pub postmortem_versions: Vec<PostmortemVersionRow>,
    pub reviews: Vec<ReviewRow>,
    pub meeting_notes: Vec<NoteRow>,
    pub audit_log: Vec<AuditRow>,
}

/// An archive, read and checked: see [`read`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: i64,
    pub tables: Tables,
}

/// What the header pass reads from the top object; everything else is
/// skipped unread.
#[derive(Default)]
struct Header {
    format: Option<Value>,
    version: Option<Value>,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Header;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
                let mut header = Header::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "format" => header.format = Some(map.next_value()?),
                        "version" => header.version = Some(map.next_value()?),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(header)
            }
        }
        d.deserialize_map(V)
    }
}

/// What a restored history row's actor name says: the name it had, marked
/// as restored (once), so no one reads it as a change made here.
pub fn restored_name(name: &str) -> String {
    const MARK: &str = " (restored)";
    if name.ends_with(MARK) {
        name.to_string()
    } else {
        format!("{name}{MARK}")
    }
}

// ---------------------------------------------------------------------------
// Reading.

/// Reads the bytes of an upload as an archive: refused, with the table,
/// row and column named, unless every row is one Debrief would have
/// written. The message ends "Nothing was restored."
pub fn read(bytes: &[u8]) -> Result<Archive, String> {
    read_from(
        serde_json::Deserializer::from_slice(bytes),
        serde_json::Deserializer::from_slice(bytes),
    )
}

/// Reads an archive file (see [`read`]), streaming it twice.
pub fn read_file(path: &std::path::Path) -> Result<Archive, String> {
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("Cannot read {}: {e}.", path.display()))
    };
    read_from(
        serde_json::Deserializer::from_reader(open()?),
        serde_json::Deserializer::from_reader(open()?),
    )
}

fn read_from<'de, R: serde_json::de::Read<'de>>(
    mut header: serde_json::Deserializer<R>,
    mut body: serde_json::Deserializer<R>,
) -> Result<Archive, String> {
    let refused = |message: String| format!("{message} Nothing was restored.");
    let head = Header::deserialize(&mut header)
        .and_then(|h| header.end().map(|()| h))
        .map_err(|e| {
            refused(if e.is_syntax() || e.is_eof() {
                format!(
                    "The file is not JSON: {e}. Restore the .json file an export wrote, unchanged."
                )
            } else if e.is_io() {
                format!("The file could not be read: {e}.")
            } else {
                "The file is not a Debrief incident archive (expected a JSON object).".into()
            })
        })?;
    check_header(&head).map_err(refused)?;
    let archive: Archive =
        serde_path_to_error::deserialize(&mut body).map_err(|e| refused(described(&e)))?;
    body.end()
        .map_err(|e| refused(format!("The file is not JSON: {e}.")))?;
    check(&archive).map_err(refused)?;
    Ok(archive)
}

fn check_header(head: &Header) -> Result<(), String> {
    if head.format.as_ref().and_then(Value::as_str) != Some(ARCHIVE_FORMAT) {
        return Err(format!(
            "The file is not a Debrief incident archive (its \"format\" is not \"{ARCHIVE_FORMAT}\")."
        ));
    }
    match head.version.as_ref().and_then(Value::as_i64) {
        Some(ARCHIVE_VERSION) => Ok(()),
        Some(v) if v > ARCHIVE_VERSION => Err(format!(
            "The archive is version {v}, written by a newer Debrief; this one reads version {ARCHIVE_VERSION}. Upgrade Debrief to restore it."
        )),
        _ => Err("The archive has no version this Debrief knows.".into()),
    }
}

/// A reading error in words, with where it is: "Row 3 of
/// \"countermeasures\", column \"updated_at\": …".
fn described(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_path_to_error::Segment;
    let inner = e.inner();
    let full = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return format!("The file is not JSON: {full}.");
    }
    if inner.is_io() {
        return format!("The file could not be read: {full}.");
    }
    let position = format!(" at line {} column {}", inner.line(), inner.column());
    let message = full.strip_suffix(&position).unwrap_or(&full);
    let message =
        message
            .replacen("invalid type: ", "found ", 1)
            .replacen("invalid value: ", "found ", 1);
    let message = message.replacen("unknown variant", "unknown value", 1);
    // serde names an unknown or missing column as `name`.
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    let unknown = named("unknown field `");
    let missing = named("missing field `");
    let path: Vec<String> = e
        .path()
        .iter()
        .map(|s| match s {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".into(),
        })
        .collect();
    let row = |table: &str, index: &str| {
        let n = index.parse::<usize>().map_or(0, |i| i + 1);
        format!("Row {n} of \"{table}\"")
    };
    match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["?"] => match (unknown, missing) {
            (Some(field), _) => {
                format!("The archive has a field \"{field}\" this Debrief does not know.")
            }
            (_, Some(field)) => format!("The archive has no \"{field}\"."),
            _ => format!("The archive: {message}."),
        },
        ["tables", ..] if unknown.is_some() && path.len() <= 2 => format!(
            "The archive holds a table \"{}\" this Debrief does not know.",
            unknown.unwrap_or_default()
        ),
        ["tables"] => format!("The archive's tables: {message}."),
        ["tables", table] => format!("The archive's \"{table}\" is not a list of rows."),
        ["tables", table, index, rest @ ..] => {
            let row = row(table, index);
            match (unknown, missing, rest) {
                (Some(column), _, _) if *table == "audit_log" && column == "actor_id" => format!(
                    "{row} names an account (\"actor_id\"); an archive's history keeps names only, so that no change is credited to an account of this deployment. Remove the column and restore again."
                ),
                (Some(column), _, _) => format!(
                    "{row} has a column \"{column}\" this Debrief does not know; it may come from a newer version."
                ),
                (_, Some(column), _) => format!("{row} has no column \"{column}\"."),
                // "… column "title" is empty", "… holds 201 characters".
                (_, _, [column, ..])
                    if message.starts_with("is ") || message.starts_with("holds ") =>
                {
                    format!("{row}, column \"{column}\" {message}.")
                }
                (_, _, [column, ..]) => format!("{row}, column \"{column}\": {message}."),
                (_, _, []) => format!("{row} is not an object."),
            }
        }
        _ => format!("The archive, at {}: {message}.", path.join(".")),
    }
}

// ---------------------------------------------------------------------------
// Checks across rows.

fn numbered<T>(rows: &[T]) -> impl Iterator<Item = (usize, &T)> {
    rows.iter().enumerate().map(|(i, r)| (i + 1, r))
}

/// The object kinds of history rows about an incident, and what their
/// object id names: the incident itself, or a record of it.
enum Subject {
    Incident,
    Event,
    Transcript,
    Countermeasure,
    /// Attachments are not in archives: their history is kept as text.
    Attachment,
}

fn subject_of(kind: &str) -> Option<Subject> {
    Some(match kind {
        "incident" | "review" | "postmortem" | "meeting" => Subject::Incident,
        "event" => Subject::Event,
        "transcript" => Subject::Transcript,
        "countermeasure" => Subject::Countermeasure,
        "attachment" => Subject::Attachment,
        _ => return None,
    })
}

/// Rules that span rows: one incident, every row of it (none of another
/// incident, and references only to rows the archive holds), history only
/// about it, and the limits a form sets on a list (services, attendees).
pub fn check(archive: &Archive) -> Result<(), String> {
    let t = &archive.tables;
    let [incident] = t.incidents.as_slice() else {
        return Err(format!(
            "An archive holds exactly one incident; this one holds {}.",
            t.incidents.len()
        ));
    };
    let id = incident.id.as_str();
    let foreign = |table: &str, n: usize, what: &str| {
        Err(format!(
            "Row {n} of \"{table}\" belongs to {what} the archive does not hold; an archive holds one incident and everything of it."
        ))
    };
    macro_rules! of_incident {
        ($($table:ident),*) => {$(
            for (n, row) in numbered(&t.$table) {
                if row.incident_id.as_str() != id {
                    return foreign(stringify!($table), n, "another incident");
                }
            }
        )*};
    }
    of_incident!(
        incident_services,
        timeline_events,
        transcripts,
        countermeasure_incidents,
        postmortems,
        postmortem_versions,
        reviews,
        meeting_notes
    );

    let unique = |table: &str, keys: Vec<Option<i64>>| -> Result<HashSet<i64>, String> {
        let mut seen = HashSet::new();
        for (n, key) in keys.into_iter().enumerate() {
            if let Some(key) = key
                && !seen.insert(key)
            {
                return Err(format!(
                    "Row {} of \"{table}\" has the id {key} of an earlier row.",
                    n + 1
                ));
            }
        }
        Ok(seen)
    };
    let transcripts = unique(
        "transcripts",
        t.transcripts.iter().map(|r| r.id.map(|k| k.0)).collect(),
    )?;
    let lines = unique(
        "transcript_lines",
        t.transcript_lines
            .iter()
            .map(|r| r.id.map(|k| k.0))
            .collect(),
    )?;
    let events: HashSet<&str> = t.timeline_events.iter().map(|r| r.id.as_str()).collect();
    let uuids: HashSet<&str> = t.transcripts.iter().map(|r| r.uuid.as_str()).collect();
    let measures: HashSet<&str> = t.countermeasures.iter().map(|r| r.id.as_str()).collect();
    let linked: HashSet<&str> = t
        .countermeasure_incidents
        .iter()
        .map(|r| r.countermeasure_id.as_str())
        .collect();

    for (n, row) in numbered(&t.transcript_lines) {
        if !transcripts.contains(&row.transcript_id.0) {
            return foreign("transcript_lines", n, "a transcript");
        }
        if row.duplicate_of.is_some_and(|d| !lines.contains(&d.0)) {
            return foreign("transcript_lines", n, "a duplicate of a transcript line");
        }
    }
    for (n, row) in numbered(&t.transcript_problems) {
        if !transcripts.contains(&row.transcript_id.0) {
            return foreign("transcript_problems", n, "a transcript");
        }
    }
    for (n, row) in numbered(&t.event_lines) {
        if !events.contains(row.event_id.as_str()) {
            return foreign("event_lines", n, "an event");
        }
        if !lines.contains(&row.line_id.0) {
            return foreign("event_lines", n, "a transcript line");
        }
    }
    for (n, row) in numbered(&t.countermeasure_incidents) {
        if !measures.contains(row.countermeasure_id.as_str()) {
            return foreign("countermeasure_incidents", n, "a countermeasure");
        }
    }
    for (n, row) in numbered(&t.countermeasures) {
        if !linked.contains(row.id.as_str()) {
            return Err(format!(
                "Row {n} of \"countermeasures\" is not linked to the archive's incident (no row of \"countermeasure_incidents\" names it)."
            ));
        }
        if row
            .source_event_id
            .as_ref()
            .is_some_and(|e| !events.contains(e.as_str()))
        {
            return foreign("countermeasures", n, "a source event");
        }
        if row.source_line_id.is_some_and(|l| !lines.contains(&l.0)) {
            return foreign("countermeasures", n, "a source transcript line");
        }
        if row.status == CmStatus::WontDo && row.wont_do_reason.as_str().trim().is_empty() {
            return Err(format!(
                "Row {n} of \"countermeasures\" is \"wont_do\" without a reason (\"wont_do_reason\")."
            ));
        }
    }
    for (n, row) in numbered(&t.meeting_notes) {
        if !events.contains(row.event_id.as_str()) {
            return foreign("meeting_notes", n, "an event");
        }
    }

    if t.incident_services.len() > incident_limits::SERVICES {
        return Err(format!(
            "The archive's incident lists {} services; an incident lists at most {}.",
            t.incident_services.len(),
            incident_limits::SERVICES
        ));
    }
    let most = super::timeline::limits::EVENTS_PER_INCIDENT;
    if t.timeline_events.len() as i64 > most {
        return Err(format!(
            "The archive holds {} timeline events; an incident holds at most {most}.",
            t.timeline_events.len()
        ));
    }
    for (table, count) in [
        ("postmortems", t.postmortems.len()),
        ("reviews", t.reviews.len()),
    ] {
        if count > 1 {
            return Err(format!(
                "The archive holds {count} rows of \"{table}\"; an incident has at most one."
            ));
        }
    }
    for (n, row) in numbered(&t.reviews) {
        if !(15..=480).contains(&row.minutes) {
            return Err(format!(
                "Row {n} of \"reviews\", column \"minutes\": {} is outside 15 to 480.",
                row.minutes
            ));
        }
        let attendees = super::review::split_attendees(row.attendees.as_str());
        if attendees.len() > super::review::MAX_ATTENDEES {
            return Err(format!(
                "Row {n} of \"reviews\" lists {} attendees; a review lists at most {}.",
                attendees.len(),
                super::review::MAX_ATTENDEES
            ));
        }
        if attendees
            .iter()
            .any(|a| a.chars().count() > super::review::ATTENDEE_MAX)
        {
            return Err(format!(
                "Row {n} of \"reviews\" lists an attendee longer than {} characters.",
                super::review::ATTENDEE_MAX
            ));
        }
    }

    // History: only about this incident and the records the archive holds,
    // so a restore cannot write changes to accounts, settings or other
    // incidents into the log.
    for (n, row) in numbered(&t.audit_log) {
        if row.incident_id.as_ref().map(Text::as_str) != Some(id) {
            return Err(format!(
                "Row {n} of \"audit_log\" is not about the archive's incident (its \"incident_id\" names another, or none); an archive's history holds only changes to its incident and its records."
            ));
        }
        let kind = row.object_kind.as_str();
        let object = row.object_id.as_str();
        let held = match subject_of(kind) {
            None => {
                return Err(format!(
                    "Row {n} of \"audit_log\" is about a {kind:?}, not about the archive's incident; an archive's history holds only changes to its incident and its records."
                ));
            }
            Some(Subject::Incident) => object == id,
            Some(Subject::Event) => events.contains(object),
            Some(Subject::Transcript) => uuids.contains(object),
            Some(Subject::Countermeasure) => measures.contains(object),
            Some(Subject::Attachment) => true,
        };
        if !held {
            return Err(format!(
                "Row {n} of \"audit_log\" is about the {kind} {object:?}, which the archive does not hold; an archive's history holds only changes to its incident and its records."
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Markdown, from an export (a tree of values, as the export builds it).

fn rows<'a>(archive: &'a Value, table: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    archive["tables"][table]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn text<'a>(row: &'a Map<String, Value>, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or("")
}

fn time(row: &Map<String, Value>, column: &str) -> Option<String> {
    let at = row.get(column).and_then(Value::as_i64)?;
    DateTime::<Utc>::from_timestamp(at, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// Text from the archive as a Markdown paragraph that cannot start a
/// heading or a list by accident.
fn inline(text: &str) -> String {
    text.replace('\n', " ")
}

/// The whole incident as one Markdown document: the record, key moments,
/// the timeline, every transcript line, countermeasures, the post-mortem,
/// the review and the history. Times are UTC.
pub fn to_markdown(archive: &Value) -> String {
    let mut out = String::new();
    let Some(incident) = rows(archive, "incidents").next() else {
        return out;
    };
    let number = incident.get("number").and_then(Value::as_i64).unwrap_or(0);
    let _ = writeln!(out, "# #{number} {}\n", inline(text(incident, "title")));
    let services: Vec<&str> = rows(archive, "incident_services")
        .map(|r| text(r, "service"))
        .collect();
    for (label, value) in [
        ("Severity", text(incident, "severity").to_string()),
        ("Status", text(incident, "status").to_string()),
        ("Affected services", services.join(", ")),
        (
            "Incident commander",
            text(incident, "commander").to_string(),
        ),
        (
            "Review facilitator",
            text(incident, "facilitator").to_string(),
        ),
        (
            "Cynefin, first reading",
            text(incident, "cynefin_first").to_string(),
        ),
        (
            "Cynefin, in hindsight",
            text(incident, "cynefin_hindsight").to_string(),
        ),
    ] {
        let value = if value.is_empty() {
            "not recorded".to_string()
        } else {
            value
        };
        let _ = writeln!(out, "- **{label}**: {}", inline(&value));
    }
    let _ = writeln!(
        out,
        "\n## Summary\n\n{}\n",
        text(incident, "summary_markdown")
    );
    let _ = writeln!(out, "## Key moments\n");
    for moment in crate::domain::moments::KeyMoment::ALL {
        let at = time(incident, &format!("{}_at", moment.code()))
            .unwrap_or_else(|| "not recorded".into());
        let _ = writeln!(out, "- **{}**: {at}", moment.label());
    }
    let _ = writeln!(out, "\n## Timeline\n");
    let mut events: Vec<&Map<String, Value>> = rows(archive, "timeline_events")
        .filter(|e| e.get("deleted_at").is_none_or(Value::is_null))
        .collect();
    events.sort_by_key(|e| {
        (
            e.get("at").and_then(Value::as_i64),
            e.get("seq").and_then(Value::as_i64),
        )
    });
    for e in &events {
        let mark = match text(e, "key_moment") {
            "" => String::new(),
            m => format!(" **[{m}]**"),
        };
        let _ = writeln!(
            out,
            "- {}{mark} {} ({}): {}",
            time(e, "at").unwrap_or_default(),
            inline(text(e, "actor")),
            text(e, "kind"),
            inline(text(e, "body_markdown"))
        );
    }
    for t in rows(archive, "transcripts") {
        let key = t.get("id").and_then(Value::as_i64);
        let _ = writeln!(
            out,
            "\n## Transcript: {} ({})\n",
            inline(text(t, "channel")),
            inline(text(t, "file_name"))
        );
        let _ = writeln!(out, "```text");
        for line in rows(archive, "transcript_lines")
            .filter(|l| l.get("transcript_id").and_then(Value::as_i64) == key)
        {
            let _ = writeln!(
                out,
                "{} <{}> {}",
                time(line, "at").unwrap_or_default(),
                text(line, "author"),
                text(line, "text").replace("```", "'''")
            );
        }
        let _ = writeln!(out, "```");
    }
    let _ = writeln!(out, "\n## Countermeasures\n");
    for c in rows(archive, "countermeasures") {
        let _ = writeln!(
            out,
            "- CM-{} {} ({}, {}, owner: {})",
            c.get("number").and_then(Value::as_i64).unwrap_or(0),
            inline(text(c, "title")),
            text(c, "status"),
            text(c, "kind"),
            match text(c, "owner") {
                "" => "none yet",
                o => o,
            }
        );
    }
    if let Some(p) = rows(archive, "postmortems").next() {
        let _ = writeln!(
            out,
            "\n## Post-mortem ({})\n\n{}\n",
            text(p, "status"),
            text(p, "body")
        );
    }
    if let Some(r) = rows(archive, "reviews").next() {
        let _ = writeln!(
            out,
            "\n## Review meeting\n\n- **When**: {}\n- **Where**: {}\n- **Attendees**: {}",
            time(r, "scheduled_at").unwrap_or_else(|| "not scheduled".into()),
            inline(text(r, "location")),
            inline(&text(r, "attendees").replace('\n', "; "))
        );
    }
    let _ = writeln!(out, "\n## History\n");
    for h in rows(archive, "audit_log") {
        let _ = writeln!(
            out,
            "- {} {}: {} {}",
            time(h, "at").unwrap_or_default(),
            inline(text(h, "actor_name")),
            text(h, "action"),
            inline(text(h, "object_label"))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "inc-1";

    /// One row of every kind an archive holds, as an export writes them.
    fn tables() -> Value {
        json!({
            "incidents": [{
                "id": ID, "number": 7, "version": 1, "title": "Checkout latency",
                "severity": "outage", "status": "resolved", "commander": "Kim",
                "facilitator": "", "detection_method": "automated_alert", "time_zone": "Europe/Paris",
                "summary_markdown": "", "impact_started_at": null, "impact_started_estimated": 0,
                "detected_at": 1772618700, "detected_estimated": 0, "notified_at": null,
                "notified_estimated": 0, "responded_at": null, "responded_estimated": 0,
                "diagnosed_at": null, "diagnosed_estimated": 0, "repaired_at": null,
                "repaired_estimated": 0, "resolved_at": null, "resolved_estimated": 1,
                "cynefin_first": null, "cynefin_first_note": "", "cynefin_hindsight": "complex",
                "cynefin_hindsight_note": "", "started_at": 1772618700, "created_at": 1772618700,
                "updated_at": 1772618800
            }],
            "incident_services": [{ "incident_id": ID, "position": 0, "service": "checkout" }],
            "timeline_events": [{
                "id": "ev-1", "incident_id": ID, "seq": 1, "at": 1772618700, "kind": "alert",
                "actor": "kim", "body_markdown": "error rate above 5%",
                "evidence_url": "https://grafana.example/d", "source": "typed", "source_name": "",
                "source_line": null, "key_moment": "detected", "version": 1, "deleted_at": null,
                "created_by": "Kim (kim)", "created_at": 1772618700, "updated_at": 1772618700
            }],
            "transcripts": [{
                "id": 4, "uuid": "tr-1", "incident_id": ID, "no": 1, "channel": "#ops",
                "format": "irssi", "file_name": "ops.log", "zone": "UTC", "line_count": 1,
                "duplicate_count": 0, "problem_count": 0, "first_at": 1772618700,
                "last_at": 1772618700, "imported_by": "Kim (kim)", "imported_at": 1772618900,
                "search_indexed": 1
            }],
            "transcript_lines": [{
                "id": 9, "incident_no": 7, "transcript_id": 4, "line_no": 1, "at": 1772618700,
                "kind": "message", "author": "sam", "text": "on it", "thread": null, "flag": null,
                "fingerprint": -42, "duplicate_of": null, "suggestion": null, "suggestion_state": null
            }],
            "event_lines": [{ "event_id": "ev-1", "line_id": 9 }],
            "countermeasures": [{
                "id": "cm-1", "number": 2, "version": 1, "title": "Alert on pool saturation",
                "description_markdown": "", "kind": "detect_sooner", "priority": "high", "owner": "",
                "due_on": "2026-04-01", "status": "proposed", "wont_do_reason": "", "ticket_url": "",
                "source_event_id": "ev-1", "source_line_id": 9, "merged_into": null,
                "created_by": "Kim (kim)", "created_at": 1772618900, "updated_at": 1772618900,
                "completed_at": null
            }],
            "countermeasure_incidents": [{ "countermeasure_id": "cm-1", "incident_id": ID }],
            "audit_log": [{
                "id": 3, "at": 1772618700, "actor_name": "Kim (kim)", "action": "created",
                "object_kind": "incident", "object_id": ID, "object_label": "#7 Checkout latency",
                "changes": "[{\"field\":\"Title\",\"before\":\"\",\"after\":\"Checkout latency\"}]",
                "incident_id": ID
            }]
        })
    }

    fn archive(tables: Value) -> Value {
        json!({ "format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "tables": tables })
    }

    fn file(tables: Value) -> Vec<u8> {
        serde_json::to_vec(&archive(tables)).unwrap()
    }

    /// The refusal of `tables` changed by `change`; it must contain `says`.
    fn refused(change: impl Fn(&mut Value), says: &[&str]) {
        let mut t = tables();
        change(&mut t);
        let e = read(&file(t)).unwrap_err();
        for part in says {
            assert!(e.contains(part), "{part:?} missing from: {e}");
        }
        assert!(e.ends_with("Nothing was restored."), "{e}");
    }

    #[test]
    fn an_exported_incident_is_read_into_typed_rows() {
        let archive = read(&file(tables())).unwrap();
        let t = &archive.tables;
        assert_eq!(t.incidents[0].detected_at, Some(Time(1772618700)));
        assert_eq!(t.incidents[0].severity, Severity::Outage);
        assert!(t.incidents[0].resolved_estimated.0);
        assert_eq!(t.transcript_lines[0].fingerprint, -42);
        let cells = t.countermeasures[0].cells();
        assert!(cells.contains(&("updated_at", Cell::Int(Some(1772618900)))));
        assert!(cells.contains(&("merged_into", Cell::Text(None))));
        assert!(cells.contains(&("kind", Cell::Text(Some("detect_sooner")))));
        // A table left out has no rows; true and false read as flags.
        let mut t = tables();
        t.as_object_mut().unwrap().remove("audit_log");
        t["incidents"][0]["detected_estimated"] = json!(true);
        let archive = read(&file(t)).unwrap();
        assert!(archive.tables.audit_log.is_empty());
        assert!(archive.tables.incidents[0].detected_estimated.0);
    }

    #[test]
    fn every_column_is_checked_and_named() {
        refused(
            |t| t["countermeasures"][0]["updated_at"] = json!("later"),
            &[
                "Row 1 of \"countermeasures\", column \"updated_at\"",
                "\"later\"",
                "a time",
            ],
        );
        refused(
            |t| t["incidents"][0]["detected_at"] = json!("yesterday"),
            &[
                "Row 1 of \"incidents\", column \"detected_at\"",
                "\"yesterday\"",
            ],
        );
        refused(
            |t| t["incidents"][0]["detected_at"] = json!(1.5e300),
            &["column \"detected_at\"", "floating point"],
        );
        refused(
            |t| t["incidents"][0]["started_at"] = json!(-99_999_999_999_i64),
            &["column \"started_at\"", "outside the years"],
        );
        refused(
            |t| t["incidents"][0]["severity"] = json!("sev1"),
            &["column \"severity\"", "unknown value `sev1`", "`outage`"],
        );
        refused(
            |t| t["countermeasures"][0]["status"] = json!("Done"),
            &["column \"status\"", "`done`"],
        );
        refused(
            |t| t["transcript_lines"][0]["kind"] = json!("shout"),
            &["Row 1 of \"transcript_lines\", column \"kind\"", "message"],
        );
        refused(
            |t| t["incidents"][0]["title"] = json!("  "),
            &["Row 1 of \"incidents\", column \"title\" is empty"],
        );
        refused(
            |t| t["incidents"][0]["title"] = json!("t".repeat(201)),
            &["column \"title\"", "201 characters", "200"],
        );
        refused(
            |t| t["countermeasures"][0]["owner"] = json!("o".repeat(101)),
            &["column \"owner\"", "101 characters"],
        );
        refused(
            |t| t["incidents"][0]["time_zone"] = json!("Mars/Olympus"),
            &["column \"time_zone\"", "IANA"],
        );
        refused(
            |t| t["timeline_events"][0]["evidence_url"] = json!("javascript:alert(1)"),
            &[
                "Row 1 of \"timeline_events\", column \"evidence_url\"",
                "https://",
            ],
        );
        refused(
            |t| t["countermeasures"][0]["ticket_url"] = json!("data:text/html,x"),
            &["column \"ticket_url\"", "https://"],
        );
        refused(
            |t| t["countermeasures"][0]["due_on"] = json!("soon"),
            &["column \"due_on\"", "YYYY-MM-DD"],
        );
        refused(
            |t| t["incidents"][0]["detected_estimated"] = json!(2),
            &["column \"detected_estimated\"", "0 or 1"],
        );
        refused(
            |t| t["incidents"][0]["number"] = json!(0),
            &["column \"number\"", "outside 1 to"],
        );
        refused(
            |t| t["transcripts"][0]["id"] = json!(i64::MAX),
            &["Row 1 of \"transcripts\", column \"id\"", "outside 1 to"],
        );
        refused(
            |t| t["audit_log"][0]["changes"] = json!("not json"),
            &[
                "Row 1 of \"audit_log\", column \"changes\"",
                "field changes",
            ],
        );
        refused(
            |t| t["incidents"][0]["secret_column"] = json!(1),
            &["Row 1 of \"incidents\" has a column \"secret_column\""],
        );
        refused(
            |t| {
                t["countermeasures"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("title");
            },
            &["Row 1 of \"countermeasures\" has no column \"title\""],
        );
        refused(
            |t| t["audit_log"][0]["actor_id"] = json!("admin-user-id"),
            &["Row 1 of \"audit_log\" names an account"],
        );
    }

    #[test]
    fn rows_must_belong_to_the_one_incident() {
        refused(
            |t| t["timeline_events"][0]["incident_id"] = json!("other"),
            &["Row 1 of \"timeline_events\" belongs to another incident"],
        );
        refused(
            |t| t["transcript_lines"][0]["transcript_id"] = json!(5),
            &["belongs to a transcript"],
        );
        refused(
            |t| t["transcript_lines"][0]["duplicate_of"] = json!(1),
            &["Row 1 of \"transcript_lines\" belongs to a duplicate"],
        );
        refused(
            |t| t["countermeasures"][0]["source_line_id"] = json!(1),
            &["Row 1 of \"countermeasures\" belongs to a source transcript line"],
        );
        refused(
            |t| t["countermeasure_incidents"] = json!([]),
            &["Row 1 of \"countermeasures\" is not linked"],
        );
        refused(
            |t| t["countermeasures"][0]["status"] = json!("wont_do"),
            &["without a reason"],
        );
    }

    #[test]
    fn history_is_only_about_the_incident() {
        // The forged promotion of an account.
        refused(
            |t| {
                t["audit_log"][0]["object_kind"] = json!("user");
                t["audit_log"][0]["object_id"] = json!("viewer-id");
                t["audit_log"][0]["action"] = json!("updated");
            },
            &["Row 1 of \"audit_log\" is about a \"user\""],
        );
        refused(
            |t| t["audit_log"][0]["object_kind"] = json!("settings"),
            &["about a \"settings\""],
        );
        refused(
            |t| t["audit_log"][0]["incident_id"] = json!(null),
            &["Row 1 of \"audit_log\" is not about the archive's incident"],
        );
        refused(
            |t| {
                t["audit_log"][0]["object_kind"] = json!("event");
                t["audit_log"][0]["object_id"] = json!("an-event-elsewhere");
            },
            &["about the event \"an-event-elsewhere\", which the archive does not hold"],
        );
        refused(
            |t| t["audit_log"][0]["object_id"] = json!("another-incident"),
            &["about the incident \"another-incident\""],
        );
        assert_eq!(restored_name("Kim (kim)"), "Kim (kim) (restored)");
        assert_eq!(
            restored_name("Kim (kim) (restored)"),
            "Kim (kim) (restored)",
            "marked once, however often restored"
        );
    }

    #[test]
    fn only_a_well_formed_archive_of_one_incident_passes() {
        let says = |bytes: &[u8], part: &str| {
            let e = read(bytes).unwrap_err();
            assert!(e.contains(part), "{part:?} missing from: {e}");
        };
        says(b"{ not json", "not JSON");
        says(b"[]", "not a Debrief incident archive");
        says(b"\"text\"", "not a Debrief incident archive");
        says(br#"{ "format": "zip" }"#, "\"format\"");
        says(
            br#"{ "format": "debrief-incident", "version": 9, "tables": { "users": [] } }"#,
            "newer Debrief",
        );
        says(&file(json!({ "users": [] })), "table \"users\"");
        says(
            &file(json!({ "incidents": {} })),
            "\"incidents\" is not a list",
        );
        says(
            &file(json!({ "incidents": [1] })),
            "Row 1 of \"incidents\" is not an object.",
        );
        says(br#"[1, 2]"#, "(expected a JSON object)");
        says(
            br#"{ "format": "debrief-incident", "version": 1 }"#,
            "The archive has no \"tables\".",
        );
        says(&file(json!({ "incidents": [] })), "holds 0");
        let mut two = tables();
        let first = two["incidents"][0].clone();
        two["incidents"].as_array_mut().unwrap().push(first);
        says(&file(two), "holds 2");
    }

    #[test]
    fn closed_sets_are_read_by_their_codes() {
        fn same<T: serde::Serialize + Copy>(all: &[T], code: impl Fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), json!(code(*v)));
            }
        }
        same(Severity::ALL, Severity::code);
        same(Status::ALL, Status::code);
        same(DetectionMethod::ALL, DetectionMethod::code);
        same(Cynefin::ALL, Cynefin::code);
        same(EventKind::ALL, EventKind::code);
        same(&KeyMoment::ALL, KeyMoment::code);
        same(CmKind::ALL, CmKind::code);
        same(Priority::ALL, Priority::code);
        same(CmStatus::ALL, CmStatus::code);
        same(DocStatus::ALL, DocStatus::code);
        same(NoteKind::ALL, NoteKind::code);
    }

    #[test]
    fn a_file_is_read_as_the_upload_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incident-7.json");
        std::fs::write(&path, file(tables())).unwrap();
        assert_eq!(read_file(&path).unwrap().tables.incidents[0].number, Key(7));
        let mut t = tables();
        t["incidents"][0]["updated_at"] = json!("later");
        std::fs::write(&path, file(t)).unwrap();
        assert!(
            read_file(&path)
                .unwrap_err()
                .contains("column \"updated_at\"")
        );
        assert!(
            read_file(&dir.path().join("missing.json"))
                .unwrap_err()
                .contains("Cannot read")
        );
    }

    #[test]
    fn markdown_holds_every_part() {
        let a = archive(json!({
            "incidents": [{ "number": 7, "title": "Queue backlog", "severity": "outage",
                "status": "resolved", "summary_markdown": "Consumers stalled.", "detected_at": 1772618700 }],
            "incident_services": [{ "service": "queue" }],
            "timeline_events": [{ "at": 1772618700, "seq": 1, "actor": "kim", "kind": "alert",
                "body_markdown": "depth above 10k", "key_moment": "detected", "deleted_at": null }],
            "transcripts": [{ "id": 1, "channel": "#ops", "file_name": "ops.log" }],
            "transcript_lines": [{ "transcript_id": 1, "at": 1772618760, "author": "sam", "text": "on it" }],
            "countermeasures": [{ "number": 2, "title": "Alert on depth", "status": "proposed", "kind": "detect_sooner", "owner": "" }],
            "postmortems": [{ "status": "draft", "body": "## Contributing factors" }],
            "audit_log": [{ "at": 1772618800, "actor_name": "Kim", "action": "created", "object_label": "#7 Queue backlog" }]
        }));
        let md = to_markdown(&a);
        for part in [
            "# #7 Queue backlog",
            "- **Affected services**: queue",
            "Consumers stalled.",
            "- **Detected**: 2026-03-04 10:05:00 UTC",
            "**[detected]** kim (alert): depth above 10k",
            "## Transcript: #ops (ops.log)",
            "2026-03-04 10:06:00 UTC <sam> on it",
            "- CM-2 Alert on depth (proposed, detect_sooner, owner: none yet)",
            "## Post-mortem (draft)",
            "Kim: created #7 Queue backlog",
        ] {
            assert!(md.contains(part), "{part:?} missing from:\n{md}");
        }
    }
}
