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

pub use archive::Restored;
pub use attachments::AttachmentRecord;
pub use audit::AUDIT_PAGE;
pub use countermeasures::CountermeasureCounts;
pub use meetings::MeetingSnapshot;
pub use migrate_data::{COPIED_TABLES, TableCopy, refused_filled};
pub use report::{ReportSelection, ReportSnapshot};
pub use search::{Hit, RelatedRow};
pub use settings::{MetricsSettings, token_digest};
pub use timeline::NewEvent;
pub use transcripts::{
    ImportInto, ImportOutcome, ImportSource, ImportedTranscript, MAX_LINE_BYTES, Progress,
    ReviewFilter, ReviewLine, TranscriptRecord,
};
pub use users::{Credentials, UserRecord, UserUpdate};
pub use webhooks::{Attempt, DueDelivery};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// One value per backend: the pool, transaction or row of whichever database
/// is in use. Statements are written once and run through [`on_pool!`] or
/// [`on_tx!`], which compile them for each backend; SQL is written in the
/// dialect both accept (numbered `$1` parameters, `COALESCE`, `TRUE`), and
/// the few statements that differ say so with [`Db::is_postgres`].
#[derive(Clone, Debug)]
pub(crate) enum On<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// The connection pool.
pub(crate) type Pool = On<SqlitePool, PgPool>;

/// A write transaction (see [`Db::write`]) or a read one.
pub(crate) type Tx = On<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>;

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), DbError> {
        match self {
            On::Sqlite(tx) => tx.commit().await?,
            On::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, On::Postgres(_))
    }
}

/// Runs `$body` with `$c` bound to the pool in use (`&SqlitePool` or
/// `&PgPool`); the body is compiled once per backend.
macro_rules! on_pool {
    ($pool:expr, |$c:ident| $body:expr) => {
        match &$pool {
            $crate::db::On::Sqlite($c) => $body,
            $crate::db::On::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` with `$c` bound to the connection of transaction `$tx` (a
/// `&mut Tx`): write statements as `.execute(&mut *c)`.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut *$tx {
            $crate::db::On::Sqlite($c) => {
                let $c: &mut sqlx::SqliteConnection = &mut *$c;
                $body
            }
            $crate::db::On::Postgres($c) => {
                let $c: &mut sqlx::PgConnection = &mut *$c;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// A value both backends store and read the same way: `i64`, `f64`, `bool`,
/// `String`, `Vec<u8>` and their `Option`s.
pub(crate) trait Stored: Sized {
    fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, sqlx::Error>;
    fn from_postgres(row: &PgRow, column: &str) -> Result<Self, sqlx::Error>;
}

impl<T> Stored for T
where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>,
{
    fn from_sqlite(row: &SqliteRow, column: &str) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, column)
    }
    fn from_postgres(row: &PgRow, column: &str) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, column)
    }
}

/// A result row of either backend, read by column name.
pub(crate) trait DbRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error>;
}

impl DbRow for SqliteRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error> {
        T::from_sqlite(self, column)
    }
}

impl DbRow for PgRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error> {
        T::from_postgres(self, column)
    }
}

/// Errors from the database layer. Messages for users are made at the server
/// function boundary; these carry the detail for logs.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no such record")]
    NotFound,
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
    /// A change the records' rules do not allow; `message` is for people.
    #[error("{message}")]
    Refused {
        field: &'static str,
        message: String,
    },
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
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
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
fn is_storage_full(err: &sqlx::Error) -> bool {
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

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    location: String,
    /// The outlier report's data and built reports, shared by every clone.
    report_cache: std::sync::Arc<tokio::sync::Mutex<report::ReportCache>>,
    /// Wakes meeting followers' live feeds, shared by every clone.
    meeting_signals: std::sync::Arc<meetings::MeetingSignals>,
}

/// Where a database URL or path points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    SqliteFile(PathBuf),
    /// A `postgres://` or `postgresql://` URL, kept as given.
    Postgres(String),
}

impl DatabaseLocation {
    /// Reads `postgres://…` (or `postgresql://…`), `sqlite:PATH`,
    /// `sqlite://PATH` or a bare path; a relative path is resolved against
    /// the working directory.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(url)
                .map_err(|e| format!("cannot read the PostgreSQL URL: {e}"))?;
            return Ok(DatabaseLocation::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" {
            return Err("give a database file path, such as data/debrief.db".into());
        }
        let path = Path::new(path);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| format!("cannot read the working directory: {e}"))?
                .join(path)
        };
        Ok(DatabaseLocation::SqliteFile(absolute))
    }
}

