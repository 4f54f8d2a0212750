//! One incident as a portable archive, and back: every row that belongs to
//! it (the record and its services, the timeline, transcripts with every
//! line and problem, countermeasures and their links, the post-mortem and
//! its versions, the review, meeting notes, and its history), table by
//! table, column by column, as JSON ([`Db::export_incident`]).
//!
//! Restoring writes it all in one transaction into another database: the
//! statements are here ([`Restore`]); the workflow (the order of the
//! tables, the renumbering, the refusals) is `flows::restore`. Account ids
//! are left out (history keeps the names): accounts are not part of an
//! incident. Attachment files are not included.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::statement::{self, Bind, Row};
use super::{Db, DbError, DbRow, Tx, sql};
use crate::domain::archive::{ARCHIVE_FORMAT, ARCHIVE_VERSION, Cell, Key, TABLES};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::refusal::Refusal;

/// Which rows of `table` belong to the incident whose id is bound once.
fn filter_of(table: &str) -> &'static str {
    match table {
        "incidents" => "id = $1",
        "transcript_lines" | "transcript_problems" => {
            "transcript_id IN (SELECT id FROM transcripts WHERE incident_id = $1)"
        }
        "event_lines" => "event_id IN (SELECT id FROM timeline_events WHERE incident_id = $1)",
        "countermeasures" => {
            "id IN (SELECT countermeasure_id FROM countermeasure_incidents WHERE incident_id = $1)"
        }
        _ => "incident_id = $1",
    }
}

/// The order rows are written in, so an export is the same every time (and
/// on either database): by each table's key.
fn order_of(table: &str) -> &'static str {
    match table {
        "incidents" => "id",
        "incident_services" => "position",
        "timeline_events" => "seq",
        "transcripts" | "transcript_lines" | "meeting_notes" | "audit_log" => "id",
        "transcript_problems" => "transcript_id, line_no, reason",
        "event_lines" => "event_id, line_id",
        "countermeasures" => "number",
        "countermeasure_incidents" => "countermeasure_id",
        "postmortems" | "reviews" => "incident_id",
        "postmortem_versions" => "version",
        // Every table an archive holds is named above.
        _ => "1",
    }
}

/// Tables whose integer key `id` is kept when free and given anew when not.
const KEYED: [&str; 4] = [
    "transcripts",
    "transcript_lines",
    "meeting_notes",
    "audit_log",
];

/// Columns an archive leaves out: references to accounts.
fn left_out(table: &str, column: &str) -> bool {
    table == "audit_log" && column == "actor_id"
}

