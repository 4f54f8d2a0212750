//! One incident as a portable archive, and back: every row that belongs to
//! it (the record and its services, the timeline, transcripts with every
//! line and problem, countermeasures and their links, the post-mortem and
//! its versions, the review, meeting notes, and its history), table by
//! table, column by column, as JSON. Restoring writes it all in one
//! transaction into another database; anything refused changes nothing.
//!
//! Integer keys (transcripts, lines, notes, history rows) and the incident
//! and countermeasure numbers are kept when the target database has them
//! free, and renumbered (with every reference) when not. Account ids are
//! left out (history keeps the names): accounts are not part of an
//! incident. Attachment files are not included.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sqlx::{Column, QueryBuilder};

use super::{Db, DbError, DbRow, On, Tx, on_tx};
use crate::domain::archive::{ARCHIVE_FORMAT, ARCHIVE_VERSION, TABLES};
use crate::domain::incident::IncidentNumber;

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
fn row_to_json<R>(table: &str, row: &R) -> Result<Map<String, Value>, DbError>
where
    R: DbRow + sqlx::Row,
{
    let mut out = Map::new();
    for column in sqlx::Row::columns(row) {
        let name = column.name();
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
            return Err(DbError::Refused {
                field: "archive",
                message: format!("{table}.{name} holds a value an archive cannot carry"),
            });
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

fn refused(message: impl Into<String>) -> DbError {
    DbError::Refused {
        field: "file",
        message: message.into(),
    }
}

/// What was restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub number: i64,
    /// The number the archive gave it, when that one was taken.
    pub renumbered_from: Option<i64>,
    pub rows: usize,
}

/// What a column holds, as far as binding a JSON value to it goes. SQLite
/// takes any value in any column ([`Kind::Any`]); PostgreSQL needs values
/// (and NULLs) of the column's type, and `true`/`false` for its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    Int,
    Real,
    Text,
    Bool,
}

/// The columns of each table, and their kinds.
type Schema = HashMap<&'static str, HashMap<String, Kind>>;

async fn columns_of(tx: &mut Tx, table: &str) -> Result<HashMap<String, Kind>, DbError> {
    Ok(match tx {
        On::Sqlite(t) => sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(&mut **t)
            .await?
            .into_iter()
            .map(|name| (name, Kind::Any))
            .collect(),
        On::Postgres(t) => sqlx::query_as::<_, (String, String)>(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut **t)
        .await?
        .into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "boolean" => Kind::Bool,
                "bigint" | "integer" | "smallint" => Kind::Int,
                "double precision" | "real" | "numeric" => Kind::Real,
                _ => Kind::Text,
            };
            (name, kind)
        })
        .collect(),
    })
}

async fn exists(tx: &mut Tx, sql: &str, value: &Value) -> Result<bool, DbError> {
    // `= NULL` matches nothing (and PostgreSQL would want its type).
    if value.is_null() {
        return Ok(false);
    }
    Ok(on_tx!(tx, |c| {
        let mut q = QueryBuilder::new(sql);
        bind(&mut q, value, Kind::Any);
        q.build()
            .fetch_optional(&mut *c)
            .await
            .map(|row| row.is_some())
    })?)
}

/// Binds a JSON value for a column of `kind`.
fn bind<'a, DB>(q: &mut QueryBuilder<'a, DB>, value: &Value, kind: Kind)
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    match value {
        Value::Null => match kind {
            Kind::Any | Kind::Int => {
                q.push_bind(None::<i64>);
            }
            Kind::Real => {
                q.push_bind(None::<f64>);
            }
            Kind::Text => {
                q.push_bind(None::<String>);
            }
            Kind::Bool => {
                q.push_bind(None::<bool>);
            }
        },
        // A PostgreSQL flag, written 0/1 in archives.
        Value::Bool(b) if kind == Kind::Bool => {
            q.push_bind(*b);
        }
        Value::Number(n) if kind == Kind::Bool && matches!(n.as_i64(), Some(0 | 1)) => {
            q.push_bind(n.as_i64() == Some(1));
        }
        Value::Bool(b) => {
            q.push_bind(i64::from(*b));
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => {
                q.push_bind(i);
            }
            None => {
                q.push_bind(n.as_f64().unwrap_or_default());
            }
        },
        Value::String(s) => {
            q.push_bind(s.clone());
        }
        other => {
            q.push_bind(other.to_string());
        }
    }
}

