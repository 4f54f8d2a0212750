//! One incident as a portable archive, and back: every row that belongs to
//! it (the record and its services, the timeline, transcripts with every
//! line and problem, countermeasures and their links, the post-mortem and
//! its versions, the review, meeting notes, and its history), table by
//! table, column by column, as JSON. Restoring writes it all in one
//! transaction into another database; anything refused changes nothing.
//!
//! An archive is read into typed rows and checked before this module sees
//! it ([`crate::domain::archive::read`]); what is written is read back, as
//! the pages read it, before the transaction commits.
//!
//! Integer keys (transcripts, lines, notes, history rows) and the incident
//! and countermeasure numbers are kept when the target database has them
//! free, and renumbered (with every reference) when not. Account ids are
//! left out (history keeps the names, marked as restored): accounts are not
//! part of an incident. Attachment files are not included.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::statement::{self, Bind, Row};
use super::{Db, DbError, DbRow, Tx, sql};
use crate::domain::archive::{
    ARCHIVE_FORMAT, ARCHIVE_VERSION, Archive, Cell, Count, Key, Name, TABLES, Tables, restored_name,
};
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

/// What was restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub number: i64,
    /// The number the archive gave it, when that one was taken.
    pub renumbered_from: Option<i64>,
    pub rows: usize,
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

/// The key a row keeps when this database does not hold it yet, else a
/// new one ([`new_key`]).
async fn free_key(tx: &mut Tx, table: &str, id: Option<Key>) -> Result<Option<Key>, DbError> {
    match id {
        Some(key)
            if !exists(
                tx,
                &format!("SELECT 1 FROM {table} WHERE id = "),
                Cell::Int(Some(key.0)),
            )
            .await? =>
        {
            Ok(Some(key))
        }
        _ => new_key(tx, table).await,
    }
}