/// A row as JSON, each value by its type: integers, texts and reals as
/// such; PostgreSQL's BOOLEAN flags as 0/1, as SQLite stores them, so an
/// archive is the same from either database.
fn row_to_json(table: &str, row: &Row) -> Result<Map<String, Value>, DbError> {
    let mut out = Map::new();
    for name in row.column_names() {
        if left_out(table, name) {
            continue;
        }
        let value = if let Ok(v) = row.col::<Option<i64>>(name) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.col::<Option<String>>(name) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.col::<Option<f64>>(name) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.col::<Option<bool>>(name) {
            v.map_or(Value::Null, |b| Value::from(i64::from(b)))
        } else {
            return Err(DbError::Refused(Refusal::ArchiveCannotCarry {
                table: table.into(),
                column: name.into(),
            }));
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

impl Db {
    /// Incident `number` as an archive (see the module documentation).
    pub async fn export_incident(&self, number: IncidentNumber) -> Result<Value, DbError> {
        // One snapshot of every table.
        let mut tx = self.read().await?;
        let id = super::incidents::incident_id(&mut tx, number).await?;
        let mut tables = Map::new();
        for table in TABLES {
            let rows = sql(format!(
                "SELECT * FROM {table} WHERE {} ORDER BY {}",
                filter_of(table),
                order_of(table)
            ))
            .bind(&id)
            .fetch_all(&mut tx)
            .await?
            .iter()
            .map(|r| row_to_json(table, r).map(Value::Object))
            .collect::<Result<Vec<_>, DbError>>()?;
            tables.insert(table.to_string(), Value::Array(rows));
        }
        Ok(json!({
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "tables": tables,
        }))
    }
}

/// Whether a row matches: `text` ends where the one value is bound.
async fn exists(tx: &mut Tx, text: &str, value: Cell<'_>) -> Result<bool, DbError> {
    let mut q = sql(text);
    q.push_list([bound(value)]);
    Ok(q.fetch_optional(tx).await?.is_some())
}

/// One value, typed as its column is (PostgreSQL wants NULLs and flags of
/// the column's type).
fn bound(cell: Cell<'_>) -> statement::Value<'_> {
    match cell {
        Cell::Int(v) => v.value(),
        Cell::Text(v) => v.value(),
        Cell::Bool(v) => v.value(),
    }
}

/// Inserts one row; with `keyed`, returns the `id` it was given.
async fn insert(
    tx: &mut Tx,
    table: &str,
    cells: Vec<(&'static str, Cell<'_>)>,
    keyed: bool,
) -> Result<Option<i64>, DbError> {
    let names: Vec<String> = cells.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let mut q = sql(format!(
        "INSERT INTO {table} ({}) VALUES (",
        names.join(", ")
    ));
    q.push_list(cells.iter().map(|(_, cell)| bound(*cell)));
    let result: Result<Option<i64>, sqlx::Error> = if keyed {
        q.push(") RETURNING id");
        q.scalar::<i64>(tx).await.map(Some)
    } else {
        q.push(")");
        q.execute(tx).await.map(|_| None)
    };
    result.map_err(|e| match e {
        // A value the schema refuses (a key moment marked twice, a service
        // listed twice, an id this database already holds): the archive's
        // fault, said as such.
        sqlx::Error::Database(d) if d.kind() != sqlx::error::ErrorKind::Other => {
            DbError::Refused(Refusal::ArchiveRowsDoNotFit {
                table: table.into(),
                reason: d.message().into(),
            })
        }
        other => other.into(),
    })
}

/// The key a row of a keyed table (transcripts, lines, notes, history)
/// gets when its own is taken or missing: on SQLite the one the table gives
/// (NULL asks for the largest plus one); on PostgreSQL the same, chosen here
/// (its identity sequence knows nothing of the ids written explicitly, by
/// imports and restores).
async fn new_key(tx: &mut Tx, table: &str) -> Result<Option<Key>, DbError> {
    if !tx.is_postgres() {
        return Ok(None);
    }
    let next: i64 = sql(format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
        .scalar(tx)
        .await?;
    Ok(Some(Key(next)))
}

/// One restore's write transaction, opened by [`Db::begin_restore`]: the
/// statements the workflow (`flows::restore`) runs, in the order it
/// chooses. Dropped before [`Restore::commit`], it rolls everything back.
pub struct Restore {
    tx: Tx,
    /// Rows inserted so far.
    written: usize,
}

impl Db {
    /// Opens a restore's one write transaction.
    pub async fn begin_restore(&self) -> Result<Restore, DbError> {
        Ok(Restore {
            tx: self.write().await?,
            written: 0,
        })
    }
}

impl Restore {
    /// Whether `table` (`incidents`, `countermeasures`) holds a row whose
    /// text id is `id`.
    pub async fn has_id(&mut self, table: &str, id: &str) -> Result<bool, DbError> {
        exists(
            &mut self.tx,
            &format!("SELECT 1 FROM {table} WHERE id = "),
            Cell::Text(Some(id)),
        )
        .await
    }

    /// Whether `table` (`incidents`, `countermeasures`) gives `number` to
    /// a row already.
    pub async fn number_taken(&mut self, table: &str, number: i64) -> Result<bool, DbError> {
        exists(
            &mut self.tx,
            &format!("SELECT 1 FROM {table} WHERE number = "),
            Cell::Int(Some(number)),
        )
        .await
    }

    /// The number after the largest `table` gives.
    pub async fn next_number(&mut self, table: &str) -> Result<i64, DbError> {
        let next = sql(format!("SELECT COALESCE(MAX(number), 0) + 1 FROM {table}"))
            .scalar(&mut self.tx)
            .await?;
        Ok(next)
    }

    /// The number of the countermeasure whose id is `id`, if this database
    /// holds it.
    pub async fn countermeasure_number(&mut self, id: &str) -> Result<Option<i64>, DbError> {
        Ok(sql("SELECT number FROM countermeasures WHERE id = $1")
            .bind(id)
            .scalar_optional::<i64>(&mut self.tx)
            .await?)
    }

    /// Inserts one row of `table`, column by column. A value the schema
    /// refuses is the archive's fault and is refused as such.
    pub async fn insert(
        &mut self,
        table: &str,
        cells: Vec<(&'static str, Cell<'_>)>,
    ) -> Result<(), DbError> {
        insert(&mut self.tx, table, cells, false).await?;
        self.written += 1;
        Ok(())
    }

    /// How many rows [`Restore::insert`] and [`Restore::insert_keyed`]
    /// have written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Inserts one row of a table with an integer key `id` (see
    /// [`Restore::insert`]); returns the key it was given.
    pub async fn insert_keyed(
        &mut self,
        table: &str,
        cells: Vec<(&'static str, Cell<'_>)>,
    ) -> Result<i64, DbError> {
        let key = insert(&mut self.tx, table, cells, true).await?;
        self.written += 1;
        Ok(key.expect("an INSERT … RETURNING id gives the id"))
    }

    /// The key a row of keyed `table` is written with: `id` when this
    /// database does not hold it yet, else a new one (see `new_key`).
    pub async fn free_key(&mut self, table: &str, id: Option<Key>) -> Result<Option<Key>, DbError> {
        match id {
            Some(key)
                if !exists(
                    &mut self.tx,
                    &format!("SELECT 1 FROM {table} WHERE id = "),
                    Cell::Int(Some(key.0)),
                )
                .await? =>
            {
                Ok(Some(key))
            }
            _ => new_key(&mut self.tx, table).await,
        }
    }

    /// Marks transcript line `line` as a repeat of line `of`.
    pub async fn set_duplicate(&mut self, line: i64, of: i64) -> Result<(), DbError> {
        sql("UPDATE transcript_lines SET duplicate_of = $1 WHERE id = $2")
            .bind(of)
            .bind(line)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Makes the lines of transcript `transcript` (its key) searchable.
    pub async fn index_lines(&mut self, transcript: i64) -> Result<(), DbError> {
        super::search::index_transcript_lines(&mut self.tx, transcript).await
    }

    /// PostgreSQL: moves the identity sequences of the keyed tables past
    /// the ids written explicitly, so rows added later without an id (the
    /// restore's own audit entry, imports, notes) do not collide with them.
    pub async fn catch_up_sequences(&mut self) -> Result<(), DbError> {
        if !self.tx.is_postgres() {
            return Ok(());
        }
        for table in KEYED {
            sql(format!(
                "SELECT setval(s.seq, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), \
                 COALESCE(pg_sequence_last_value(s.seq), 0), 1)) \
                 FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) s"
            ))
            .bind(table)
            .execute(&mut self.tx)
            .await?;
        }
        Ok(())
    }

    /// Reads the restored incident (text id `id`, number `number`) and
    /// countermeasures `countermeasures` back as the pages read them,
    /// inside the transaction.
    pub async fn read_back(
        &mut self,
        id: &str,
        number: IncidentNumber,
        countermeasures: &[i64],
    ) -> Result<(), DbError> {
        let tx = &mut self.tx;
        super::incidents::incident_in(tx, number).await?;
        for row in sql("SELECT * FROM timeline_events WHERE incident_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
        {
            super::timeline::event_from_row(&row)?;
        }
        for row in sql("SELECT * FROM audit_log WHERE incident_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
        {
            super::audit::entry_from_row(&row)?;
        }
        for n in countermeasures {
            super::countermeasures::countermeasure_in(tx, *n).await?;
        }
        super::postmortems::current_in(tx, id).await?;
        super::reviews::review_in(tx, number).await?;
        Ok(())
    }

    /// Records the restore of incident `id` in the audit log, as a change
    /// to the deployment rather than to the incident (whose history stays
    /// as it was exported).
    pub async fn record_restored(
        &mut self,
        actor: &Actor,
        id: &str,
        label: &str,
        changes: &[FieldChange],
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        super::audit::record(
            &mut self.tx,
            actor,
            super::audit::Change {
                action: "restored",
                object_kind: "incident",
                object_id: id,
                object_label: label,
                changes,
                incident_id: None,
            },
            now,
        )
        .await
    }

    /// Commits the restore.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await
    }
}
