//! What can go wrong in the database layer, for logs; the sentences people
//! read are made at the server function boundary.

use sqlx::Sqlite;

/// Errors from the database layer. Messages for users are made at the server
/// function boundary; these carry the detail for logs.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The record a request named does not exist.
    #[error("{0} does not exist")]
    NotFound(crate::domain::missing::Missing),
    #[error("the record is at version {current}, not the version the change was based on")]
    Conflict { current: i64 },
    #[error(
        "the database at {path} was written by a newer Debrief (schema version {found}; this binary knows up to {known}). Upgrade Debrief, or start it with a backup made by this version."
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("first-run setup is closed: an account already exists")]
    SetupDone,
    #[error("that login name is taken")]
    Taken,
    #[error("the change would leave no active administrator")]
    LastAdmin,
    /// A change the records' rules do not allow.
    #[error("{0}")]
    Refused(crate::domain::refusal::Refusal),
    /// Marking a key moment that is already set: a person must choose.
    #[error("{} is already set; a person must choose which event marks it", moment.label())]
    Ask {
        moment: crate::domain::moments::KeyMoment,
        question: crate::domain::timeline::MarkQuestion,
    },
    #[error("cannot open the database at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The disk (or the file system's quota) is full: SQLite rolled the
    /// change back.
    #[error("the disk holding the database is full")]
    StorageFull,
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        if is_storage_full(&err) {
            DbError::StorageFull
        } else {
            DbError::Sqlx(err)
        }
    }
}

/// Whether a pooled connection may be handed out again. When SQLite rolls a
/// transaction back by itself (a full disk does that), sqlx's own ROLLBACK
/// then fails and sqlx goes on counting the transaction as open: every later
/// `BEGIN` on that connection would fail. Such a connection is closed and a
/// fresh one opened instead.
pub(super) async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection, Database, TransactionManager};
    let depth = |conn: &sqlx::SqliteConnection| {
        <Sqlite as Database>::TransactionManager::get_transaction_depth(conn)
    };
    if depth(conn) == 0 {
        return Ok(true);
    }
    // Perhaps only the rollback a dropped transaction asked for has not run
    // yet: the ping waits for the connection's queued work, then we look again.
    conn.ping().await?;
    let depth = depth(conn);
    if depth > 0 {
        tracing::warn!("closing a database connection left inside a rolled-back transaction");
    }
    Ok(depth == 0)
}

/// A write refused for want of space: the disk, a quota, or a file-size
/// limit.
pub fn is_disk_full(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        err.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge
    )
}

/// SQLITE_FULL (13), PostgreSQL's `disk_full` (53100), or a write that
/// failed for want of space.
pub(super) fn is_storage_full(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(e) => match e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            Some(pg) => pg.code() == "53100",
            None => {
                e.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff)
                    == Some(13)
            }
        },
        sqlx::Error::Io(e) => is_disk_full(e),
        _ => false,
    }
}

/// A stored value no code knows ("countermeasures.kind holds \"x\""): the
/// database was changed outside Debrief, or by a newer one.
pub(crate) fn stored_value(table: &str, column: &str, value: &str) -> DbError {
    DbError::Sqlx(sqlx::Error::Decode(
        format!("{table}.{column} holds {value:?}").into(),
    ))
}
