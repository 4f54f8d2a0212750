//! The database layer: every SQL statement Debrief runs lives under this module,
//! behind functions named for what they do. Server-only.
//!
//! SQLite is the embedded default. Connections run in WAL mode with
//! `synchronous=FULL` (post-mortem records are few and precious), foreign keys on
//! and a busy timeout; write transactions begin `IMMEDIATE` so two writers never
//! deadlock upgrading read locks. Migrations are embedded in the binary and
//! applied at start; a database written by a newer Debrief is refused.

mod archive;
mod attachments;
mod audit;
mod countermeasures;
mod incidents;
mod meetings;
mod migrate_data;
mod postmortems;
mod report;
mod reviews;
mod search;
mod settings;
mod sign_in;
mod sqlite_bulk;
mod timeline;
mod transcripts;
mod users;
mod webhooks;

pub use archive::Restore;
pub use attachments::AttachmentRecord;
pub use audit::AUDIT_PAGE;
pub use countermeasures::{CountermeasureCounts, CountermeasureMerge};
pub use meetings::MeetingChange;
pub use migrate_data::{COPIED_TABLES, Checksum, CopiedTable, DataCopy};
pub use report::ReportRead;
pub use search::{Hit, RelatedRow};
pub use settings::{MetricsSettings, token_digest};
pub use timeline::NewEvent;
pub use transcripts::{
    ImportInto, ImportWriter, ImportedTranscript, NewLine, Origin, ReviewFilter, ReviewLine,
    TranscriptRecord,
};
pub use users::{Credentials, UserRecord, UserUpdate};
pub use webhooks::{Attempt, DueDelivery};

mod backend;
mod backup;
mod error;
mod open;
mod statement;

pub use error::{DbError, is_disk_full};
pub use open::DatabaseLocation;

pub(crate) use backend::stored_time;
pub(crate) use backend::{DbRow, On, Pool, Tx};
use backend::{from_epoch, pg_pool, to_epoch};
pub(crate) use error::stored_value;
pub(crate) use statement::sql;

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    location: String,
    /// Wakes meeting followers' live feeds, shared by every clone.
    meeting_signals: std::sync::Arc<meetings::MeetingSignals>,
}