/// Inserts one row.
async fn insert(
    tx: &mut Tx,
    schema: &Schema,
    table: &str,
    row: &Map<String, Value>,
) -> Result<(), DbError> {
    write_row(tx, schema, table, row, false).await.map(drop)
}

/// Inserts one row of a [`KEYED`] table; returns its `id`.
async fn insert_keyed(
    tx: &mut Tx,
    schema: &Schema,
    table: &str,
    row: &Map<String, Value>,
) -> Result<i64, DbError> {
    write_row(tx, schema, table, row, true)
        .await?
        .ok_or(DbError::NotFound)
}

async fn write_row(
    tx: &mut Tx,
    schema: &Schema,
    table: &str,
    row: &Map<String, Value>,
    keyed: bool,
) -> Result<Option<i64>, DbError> {
    let kinds = schema.get(table);
    let kind_of = |name: &str| {
        kinds
            .and_then(|k| k.get(name))
            .copied()
            .unwrap_or(Kind::Any)
    };
    let result: Result<Option<i64>, sqlx::Error> = on_tx!(tx, |c| {
        let mut q = QueryBuilder::new(format!("INSERT INTO {table} ("));
        let mut columns = q.separated(", ");
        for name in row.keys() {
            // Names were checked against the table's columns.
            columns.push(format!("\"{name}\""));
        }
        q.push(") VALUES (");
        for (i, (name, value)) in row.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            bind(&mut q, value, kind_of(name));
        }
        if keyed {
            q.push(") RETURNING id");
            q.build_query_scalar::<i64>()
                .fetch_one(&mut *c)
                .await
                .map(Some)
        } else {
            q.push(")");
            q.build().execute(&mut *c).await.map(|_| None)
        }
    });
    result.map_err(|e| match e {
        // A value the schema refuses (a severity it does not know, a
        // missing column, an id this database already holds): the
        // archive's fault, said as such.
        sqlx::Error::Database(d) if d.kind() != sqlx::error::ErrorKind::Other => refused(format!(
            "The archive's {table} rows do not fit this database ({}). Nothing was restored.",
            d.message()
        )),
        other => other.into(),
    })
}

/// A row of a [`KEYED`] table whose id is taken gets a new one: on SQLite
/// the one the table gives (the largest plus one); on PostgreSQL the same,
/// chosen here (its identity sequence knows nothing of the ids written
/// explicitly, by imports and restores).
async fn new_key(tx: &mut Tx, table: &str, row: &mut Map<String, Value>) -> Result<(), DbError> {
    match tx {
        On::Sqlite(_) => {
            row.remove("id");
        }
        On::Postgres(t) => {
            let next: i64 =
                sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
                    .fetch_one(&mut **t)
                    .await?;
            row.insert("id".into(), Value::from(next));
        }
    }
    Ok(())
}

/// Whether a row of a [`KEYED`] table comes without an id (or a null one):
/// it gets a new one, as when its id is taken.
fn keyless(row: &Map<String, Value>) -> bool {
    row.get("id").is_none_or(Value::is_null)
}

/// PostgreSQL: moves the identity sequences of the [`KEYED`] tables past
/// the ids written explicitly, so rows added later without an id (the
/// restore's own audit entry, imports, notes) do not collide with them.
async fn catch_up_sequences(tx: &mut Tx) -> Result<(), DbError> {
    let On::Postgres(t) = tx else {
        return Ok(());
    };
    for table in KEYED {
        sqlx::query(&format!(
            "SELECT setval(s.seq, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), \
             COALESCE(pg_sequence_last_value(s.seq), 0), 1)) \
             FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) s"
        ))
        .bind(table)
        .execute(&mut **t)
        .await?;
    }
    Ok(())
}

