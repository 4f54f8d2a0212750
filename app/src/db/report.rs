//! What the outlier report reads, and the report itself, kept in memory
//! while the data stays the same: every change to incidents, their services
//! or countermeasures bumps the `report` data version (triggers, in the
//! writing transaction), and one small query compares it. When it moved,
//! the change log (`report_changes`, also filled by triggers) names the
//! incidents to read again; only after many changes, or the first time, is
//! every incident read. Either way in one transaction, with the
//! countermeasures. Filters apply in memory
//! ([`crate::domain::report::matches`]).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::postgres::PgRow;
use sqlx::sqlite::LockedSqliteHandle;

use super::countermeasures::report_countermeasures;
use super::sqlite_bulk::{Rows, Value};
use super::{Db, DbError, On, Tx, from_epoch, sql, stored_value};
use crate::domain::incident::{Cynefin, Severity, Status};
use crate::domain::moments::{KeyMoment, KeyMoments, Moment};
use crate::domain::report::{
    Durations, Report, ReportCountermeasure, ReportFilter, ReportIncident, matches,
};

/// What the report reads, as of one data version: every incident, oldest
/// first, and every countermeasure (not merged) with its incidents. Kept
/// in memory while the version stays the same.
#[derive(Debug, Clone)]
pub struct ReportSnapshot {
    /// The `report` row of `data_versions` when it was read.
    pub version: i64,
    /// The last `report_changes` entry it includes.
    pub changes_seen: i64,
    /// Oldest first (by start, then number). Shared when a snapshot is
    /// copied: a refresh replaces only what changed.
    pub incidents: Vec<Arc<ReportIncident>>,
    pub countermeasures: Vec<ReportCountermeasure>,
    /// Each incident's sort key by id, to find it again.
    keys: HashMap<String, SortKey>,
}

type SortKey = (chrono::DateTime<chrono::Utc>, i64);

fn sort_key(incident: &ReportIncident) -> SortKey {
    (incident.started_at, incident.number)
}

impl ReportSnapshot {
    fn new(
        version: i64,
        changes_seen: i64,
        incidents: Vec<ReportIncident>,
        countermeasures: Vec<ReportCountermeasure>,
    ) -> ReportSnapshot {
        let mut incidents: Vec<Arc<ReportIncident>> = incidents.into_iter().map(Arc::new).collect();
        incidents.sort_unstable_by_key(|i| sort_key(i));
        let keys = incidents
            .iter()
            .map(|i| (i.id.clone(), sort_key(i)))
            .collect();
        ReportSnapshot {
            version,
            changes_seen,
            incidents,
            countermeasures,
            keys,
        }
    }

    /// Takes out the incidents whose ids `changed` names and puts in `fresh`
    /// (those of them that still exist, as they are now), keeping the order.
    fn replace(&mut self, changed: &[String], fresh: Vec<ReportIncident>) {
        for id in changed {
            let Some(key) = self.keys.remove(id) else {
                continue;
            };
            let found = self
                .incidents
                .binary_search_by_key(&key, |i| sort_key(i))
                .ok()
                .or_else(|| self.incidents.iter().position(|i| i.id == *id));
            if let Some(at) = found {
                self.incidents.remove(at);
            }
        }
        for incident in fresh {
            let key = sort_key(&incident);
            let at = self
                .incidents
                .binary_search_by_key(&key, |i| sort_key(i))
                .unwrap_or_else(|at| at);
            self.keys.insert(incident.id.clone(), key);
            self.incidents.insert(at, Arc::new(incident));
        }
    }
}

/// The incidents a filter selects from a snapshot, oldest first.
#[derive(Debug, Clone)]
pub struct ReportSelection {
    snapshot: Arc<ReportSnapshot>,
    picked: Vec<usize>,
}

impl ReportSelection {
    /// How many incidents the filter selected.
    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.picked.is_empty()
    }

    /// The selected incidents in `range` (of `0..len()`), oldest first.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Vec<&ReportIncident> {
        self.picked[range]
            .iter()
            .map(|&i| self.snapshot.incidents[i].as_ref())
            .collect()
    }

    pub fn incidents(&self) -> Vec<&ReportIncident> {
        self.picked
            .iter()
            .map(|&i| self.snapshot.incidents[i].as_ref())
            .collect()
    }
}

/// Reports built from the current snapshot, so that reading the same
/// report again costs nothing until the data changes.
#[derive(Default)]
pub(super) struct ReportCache {
    snapshot: Option<Arc<ReportSnapshot>>,
    /// Newest last, keyed by filter and the day (overdue depends on it).
    reports: Vec<((ReportFilter, NaiveDate), Arc<Report>)>,
}

impl std::fmt::Debug for ReportCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportCache")
            .field("version", &self.snapshot.as_ref().map(|s| s.version))
            .field("reports", &self.reports.len())
            .finish()
    }
}

