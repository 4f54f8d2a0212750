//! Moving a whole deployment from its SQLite file to an empty PostgreSQL
//! database (`debrief migrate-data`): every table copied in one PostgreSQL
//! transaction, then counted and checksummed on both sides before the
//! commit. A refused or failed move leaves the target as it was.
//!
//! What is not copied is rebuilt by the target itself: the search index (its
//! triggers fill it as rows arrive; transcript lines are indexed at the end),
//! the report's change log and data version, and sessions (people sign in
//! again after the move).

use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, QueryBuilder, Row, TypeInfo};

use super::{Db, DbError, On};
use crate::domain::refusal::Refusal;

/// The tables a deployment's data lives in, parents before children, each
/// with its key order (for streaming in a stable order).
pub const COPIED_TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("incidents", "id"),
    ("incident_services", "incident_id, service"),
    ("audit_log", "id"),
    ("timeline_events", "id"),
    ("attachments", "id"),
    ("transcripts", "id"),
    ("transcript_lines", "id"),
    ("transcript_problems", "transcript_id, line_no, reason"),
    ("event_lines", "event_id, line_id"),
    ("settings", "key"),
    ("countermeasures", "id"),
    ("countermeasure_incidents", "countermeasure_id, incident_id"),
    ("webhook_endpoints", "id"),
    ("webhook_deliveries", "id"),
    ("postmortems", "incident_id"),
    ("postmortem_versions", "incident_id, version"),
    ("reviews", "incident_id"),
    ("meetings", "incident_id"),
    ("meeting_notes", "id"),
];

/// Columns that may point at a row of their own table copied later: written
/// empty, then set once every row is in.
const SET_AFTER: &[(&str, &str, &str)] = &[("countermeasures", "merged_into", "id")];

/// Identity columns whose sequences must continue after the copied ids.
const IDENTITIES: &[(&str, &str)] = &[
    ("audit_log", "id"),
    ("transcripts", "id"),
    ("transcript_lines", "id"),
    ("meeting_notes", "id"),
];

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters a statement.
const PARAMETERS_PER_INSERT: usize = 30_000;

/// What was copied of one table, as verified on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 of every row, summed (so row order does not matter), in hex.
    pub checksum: String,
}

/// One stored value, as both databases hold it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A self-reference to set once every row is in: table, column, the key
/// column, and (key, value) pairs.
type SetAfter = (&'static str, &'static str, &'static str, Vec<(Cell, Cell)>);

/// The PostgreSQL column type a value is bound as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    BigInt,
    Boolean,
    Double,
    Text,
    Bytes,
}

/// An order-independent digest of a table: the sum of its rows' SHA-256.
#[derive(Default)]
struct Checksum {
    rows: u64,
    sum: [u64; 4],
}

impl Checksum {
    fn add(&mut self, row: &[Cell]) {
        let mut h = Sha256::new();
        for cell in row {
            match cell {
                Cell::Null => h.update(b"n"),
                Cell::Int(v) => {
                    h.update(b"i");
                    h.update(v.to_le_bytes());
                }
                Cell::Real(v) => {
                    h.update(b"r");
                    h.update(v.to_bits().to_le_bytes());
                }
                Cell::Text(t) => {
                    h.update(b"t");
                    h.update((t.len() as u64).to_le_bytes());
                    h.update(t.as_bytes());
                }
                Cell::Blob(b) => {
                    h.update(b"b");
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                }
            }
        }
        let digest = h.finalize();
        for (i, chunk) in digest.chunks(8).enumerate() {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.sum[i] = self.sum[i].wrapping_add(word);
        }
        self.rows += 1;
    }

    fn hex(&self) -> String {
        self.sum.iter().map(|w| format!("{w:016x}")).collect()
    }
}

fn sqlite_cell(row: &SqliteRow, i: usize) -> Result<Cell, DbError> {
    use sqlx::ValueRef;
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let kind = raw.type_info().name().to_ascii_uppercase();
    Ok(match kind.as_str() {
        "INTEGER" | "INT" | "BIGINT" | "BOOLEAN" => Cell::Int(row.try_get(i)?),
        "REAL" | "FLOAT" | "DOUBLE" => Cell::Real(row.try_get(i)?),
        "BLOB" => Cell::Blob(row.try_get(i)?),
        _ => Cell::Text(row.try_get(i)?),
    })
}

