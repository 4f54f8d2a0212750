//! The one place the two backends differ in kind: the pool, transaction and
//! row of whichever database is in use ([`On`]), reading a column from
//! either row ([`DbRow`]), the write lock and the read snapshot, and stored
//! times. Statements themselves are written once, in the dialect both
//! accept, and run on either through [`super::statement`].

use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{ColumnIndex, Postgres, Sqlite, Transaction};

use super::{Db, DbError};

/// One value per backend: the pool, transaction or row of whichever database
/// is in use. Statements are written once ([`super::sql`]) in the dialect
/// both accept (numbered `$1` parameters, `COALESCE`, `TRUE`); the few that
/// differ say so with [`Db::is_postgres`].
#[derive(Clone, Debug)]
pub(crate) enum On<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// The connection pool.
pub(crate) type Pool = On<SqlitePool, PgPool>;

/// A write transaction (see [`Db::write`]) or a read one.
pub(crate) type Tx = On<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>;

impl Pool {
    /// Closes every connection (on SQLite, checkpointing the WAL).
    pub(crate) async fn close(&self) {
        match self {
            On::Sqlite(pool) => pool.close().await,
            On::Postgres(pool) => pool.close().await,
        }
    }
}

impl Db {
    /// Whether [`Db::close`] has closed the pool: background work stops
    /// then, quietly.
    pub fn is_closed(&self) -> bool {
        match &self.pool {
            On::Sqlite(pool) => pool.is_closed(),
            On::Postgres(pool) => pool.is_closed(),
        }
    }
}

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

/// A value both backends store and read the same way: `i64`, `f64`, `bool`,
/// `String`, `Vec<u8>` and their `Option`s.
pub(crate) trait Stored: Sized {
    fn from_sqlite<I: ColumnIndex<SqliteRow>>(row: &SqliteRow, at: I) -> Result<Self, sqlx::Error>;
    fn from_postgres<I: ColumnIndex<PgRow>>(row: &PgRow, at: I) -> Result<Self, sqlx::Error>;
}

impl<T> Stored for T
where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>,
{
    fn from_sqlite<I: ColumnIndex<SqliteRow>>(row: &SqliteRow, at: I) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, at)
    }
    fn from_postgres<I: ColumnIndex<PgRow>>(row: &PgRow, at: I) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, at)
    }
}

/// A result row of either backend, read by column name or position.
pub(crate) trait DbRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error>;
    fn at<T: Stored>(&self, index: usize) -> Result<T, sqlx::Error>;
}

impl DbRow for SqliteRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error> {
        T::from_sqlite(self, column)
    }
    fn at<T: Stored>(&self, index: usize) -> Result<T, sqlx::Error> {
        T::from_sqlite(self, index)
    }
}

impl DbRow for PgRow {
    fn col<T: Stored>(&self, column: &str) -> Result<T, sqlx::Error> {
        T::from_postgres(self, column)
    }
    fn at<T: Stored>(&self, index: usize) -> Result<T, sqlx::Error> {
        T::from_postgres(self, index)
    }
}

/// Every write transaction on PostgreSQL first takes this transaction-level
/// advisory lock, so writers run one at a time across every instance, as
/// SQLite's `BEGIN IMMEDIATE` makes them on one: version checks, numbering
/// (`MAX(number) + 1`) and the report's change log (whose sequence then
/// follows commit order) keep the guarantees they have on SQLite. Reads never
/// wait for it.
const PG_WRITE_LOCK: i64 = 0x6465_6272_6965_6601; // "debrief" + 1

impl Db {
    /// A write transaction. On SQLite it holds the write lock from its first
    /// statement (`BEGIN IMMEDIATE`); on PostgreSQL it first takes
    /// [`PG_WRITE_LOCK`], with the same effect across instances.
    pub(super) async fn write(&self) -> Result<Tx, DbError> {
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
    pub(super) async fn read(&self) -> Result<Tx, DbError> {
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
}

pub(super) fn pg_pool(db: &Db) -> &PgPool {
    match &db.pool {
        On::Postgres(pool) => pool,
        On::Sqlite(_) => unreachable!("opened on PostgreSQL"),
    }
}

/// Seconds since the epoch, as stored.
pub(super) fn to_epoch(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp()
}

pub(super) fn from_epoch(seconds: i64) -> chrono::DateTime<chrono::Utc> {
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