/// Above this many logged changes since the kept snapshot, every incident
/// is read again (one pass is then cheaper than many lookups).
const INCREMENTAL_CHANGES: i64 = 5_000;

/// How many built reports (filters) the cache keeps. A whole report over
/// 100,000 incidents holds every value of every measurement (tens of MB):
/// a few recent filters are what a reader moves between.
const CACHED_REPORTS: usize = 4;

impl Db {
    /// The incidents and countermeasures the report reads: from memory when
    /// nothing changed since they were last read (one small query says so),
    /// else read again in one transaction.
    pub async fn report_snapshot(&self) -> Result<Arc<ReportSnapshot>, DbError> {
        let mut cache = self.report_cache.lock().await;
        self.current_snapshot(&mut cache).await
    }

    async fn current_snapshot(
        &self,
        cache: &mut ReportCache,
    ) -> Result<Arc<ReportSnapshot>, DbError> {
        const VERSION: &str = "SELECT version FROM data_versions WHERE name = 'report'";
        // The common case, nothing changed, costs this one query.
        let version: i64 = sql(VERSION).scalar(self).await?;
        if let Some(snapshot) = &cache.snapshot
            && snapshot.version == version
        {
            return Ok(snapshot.clone());
        }
        let mut tx: Tx = match &self.pool {
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
        // Read again inside the transaction: the snapshot is of this version.
        let version: i64 = sql(VERSION).scalar(&mut tx).await?;
        let (oldest, newest): (i64, i64) =
            sql("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM report_changes")
                .record(&mut tx)
                .await?;
        let countermeasures = report_countermeasures(&mut tx).await?;
        // Re-read only the incidents changed since the kept snapshot, when
        // the log still holds every one of those changes and they are few.
        let since = cache.snapshot.as_ref().map(|s| s.changes_seen);
        let incremental = since.filter(|&seen| {
            newest - seen <= INCREMENTAL_CHANGES && (oldest <= seen + 1 || newest == seen)
        });
        // Reports built from the old data are dropped on another thread:
        // freeing a few hundred thousand values is no work for a request.
        let stale = std::mem::take(&mut cache.reports);
        let snapshot = match (incremental, cache.snapshot.take()) {
            (Some(seen), Some(mut kept)) => {
                let changed: Vec<String> =
                    sql("SELECT DISTINCT incident_id FROM report_changes WHERE seq > $1")
                        .bind(seen)
                        .scalars(&mut tx)
                        .await?;
                let fresh = read_incidents(&mut tx, Some(&changed)).await?;
                // In place unless a request still holds the old snapshot.
                let next = Arc::make_mut(&mut kept);
                next.replace(&changed, fresh);
                next.version = version;
                next.changes_seen = newest;
                next.countermeasures = countermeasures;
                kept
            }
            (_, old) => {
                let incidents = read_incidents(&mut tx, None).await?;
                std::thread::spawn(move || drop(old));
                Arc::new(ReportSnapshot::new(
                    version,
                    newest,
                    incidents,
                    countermeasures,
                ))
            }
        };
        tx.commit().await?;
        if !stale.is_empty() {
            std::thread::spawn(move || drop(stale));
        }
        cache.snapshot = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The incidents `filter` selects, oldest first.
    pub async fn report_selection(
        &self,
        filter: &ReportFilter,
    ) -> Result<ReportSelection, DbError> {
        Ok(select(self.report_snapshot().await?, filter))
    }

    /// The report over the incidents `filter` selects, with their
    /// countermeasures, and those incidents: what the page, the exports and
    /// `debrief report` all show. Built once per filter and data version.
    pub async fn report(
        &self,
        filter: &ReportFilter,
    ) -> Result<(Arc<Report>, ReportSelection), DbError> {
        use crate::domain::report::{build, countermeasure_figures};
        let mut cache = self.report_cache.lock().await;
        let snapshot = self.current_snapshot(&mut cache).await?;
        let selection = select(snapshot.clone(), filter);
        let today = chrono::Utc::now().date_naive();
        let key = (filter.clone(), today);
        if let Some((_, report)) = cache.reports.iter().find(|(k, _)| *k == key) {
            return Ok((report.clone(), selection));
        }
        let incidents = selection.incidents();
        let mut report = build(filter, &incidents);
        report.countermeasures = Some(countermeasure_figures(
            &incidents,
            &snapshot.countermeasures,
            today,
        ));
        let report = Arc::new(report);
        if cache.reports.len() >= CACHED_REPORTS {
            cache.reports.remove(0);
        }
        cache.reports.push((key, report.clone()));
        Ok((report, selection))
    }
}

fn select(snapshot: Arc<ReportSnapshot>, filter: &ReportFilter) -> ReportSelection {
    let picked = snapshot
        .incidents
        .iter()
        .enumerate()
        .filter(|(_, i)| matches(filter, i))
        .map(|(n, _)| n)
        .collect();
    ReportSelection { snapshot, picked }
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
