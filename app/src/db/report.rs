//! What the outlier report reads: the `report` data version (bumped by
//! triggers, in the writing transaction, on every change to incidents,
//! their services or countermeasures), the change log (`report_changes`,
//! also filled by triggers) naming the incidents changed, and the
//! incidents (every one, or those changed) with the countermeasures, all
//! in one snapshot transaction ([`ReportRead`]). What is kept in memory,
//! and when to read what, is the report flow's (`flows::report`).

use std::collections::HashMap;

use sqlx::postgres::PgRow;
use sqlx::sqlite::LockedSqliteHandle;

use super::countermeasures::report_countermeasures;
use super::sqlite_bulk::{Rows, Value};
use super::{Db, DbError, On, Tx, from_epoch, sql, stored_value};
use crate::domain::incident::{Cynefin, Severity, Status};
use crate::domain::moments::{KeyMoment, KeyMoments, Moment};
use crate::domain::report::{Durations, ReportCountermeasure, ReportIncident};

const VERSION: &str = "SELECT version FROM data_versions WHERE name = 'report'";

impl Db {
    /// The `report` data version: it moves with every change the report
    /// reads. One small query.
    pub async fn report_version(&self) -> Result<i64, DbError> {
        Ok(sql(VERSION).scalar(self).await?)
    }

    /// Begins the one transaction the report's data is read in.
    pub async fn begin_report_read(&self) -> Result<ReportRead, DbError> {
        let tx: Tx = match &self.pool {
            On::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                // Read the file through memory mapping on this connection: a
                // full read visits every page of the incidents table, and
                // copying each through read() cost about a fifth of the time.
                sqlx::query("PRAGMA mmap_size = 1073741824")
                    .execute(&mut *conn)
                    .await?;
                On::Sqlite(sqlx::Transaction::begin(conn, None).await?)
            }
            // One snapshot (REPEATABLE READ): writers are serialized by an
            // advisory lock, so the change log's sequence follows commit
            // order and the incremental refresh holds as on SQLite.
            On::Postgres(_) => self.read().await?,
        };
        Ok(ReportRead { tx })
    }
}

/// One read of the report's data: a transaction, so that the version, the
/// change log, the incidents and the countermeasures read are of one moment.
pub struct ReportRead {
    tx: Tx,
}

impl ReportRead {
    /// The `report` data version, as of this read.
    pub async fn version(&mut self) -> Result<i64, DbError> {
        Ok(sql(VERSION).scalar(&mut self.tx).await?)
    }

    /// The oldest and newest entries of the change log (0 and 0 when empty).
    pub async fn change_range(&mut self) -> Result<(i64, i64), DbError> {
        Ok(
            sql("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM report_changes")
                .record(&mut self.tx)
                .await?,
        )
    }

    /// Every countermeasure (not merged) with its incidents.
    pub async fn countermeasures(&mut self) -> Result<Vec<ReportCountermeasure>, DbError> {
        report_countermeasures(&mut self.tx).await
    }

    /// The ids of the incidents the change log names after entry `seen`.
    pub async fn changed_since(&mut self, seen: i64) -> Result<Vec<String>, DbError> {
        Ok(
            sql("SELECT DISTINCT incident_id FROM report_changes WHERE seq > $1")
                .bind(seen)
                .scalars(&mut self.tx)
                .await?,
        )
    }

    /// Incidents in storage order: every one, or those whose ids `only`
    /// lists (as they are now; an id no longer found is left out).
    pub async fn incidents(
        &mut self,
        only: Option<&[String]>,
    ) -> Result<Vec<ReportIncident>, DbError> {
        read_incidents(&mut self.tx, only).await
    }

    /// Ends the read.
    pub async fn finish(self) -> Result<(), DbError> {
        self.tx.commit().await
    }
}

/// Incidents in storage order: every one, or those whose ids `only` lists.
async fn read_incidents(
    tx: &mut Tx,
    only: Option<&[String]>,
) -> Result<Vec<ReportIncident>, DbError> {
    match tx {
        On::Sqlite(tx) => {
            let ids = only
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(e.into())))?;
            let mut handle = tx.lock_handle().await?;
            read_incidents_sqlite(&mut handle, ids.as_deref())
        }
        On::Postgres(tx) => read_incidents_postgres(tx, only).await,
    }
}

/// The columns read for each incident, in the order [`incident_of`] reads
/// them: the key moments from column [`MOMENTS_AT`] on, two each.
fn incident_columns() -> String {
    let moment_columns: Vec<String> = KeyMoment::ALL
        .iter()
        .map(|m| format!("i.{0}_at, i.{0}_estimated", m.code()))
        .collect();
    format!(
        "SELECT i.id, i.number, i.title, i.severity, i.status, i.started_at, \
         i.cynefin_first, i.cynefin_hindsight, i.cynefin_first_note, i.cynefin_hindsight_note, {} \
         FROM incidents i",
        moment_columns.join(", ")
    )
}

const MOMENTS_AT: usize = 10;

/// One column of a result row, read by position.
trait IncidentRow {
    fn int(&self, i: usize) -> Result<i64, DbError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError>;
    fn text(&self, i: usize) -> Result<&str, DbError>;
    fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError>;
    /// A flag: 0/1 on SQLite, BOOLEAN on PostgreSQL.
    fn flag(&self, i: usize) -> Result<bool, DbError>;
}

