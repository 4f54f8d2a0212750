//! Opening a database: where a URL points, the connection settings of each
//! backend, the embedded migrations and the refusal of a schema newer than
//! this Debrief.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::error::still_usable;
use super::{COPIED_TABLES, Db, DbError, On, Pool, pg_pool, sql};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

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
            let has_rows: bool = sql(format!("SELECT EXISTS (SELECT 1 FROM {table})"))
                .scalar(self)
                .await?;
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
        let has_table: bool = sql(if self.is_postgres() {
            "SELECT to_regclass('_sqlx_migrations') IS NOT NULL"
        } else {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')"
        })
        .scalar(self)
        .await
        .map_err(open_failed)?;
        if !has_table {
            return Ok(());
        }
        let found: Option<i64> = sql("SELECT MAX(version) FROM _sqlx_migrations")
            .scalar(self)
            .await?;
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
    /// The SQLite pool, for tests that look at the file itself.
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &sqlx::SqlitePool {
        match &self.pool {
            On::Sqlite(pool) => pool,
            On::Postgres(_) => panic!("this test needs SQLite"),
        }
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await
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
