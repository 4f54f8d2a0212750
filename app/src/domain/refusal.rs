//! A change the records' rules do not allow, as a value: what was refused,
//! and the numbers, names and limits that say why. The database layer says
//! which rule refused; the sentence a person reads is written here, once,
//! with the form field it concerns.

use super::incident_form::FieldError;
use super::moments::{KeyMoment, OutOfOrder};
use super::postmortem::DocStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A transcript file that could not be read; nothing was imported.
    TranscriptUnreadable { label: String, reason: String },
    /// The transcript reader itself failed (it panicked or was cancelled).
    TranscriptReadFailed { label: String, reason: String },
    /// No line of a transcript could be read: the reader's own sentence.
    NothingRead(String),
    /// A stored value an archive cannot carry.
    ArchiveCannotCarry { table: String, column: String },
    /// An archive its checks refuse, with what they said.
    ArchiveInvalid(String),
    /// An archive that holds no incident.
    ArchiveEmpty,
    /// The archive's incident is already in this database.
    AlreadyRestored,
    /// The archive's rows for `table` break this database's constraints.
    ArchiveRowsDoNotFit { table: String, reason: String },
    /// The restored incident cannot be read back.
    RestoreUnreadable { reason: String },
    /// Lines chosen for an event that are not in the incident's transcripts.
    LineNotInIncident,
    /// A countermeasure move the rules forbid: the check's own field and
    /// sentence.
    CannotMove(FieldError),
    /// The countermeasure to merge into does not exist.
    NoSuchCountermeasure { number: i64 },
    /// A merge the rules forbid: the check's own sentence.
    CannotMerge(String),
    /// A countermeasure would link more incidents than allowed.
    TooManyIncidents { limit: usize },
    /// Linking only incidents countermeasure `number` already has.
    AlreadyLinked { number: i64 },
    /// Countermeasure `number` was merged into `into`, so it is read-only.
    Merged { number: i64, into: i64 },
    /// An incident number that names no incident.
    NoSuchIncident { number: i64 },
    /// A countermeasure's prompting event is not in a linked incident.
    SourceEventUnlinked,
    /// A countermeasure's prompting line is not in a linked incident.
    SourceLineUnlinked,
    /// Moving an event that marks `moment` would put the moments out of
    /// order.
    MarkedEventOutOfOrder {
        moment: Option<KeyMoment>,
        problem: OutOfOrder,
    },
    /// A change to an event deleted meanwhile.
    EventDeleted,
    /// Marking an event as `moment` would put the moments out of order.
    MarkOutOfOrder {
        moment: Option<KeyMoment>,
        problem: OutOfOrder,
    },
    /// An incident that already holds `limit` events.
    IncidentFull { limit: i64 },
    /// No meeting is running for the incident.
    MeetingNotRunning,
    /// Someone else facilitates the meeting.
    FacilitatedBy { name: String },
    /// A meeting cannot walk an empty timeline.
    NoEventsToWalk,
    /// A meeting note for an event no longer on the timeline.
    NoteEventGone,
    /// Retrying a delivery that has not failed.
    DeliveryNotFailed,
    /// Editing a published post-mortem.
    PostmortemPublished,
    /// Changing the status of a post-mortem not yet saved.
    NoPostmortem,
    /// Setting a post-mortem to the status it already has.
    PostmortemAlready(DocStatus),
    /// Attaching a file to an event not on the incident's timeline.
    AttachEventGone,
    /// Marking as sent a handout already marked so.
    HandoutAlreadySent,
    /// Unmarking a handout not marked as sent.
    HandoutNotSent,
    /// migrate-data: the target already holds rows in `table`.
    TargetHoldsData { table: String },
    /// migrate-data: a value that does not fit its PostgreSQL column.
    ValueDoesNotFit { value: String, column: String },
    /// migrate-data: the source is not SQLite.
    CopyFromSqlite,
    /// migrate-data: the target is not PostgreSQL.
    CopyIntoPostgres,
    /// migrate-data: a source column the target lacks.
    NoTargetColumn { table: String, column: String },
    /// migrate-data: a deferred key that is not text.
    NotAKey { table: String, column: String },
    /// migrate-data: the copy of `table` differs from its source.
    VerifyFailed {
        table: String,
        source_rows: u64,
        source_checksum: String,
        copy_rows: u64,
        copy_checksum: String,
    },
}