impl IncidentRow for super::sqlite_bulk::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, DbError> {
        Ok(super::sqlite_bulk::Row::int(self, i))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        Ok(super::sqlite_bulk::Row::opt_int(self, i))
    }
    fn text(&self, i: usize) -> Result<&str, DbError> {
        super::sqlite_bulk::Row::text(self, i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError> {
        super::sqlite_bulk::Row::opt_text(self, i)
    }
    fn flag(&self, i: usize) -> Result<bool, DbError> {
        Ok(super::sqlite_bulk::Row::int(self, i) != 0)
    }
}

impl IncidentRow for PgRow {
    fn int(&self, i: usize) -> Result<i64, DbError> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn text(&self, i: usize) -> Result<&str, DbError> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn flag(&self, i: usize) -> Result<bool, DbError> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
}

/// One incident from a row of [`incident_columns`], with its services.
fn incident_of(row: &impl IncidentRow, services: Vec<String>) -> Result<ReportIncident, DbError> {
    let code = |i: usize, what: &str| -> Result<String, DbError> {
        let v = row.text(i)?.to_string();
        if v.is_empty() {
            Err(bad(what, &v))
        } else {
            Ok(v)
        }
    };
    let severity = code(3, "severity")?;
    let status = code(4, "status")?;
    let cynefin = |i: usize| -> Result<Option<Cynefin>, DbError> {
        row.opt_text(i)?
            .map(|c| Cynefin::parse(c).ok_or_else(|| bad("cynefin", c)))
            .transpose()
    };
    let mut moments = KeyMoments::default();
    for (k, moment) in KeyMoment::ALL.iter().enumerate() {
        let at = MOMENTS_AT + 2 * k;
        let value = match row.opt_int(at)? {
            Some(t) => Some(Moment {
                at: from_epoch(t),
                estimated: row.flag(at + 1)?,
            }),
            None => None,
        };
        moments.set(*moment, value);
    }
    Ok(ReportIncident {
        id: row.text(0)?.to_string(),
        number: row.int(1)?,
        title: row.text(2)?.into(),
        severity: Severity::parse(&severity).ok_or_else(|| bad("severity", &severity))?,
        status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
        services,
        started_at: from_epoch(row.int(5)?),
        durations: Durations::of(&moments),
        moments,
        first: cynefin(6)?,
        hindsight: cynefin(7)?,
        first_note: row.text(8)?.into(),
        hindsight_note: row.text(9)?.into(),
    })
}

/// Services by incident id, in the order given (from rows of
/// (incident id, position, service) in any order).
type Services = HashMap<String, Vec<(i64, String)>>;

fn services_of(services: &mut Services, id: &str) -> Vec<String> {
    let mut list = services.remove(id).unwrap_or_default();
    list.sort_unstable();
    list.into_iter().map(|(_, s)| s).collect()
}

/// SQLite: through its C interface ([`Rows`]); sqlx's per-row cost would
/// dominate here. `only` is a JSON array of ids.
fn read_incidents_sqlite(
    handle: &mut LockedSqliteHandle<'_>,
    only: Option<&str>,
) -> Result<Vec<ReportIncident>, DbError> {
    // Both tables are read in storage order and sorted here: an ORDER BY
    // would walk an index and jump around the table, or sort in a temporary
    // b-tree, at several times the cost.
    let (incident_filter, service_filter, params) = match only {
        Some(ids) => (
            " WHERE i.id IN (SELECT value FROM json_each($1))",
            " WHERE incident_id IN (SELECT value FROM json_each($1))",
            vec![Value::Text(ids)],
        ),
        None => ("", "", Vec::new()),
    };
    let sql = format!("{}{incident_filter}", incident_columns());
    let mut services: Services = HashMap::new();
    {
        let mut rows = Rows::query(
            handle,
            &format!(
                "SELECT incident_id, position, service FROM incident_services{service_filter}"
            ),
            &params,
        )?;
        while let Some(row) = rows.next()? {
            let service = (row.int(1), row.text(2)?.to_string());
            match services.get_mut(row.text(0)?) {
                Some(list) => list.push(service),
                None => {
                    services.insert(row.text(0)?.to_string(), vec![service]);
                }
            }
        }
    }
    // Incidents without services are rare: this is close to their count.
    let mut out = Vec::with_capacity(services.len());
    let mut rows = Rows::query(handle, &sql, &params)?;
    while let Some(row) = rows.next()? {
        let list = services_of(&mut services, row.text(0)?);
        out.push(incident_of(&row, list)?);
    }
    Ok(out)
}

/// PostgreSQL: the same rows through sqlx, in the transaction's snapshot.
async fn read_incidents_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    only: Option<&[String]>,
) -> Result<Vec<ReportIncident>, DbError> {
    let (incident_filter, service_filter) = match only {
        Some(_) => (" WHERE i.id = ANY($1)", " WHERE incident_id = ANY($1)"),
        None => ("", ""),
    };
    let sql = format!("{}{incident_filter}", incident_columns());
    let service_sql =
        format!("SELECT incident_id, position, service FROM incident_services{service_filter}");
    let mut query = sqlx::query(&service_sql);
    if let Some(ids) = only {
        query = query.bind(ids);
    }
    let mut services: Services = HashMap::new();
    for row in query.fetch_all(&mut **tx).await? {
        let id: String = sqlx::Row::try_get(&row, 0)?;
        let service = (sqlx::Row::try_get(&row, 1)?, sqlx::Row::try_get(&row, 2)?);
        services.entry(id).or_default().push(service);
    }
    let mut query = sqlx::query(&sql);
    if let Some(ids) = only {
        query = query.bind(ids);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let list = services_of(&mut services, IncidentRow::text(row, 0)?);
        out.push(incident_of(row, list)?);
    }
    Ok(out)
}

fn bad(column: &str, value: &str) -> DbError {
    stored_value("incidents", column, value)
}
