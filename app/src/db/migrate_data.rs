//! The statements of moving a whole deployment from its SQLite file to an
//! empty PostgreSQL database (`debrief migrate-data`): [`DataCopy`] holds
//! the one PostgreSQL transaction and the snapshot of the source, copies a
//! table at a time with PostgreSQL's column types, and checksums what it
//! copied on both sides. The workflow (the refusals, the order, the
//! verification) is `flows::migrate_data`.
//!
//! What is not copied is rebuilt by the target itself: the search index (its
//! triggers fill it as rows arrive; transcript lines are indexed at the end),
//! the report's change log and data version, and sessions (people sign in
//! again after the move).

use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite, Transaction, TypeInfo};

use super::{Db, DbError, On, Tx};
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

/// Identity columns whose sequences must continue after the copied ids.
const IDENTITIES: &[(&str, &str)] = &[
    ("audit_log", "id"),
    ("transcripts", "id"),
    ("transcript_lines", "id"),
    ("meeting_notes", "id"),
];

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters a statement.
const PARAMETERS_PER_INSERT: usize = 30_000;

/// One stored value, as both databases hold it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A self-reference to set once every row is in: column, the key column,
/// and (key, value) pairs.
type SetAfter = (&'static str, &'static str, Vec<(Cell, Cell)>);

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
/// Two are equal when they count the same rows with the same sum.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checksum {
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

    /// Rows counted.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The sum, in hex.
    pub fn hex(&self) -> String {
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

/// One table as copied: its columns and the checksum of its rows as read
/// from the source ([`DataCopy::copy_table`]).
pub struct CopiedTable {
    pub table: &'static str,
    /// The checksum of the source's rows.
    pub checksum: Checksum,
    /// The quoted column list, as selected and inserted.
    list: String,
    columns: Vec<(String, Target)>,
    /// Self-references written empty, to set once every row is in.
    later: Vec<SetAfter>,
}

/// One copy of a whole deployment, opened by [`Db::begin_copy_to`]: the
/// target's one write transaction and one snapshot of the source. Dropped
/// before [`DataCopy::commit`], the target is left as it was.
pub struct DataCopy {
    target: Tx,
    source: Transaction<'static, Sqlite>,
}

impl Db {
    /// Opens the copy of this (SQLite) database into `target` (PostgreSQL,
    /// already migrated): the target's write transaction, then one snapshot
    /// of the source for the whole copy.
    pub async fn begin_copy_to(&self, target: &Db) -> Result<DataCopy, DbError> {
        let On::Sqlite(source) = &self.pool else {
            return Err(DbError::Refused(Refusal::CopyFromSqlite));
        };
        let On::Postgres(_) = &target.pool else {
            return Err(DbError::Refused(Refusal::CopyIntoPostgres));
        };
        let tx = target.write().await?;
        let stx = source.begin().await?;
        Ok(DataCopy {
            target: tx,
            source: stx,
        })
    }
}

impl DataCopy {
    /// The target's PostgreSQL transaction.
    fn postgres(&mut self) -> &mut Transaction<'static, Postgres> {
        let On::Postgres(ptx) = &mut self.target else {
            unreachable!("a PostgreSQL database gives PostgreSQL transactions")
        };
        ptx
    }

    /// Copies every row of `table`, read in `order`, each value bound as
    /// its PostgreSQL column's type, in batches; returns the source's
    /// checksum. Columns named in `set_later` (each with its table's key
    /// column) are written empty and kept for [`DataCopy::set_later`].
    pub async fn copy_table(
        &mut self,
        table: &'static str,
        order: &str,
        set_later: &[(&'static str, &'static str)],
    ) -> Result<CopiedTable, DbError> {
        // The target and the source, borrowed side by side.
        let On::Postgres(ptx) = &mut self.target else {
            unreachable!("a PostgreSQL database gives PostgreSQL transactions")
        };
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
                .fetch_all(&mut *self.source)
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
        let deferred: Vec<(usize, usize, &'static str, &'static str)> = set_later
            .iter()
            .filter_map(|&(column, key)| {
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
            let mut rows = sqlx::query(&select).fetch(&mut *self.source);
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
        let mut set_after = Vec::new();
        for &(_, _, column, key) in &deferred {
            set_after.push((column, key, std::mem::take(&mut later)));
        }
        Ok(CopiedTable {
            table,
            checksum,
            list,
            columns,
            later: set_after,
        })
    }

    /// Sets the self-references [`DataCopy::copy_table`] wrote empty in
    /// `copied`, now that every row is in.
    pub async fn set_later(&mut self, copied: &mut CopiedTable) -> Result<(), DbError> {
        let table = copied.table;
        let ptx = self.postgres();
        for (column, key, values) in std::mem::take(&mut copied.later) {
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
        Ok(())
    }

    /// Moves the identity sequences past the copied ids, so rows added
    /// later do not collide with them.
    pub async fn continue_identities(&mut self) -> Result<(), DbError> {
        let ptx = self.postgres();
        for (table, column) in IDENTITIES {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut **ptx)
            .await?;
        }
        Ok(())
    }

    /// Indexes for search the lines of every transcript the source had
    /// indexed.
    pub async fn index_transcripts(&mut self) -> Result<(), DbError> {
        let transcripts: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM transcripts WHERE search_indexed")
                .fetch_all(&mut **self.postgres())
                .await?;
        for id in transcripts {
            super::search::index_transcript_lines(&mut self.target, id).await?;
        }
        Ok(())
    }

    /// The checksum of `copied`'s rows as the target now holds them.
    pub async fn checksum_copy(&mut self, copied: &CopiedTable) -> Result<Checksum, DbError> {
        use futures::TryStreamExt;
        let ptx = self.postgres();
        let mut found = Checksum::default();
        let select = format!("SELECT {} FROM {}", copied.list, copied.table);
        let mut rows = sqlx::query(&select).fetch(&mut **ptx);
        while let Some(row) = rows.try_next().await? {
            let cells = copied
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| postgres_cell(&row, i, *kind))
                .collect::<Result<Vec<_>, _>>()?;
            found.add(&cells);
        }
        Ok(found)
    }

    /// Lets go of the source's snapshot and commits the target.
    pub async fn commit(self) -> Result<(), DbError> {
        drop(self.source);
        self.target.commit().await
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