fn postgres_cell(row: &PgRow, i: usize, target: Target) -> Result<Cell, DbError> {
    Ok(match target {
        Target::BigInt => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Cell::Null, Cell::Int),
        Target::Boolean => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Cell::Null, |b| Cell::Int(i64::from(b))),
        Target::Double => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Cell::Null, Cell::Real),
        Target::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Cell::Null, Cell::Text),
        Target::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Cell::Null, Cell::Blob),
    })
}

/// The refusal of a target that holds data.
pub fn refused_filled(table: &str) -> DbError {
    DbError::Refused(Refusal::TargetHoldsData {
        table: table.into(),
    })
}

/// Binds one value as its PostgreSQL column's type; a 0/1 flag becomes a
/// boolean.
fn bind_cell(
    b: &mut sqlx::query_builder::Separated<'_, '_, Postgres, &'static str>,
    cell: &Cell,
    target: Target,
) -> Result<(), DbError> {
    match (cell, target) {
        (Cell::Null, Target::BigInt) => b.push_bind(None::<i64>),
        (Cell::Null, Target::Boolean) => b.push_bind(None::<bool>),
        (Cell::Null, Target::Double) => b.push_bind(None::<f64>),
        (Cell::Null, Target::Text) => b.push_bind(None::<String>),
        (Cell::Null, Target::Bytes) => b.push_bind(None::<Vec<u8>>),
        (Cell::Int(v), Target::BigInt) => b.push_bind(*v),
        (Cell::Int(v), Target::Boolean) => b.push_bind(*v != 0),
        (Cell::Int(v), Target::Double) => b.push_bind(*v as f64),
        (Cell::Real(v), Target::Double) => b.push_bind(*v),
        (Cell::Text(v), Target::Text) => b.push_bind(v.clone()),
        (Cell::Blob(v), Target::Bytes) => b.push_bind(v.clone()),
        (cell, target) => {
            return Err(DbError::Refused(Refusal::ValueDoesNotFit {
                value: format!("{cell:?}"),
                column: format!("{target:?}"),
            }));
        }
    };
    Ok(())
}