/// A PostgreSQL URL with its password left out, for logs and messages.
fn shown_url(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => format!(
            "postgres://{}@{}:{}/{}",
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => redacted(url),
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:…@host/db`, for a
/// URL too broken to read.
fn redacted(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "postgres://…".into();
    };
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:…@{host}")
        }
        None => url.to_string(),
    }
}

/// How many connections one instance opens to PostgreSQL unless
/// `DEBRIEF_DB_POOL` says otherwise (see the README on sizing).
const PG_POOL_DEFAULT: u32 = 10;

/// Every write transaction on PostgreSQL first takes this transaction-level
/// advisory lock, so writers run one at a time across every instance, as
/// SQLite's `BEGIN IMMEDIATE` makes them on one: version checks, numbering
/// (`MAX(number) + 1`) and the report's change log (whose sequence then
/// follows commit order) keep the guarantees they have on SQLite. Reads never
/// wait for it.
const PG_WRITE_LOCK: i64 = 0x6465_6272_6965_6601; // "debrief" + 1

impl Db {
    /// Opens (creating on first use) and migrates the database.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let location = DatabaseLocation::parse(url).map_err(|reason| DbError::Open {
            // A PostgreSQL URL is shown without its password, even unreadable.
            path: if url.trim().starts_with("postgres") {
                shown_url(url)
            } else {
                url.into()
            },
            reason,
        })?;
        match location {
            DatabaseLocation::SqliteFile(path) => Self::open_sqlite(&path).await,
            DatabaseLocation::Postgres(url) => Self::open_postgres(&url).await,
        }
    }

    async fn open_sqlite(path: &Path) -> Result<Db, DbError> {
        let shown = path.display().to_string();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| DbError::Open {
                path: shown.clone(),
                reason: format!("cannot create {}: {e}", parent.display()),
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| DbError::Open {
                path: shown.clone(),
                reason: e.to_string(),
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .before_acquire(|conn, _| Box::pin(async move { still_usable(conn).await }))
            .connect_with(options)
            .await
            .map_err(|e| DbError::Open {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        let db = Db::with_pool(On::Sqlite(pool), shown);
        db.refuse_newer_schema(&MIGRATOR).await?;
        if let On::Sqlite(pool) = &db.pool {
            MIGRATOR.run(pool).await?;
        }
        Ok(db)
    }

    /// Connects to PostgreSQL and applies its migrations. Instances that
    /// start together do not race: sqlx's migrator holds a session advisory
    /// lock while it applies them, so one migrates and the others wait, then
    /// find nothing left to do.
    async fn open_postgres(url: &str) -> Result<Db, DbError> {
        let shown = shown_url(url);
        let open_failed = |e: sqlx::Error| DbError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let options = PgConnectOptions::from_str(url).map_err(open_failed)?;
        let size = std::env::var("DEBRIEF_DB_POOL")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(PG_POOL_DEFAULT)
            // Meeting mode's listener keeps one connection of the pool.
            .max(2);
        let pool = PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(open_failed)?;
        let collation: String = sqlx::query_scalar(
            "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
        )
        .fetch_one(&pool)
        .await
        .map_err(open_failed)?;
        if !matches!(collation.as_str(), "C" | "POSIX" | "C.UTF-8" | "C.utf8") {
            tracing::warn!(
                "the database sorts text by the {collation} collation: lists and exports ordered by text \
                 will not match SQLite's byte order. Create it with --locale=C --lc-ctype=C.UTF-8 (see the README)."
            );
        }
        let db = Db::with_pool(On::Postgres(pool), shown);
        db.refuse_newer_schema(&PG_MIGRATOR).await?;
        // Nothing to apply: no lock, no CREATE (a role without the right to
        // create tables may run a migrated database). No table yet reads as
        // nothing applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(pg_pool(&db))
                .await
                .unwrap_or_default();
        if !PG_MIGRATOR.iter().all(|m| applied.contains(&m.version)) {
            PG_MIGRATOR.run(pg_pool(&db)).await?;
        }
        Ok(db)
    }

    /// Whether any table that holds a deployment's data has rows: the name
    /// of the first that does.
    pub async fn first_table_with_rows(&self) -> Result<Option<&'static str>, DbError> {
        for (table, _) in COPIED_TABLES {
            let has_rows: bool = on_pool!(self.pool, |p| sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table})"
            ))
            .fetch_one(p)
            .await)?;
            if has_rows {
                return Ok(Some(table));
            }
        }
        Ok(None)
    }

    fn with_pool(pool: Pool, location: String) -> Db {
        Db {
            pool,
            location,
            report_cache: Default::default(),
            meeting_signals: Default::default(),
        }
    }

    /// Where the database lives, for logs and messages (a PostgreSQL URL
    /// without its password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Whether this is PostgreSQL (several instances may share it) rather
    /// than the embedded SQLite file.
    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, On::Postgres(_))
    }

    async fn refuse_newer_schema(&self, migrator: &sqlx::migrate::Migrator) -> Result<(), DbError> {
        let open_failed = |e: sqlx::Error| DbError::Open {
            path: self.location.clone(),
            reason: e.to_string(),
        };
        let has_table: bool = on_pool!(self.pool, |p| sqlx::query_scalar(if self.is_postgres() {
            "SELECT to_regclass('_sqlx_migrations') IS NOT NULL"
        } else {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')"
        })
        .fetch_one(p)
        .await)
        .map_err(open_failed)?;
        if !has_table {
            return Ok(());
        }
        let found: Option<i64> = on_pool!(self.pool, |p| sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations"
        )
        .fetch_one(p)
        .await)?;
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        match found {
            Some(found) if found > known => Err(DbError::NewerSchema {
                path: self.location.clone(),
                found,
                known,
            }),
            _ => Ok(()),
        }
    }

    /// A write transaction. On SQLite it holds the write lock from its first
    /// statement (`BEGIN IMMEDIATE`); on PostgreSQL it first takes
    /// [`PG_WRITE_LOCK`], with the same effect across instances.
    async fn write(&self) -> Result<Tx, DbError> {
        Ok(match &self.pool {
            On::Sqlite(pool) => On::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            On::Postgres(pool) => {
                // READ COMMITTED whatever the server's default, so that the
                // statements after the lock see what the previous writer
                // committed; and a bounded wait, as SQLite's busy timeout.
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
                    .await?;
                sqlx::query("SET LOCAL lock_timeout = '10s'")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                On::Postgres(tx)
            }
        })
    }

    /// A read transaction: one consistent snapshot for several statements.
    async fn read(&self) -> Result<Tx, DbError> {
        Ok(match &self.pool {
            On::Sqlite(pool) => On::Sqlite(pool.begin().await?),
            On::Postgres(pool) => On::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
    }

    /// The pool, for the session store, which keeps its own table in the
    /// same database.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Writes a consistent copy of the live database to `target` (which must
    /// not exist): `VACUUM INTO` reads one snapshot, so writes made meanwhile
    /// are either wholly in the copy or wholly absent. The copy is written
    /// beside `target` and renamed into place, so a failed backup never leaves
    /// a partial file under the final name. On PostgreSQL, backups are made
    /// with PostgreSQL's own tools (`pg_dump`, base backups).
    pub async fn backup_to(&self, target: &Path) -> Result<u64, DbError> {
        let shown = target.display().to_string();
        let failed = |reason: String| DbError::Open {
            path: shown.clone(),
            reason,
        };
        let On::Sqlite(pool) = &self.pool else {
            return Err(failed(
                "this deployment runs on PostgreSQL: back it up with PostgreSQL's own tools (pg_dump, or pg_basebackup with WAL archiving); see the README".into(),
            ));
        };
        if target.exists() {
            return Err(failed(
                "the file exists already; choose a new name so no backup is overwritten".into(),
            ));
        }
        let mut partial = target.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        let partial_text = partial
            .to_str()
            .ok_or_else(|| failed("the path is not valid UTF-8".into()))?
            .to_string();
        sqlx::query("VACUUM INTO $1")
            .bind(&partial_text)
            .execute(pool)
            .await
            .map_err(|e| {
                let _ = std::fs::remove_file(&partial);
                failed(e.to_string())
            })?;
        std::fs::rename(&partial, target).map_err(|e| failed(e.to_string()))?;
        Ok(std::fs::metadata(target).map(|m| m.len()).unwrap_or(0))
    }

    /// The SQLite pool, for tests that look at the file itself.
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &SqlitePool {
        match &self.pool {
            On::Sqlite(pool) => pool,
            On::Postgres(_) => panic!("this test needs SQLite"),
        }
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        on_pool!(self.pool, |p| p.close().await)
    }
}

fn pg_pool(db: &Db) -> &PgPool {
    match &db.pool {
        On::Postgres(pool) => pool,
        On::Sqlite(_) => unreachable!("opened on PostgreSQL"),
    }
}

/// Seconds since the epoch, as stored.
fn to_epoch(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp()
}

fn from_epoch(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A stored time, where a damaged one must not fail a page everyone reads
/// (lists, search, the board, history). A value that is not whole seconds
/// (SQLite keeps whatever was written: text, a real number), written
/// outside Debrief, reads as none and is logged; a required time then shows
/// as the start of 1970, as one out of range already does.
pub(crate) fn stored_time(
    row: &impl DbRow,
    table: &str,
    column: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbError> {
    match row.col::<Option<i64>>(column) {
        Ok(at) => Ok(at.map(from_epoch)),
        Err(sqlx::Error::ColumnDecode { source, .. }) => {
            tracing::warn!(
                "{table}.{column} holds a value that is not a time ({source}); it is shown as missing. Correct the row in the database."
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_accept_urls_and_paths() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            DatabaseLocation::parse("sqlite:data/x.db"),
            Ok(DatabaseLocation::SqliteFile(cwd.join("data/x.db")))
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:///tmp/x.db"),
            Ok(DatabaseLocation::SqliteFile("/tmp/x.db".into()))
        );
        assert_eq!(
            DatabaseLocation::parse("/tmp/y.db?mode=rwc"),
            Ok(DatabaseLocation::SqliteFile("/tmp/y.db".into()))
        );
        assert!(DatabaseLocation::parse("").is_err());
        assert_eq!(
            DatabaseLocation::parse("postgres://debrief@db.internal/debrief"),
            Ok(DatabaseLocation::Postgres(
                "postgres://debrief@db.internal/debrief".into()
            ))
        );
        assert!(
            DatabaseLocation::parse("postgresql://db.internal:notaport/debrief")
                .unwrap_err()
                .contains("PostgreSQL URL")
        );
        assert_eq!(
            shown_url("postgres://debrief:hunter2@db.internal:5433/debrief"),
            "postgres://debrief@db.internal:5433/debrief",
            "the password stays out of logs and messages"
        );
    }

    #[tokio::test]
    async fn open_creates_migrates_and_sets_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/debrief.db");
        let db = Db::open(path.to_str().unwrap()).await.unwrap();
        assert!(path.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.sqlite())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(db.sqlite())
            .await
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.sqlite())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        db.close().await;
        // Opening again is a no-op migration.
        Db::open(path.to_str().unwrap())
            .await
            .unwrap()
            .close()
            .await;
    }

    /// Migration 5 re-keys transcripts: a database that already holds
    /// transcripts keeps every line, problem and event link.
    #[tokio::test]
    async fn transcripts_imported_before_the_integer_keys_are_kept() {
        use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("debrief.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let up_to_4 = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .iter()
                    .filter(|m| m.version <= 4)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        up_to_4.run(&pool).await.unwrap();
        for statement in [
            "INSERT INTO incidents (id, number, title, severity, status, started_at, created_at, updated_at) \
             VALUES ('inc-a', 7, 'Checkout latency', 'outage', 'resolved', 0, 0, 0)",
            "INSERT INTO transcripts (id, incident_id, no, channel, format, zone, line_count, duplicate_count, \
             problem_count, imported_at) VALUES ('t-b', 'inc-a', 2, '#bridge', 'irssi', 'UTC', 1, 0, 0, 0), \
             ('t-a', 'inc-a', 1, '#ops', 'irssi', 'UTC', 2, 1, 1, 0)",
            "INSERT INTO transcript_lines (id, incident_id, transcript_id, transcript_no, line_no, at, kind, author, \
             text, fingerprint, duplicate_of) VALUES \
             (10, 'inc-a', 't-a', 1, 1, 100, 'message', 'sam', 'alert fired', 1, NULL), \
             (11, 'inc-a', 't-a', 1, 2, 160, 'message', 'kim', 'rolled back', 2, NULL), \
             (12, 'inc-a', 't-b', 2, 1, 100, 'message', 'sam', 'alert fired', 1, 10)",
            "INSERT INTO transcript_problems (transcript_id, line_no, reason) VALUES ('t-a', 3, 'no time')",
            "INSERT INTO timeline_events (id, incident_id, seq, at, kind, body_markdown, created_at, updated_at) \
             VALUES ('ev-1', 'inc-a', 1, 160, 'action', 'Rolled back', 0, 0)",
            "INSERT INTO event_lines (event_id, line_id) VALUES ('ev-1', 11)",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let db = Db::open(path.to_str().unwrap()).await.unwrap();
        let lines: Vec<(i64, i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT l.id, l.incident_no, t.uuid, t.no, l.duplicate_of FROM transcript_lines l \
             JOIN transcripts t ON t.id = l.transcript_id ORDER BY l.at, l.transcript_id, l.line_no",
        )
        .fetch_all(db.sqlite())
        .await
        .unwrap();
        assert_eq!(
            lines,
            vec![
                (10, 7, "t-a".into(), 1, None),
                (12, 7, "t-b".into(), 2, Some(10)),
                (11, 7, "t-a".into(), 1, None),
            ],
            "transcript keys follow import order, so ties keep it"
        );
        let problem: (String, i64) = sqlx::query_as(
            "SELECT t.uuid, p.line_no FROM transcript_problems p JOIN transcripts t ON t.id = p.transcript_id",
        )
        .fetch_one(db.sqlite())
        .await
        .unwrap();
        assert_eq!(problem, ("t-a".into(), 3));
        let linked: (String, i64) = sqlx::query_as("SELECT event_id, line_id FROM event_lines")
            .fetch_one(db.sqlite())
            .await
            .unwrap();
        assert_eq!(linked, ("ev-1".into(), 11));
        let problems: Vec<String> = sqlx::query_scalar("PRAGMA foreign_key_check")
            .fetch_all(db.sqlite())
            .await
            .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        db.close().await;
    }

    #[tokio::test]
    async fn a_database_from_a_newer_debrief_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("debrief.db");
        let db = Db::open(path.to_str().unwrap()).await.unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'future', 1, x'00', 0)")
            .execute(db.sqlite())
            .await
            .unwrap();
        db.close().await;
        let err = Db::open(path.to_str().unwrap()).await.unwrap_err();
        assert!(
            matches!(
                err,
                DbError::NewerSchema {
                    found: 99990101000000,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("newer Debrief"));
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(
            &path,
            "these are not the tables you are looking for ".repeat(100),
        )
        .unwrap();
        let err = Db::open(path.to_str().unwrap()).await.unwrap_err();
        assert!(matches!(err, DbError::Open { .. }), "{err}");
    }
}
