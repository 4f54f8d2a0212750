//! `debrief backup` on SQLite: a consistent copy of the live file.

use std::path::{Path, PathBuf};

use super::{Db, DbError, On};

impl Db {
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
}