impl Db {
    /// Incident `number` as an archive (see the module documentation).
    pub async fn export_incident(&self, number: IncidentNumber) -> Result<Value, DbError> {
        // One snapshot of every table.
        let mut tx = self.read().await?;
        let id: String = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT id FROM incidents WHERE number = $1"
        )
        .bind(number.0)
        .fetch_optional(&mut *c)
        .await)?
        .ok_or(DbError::NotFound)?;
        let mut tables = Map::new();
        for table in TABLES {
            let sql = format!(
                "SELECT * FROM {table} WHERE {} ORDER BY {}",
                filter_of(table),
                order_of(table)
            );
            let rows = on_tx!(&mut tx, |c| {
                let rows = sqlx::query(&sql).bind(&id).fetch_all(&mut *c).await?;
                rows.iter()
                    .map(|r| row_to_json(table, r).map(Value::Object))
                    .collect::<Result<Vec<_>, DbError>>()
            })?;
            tables.insert(table.to_string(), Value::Array(rows));
        }
        Ok(json!({
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "tables": tables,
        }))
    }

    /// Writes an archive into this database as a new incident, in one
    /// transaction. Refused, changing nothing, when it is not an archive,
    /// names a column this database does not have, or the incident is
    /// already here.
    pub async fn restore_incident(
        &self,
        archive: &Value,
        actor: &crate::domain::audit::Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Restored, DbError> {
        let tables = crate::domain::archive::check(archive).map_err(refused)?;
        let rows = |table: &str| -> Vec<Map<String, Value>> {
            tables
                .get(table)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|r| r.as_object().cloned()).collect())
                .unwrap_or_default()
        };
        let mut tx = self.write().await?;
        // Every column named must be one this database has.
        let mut schema = Schema::new();
        for table in TABLES {
            let known = columns_of(&mut tx, table).await?;
            for row in rows(table) {
                if let Some(unknown) = row.keys().find(|k| !known.contains_key(*k)) {
                    return Err(refused(format!(
                        "The archive's {table} rows have a column \"{unknown}\" this Debrief does not know; it may come from a newer version. Nothing was restored."
                    )));
                }
            }
            schema.insert(table, known);
        }
        let mut incident = rows("incidents").remove(0);
        let id = incident
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if exists(
            &mut tx,
            "SELECT 1 FROM incidents WHERE id = ",
            &Value::from(id.clone()),
        )
        .await?
        {
            return Err(refused(
                "This database already holds that incident (same id); nothing was restored. To copy it again, delete the existing one first.",
            ));
        }
        let old_number = incident.get("number").and_then(Value::as_i64).unwrap_or(0);
        let number = if old_number > 0
            && !exists(
                &mut tx,
                "SELECT 1 FROM incidents WHERE number = ",
                &Value::from(old_number),
            )
            .await?
        {
            old_number
        } else {
            on_tx!(&mut tx, |c| sqlx::query_scalar(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents"
            )
            .fetch_one(&mut *c)
            .await)?
        };
        incident.insert("number".into(), Value::from(number));
        let mut written = 0;
        insert(&mut tx, &schema, "incidents", &incident).await?;
        written += 1;
        for table in ["incident_services", "timeline_events"] {
            for row in rows(table) {
                insert(&mut tx, &schema, table, &row).await?;
                written += 1;
            }
        }
        // Integer keys: kept when free, else new, with every reference
        // following.
        let mut transcripts: HashMap<i64, i64> = HashMap::new();
        for mut row in rows("transcripts") {
            let old = row.get("id").and_then(Value::as_i64).unwrap_or_default();
            if keyless(&row)
                || exists(
                    &mut tx,
                    "SELECT 1 FROM transcripts WHERE id = ",
                    &Value::from(old),
                )
                .await?
            {
                new_key(&mut tx, "transcripts", &mut row).await?;
            }
            transcripts.insert(
                old,
                insert_keyed(&mut tx, &schema, "transcripts", &row).await?,
            );
            written += 1;
        }
        let remap = |map: &HashMap<i64, i64>, value: Option<&Value>| -> Value {
            value.and_then(Value::as_i64).map_or(Value::Null, |v| {
                Value::from(map.get(&v).copied().unwrap_or(v))
            })
        };
        let mut lines: HashMap<i64, i64> = HashMap::new();
        let mut pending_duplicates: Vec<(i64, i64)> = Vec::new();
        for mut row in rows("transcript_lines") {
            let old = row.get("id").and_then(Value::as_i64).unwrap_or_default();
            if keyless(&row)
                || exists(
                    &mut tx,
                    "SELECT 1 FROM transcript_lines WHERE id = ",
                    &Value::from(old),
                )
                .await?
            {
                new_key(&mut tx, "transcript_lines", &mut row).await?;
            }
            let transcript = remap(&transcripts, row.get("transcript_id"));
            row.insert("transcript_id".into(), transcript);
            row.insert("incident_no".into(), Value::from(number));
            // Duplicates point at earlier lines; set once all are in.
            if let Some(of) = row.get("duplicate_of").and_then(Value::as_i64) {
                pending_duplicates.push((old, of));
                row.insert("duplicate_of".into(), Value::Null);
            }
            lines.insert(
                old,
                insert_keyed(&mut tx, &schema, "transcript_lines", &row).await?,
            );
            written += 1;
        }
        for (line, of) in pending_duplicates {
            on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE transcript_lines SET duplicate_of = $1 WHERE id = $2"
            )
            .bind(lines.get(&of).copied().unwrap_or(of))
            .bind(lines.get(&line).copied().unwrap_or(line))
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        for key in transcripts.values() {
            super::search::index_transcript_lines(&mut tx, *key).await?;
        }
        for mut row in rows("transcript_problems") {
            let transcript = remap(&transcripts, row.get("transcript_id"));
            row.insert("transcript_id".into(), transcript);
            insert(&mut tx, &schema, "transcript_problems", &row).await?;
            written += 1;
        }
        for mut row in rows("event_lines") {
            let line = remap(&lines, row.get("line_id"));
            row.insert("line_id".into(), line);
            insert(&mut tx, &schema, "event_lines", &row).await?;
            written += 1;
        }
        for mut row in rows("countermeasures") {
            let cm_id = row.get("id").cloned().unwrap_or(Value::Null);
            // A lesson this database already tracks is linked, not copied.
            if exists(&mut tx, "SELECT 1 FROM countermeasures WHERE id = ", &cm_id).await? {
                continue;
            }
            let taken = match row.get("number") {
                Some(n) => {
                    exists(&mut tx, "SELECT 1 FROM countermeasures WHERE number = ", n).await?
                }
                None => true,
            };
            if taken {
                let next: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM countermeasures"
                )
                .fetch_one(&mut *c)
                .await)?;
                row.insert("number".into(), Value::from(next));
            }
            let line = row.get("source_line_id").cloned();
            row.insert("source_line_id".into(), remap(&lines, line.as_ref()));
            for (column, sql) in [
                ("merged_into", "SELECT 1 FROM countermeasures WHERE id = "),
                (
                    "source_event_id",
                    "SELECT 1 FROM timeline_events WHERE id = ",
                ),
            ] {
                let value = row.get(column).cloned().unwrap_or(Value::Null);
                if !value.is_null() && !exists(&mut tx, sql, &value).await? {
                    row.insert(column.into(), Value::Null);
                }
            }
            insert(&mut tx, &schema, "countermeasures", &row).await?;
            written += 1;
        }
        for table in [
            "countermeasure_incidents",
            "postmortems",
            "postmortem_versions",
            "reviews",
        ] {
            for row in rows(table) {
                insert(&mut tx, &schema, table, &row).await?;
                written += 1;
            }
        }
        for table in ["meeting_notes", "audit_log"] {
            for mut row in rows(table) {
                let old = row.get("id").cloned().unwrap_or(Value::Null);
                if keyless(&row)
                    || exists(&mut tx, &format!("SELECT 1 FROM {table} WHERE id = "), &old).await?
                {
                    new_key(&mut tx, table, &mut row).await?;
                }
                insert(&mut tx, &schema, table, &row).await?;
                written += 1;
            }
        }
        catch_up_sequences(&mut tx).await?;
        // The restore itself is in the audit log, not in the incident's
        // history (which stays as it was exported).
        super::audit::record(
            &mut tx,
            actor,
            super::audit::Change {
                action: "restored",
                object_kind: "incident",
                object_id: &id,
                object_label: &format!(
                    "#{number} {}",
                    incident
                        .get("title")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ),
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