impl Refusal {
    /// The form field the refusal concerns.
    pub fn field(&self) -> &'static str {
        use Refusal::*;
        match self {
            TranscriptUnreadable { .. }
            | TranscriptReadFailed { .. }
            | NothingRead(_)
            | ArchiveInvalid(_)
            | ArchiveEmpty
            | AlreadyRestored
            | ArchiveRowsDoNotFit { .. }
            | RestoreUnreadable { .. } => "file",
            ArchiveCannotCarry { .. } => "archive",
            LineNotInIncident => "lines",
            CannotMove(e) if e.field == "owner" => "owner",
            CannotMove(_) => "wont_do_reason",
            NoSuchCountermeasure { .. } | CannotMerge(_) => "into",
            TooManyIncidents { .. } | AlreadyLinked { .. } | NoSuchIncident { .. } => "incidents",
            Merged { .. } | NoPostmortem | PostmortemAlready(_) => "status",
            SourceEventUnlinked => "source_event",
            SourceLineUnlinked => "source_line",
            MarkedEventOutOfOrder { .. } => "at",
            EventDeleted | NoteEventGone | AttachEventGone => "event",
            MarkOutOfOrder { .. } => "moment",
            IncidentFull { .. } => "line",
            MeetingNotRunning | FacilitatedBy { .. } | NoEventsToWalk => "meeting",
            DeliveryNotFailed => "delivery",
            PostmortemPublished => "body",
            HandoutAlreadySent | HandoutNotSent => "sent",
            TargetHoldsData { .. }
            | ValueDoesNotFit { .. }
            | CopyFromSqlite
            | CopyIntoPostgres
            | NoTargetColumn { .. }
            | NotAKey { .. }
            | VerifyFailed { .. } => "to",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Refusal::*;
        let label = |m: &Option<KeyMoment>| m.map(|m| m.label()).unwrap_or_default();
        match self {
            TranscriptUnreadable { label, reason } => write!(
                f,
                "{label} could not be read ({reason}); nothing was imported."
            ),
            TranscriptReadFailed { label, reason } => write!(
                f,
                "reading {label} failed ({reason}); nothing was imported."
            ),
            NothingRead(message) | CannotMerge(message) => f.write_str(message),
            ArchiveCannotCarry { table, column } => write!(
                f,
                "{table}.{column} holds a value an archive cannot carry"
            ),
            ArchiveInvalid(problem) => write!(f, "{problem} Nothing was restored."),
            ArchiveEmpty => f.write_str("The archive holds no incident. Nothing was restored."),
            AlreadyRestored => f.write_str(
                "This database already holds that incident (same id); nothing was restored. To copy it again, delete the existing one first.",
            ),
            ArchiveRowsDoNotFit { table, reason } => write!(
                f,
                "The archive's {table} rows do not fit this database ({reason}). Nothing was restored."
            ),
            RestoreUnreadable { reason } => write!(
                f,
                "The restored incident could not be read back as Debrief reads it ({reason}). Nothing was restored."
            ),
            LineNotInIncident => f.write_str(
                "One of the chosen lines is not in this incident's transcripts; nothing was added.",
            ),
            CannotMove(e) => f.write_str(&e.message),
            NoSuchCountermeasure { number } => write!(f, "There is no countermeasure CM-{number}."),
            TooManyIncidents { limit } => {
                write!(f, "A countermeasure links at most {limit} incidents.")
            }
            AlreadyLinked { number } => {
                write!(f, "CM-{number} is already linked to those incidents.")
            }
            Merged { number, into } => write!(
                f,
                "CM-{number} was merged into CM-{into}; change that one instead."
            ),
            NoSuchIncident { number } => write!(f, "There is no incident #{number}."),
            SourceEventUnlinked => f.write_str(
                "The timeline event that prompted this is not in a linked incident.",
            ),
            SourceLineUnlinked => f.write_str(
                "The transcript line that prompted this is not in a linked incident.",
            ),
            MarkedEventOutOfOrder { moment, problem } => write!(
                f,
                "This event marks \"{}\"; at that time {problem}.",
                label(moment)
            ),
            EventDeleted => f.write_str(
                "This event was deleted meanwhile; restore it from the deleted events first.",
            ),
            MarkOutOfOrder { moment, problem } => write!(
                f,
                "Marking this event as \"{}\" would put the key moments out of order: {problem}.",
                label(moment)
            ),
            IncidentFull { limit } => write!(
                f,
                "An incident holds at most {limit} events; this one is full."
            ),
            MeetingNotRunning => {
                f.write_str("No meeting is running for this incident: start it first.")
            }
            FacilitatedBy { name } => write!(
                f,
                "{name} is facilitating, so only they move the meeting. Take over to lead it."
            ),
            NoEventsToWalk => f.write_str(
                "The timeline has no events yet: add them before walking through it.",
            ),
            NoteEventGone => f.write_str(
                "That event is no longer on the timeline; the note was not added.",
            ),
            DeliveryNotFailed => f.write_str(
                "Only a failed delivery can be retried; this one is delivered or still being tried.",
            ),
            PostmortemPublished => f.write_str(
                "The post-mortem is published, so it is read-only. Reopen it to change it.",
            ),
            NoPostmortem => {
                f.write_str("There is no post-mortem to publish yet: save a draft first.")
            }
            PostmortemAlready(status) => write!(
                f,
                "The post-mortem is already {}.",
                status.label().to_lowercase()
            ),
            AttachEventGone => f.write_str(
                "That event is not on this incident's timeline (it may have been deleted); nothing was attached.",
            ),
            HandoutAlreadySent => f.write_str("The handout is already marked as sent."),
            HandoutNotSent => f.write_str("The handout is not marked as sent."),
            TargetHoldsData { table } => write!(
                f,
                "the target database already holds data (table {table} has rows); \
                 migrate-data only fills an empty database, so nothing was copied"
            ),
            ValueDoesNotFit { value, column } => write!(
                f,
                "a value {value} does not fit a PostgreSQL {column} column"
            ),
            CopyFromSqlite => f.write_str("copy from a SQLite database (--from sqlite:PATH)"),
            CopyIntoPostgres => f.write_str("copy into a PostgreSQL database (--to postgres://…)"),
            NoTargetColumn { table, column } => write!(
                f,
                "{table}.{column} has no column to go to in the target: it was made by another Debrief version"
            ),
            NotAKey { table, column } => {
                write!(f, "{table}.{column} holds a value that is not a key")
            }
            VerifyFailed {
                table,
                source_rows,
                source_checksum,
                copy_rows,
                copy_checksum,
            } => write!(
                f,
                "verifying {table} failed: the source has {source_rows} rows (checksum {source_checksum}), the copy {copy_rows} rows (checksum {copy_checksum}); nothing was committed"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_its_field_and_says_why() {
        use Refusal::*;
        let problem = OutOfOrder {
            later: KeyMoment::Detected,
            earlier: KeyMoment::ImpactStarted,
        };
        let order = "\"Detected\" is before \"Impact started\"; key moments must be in order (detected can't come before impact started)";
        let s = String::from;
        let cases: Vec<(Refusal, &str, String)> = vec![
            (
                TranscriptUnreadable {
                    label: s("chat.txt"),
                    reason: s("bad UTF-8"),
                },
                "file",
                s("chat.txt could not be read (bad UTF-8); nothing was imported."),
            ),
            (
                TranscriptReadFailed {
                    label: s("chat.txt"),
                    reason: s("panicked"),
                },
                "file",
                s("reading chat.txt failed (panicked); nothing was imported."),
            ),
            (
                NothingRead(s("No line of chat.txt …")),
                "file",
                s("No line of chat.txt …"),
            ),
            (
                ArchiveCannotCarry {
                    table: s("incidents"),
                    column: s("blob"),
                },
                "archive",
                s("incidents.blob holds a value an archive cannot carry"),
            ),
            (
                ArchiveInvalid(s(
                    "An archive holds exactly one incident; this one holds 2.",
                )),
                "file",
                s("An archive holds exactly one incident; this one holds 2. Nothing was restored."),
            ),
            (
                ArchiveEmpty,
                "file",
                s("The archive holds no incident. Nothing was restored."),
            ),
            (
                AlreadyRestored,
                "file",
                s(
                    "This database already holds that incident (same id); nothing was restored. To copy it again, delete the existing one first.",
                ),
            ),
            (
                ArchiveRowsDoNotFit {
                    table: s("incident_services"),
                    reason: s("UNIQUE failed"),
                },
                "file",
                s(
                    "The archive's incident_services rows do not fit this database (UNIQUE failed). Nothing was restored.",
                ),
            ),
            (
                RestoreUnreadable {
                    reason: s("bad date"),
                },
                "file",
                s(
                    "The restored incident could not be read back as Debrief reads it (bad date). Nothing was restored.",
                ),
            ),
            (
                LineNotInIncident,
                "lines",
                s(
                    "One of the chosen lines is not in this incident's transcripts; nothing was added.",
                ),
            ),
            (
                CannotMove(FieldError::new("owner", "Name an owner first.")),
                "owner",
                s("Name an owner first."),
            ),
            (
                CannotMove(FieldError::new("wont_do_reason", "Say why.")),
                "wont_do_reason",
                s("Say why."),
            ),
            (
                NoSuchCountermeasure { number: 40 },
                "into",
                s("There is no countermeasure CM-40."),
            ),
            (
                CannotMerge(s("CM-1 was already merged into CM-2.")),
                "into",
                s("CM-1 was already merged into CM-2."),
            ),
            (
                TooManyIncidents { limit: 50 },
                "incidents",
                s("A countermeasure links at most 50 incidents."),
            ),
            (
                AlreadyLinked { number: 3 },
                "incidents",
                s("CM-3 is already linked to those incidents."),
            ),
            (
                Merged { number: 3, into: 4 },
                "status",
                s("CM-3 was merged into CM-4; change that one instead."),
            ),
            (
                NoSuchIncident { number: 9 },
                "incidents",
                s("There is no incident #9."),
            ),
            (
                SourceEventUnlinked,
                "source_event",
                s("The timeline event that prompted this is not in a linked incident."),
            ),
            (
                SourceLineUnlinked,
                "source_line",
                s("The transcript line that prompted this is not in a linked incident."),
            ),
            (
                MarkedEventOutOfOrder {
                    moment: Some(KeyMoment::Detected),
                    problem,
                },
                "at",
                format!("This event marks \"Detected\"; at that time {order}."),
            ),
            (
                EventDeleted,
                "event",
                s("This event was deleted meanwhile; restore it from the deleted events first."),
            ),
            (
                MarkOutOfOrder {
                    moment: Some(KeyMoment::Detected),
                    problem,
                },
                "moment",
                format!(
                    "Marking this event as \"Detected\" would put the key moments out of order: {order}."
                ),
            ),
            (
                MarkOutOfOrder {
                    moment: None,
                    problem,
                },
                "moment",
                format!(
                    "Marking this event as \"\" would put the key moments out of order: {order}."
                ),
            ),
            (
                IncidentFull { limit: 50_000 },
                "line",
                s("An incident holds at most 50000 events; this one is full."),
            ),
            (
                MeetingNotRunning,
                "meeting",
                s("No meeting is running for this incident: start it first."),
            ),
            (
                FacilitatedBy { name: s("Ada") },
                "meeting",
                s("Ada is facilitating, so only they move the meeting. Take over to lead it."),
            ),
            (
                NoEventsToWalk,
                "meeting",
                s("The timeline has no events yet: add them before walking through it."),
            ),
            (
                NoteEventGone,
                "event",
                s("That event is no longer on the timeline; the note was not added."),
            ),
            (
                DeliveryNotFailed,
                "delivery",
                s(
                    "Only a failed delivery can be retried; this one is delivered or still being tried.",
                ),
            ),
            (
                PostmortemPublished,
                "body",
                s("The post-mortem is published, so it is read-only. Reopen it to change it."),
            ),
            (
                NoPostmortem,
                "status",
                s("There is no post-mortem to publish yet: save a draft first."),
            ),
            (
                PostmortemAlready(DocStatus::Published),
                "status",
                s("The post-mortem is already published."),
            ),
            (
                AttachEventGone,
                "event",
                s(
                    "That event is not on this incident's timeline (it may have been deleted); nothing was attached.",
                ),
            ),
            (
                HandoutAlreadySent,
                "sent",
                s("The handout is already marked as sent."),
            ),
            (
                HandoutNotSent,
                "sent",
                s("The handout is not marked as sent."),
            ),
            (
                TargetHoldsData {
                    table: s("incidents"),
                },
                "to",
                s(
                    "the target database already holds data (table incidents has rows); migrate-data only fills an empty database, so nothing was copied",
                ),
            ),
            (
                ValueDoesNotFit {
                    value: s("Real(1.5)"),
                    column: s("BigInt"),
                },
                "to",
                s("a value Real(1.5) does not fit a PostgreSQL BigInt column"),
            ),
            (
                CopyFromSqlite,
                "to",
                s("copy from a SQLite database (--from sqlite:PATH)"),
            ),
            (
                CopyIntoPostgres,
                "to",
                s("copy into a PostgreSQL database (--to postgres://…)"),
            ),
            (
                NoTargetColumn {
                    table: s("incidents"),
                    column: s("extra"),
                },
                "to",
                s(
                    "incidents.extra has no column to go to in the target: it was made by another Debrief version",
                ),
            ),
            (
                NotAKey {
                    table: s("countermeasures"),
                    column: s("merged_into"),
                },
                "to",
                s("countermeasures.merged_into holds a value that is not a key"),
            ),
            (
                VerifyFailed {
                    table: s("incidents"),
                    source_rows: 2,
                    source_checksum: s("ab"),
                    copy_rows: 1,
                    copy_checksum: s("cd"),
                },
                "to",
                s(
                    "verifying incidents failed: the source has 2 rows (checksum ab), the copy 1 rows (checksum cd); nothing was committed",
                ),
            ),
        ];
        for (refusal, field, sentence) in cases {
            assert_eq!(refusal.field(), field, "{refusal:?}");
            assert_eq!(refusal.to_string(), sentence, "{refusal:?}");
        }
    }
}
