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

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, QueryBuilder, Row, Sqlite, Transaction};

use super::{Db, DbError};
use crate::domain::archive::{ARCHIVE_FORMAT, ARCHIVE_VERSION, TABLES};
use crate::domain::incident::IncidentNumber;

/// Which rows of `table` belong to the incident whose id is bound once.
fn filter_of(table: &str) -> &'static str {
    match table {
        "incidents" => "id = ?",
        "transcript_lines" | "transcript_problems" => {
            "transcript_id IN (SELECT id FROM transcripts WHERE incident_id = ?)"
        }
        "event_lines" => "event_id IN (SELECT id FROM timeline_events WHERE incident_id = ?)",
        "countermeasures" => {
            "id IN (SELECT countermeasure_id FROM countermeasure_incidents WHERE incident_id = ?)"
        }
        _ => "incident_id = ?",
    }
}

/// The order rows are written in, so an export is the same every time.
fn order_of(table: &str) -> &'static str {
    match table {
        "incident_services" => "position",
        "timeline_events" => "seq",
        "transcripts" | "transcript_lines" | "meeting_notes" | "audit_log" => "id",
        "transcript_problems" => "transcript_id, line_no, reason",
        "event_lines" => "event_id, line_id",
        "countermeasures" => "number",
        "countermeasure_incidents" => "countermeasure_id",
        "postmortem_versions" => "version",
        _ => "rowid",
    }
}

/// Columns an archive leaves out: references to accounts.
fn left_out(table: &str, column: &str) -> bool {
    table == "audit_log" && column == "actor_id"
}

fn row_to_json(table: &str, row: &SqliteRow) -> Result<Map<String, Value>, DbError> {
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name();
        if left_out(table, name) {
            continue;
        }
        let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map_or(Value::Null, Value::from)
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

async fn columns_of(
    tx: &mut Transaction<'static, Sqlite>,
    table: &str,
) -> Result<HashSet<String>, DbError> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect(),
    )
}

async fn exists(
    tx: &mut Transaction<'static, Sqlite>,
    sql: &str,
    value: &Value,
) -> Result<bool, DbError> {
    let mut q = QueryBuilder::<Sqlite>::new(sql);
    bind(&mut q, value);
    Ok(q.build().fetch_optional(&mut **tx).await?.is_some())
}