impl Db {
    /// Copies every table of this (SQLite) database into `target`, an
    /// empty PostgreSQL database already migrated, in one transaction, and
    /// verifies row counts and checksums per table before committing.
    pub async fn copy_everything_to(&self, target: &Db) -> Result<Vec<TableCopy>, DbError> {
        let On::Sqlite(source) = &self.pool else {
            return Err(DbError::Refused(Refusal::CopyFromSqlite));
        };
        let On::Postgres(_) = &target.pool else {
            return Err(DbError::Refused(Refusal::CopyIntoPostgres));
        };
        if let Some(table) = target.first_table_with_rows().await? {
            return Err(refused_filled(table));
        }
        let mut tx = target.write().await?;
        let On::Postgres(ptx) = &mut tx else {
            unreachable!("a PostgreSQL database gives PostgreSQL transactions")
        };
        // One snapshot of the source for the whole copy.
        let mut stx = source.begin().await?;
        let mut copies = Vec::new();
        let mut set_after: Vec<SetAfter> = Vec::new();
        // Each table: its column list, columns and the source's checksum.
        for &(table, order) in COPIED_TABLES {
            let types: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 AND is_generated = 'NEVER' ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut **ptx)
            .await?;
            let source_columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&mut *stx)
                    .await?;
            let mut columns = Vec::new();
            for name in &source_columns {
                let Some((_, data_type)) = types.iter().find(|(n, _)| n == name) else {
                    return Err(DbError::Refused(Refusal::NoTargetColumn {
                        table: table.into(),
                        column: name.clone(),
                    }));
                };
                let kind = match data_type.as_str() {
                    "bigint" | "integer" | "smallint" => Target::BigInt,
                    "boolean" => Target::Boolean,
                    "double precision" | "real" => Target::Double,
                    "bytea" => Target::Bytes,
                    _ => Target::Text,
                };
                columns.push((name.clone(), kind));
            }
            let deferred: Vec<(usize, usize, &'static str, &'static str)> = SET_AFTER
                .iter()
                .filter(|(t, _, _)| *t == table)
                .filter_map(|&(_, column, key)| {
                    let c = columns.iter().position(|(n, _)| n == column)?;
                    let k = columns.iter().position(|(n, _)| n == key)?;
                    Some((c, k, column, key))
                })
                .collect();
            let list = columns
                .iter()
                .map(|(n, _)| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let select = format!("SELECT {list} FROM {table} ORDER BY {order}");
            let per_insert = (PARAMETERS_PER_INSERT / columns.len().max(1)).max(1);
            let mut checksum = Checksum::default();
            let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(per_insert);
            let mut later = Vec::new();
            {
                use futures::TryStreamExt;
                let mut rows = sqlx::query(&select).fetch(&mut *stx);
                while let Some(row) = rows.try_next().await? {
                    let mut cells = (0..columns.len())
                        .map(|i| sqlite_cell(&row, i))
                        .collect::<Result<Vec<_>, _>>()?;
                    checksum.add(&cells);
                    for &(c, k, _, _) in &deferred {
                        if cells[c] != Cell::Null {
                            later.push((
                                cells[k].clone(),
                                std::mem::replace(&mut cells[c], Cell::Null),
                            ));
                        }
                    }
                    batch.push(cells);
                    if batch.len() == per_insert {
                        insert_rows(ptx, table, &list, &columns, &batch).await?;
                        batch.clear();
                    }
                }
            }
            if !batch.is_empty() {
                insert_rows(ptx, table, &list, &columns, &batch).await?;
            }
            for &(_, _, column, key) in &deferred {
                set_after.push((table, column, key, std::mem::take(&mut later)));
            }
            copies.push((table, list, columns, checksum));
        }
        for (table, column, key, values) in set_after {
            for (k, v) in values {
                let (Cell::Text(k), Cell::Text(v)) = (k, v) else {
                    return Err(DbError::Refused(Refusal::NotAKey {
                        table: table.into(),
                        column: column.into(),
                    }));
                };
                sqlx::query(&format!(
                    "UPDATE {table} SET {column} = $1 WHERE {key} = $2"
                ))
                .bind(v)
                .bind(k)
                .execute(&mut **ptx)
                .await?;
            }
        }
        for (table, column) in IDENTITIES {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut **ptx)
            .await?;
        }
        let transcripts: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM transcripts WHERE search_indexed")
                .fetch_all(&mut **ptx)
                .await?;
        for id in transcripts {
            super::search::index_transcript_lines(&mut tx, id).await?;
        }
        let On::Postgres(ptx) = &mut tx else {
            unreachable!("a PostgreSQL database gives PostgreSQL transactions")
        };
        let mut verified = Vec::new();
        for (table, list, columns, expected) in copies {
            let mut found = Checksum::default();
            {
                use futures::TryStreamExt;
                let select = format!("SELECT {list} FROM {table}");
                let mut rows = sqlx::query(&select).fetch(&mut **ptx);
                while let Some(row) = rows.try_next().await? {
                    let cells = columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, kind))| postgres_cell(&row, i, *kind))
                        .collect::<Result<Vec<_>, _>>()?;
                    found.add(&cells);
                }
            }
            if found.rows != expected.rows || found.sum != expected.sum {
                return Err(DbError::Refused(Refusal::VerifyFailed {
                    table: table.into(),
                    source_rows: expected.rows,
                    source_checksum: expected.hex(),
                    copy_rows: found.rows,
                    copy_checksum: found.hex(),
                }));
            }
            verified.push(TableCopy {
                table,
                rows: found.rows,
                checksum: found.hex(),
            });
        }
        drop(stx);
        tx.commit().await?;
        Ok(verified)
    }
}

async fn insert_rows(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    list: &str,
    columns: &[(String, Target)],
    rows: &[Vec<Cell>],
) -> Result<(), DbError> {
    let mut q = QueryBuilder::<Postgres>::new(format!("INSERT INTO {table} ({list}) "));
    let mut failed = None;
    q.push_values(rows, |mut b, row| {
        for (cell, (_, kind)) in row.iter().zip(columns) {
            if let Err(e) = bind_cell(&mut b, cell, *kind) {
                failed.get_or_insert(e);
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    q.build().execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_ignore_row_order_and_see_every_value() {
        let a = vec![Cell::Int(1), Cell::Text("x".into())];
        let b = vec![Cell::Int(2), Cell::Null];
        let (mut one, mut two) = (Checksum::default(), Checksum::default());
        one.add(&a);
        one.add(&b);
        two.add(&b);
        two.add(&a);
        assert_eq!(one.hex(), two.hex());
        let mut three = Checksum::default();
        three.add(&a);
        three.add(&[Cell::Int(2), Cell::Text(String::new())]);
        assert_ne!(one.hex(), three.hex(), "NULL and empty text differ");
    }
}
