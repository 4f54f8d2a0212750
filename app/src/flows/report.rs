//! The outlier report, as one workflow: read what it needs (incrementally
//! while little changed), build it per filter, keep recent ones.
//!
//! 1. What the report reads (every incident, every countermeasure) is kept
//!    in memory as a [`ReportSnapshot`] of one `report` data version. One
//!    small query compares that version; while it stays the same, nothing
//!    is read again. Versions move with every change from any instance, so
//!    several instances sharing a database each see the others' changes.
//! 2. When it moved, the data is read again in one snapshot transaction
//!    ([`crate::db::ReportRead`]): only the incidents the change log names
//!    since the kept snapshot, when it still holds every one of those
//!    changes and they are few ([`INCREMENTAL_CHANGES`]); else, or the
//!    first time, every incident. The countermeasures are always read again.
//! 3. A filter selects incidents in memory
//!    ([`crate::domain::report::matches`]); the report over them is built
//!    ([`crate::domain::report::build`], with the countermeasures' figures as
//!    of today) once per filter, day and data version: the last few
//!    ([`CACHED_REPORTS`]) are kept.
//!
//! The page's server function (`api::report::get_report`), the exports
//! (`server::report_export`), the metrics (`server::metrics`) and
//! `debrief report` all read through here, sharing one [`ReportCache`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::db::{Db, DbError};
use crate::domain::report::{Report, ReportCountermeasure, ReportFilter, ReportIncident, matches};

/// Above this many logged changes since the kept snapshot, every incident
/// is read again (one pass is then cheaper than many lookups).
pub const INCREMENTAL_CHANGES: i64 = 5_000;

/// How many built reports (filters) the cache keeps. A whole report over
/// 100,000 incidents holds every value of every measurement (tens of MB):
/// a few recent filters are what a reader moves between.
pub const CACHED_REPORTS: usize = 4;

/// The report's data and recent reports, kept between requests. Clones
/// share it: the server makes one (see `server::router`) and hands it to
/// every request; `debrief report` makes its own.
#[derive(Clone, Default, Debug)]
pub struct ReportCache(Arc<tokio::sync::Mutex<Kept>>);

/// What a [`ReportCache`] holds: reports built from the current snapshot,
/// so that reading the same report again costs nothing until the data
/// changes.
#[derive(Default)]
struct Kept {
    snapshot: Option<Arc<ReportSnapshot>>,
    /// Newest last, keyed by filter and the day (overdue depends on it).
    reports: Vec<((ReportFilter, NaiveDate), Arc<Report>)>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("version", &self.snapshot.as_ref().map(|s| s.version))
            .field("reports", &self.reports.len())
            .finish()
    }
}

/// The report over the incidents `filter` selects, with their
/// countermeasures, and those incidents: what the page, the JSON export and
/// `debrief report` all show. Built once per filter, day and data version.
pub async fn report(
    db: &Db,
    cache: &ReportCache,
    filter: &ReportFilter,
) -> Result<(Arc<Report>, ReportSelection), DbError> {
    use crate::domain::report::{build, countermeasure_figures};
    let mut kept = cache.0.lock().await;
    let snapshot = current_snapshot(db, &mut kept).await?;
    let selection = select(snapshot.clone(), filter);
    let today = chrono::Utc::now().date_naive();
    let key = (filter.clone(), today);
    if let Some((_, report)) = kept.reports.iter().find(|(k, _)| *k == key) {
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
    if kept.reports.len() >= CACHED_REPORTS {
        kept.reports.remove(0);
    }
    kept.reports.push((key, report.clone()));
    Ok((report, selection))
}

/// The incidents `filter` selects, oldest first (the CSV export's rows).
pub async fn selection(
    db: &Db,
    cache: &ReportCache,
    filter: &ReportFilter,
) -> Result<ReportSelection, DbError> {
    Ok(select(snapshot(db, cache).await?, filter))
}

/// The incidents and countermeasures the report reads (the metrics' figures
/// are drawn from them): from memory when nothing changed since they were
/// last read, else read again.
pub async fn snapshot(db: &Db, cache: &ReportCache) -> Result<Arc<ReportSnapshot>, DbError> {
    let mut kept = cache.0.lock().await;
    current_snapshot(db, &mut kept).await
}

/// The kept snapshot while the data version stays the same (the common
/// case, which costs one query); else the data read again, in one
/// transaction, incrementally when that holds. Reports built from older
/// data are dropped.
async fn current_snapshot(db: &Db, kept: &mut Kept) -> Result<Arc<ReportSnapshot>, DbError> {
    let version = db.report_version().await?;
    if let Some(snapshot) = &kept.snapshot
        && snapshot.version == version
    {
        return Ok(snapshot.clone());
    }
    let mut read = db.begin_report_read().await?;
    // Read again inside the transaction: the snapshot is of this version.
    let version = read.version().await?;
    let (oldest, newest) = read.change_range().await?;
    let countermeasures = read.countermeasures().await?;
    // Re-read only the incidents changed since the kept snapshot, when
    // the log still holds every one of those changes and they are few.
    let since = kept.snapshot.as_ref().map(|s| s.changes_seen);
    let incremental = since.filter(|&seen| {
        newest - seen <= INCREMENTAL_CHANGES && (oldest <= seen + 1 || newest == seen)
    });
    // Reports built from the old data are dropped on another thread:
    // freeing a few hundred thousand values is no work for a request.
    let stale = std::mem::take(&mut kept.reports);
    let snapshot = match (incremental, kept.snapshot.take()) {
        (Some(seen), Some(mut old)) => {
            let changed = read.changed_since(seen).await?;
            let fresh = read.incidents(Some(&changed)).await?;
            // In place unless a request still holds the old snapshot.
            let next = Arc::make_mut(&mut old);
            next.replace(&changed, fresh);
            next.version = version;
            next.changes_seen = newest;
            next.countermeasures = countermeasures;
            old
        }
        (_, old) => {
            let incidents = read.incidents(None).await?;
            std::thread::spawn(move || drop(old));
            Arc::new(ReportSnapshot::new(
                version,
                newest,
                incidents,
                countermeasures,
            ))
        }
    };
    read.finish().await?;
    if !stale.is_empty() {
        std::thread::spawn(move || drop(stale));
    }
    kept.snapshot = Some(snapshot.clone());
    Ok(snapshot)
}

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
