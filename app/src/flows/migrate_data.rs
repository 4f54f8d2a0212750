//! Moving a whole deployment from its SQLite file to an empty PostgreSQL
//! database (`debrief migrate-data`).
//!
//! The steps, in order:
//! 1. a target that holds any data is refused, before anything is copied;
//! 2. the attachment files are copied first: a failed copy of the rows then
//!    leaves only unreferenced files behind, never rows without their files;
//! 3. the source must be SQLite and the target PostgreSQL, and still empty;
//!    every table is copied, parents before children (`db::COPIED_TABLES`),
//!    self-references set once every row is in; the identity sequences
//!    continue after the copied ids and transcript lines are indexed;
//! 4. each table is counted and checksummed on both sides; a copy that
//!    differs from its source is refused.
//!
//! Step 3 and 4 are one PostgreSQL transaction ([`DataCopy`]) read from one
//! snapshot of the source: a refused or failed move leaves the target
//! database as it was.

use std::future::Future;

use crate::db::{COPIED_TABLES, CopiedTable, DataCopy, Db, DbError};
use crate::domain::refusal::Refusal;

/// Columns that may point at a row of their own table copied later: written
/// empty, then set once every row is in. Table, column, and the table's key.
const SET_AFTER: &[(&str, &str, &str)] = &[("countermeasures", "merged_into", "id")];

/// What was copied of one table, as verified on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 of every row, summed (so row order does not matter), in hex.
    pub checksum: String,
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Every table, in the order copied.
    pub tables: Vec<TableCopy>,
    /// Attachment files copied, and their bytes.
    pub files: usize,
    pub file_bytes: u64,
}

/// Moves everything of `from` (SQLite) into `to` (an empty PostgreSQL
/// database, already migrated), in the order the module documentation
/// gives. `copy_files` copies the attachment files and says how many and
/// how many bytes; it is awaited only once the target was found empty.
/// A failure is the sentence to show.
pub async fn migrate_data(
    from: &Db,
    to: &Db,
    copy_files: impl Future<Output = Result<(usize, u64), String>>,
) -> Result<Moved, String> {
    // Refused before anything is copied; checked again when the copy
    // starts.
    refuse_filled(to).await.map_err(|e| e.to_string())?;
    let (files, file_bytes) = copy_files.await?;
    let tables = copy_rows(from, to)
        .await
        .map_err(|e| format!("{e}; the target database was left unchanged"))?;
    Ok(Moved {
        tables,
        files,
        file_bytes,
    })
}

/// Refuses a target that holds data, naming the first table that does.
async fn refuse_filled(to: &Db) -> Result<(), DbError> {
    match to.first_table_with_rows().await? {
        Some(table) => Err(DbError::Refused(Refusal::TargetHoldsData {
            table: table.into(),
        })),
        None => Ok(()),
    }
}

/// Copies every table of `from` into `to` in one transaction, and verifies
/// row counts and checksums per table before committing.
async fn copy_rows(from: &Db, to: &Db) -> Result<Vec<TableCopy>, DbError> {
    if from.is_postgres() {
        return Err(DbError::Refused(Refusal::CopyFromSqlite));
    }
    if !to.is_postgres() {
        return Err(DbError::Refused(Refusal::CopyIntoPostgres));
    }
    refuse_filled(to).await?;
    let mut copy = from.begin_copy_to(to).await?;
    let mut copied = Vec::new();
    for &(table, order) in COPIED_TABLES {
        let set_later: Vec<(&str, &str)> = SET_AFTER
            .iter()
            .filter(|(t, _, _)| *t == table)
            .map(|&(_, column, key)| (column, key))
            .collect();
        copied.push(copy.copy_table(table, order, &set_later).await?);
    }
    for table in &mut copied {
        copy.set_later(table).await?;
    }
    copy.continue_identities().await?;
    copy.index_transcripts().await?;
    let verified = verify(&mut copy, copied).await?;
    copy.commit().await?;
    Ok(verified)
}

/// Reads each copied table back from the target: refused unless it has the
/// source's rows, by count and checksum.
async fn verify(copy: &mut DataCopy, copied: Vec<CopiedTable>) -> Result<Vec<TableCopy>, DbError> {
    let mut verified = Vec::new();
    for table in copied {
        let found = copy.checksum_copy(&table).await?;
        let expected = &table.checksum;
        if found != *expected {
            return Err(DbError::Refused(Refusal::VerifyFailed {
                table: table.table.into(),
                source_rows: expected.rows(),
                source_checksum: expected.hex(),
                copy_rows: found.rows(),
                copy_checksum: found.hex(),
            }));
        }
        verified.push(TableCopy {
            table: table.table,
            rows: found.rows(),
            checksum: found.hex(),
        });
    }
    Ok(verified)
}