/// PostgreSQL: moves the identity sequences of the keyed tables past the
/// ids written explicitly, so rows added later without an id (the
/// restore's own audit entry, imports, notes) do not collide with them.
async fn catch_up_sequences(tx: &mut Tx) -> Result<(), DbError> {
    if !tx.is_postgres() {
        return Ok(());
    }
    for table in KEYED {
        sql(format!(
            "SELECT setval(s.seq, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), \
             COALESCE(pg_sequence_last_value(s.seq), 0), 1)) \
             FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) s"
        ))
        .bind(table)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Reads the restored incident back as the pages read it, inside the
/// restore's transaction: a row Debrief cannot read is refused here, before
/// anyone's page would fail on it.
async fn read_back(
    tx: &mut Tx,
    id: &str,
    number: IncidentNumber,
    countermeasures: &[i64],
) -> Result<(), DbError> {
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

    /// Writes an archive (read and checked by
    /// [`crate::domain::archive::read`]) into this database as a new
    /// incident, in one transaction. Refused, changing nothing, when the
    /// incident is already here or a row does not fit. Its history is kept
    /// as text, marked as restored and credited to no account here.
    pub async fn restore_incident(
        &self,
        archive: Archive,
        actor: &crate::domain::audit::Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Restored, DbError> {
        crate::domain::archive::check(&archive)
            .map_err(|e| DbError::Refused(Refusal::ArchiveInvalid(e)))?;
        let Tables {
            incidents,
            incident_services,
            timeline_events,
            transcripts,
            mut transcript_lines,
            transcript_problems,
            event_lines,
            countermeasures,
            countermeasure_incidents,
            postmortems,
            postmortem_versions,
            reviews,
            meeting_notes,
            audit_log,
        } = archive.tables;
        let Some(mut incident) = incidents.into_iter().next() else {
            return Err(DbError::Refused(Refusal::ArchiveEmpty));
        };
        let id = incident.id.0.clone();
        let mut tx = self.write().await?;
        if exists(
            &mut tx,
            "SELECT 1 FROM incidents WHERE id = ",
            Cell::Text(Some(&id)),
        )
        .await?
        {
            return Err(DbError::Refused(Refusal::AlreadyRestored));
        }
        let old_number = incident.number.0;
        let number = if !exists(
            &mut tx,
            "SELECT 1 FROM incidents WHERE number = ",
            Cell::Int(Some(old_number)),
        )
        .await?
        {
            old_number
        } else {
            sql("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents")
                .scalar(&mut tx)
                .await?
        };
        incident.number = Key(number);
        let mut written = 0;
        insert(&mut tx, "incidents", incident.cells(), false).await?;
        written += 1;
        for row in &incident_services {
            insert(&mut tx, "incident_services", row.cells(), false).await?;
            written += 1;
        }
        for row in &timeline_events {
            insert(&mut tx, "timeline_events", row.cells(), false).await?;
            written += 1;
        }
        // Integer keys: kept when free, else new, with every reference
        // following.
        let mut transcript_keys: HashMap<i64, i64> = HashMap::new();
        for mut row in transcripts {
            let old = row.id.map(|k| k.0);
            row.id = free_key(&mut tx, "transcripts", row.id).await?;
            let new = insert(&mut tx, "transcripts", row.cells(), true).await?;
            if let (Some(old), Some(new)) = (old, new) {
                transcript_keys.insert(old, new);
            }
            written += 1;
        }
        let remap =
            |keys: &HashMap<i64, i64>, key: Key| Key(keys.get(&key.0).copied().unwrap_or(key.0));
        let mut line_keys: HashMap<i64, i64> = HashMap::new();
        let mut pending_duplicates: Vec<(i64, i64)> = Vec::new();
        for row in &mut transcript_lines {
            let old = row.id.map(|k| k.0);
            row.id = free_key(&mut tx, "transcript_lines", row.id).await?;
            row.transcript_id = remap(&transcript_keys, row.transcript_id);
            row.incident_no = Count(number);
            // Duplicates point at earlier lines; set once all are in.
            let duplicate_of = row.duplicate_of.take();
            let new = insert(&mut tx, "transcript_lines", row.cells(), true).await?;
            if let (Some(old), Some(new)) = (old, new) {
                line_keys.insert(old, new);
                if let Some(of) = duplicate_of {
                    pending_duplicates.push((new, of.0));
                }
            }
            written += 1;
        }
        drop(transcript_lines);
        for (line, of) in pending_duplicates {
            sql("UPDATE transcript_lines SET duplicate_of = $1 WHERE id = $2")
                .bind(line_keys.get(&of).copied().unwrap_or(of))
                .bind(line)
                .execute(&mut tx)
                .await?;
        }
        for key in transcript_keys.values() {
            super::search::index_transcript_lines(&mut tx, *key).await?;
        }
        for mut row in transcript_problems {
            row.transcript_id = remap(&transcript_keys, row.transcript_id);
            insert(&mut tx, "transcript_problems", row.cells(), false).await?;
            written += 1;
        }
        for mut row in event_lines {
            row.line_id = remap(&line_keys, row.line_id);
            insert(&mut tx, "event_lines", row.cells(), false).await?;
            written += 1;
        }
        // A lesson this database already tracks is linked, not copied; its
        // history stays as this database has it.
        let mut linked_only: Vec<String> = Vec::new();
        let mut measure_numbers: Vec<i64> = Vec::new();
        for mut row in countermeasures {
            if let Some(n) = sql("SELECT number FROM countermeasures WHERE id = $1")
                .bind(row.id.as_str())
                .scalar_optional::<i64>(&mut tx)
                .await?
            {
                measure_numbers.push(n);
                linked_only.push(row.id.0);
                continue;
            }
            if exists(
                &mut tx,
                "SELECT 1 FROM countermeasures WHERE number = ",
                Cell::Int(Some(row.number.0)),
            )
            .await?
            {
                let next: i64 = sql("SELECT COALESCE(MAX(number), 0) + 1 FROM countermeasures")
                    .scalar(&mut tx)
                    .await?;
                row.number = Key(next);
            }
            row.source_line_id = row.source_line_id.map(|l| remap(&line_keys, l));
            // Merged into one this database does not hold: not merged here.
            if let Some(into) = &row.merged_into
                && !exists(
                    &mut tx,
                    "SELECT 1 FROM countermeasures WHERE id = ",
                    Cell::Text(Some(into.as_str())),
                )
                .await?
            {
                row.merged_into = None;
            }
            insert(&mut tx, "countermeasures", row.cells(), false).await?;
            measure_numbers.push(row.number.0);
            written += 1;
        }
        for row in &countermeasure_incidents {
            insert(&mut tx, "countermeasure_incidents", row.cells(), false).await?;
            written += 1;
        }
        for row in &postmortems {
            insert(&mut tx, "postmortems", row.cells(), false).await?;
            written += 1;
        }
        for row in &postmortem_versions {
            insert(&mut tx, "postmortem_versions", row.cells(), false).await?;
            written += 1;
        }
        for row in &reviews {
            insert(&mut tx, "reviews", row.cells(), false).await?;
            written += 1;
        }
        for mut row in meeting_notes {
            row.id = free_key(&mut tx, "meeting_notes", row.id).await?;
            insert(&mut tx, "meeting_notes", row.cells(), true).await?;
            written += 1;
        }
        // History keeps its words, credited to no account of this
        // deployment and marked as restored.
        for mut row in audit_log {
            if row.object_kind.as_str() == "countermeasure"
                && linked_only.contains(&row.object_id.0)
            {
                continue;
            }
            row.id = free_key(&mut tx, "audit_log", row.id).await?;
            row.actor_name = Name::new(restored_name(row.actor_name.as_str()));
            insert(&mut tx, "audit_log", row.cells(), true).await?;
            written += 1;
        }
        catch_up_sequences(&mut tx).await?;
        read_back(&mut tx, &id, IncidentNumber(number), &measure_numbers)
            .await
            .map_err(|e| match e {
                DbError::Sqlx(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_))
                | DbError::NotFound(_) => DbError::Refused(Refusal::RestoreUnreadable {
                    reason: e.to_string(),
                }),
                other => other,
            })?;
        // The restore itself is in the audit log, not in the incident's
        // history (which stays as it was exported).
        super::audit::record(
            &mut tx,
            actor,
            super::audit::Change {
                action: "restored",
                object_kind: "incident",
                object_id: &id,
                object_label: &format!("#{number} {}", incident.title.as_str()),
                changes: &[crate::domain::audit::FieldChange {
                    field: "rows".into(),
                    before: String::new(),
                    after: written.to_string(),
                }],
                incident_id: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Restored {
            number,
            renumbered_from: (number != old_number).then_some(old_number),
            rows: written,
        })
    }
}