fn bind(q: &mut QueryBuilder<'_, Sqlite>, value: &Value) {
    match value {
        Value::Null => {
            q.push_bind(None::<i64>);
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

/// Inserts one row; returns its rowid.
async fn insert(
    tx: &mut Transaction<'static, Sqlite>,
    table: &str,
    row: &Map<String, Value>,
) -> Result<i64, DbError> {
    let mut q = QueryBuilder::<Sqlite>::new(format!("INSERT INTO {table} ("));
    let mut columns = q.separated(", ");
    for name in row.keys() {
        // Names were checked against the table's columns.
        columns.push(format!("\"{name}\""));
    }
    q.push(") VALUES (");
    for (i, value) in row.values().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        bind(&mut q, value);
    }
    q.push(") RETURNING rowid");
    q.build_query_scalar::<i64>()
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| match e {
            // A value the schema refuses (a severity it does not know, a
            // missing column, an id this database already holds): the
            // archive's fault, said as such.
            sqlx::Error::Database(d) if d.kind() != sqlx::error::ErrorKind::Other => refused(
                format!(
                    "The archive's {table} rows do not fit this database ({}). Nothing was restored.",
                    d.message()
                ),
            ),
            other => other.into(),
        })
}

impl Db {
    /// Incident `number` as an archive (see the module documentation).
    pub async fn export_incident(&self, number: IncidentNumber) -> Result<Value, DbError> {
        let mut tx = self.pool.begin().await?;
        let id: String = sqlx::query_scalar("SELECT id FROM incidents WHERE number = ?")
            .bind(number.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(DbError::NotFound)?;
        let mut tables = Map::new();
        for table in TABLES {
            let sql = format!(
                "SELECT * FROM {table} WHERE {} ORDER BY {}",
                filter_of(table),
                order_of(table)
            );
            let rows = sqlx::query(&sql).bind(&id).fetch_all(&mut *tx).await?;
            let rows = rows
                .iter()
                .map(|r| row_to_json(table, r).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
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
        for table in TABLES {
            let known = columns_of(&mut tx, table).await?;
            for row in rows(table) {
                if let Some(unknown) = row.keys().find(|k| !known.contains(*k)) {
                    return Err(refused(format!(
                        "The archive's {table} rows have a column \"{unknown}\" this Debrief does not know; it may come from a newer version. Nothing was restored."
                    )));
                }
            }
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
            sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents")
                .fetch_one(&mut *tx)
                .await?
        };
        incident.insert("number".into(), Value::from(number));
        let mut written = 0;
        insert(&mut tx, "incidents", &incident).await?;
        written += 1;
        for table in ["incident_services", "timeline_events"] {
            for row in rows(table) {
                insert(&mut tx, table, &row).await?;
                written += 1;
            }
        }
        // Integer keys: kept when free, else new, with every reference
        // following.
        let mut transcripts: HashMap<i64, i64> = HashMap::new();
        for mut row in rows("transcripts") {
            let old = row.get("id").and_then(Value::as_i64).unwrap_or_default();
            if exists(
                &mut tx,
                "SELECT 1 FROM transcripts WHERE id = ",
                &Value::from(old),
            )
            .await?
            {
                row.remove("id");
            }
            transcripts.insert(old, insert(&mut tx, "transcripts", &row).await?);
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
            if exists(
                &mut tx,
                "SELECT 1 FROM transcript_lines WHERE id = ",
                &Value::from(old),
            )
            .await?
            {
                row.remove("id");
            }
            let transcript = remap(&transcripts, row.get("transcript_id"));
            row.insert("transcript_id".into(), transcript);
            row.insert("incident_no".into(), Value::from(number));
            // Duplicates point at earlier lines; set once all are in.
            if let Some(of) = row.get("duplicate_of").and_then(Value::as_i64) {
                pending_duplicates.push((old, of));
                row.insert("duplicate_of".into(), Value::Null);
            }
            lines.insert(old, insert(&mut tx, "transcript_lines", &row).await?);
            written += 1;
        }
        for (line, of) in pending_duplicates {
            sqlx::query("UPDATE transcript_lines SET duplicate_of = ? WHERE id = ?")
                .bind(lines.get(&of).copied().unwrap_or(of))
                .bind(lines.get(&line).copied().unwrap_or(line))
                .execute(&mut *tx)
                .await?;
        }
        for key in transcripts.values() {
            super::search::index_transcript_lines(&mut tx, *key).await?;
        }
        for mut row in rows("transcript_problems") {
            let transcript = remap(&transcripts, row.get("transcript_id"));
            row.insert("transcript_id".into(), transcript);
            insert(&mut tx, "transcript_problems", &row).await?;
            written += 1;
        }
        for mut row in rows("event_lines") {
            let line = remap(&lines, row.get("line_id"));
            row.insert("line_id".into(), line);
            insert(&mut tx, "event_lines", &row).await?;
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
                let next: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM countermeasures")
                        .fetch_one(&mut *tx)
                        .await?;
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
            insert(&mut tx, "countermeasures", &row).await?;
            written += 1;
        }
        for table in [
            "countermeasure_incidents",
            "postmortems",
            "postmortem_versions",
            "reviews",
        ] {
            for row in rows(table) {
                insert(&mut tx, table, &row).await?;
                written += 1;
            }
        }
        for table in ["meeting_notes", "audit_log"] {
            for mut row in rows(table) {
                let old = row.get("id").cloned().unwrap_or(Value::Null);
                if exists(&mut tx, &format!("SELECT 1 FROM {table} WHERE id = "), &old).await? {
                    row.remove("id");
                }
                insert(&mut tx, table, &row).await?;
                written += 1;
            }
        }
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
