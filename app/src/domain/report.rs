//! The outlier report: across the incidents a filter selects, how long each
//! phase took, which incidents stand out, how the medians move month by
//! month, and how the first reading of each situation (Cynefin) compared
//! with hindsight. Plain Rust: the page, the exports and `debrief report`
//! all print what [`build`] returns.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::countermeasure::{CmStatus, Kind, is_overdue};
use super::incident::{Cynefin, Severity, Status};
use super::moments::{KeyMoment, KeyMoments};
use super::phases::{Phase, PhaseBreakdown};
use super::statistics::{self, Interval, Summary};

/// Which incidents a report covers. Every field narrows; none set is all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportFilter {
    /// First day included (by the incident's start), UTC.
    pub from: Option<NaiveDate>,
    /// Last day included, UTC.
    pub to: Option<NaiveDate>,
    pub severity: Option<Severity>,
    pub status: Option<Status>,
    pub service: Option<String>,
    /// Incidents read as this domain at first or in hindsight.
    pub cynefin: Option<Cynefin>,
}

impl ReportFilter {
    /// Reads the filter from query parameters; unknown values are ignored
    /// (a link from an older version still opens a report).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let date = |k: &str| text(k).and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok());
        ReportFilter {
            from: date("from"),
            to: date("to"),
            severity: text("severity").and_then(|v| Severity::parse(&v)),
            status: text("status").and_then(|v| Status::parse(&v)),
            service: text("service"),
            cynefin: text("cynefin").and_then(|v| Cynefin::parse(&v)),
        }
    }

    /// The filter as query parameters (for links and exports).
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(d) = self.from {
            params.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            params.push(("to", d.to_string()));
        }
        if let Some(s) = self.severity {
            params.push(("severity", s.code().to_string()));
        }
        if let Some(s) = self.status {
            params.push(("status", s.code().to_string()));
        }
        if let Some(s) = &self.service {
            params.push(("service", s.clone()));
        }
        if let Some(c) = self.cynefin {
            params.push(("cynefin", c.code().to_string()));
        }
        params
    }
}

/// An incident's title as the report holds it: shared, so that the many
/// places one incident appears (a value per measurement, a gap, a changed
/// reading) do not each copy it.
pub type Title = std::sync::Arc<str>;

/// What the report needs of one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportIncident {
    /// The stored id (a UUID), by which a kept copy is replaced.
    pub id: String,
    pub number: i64,
    pub title: Title,
    pub severity: Severity,
    pub status: Status,
    pub services: Vec<String>,
    /// The earliest key moment, else when it was recorded.
    pub started_at: DateTime<Utc>,
    pub moments: KeyMoments,
    pub first: Option<Cynefin>,
    pub hindsight: Option<Cynefin>,
    pub first_note: Title,
    pub hindsight_note: Title,
    /// Every metric's seconds, worked out from `moments` once when the
    /// incident is read ([`Durations::of`]), not again in every build.
    pub durations: Durations,
}

/// An incident's seconds for each metric of [`Metric::ALL`], in that order
/// (`None` where a bounding moment is missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durations(pub [Option<i64>; 6]);

impl Durations {
    /// A metric is known when both its bounding moments are: the same
    /// figure [`Metric::seconds`] reads off a [`PhaseBreakdown`], without
    /// building one (this runs for every incident a server reads).
    pub fn of(moments: &KeyMoments) -> Self {
        Durations(Metric::ALL.map(|m| {
            let (from, to) = m.bounds();
            Some((moments.at(to)? - moments.at(from)?).num_seconds())
        }))
    }

    pub fn get(&self, metric: Metric) -> Option<i64> {
        self.0[metric.index()]
    }
}

/// A duration the report measures: one phase, or the whole impact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Phase(Phase),
    Impact,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::Phase(Phase::Detect),
        Metric::Phase(Phase::Notify),
        Metric::Phase(Phase::Respond),
        Metric::Phase(Phase::Troubleshoot),
        Metric::Phase(Phase::Repair),
        Metric::Impact,
    ];

    /// Its place in [`Metric::ALL`].
    pub fn index(self) -> usize {
        match self {
            Metric::Phase(p) => p as usize,
            Metric::Impact => Metric::ALL.len() - 1,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Metric::Phase(p) => p.code(),
            Metric::Impact => "impact",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Phase(p) => p.metric_label(),
            Metric::Impact => "Impact duration",
        }
    }

    /// The moments the metric runs between.
    pub fn bounds(self) -> (KeyMoment, KeyMoment) {
        match self {
            Metric::Phase(p) => (p.from(), p.to()),
            Metric::Impact => (KeyMoment::ImpactStarted, KeyMoment::Repaired),
        }
    }

    /// Seconds, when both bounding moments are known.
    pub fn seconds(self, breakdown: &PhaseBreakdown) -> Option<i64> {
        match self {
            Metric::Phase(p) => breakdown.phase_seconds(p),
            Metric::Impact => breakdown.impact_seconds,
        }
    }
}

/// An incident's value for one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub number: i64,
    pub title: Title,
    pub seconds: i64,
    /// Its modified z-score on the log scale (`None` below the minimum count).
    pub score: Option<f64>,
    pub outlier: bool,
}

/// An incident lacking a moment a metric needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataGap {
    pub number: i64,
    pub title: Title,
    /// Labels of the missing moments ("Detected").
    pub missing: Vec<String>,
}

/// One month's median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthPoint {
    /// "2026-03".
    pub month: String,
    pub count: usize,
    pub median: Option<f64>,
}

/// One half of the selected time span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub label: String,
    pub count: usize,
    pub median: Option<f64>,
    pub interval: Option<Interval>,
}

/// The earlier half of the span against the later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub earlier: Period,
    pub later: Period,
    /// Either half has fewer than [`statistics::MIN_FOR_STATISTICS`] values.
    pub small_sample: bool,
}

/// Everything the report shows for one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricReport {
    pub metric: Metric,
    /// Incidents with this measurement.
    pub count: usize,
    pub summary: Option<Summary>,
    /// Every known value, shortest first ([`Report::for_page`] keeps only
    /// the longest outliers, or the raw values below the minimum count).
    pub values: Vec<MetricValue>,
    pub outlier_count: usize,
    /// Incidents lacking a moment this measurement needs.
    pub gap_count: usize,
    pub gaps: Vec<DataGap>,
    pub trend: Vec<MonthPoint>,
    pub comparison: Option<Comparison>,
    /// Sum of the known values, in seconds.
    pub total_seconds: i64,
}

impl MetricReport {
    pub fn count(&self) -> usize {
        self.count
    }

    /// The outliers, longest first.
    pub fn outliers(&self) -> Vec<&MetricValue> {
        let mut out: Vec<&MetricValue> = self.values.iter().filter(|v| v.outlier).collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.seconds));
        out
    }

    /// How many times the median `seconds` is (`None` when the median is 0).
    pub fn times_median(&self, seconds: i64) -> Option<f64> {
        let median = self.summary.as_ref()?.median;
        (median > 0.0).then(|| seconds as f64 / median)
    }
}

/// A quarter's agreement between first reading and hindsight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarterAgreement {
    /// "2026 Q1".
    pub quarter: String,
    pub agreed: usize,
    pub count: usize,
    pub interval: Option<Interval>,
}

/// How often one reading turned out to be another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub first: Cynefin,
    pub hindsight: Cynefin,
    pub count: usize,
    /// Median time to troubleshoot and impact duration of these incidents,
    /// seconds: what the changed reading cost ("read as Complicated, it was
    /// Complex": a long diagnosis before any repair).
    pub troubleshoot_median: Option<f64>,
    pub impact_median: Option<f64>,
}

/// Phase medians of the incidents read as one domain in hindsight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainPhases {
    pub domain: Cynefin,
    pub count: usize,
    /// Per metric of [`Metric::ALL`], the median seconds.
    pub medians: Vec<Option<f64>>,
}

/// An incident whose two readings differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Differing {
    pub number: i64,
    pub title: Title,
    pub first: Cynefin,
    pub hindsight: Cynefin,
    pub first_note: Title,
    pub hindsight_note: Title,
}

/// First reading against hindsight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CynefinReport {
    /// `matrix[first][hindsight]`, in the order of [`Cynefin::ALL`].
    pub matrix: Vec<Vec<usize>>,
    /// Incidents with both readings.
    pub paired: usize,
    /// Incidents missing one reading or both.
    pub unpaired: usize,
    pub quarters: Vec<QuarterAgreement>,
    /// Off-diagonal cells, most frequent first.
    pub mismatches: Vec<Mismatch>,
    /// The same medians over the incidents whose reading held, to compare.
    pub held_troubleshoot_median: Option<f64>,
    pub held_impact_median: Option<f64>,
    pub by_hindsight: Vec<DomainPhases>,
    /// Incidents whose readings differ.
    pub differing_count: usize,
    pub differing: Vec<Differing>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub filter: ReportFilter,
    pub incident_count: usize,
    pub metrics: Vec<MetricReport>,
    pub cynefin: CynefinReport,
    /// The countermeasures linked to these incidents (filled by the
    /// database layer, which knows them).
    #[serde(default)]
    pub countermeasures: Option<CountermeasureFigures>,
}

/// What the report needs of one countermeasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCountermeasure {
    pub kind: Kind,
    pub status: CmStatus,
    pub due: Option<NaiveDate>,
    /// Numbers of the incidents it is linked to.
    pub incidents: Vec<i64>,
}

/// How the lessons of the selected incidents are being carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountermeasureFigures {
    /// Countermeasures linked to at least one selected incident.
    pub linked: usize,
    /// Per status, in the board's order.
    pub by_status: Vec<(CmStatus, usize)>,
    /// Done over all but "won't do" (`None` when there are none).
    pub completion: Option<f64>,
    pub overdue: usize,
    /// Per hindsight domain of the incidents, how many countermeasures of
    /// each kind (a countermeasure counts once per domain).
    pub kinds_by_domain: Vec<(Cynefin, Vec<(Kind, usize)>)>,
}

/// The countermeasure figures over `incidents` (already filtered).
pub fn countermeasure_figures<I: Borrow<ReportIncident>>(
    incidents: &[I],
    countermeasures: &[ReportCountermeasure],
    today: NaiveDate,
) -> CountermeasureFigures {
    // Countermeasures are few and incidents many: look up only the linked
    // ones rather than mapping every incident.
    let linked_numbers: std::collections::HashSet<i64> = countermeasures
        .iter()
        .flat_map(|c| c.incidents.iter().copied())
        .collect();
    let hindsight: std::collections::HashMap<i64, Option<Cynefin>> = incidents
        .iter()
        .map(Borrow::borrow)
        .filter(|i| linked_numbers.contains(&i.number))
        .map(|i| (i.number, i.hindsight))
        .collect();
    let linked: Vec<&ReportCountermeasure> = countermeasures
        .iter()
        .filter(|c| c.incidents.iter().any(|n| hindsight.contains_key(n)))
        .collect();
    let count = |s: CmStatus| linked.iter().filter(|c| c.status == s).count();
    let done = count(CmStatus::Done);
    let counted = linked.len() - count(CmStatus::WontDo);
    let mut kinds_by_domain = Vec::new();
    for &domain in Cynefin::ALL {
        let in_domain: Vec<&&ReportCountermeasure> = linked
            .iter()
            .filter(|c| {
                c.incidents
                    .iter()
                    .any(|n| hindsight.get(n).copied().flatten() == Some(domain))
            })
            .collect();
        if in_domain.is_empty() {
            continue;
        }
        let kinds = Kind::ALL
            .iter()
            .map(|&k| (k, in_domain.iter().filter(|c| c.kind == k).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        kinds_by_domain.push((domain, kinds));
    }
    CountermeasureFigures {
        linked: linked.len(),
        by_status: CmStatus::ALL.iter().map(|&s| (s, count(s))).collect(),
        completion: (counted > 0).then(|| done as f64 / counted as f64),
        overdue: linked
            .iter()
            .filter(|c| is_overdue(c.status, c.due, today))
            .count(),
        kinds_by_domain,
    }
}

/// The page lists at most this many outliers, data gaps and changed
/// readings per section; the counts stay whole and the exports hold every
/// incident.
pub const PAGE_LIST_LIMIT: usize = 50;

impl Report {
    /// The report as the page shows it: every figure, with the lists cut to
    /// `limit` entries (the longest outliers, the latest gaps and changed
    /// readings), so that a page over 100,000 incidents stays small. Copies
    /// only what it keeps: the whole report may be shared (cached).
    pub fn for_page(&self, limit: usize) -> Report {
        let metrics = self
            .metrics
            .iter()
            .map(|m| {
                let values = if m.count >= statistics::MIN_FOR_STATISTICS {
                    let mut outliers: Vec<&MetricValue> =
                        m.values.iter().filter(|v| v.outlier).collect();
                    outliers.sort_by_key(|v| std::cmp::Reverse(v.seconds));
                    outliers.truncate(limit);
                    outliers.into_iter().rev().cloned().collect()
                } else {
                    m.values.clone()
                };
                MetricReport {
                    metric: m.metric,
                    count: m.count,
                    summary: m.summary.clone(),
                    values,
                    outlier_count: m.outlier_count,
                    gap_count: m.gap_count,
                    gaps: m.gaps.iter().rev().take(limit).cloned().collect(),
                    trend: m.trend.clone(),
                    comparison: m.comparison.clone(),
                    total_seconds: m.total_seconds,
                }
            })
            .collect();
        let c = &self.cynefin;
        Report {
            filter: self.filter.clone(),
            incident_count: self.incident_count,
            metrics,
            cynefin: CynefinReport {
                matrix: c.matrix.clone(),
                paired: c.paired,
                unpaired: c.unpaired,
                quarters: c.quarters.clone(),
                mismatches: c.mismatches.clone(),
                held_troubleshoot_median: c.held_troubleshoot_median,
                held_impact_median: c.held_impact_median,
                by_hindsight: c.by_hindsight.clone(),
                differing_count: c.differing_count,
                differing: c.differing.iter().rev().take(limit).cloned().collect(),
            },
            countermeasures: self.countermeasures.clone(),
        }
    }

    pub fn metric(&self, metric: Metric) -> Option<&MetricReport> {
        self.metrics.iter().find(|m| m.metric == metric)
    }

    /// Each phase's share of the time the phases took, largest first ("where
    /// the time went"): the sum of its known durations over the sum of all.
    pub fn where_time_went(&self) -> Vec<(Metric, i64, f64)> {
        let phases: Vec<&MetricReport> = self
            .metrics
            .iter()
            .filter(|m| matches!(m.metric, Metric::Phase(_)))
            .collect();
        let total: i64 = phases.iter().map(|m| m.total_seconds).sum();
        let mut shares: Vec<(Metric, i64, f64)> = phases
            .iter()
            .map(|m| {
                let share = if total > 0 {
                    m.total_seconds as f64 / total as f64
                } else {
                    0.0
                };
                (m.metric, m.total_seconds, share)
            })
            .collect();
        shares.sort_by_key(|s| std::cmp::Reverse(s.1));
        shares
    }
}

/// Whether `incident` passes `filter` (the database applies the same rules;
/// this is the reference the tests compare it with).
pub fn matches(filter: &ReportFilter, incident: &ReportIncident) -> bool {
    let day = incident.started_at.date_naive();
    filter.from.is_none_or(|from| day >= from)
        && filter.to.is_none_or(|to| day <= to)
        && filter.severity.is_none_or(|s| s == incident.severity)
        && filter.status.is_none_or(|s| s == incident.status)
        && filter
            .service
            .as_ref()
            .is_none_or(|s| incident.services.contains(s))
        && filter
            .cynefin
            .is_none_or(|c| incident.first == Some(c) || incident.hindsight == Some(c))
}

/// Builds the report over `incidents` (already filtered; owned, or
/// borrowed from a larger set).
pub fn build<I: Borrow<ReportIncident>>(filter: &ReportFilter, incidents: &[I]) -> Report {
    let incidents: Vec<&ReportIncident> = incidents.iter().map(Borrow::borrow).collect();
    let incidents = incidents.as_slice();
    // Each incident's day, once: every measurement groups by it.
    let days: Vec<NaiveDate> = incidents
        .iter()
        .map(|i| i.started_at.date_naive())
        .collect();
    let (span_start, span_end) = span(filter, &days);
    let months = Months::of(&days);
    let metric = |&m: &Metric| metric_report(m, incidents, &days, &months, span_start, span_end);
    // The measurements are independent: above a few thousand incidents,
    // half of them are worked out on a second thread (the server's answer
    // to "the first report after a change" is bounded by this).
    let (first, second) = Metric::ALL.split_at(Metric::ALL.len() / 2);
    let (mut metrics, rest, cynefin) =
        if incidents.len() >= PARALLEL_FROM && cfg!(not(target_arch = "wasm32")) {
            std::thread::scope(|scope| {
                let other = scope.spawn(|| second.iter().map(metric).collect::<Vec<_>>());
                let metrics: Vec<MetricReport> = first.iter().map(metric).collect();
                let cynefin = cynefin_report(incidents, &days);
                let rest = other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (metrics, rest, cynefin)
            })
        } else {
            (
                first.iter().map(metric).collect(),
                second.iter().map(metric).collect(),
                cynefin_report(incidents, &days),
            )
        };
    metrics.extend(rest);
    Report {
        filter: filter.clone(),
        incident_count: incidents.len(),
        metrics,
        cynefin,
        countermeasures: None,
    }
}

/// From this many incidents on, [`build`] uses a second thread.
const PARALLEL_FROM: usize = 5_000;

/// The time span the report covers: the filter's dates, else the first and
/// last incident.
fn span(filter: &ReportFilter, days: &[NaiveDate]) -> (NaiveDate, NaiveDate) {
    let days = days.iter().copied();
    let first = filter
        .from
        .or_else(|| days.clone().min())
        .unwrap_or_default();
    let last = filter.to.or_else(|| days.max()).unwrap_or(first);
    (first, last.max(first))
}

/// Each incident's calendar month as a position counted from the earliest
/// one, so that grouping by month is indexing, not a map lookup.
struct Months {
    first: i32,
    of: Vec<u32>,
    len: usize,
}

impl Months {
    fn serial(day: NaiveDate) -> i32 {
        day.year() * 12 + day.month0() as i32
    }

    fn of(days: &[NaiveDate]) -> Self {
        let first = days.iter().map(|d| Self::serial(*d)).min().unwrap_or(0);
        let of: Vec<u32> = days
            .iter()
            .map(|d| (Self::serial(*d) - first) as u32)
            .collect();
        let len = of.iter().max().map_or(0, |m| *m as usize + 1);
        Months { first, of, len }
    }

    /// "2026-03" for a position.
    fn label(&self, position: usize) -> String {
        let serial = self.first + position as i32;
        format!(
            "{:04}-{:02}",
            serial.div_euclid(12),
            serial.rem_euclid(12) + 1
        )
    }
}

fn metric_report(
    metric: Metric,
    incidents: &[&ReportIncident],
    days: &[NaiveDate],
    months: &Months,
    span_start: NaiveDate,
    span_end: NaiveDate,
) -> MetricReport {
    let (from, to) = metric.bounds();
    // (seconds, number, position): sorted, shortest first, numbers (unique)
    // breaking ties, so every list below comes out in one order and the
    // values need no second sort for their percentiles.
    let mut known: Vec<(i64, i64, u32)> = Vec::with_capacity(incidents.len());
    let mut gaps = Vec::new();
    for (position, incident) in incidents.iter().enumerate() {
        match incident.durations.get(metric) {
            Some(seconds) => known.push((seconds, incident.number, position as u32)),
            None => gaps.push(DataGap {
                number: incident.number,
                title: incident.title.clone(),
                missing: [from, to]
                    .into_iter()
                    .filter(|m| incident.moments.at(*m).is_none())
                    .map(|m| m.label().to_string())
                    .collect(),
            }),
        }
    }
    known.sort_unstable();
    let seconds: Vec<f64> = known.iter().map(|(s, _, _)| *s as f64).collect();
    let scores = statistics::outlier_scores(&seconds);
    let values: Vec<MetricValue> = known
        .iter()
        .zip(&scores)
        .map(|(&(s, _, position), score)| {
            let incident = incidents[position as usize];
            MetricValue {
                number: incident.number,
                title: incident.title.clone(),
                seconds: s,
                score: *score,
                outlier: statistics::is_outlier(*score),
            }
        })
        .collect();

    // Filled in ascending order, so each month's values are sorted.
    let mut by_month: Vec<Vec<f64>> = vec![Vec::new(); months.len];
    for &(s, _, position) in &known {
        by_month[months.of[position as usize] as usize].push(s as f64);
    }
    let trend = by_month
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(position, v)| MonthPoint {
            month: months.label(position),
            count: v.len(),
            median: statistics::quantile(v, 0.5),
        })
        .collect();

    let comparison = (!known.is_empty() && span_end > span_start).then(|| {
        let middle = span_start + (span_end - span_start) / 2;
        // Both halves come out sorted, like `known`.
        let (mut earlier, mut later) = (Vec::new(), Vec::new());
        for &(s, _, position) in &known {
            let half = if days[position as usize] <= middle {
                &mut earlier
            } else {
                &mut later
            };
            half.push(s as f64);
        }
        let period = |label: String, sorted: &[f64]| Period {
            label,
            count: sorted.len(),
            median: statistics::quantile(sorted, 0.5),
            interval: statistics::median_interval(sorted),
        };
        let earlier = period(format!("{span_start} to {middle}"), &earlier);
        let later = period(
            format!("{} to {span_end}", middle.succ_opt().unwrap_or(middle)),
            &later,
        );
        Comparison {
            small_sample: earlier.count < statistics::MIN_FOR_STATISTICS
                || later.count < statistics::MIN_FOR_STATISTICS,
            earlier,
            later,
        }
    });

    MetricReport {
        metric,
        count: values.len(),
        outlier_count: values.iter().filter(|v| v.outlier).count(),
        gap_count: gaps.len(),
        summary: Summary::of_sorted(&seconds),
        total_seconds: known.iter().map(|(s, _, _)| *s).sum(),
        values,
        gaps,
        trend,
        comparison,
    }
}

fn cynefin_report(incidents: &[&ReportIncident], days: &[NaiveDate]) -> CynefinReport {
    let n = Cynefin::ALL.len();
    let index = |c: Cynefin| Cynefin::ALL.iter().position(|d| *d == c).unwrap_or(0);
    let mut matrix = vec![vec![0usize; n]; n];
    let mut quarters: BTreeMap<(i32, u32), (usize, usize)> = BTreeMap::new();
    let mut differing = Vec::new();
    let mut paired = 0;
    let mut by_domain: Vec<Vec<&Durations>> = vec![Vec::new(); n];
    let mut by_cell: BTreeMap<(usize, usize), Vec<&Durations>> = BTreeMap::new();
    let mut held: Vec<&Durations> = Vec::new();
    for (incident, day) in incidents.iter().zip(days) {
        let durations = &incident.durations;
        if let Some(h) = incident.hindsight {
            by_domain[index(h)].push(durations);
        }
        let (Some(first), Some(hindsight)) = (incident.first, incident.hindsight) else {
            continue;
        };
        paired += 1;
        matrix[index(first)][index(hindsight)] += 1;
        if first == hindsight {
            held.push(durations);
        } else {
            by_cell
                .entry((index(first), index(hindsight)))
                .or_default()
                .push(durations);
        }
        let quarter = quarters
            .entry((day.year(), (day.month() - 1) / 3 + 1))
            .or_default();
        quarter.1 += 1;
        if first == hindsight {
            quarter.0 += 1;
        } else {
            differing.push(Differing {
                number: incident.number,
                title: incident.title.clone(),
                first,
                hindsight,
                first_note: incident.first_note.clone(),
                hindsight_note: incident.hindsight_note.clone(),
            });
        }
    }
    let median_of = |durations: &[&Durations], metric: Metric| {
        let v: Vec<f64> = durations
            .iter()
            .filter_map(|d| d.get(metric))
            .map(|s| s as f64)
            .collect();
        statistics::median(&v)
    };
    let troubleshoot = Metric::Phase(Phase::Troubleshoot);
    let mut mismatches: Vec<Mismatch> = by_cell
        .iter()
        .map(|(&(i, j), cell)| Mismatch {
            first: Cynefin::ALL[i],
            hindsight: Cynefin::ALL[j],
            count: cell.len(),
            troubleshoot_median: median_of(cell, troubleshoot),
            impact_median: median_of(cell, Metric::Impact),
        })
        .collect();
    mismatches.sort_by_key(|m| std::cmp::Reverse(m.count));
    let by_hindsight = by_domain
        .iter()
        .enumerate()
        .filter(|(_, durations)| !durations.is_empty())
        .map(|(i, durations)| DomainPhases {
            domain: Cynefin::ALL[i],
            count: durations.len(),
            medians: Metric::ALL
                .iter()
                .map(|m| median_of(durations, *m))
                .collect(),
        })
        .collect();
    CynefinReport {
        matrix,
        paired,
        unpaired: incidents.len() - paired,
        quarters: quarters
            .into_iter()
            .map(|((y, q), (agreed, count))| QuarterAgreement {
                quarter: format!("{y} Q{q}"),
                agreed,
                count,
                interval: statistics::wilson_interval(agreed, count),
            })
            .collect(),
        mismatches,
        held_troubleshoot_median: median_of(&held, troubleshoot),
        held_impact_median: median_of(&held, Metric::Impact),
        by_hindsight,
        differing_count: differing.len(),
        differing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    /// An incident starting on `day` of March 2026 whose phases took these
    /// minutes (`None`: the moment ending that phase is missing).
    fn incident(number: i64, day: u32, minutes: [Option<i64>; 5]) -> ReportIncident {
        let start = Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap();
        let mut moments = KeyMoments::default().with(KeyMoment::ImpactStarted, start);
        let mut at = start;
        // Each phase ends at its moment: detected, notified, … repaired.
        for (phase, m) in Phase::ALL.iter().zip(minutes) {
            let moment = phase.to();
            if let Some(m) = m {
                at += Duration::minutes(m);
                moments = moments.with(moment, at);
            }
        }
        ReportIncident {
            id: format!("id-{number}"),
            number,
            title: format!("Incident {number}").into(),
            severity: Severity::Outage,
            status: Status::Resolved,
            services: vec!["checkout".into()],
            started_at: start,
            durations: Durations::of(&moments),
            moments,
            first: None,
            hindsight: None,
            first_note: "".into(),
            hindsight_note: "".into(),
        }
    }

    #[test]
    fn each_metric_knows_its_place_and_durations_follow_the_moments() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
        }
        // Every pattern of missing moments gives what the breakdown gives.
        for missing in 0..32u32 {
            let minutes =
                [1, 2, 3, 4, 5].map(|k| (missing & (1 << (k - 1)) == 0).then_some(k * 10));
            let i = incident(1, 2, minutes);
            let breakdown = PhaseBreakdown::derive(&i.moments);
            for m in Metric::ALL {
                assert_eq!(
                    i.durations.get(m),
                    m.seconds(&breakdown),
                    "{m:?} {minutes:?}"
                );
            }
        }
        let i = incident(1, 2, [Some(4), None, Some(6), Some(8), Some(10)]);
        assert_eq!(i.durations.get(Metric::Phase(Phase::Detect)), Some(240));
        assert_eq!(i.durations.get(Metric::Phase(Phase::Notify)), None);
        assert_eq!(i.durations.get(Metric::Impact), Some(28 * 60));
    }

    #[test]
    fn a_large_report_built_on_two_threads_equals_one_built_in_order() {
        let incidents: Vec<ReportIncident> = (0..PARALLEL_FROM as i64 + 7)
            .map(|n| {
                let m = |k: i64| (n * 7919 + k * 104_729) % 240 + 1;
                let gap = if n % 13 == 0 { None } else { Some(m(3)) };
                incident(
                    n,
                    (n % 28 + 1) as u32,
                    [Some(m(1)), Some(m(2)), gap, Some(m(4)), Some(m(5))],
                )
            })
            .collect();
        let filter = ReportFilter::default();
        let report = build(&filter, &incidents);
        let refs: Vec<&ReportIncident> = incidents.iter().collect();
        let days: Vec<NaiveDate> = refs.iter().map(|i| i.started_at.date_naive()).collect();
        let (start, end) = span(&filter, &days);
        let months = Months::of(&days);
        let in_order: Vec<MetricReport> = Metric::ALL
            .iter()
            .map(|&m| metric_report(m, &refs, &days, &months, start, end))
            .collect();
        assert_eq!(report.metrics, in_order);
        assert_eq!(report.cynefin, cynefin_report(&refs, &days));
        assert!(report.metrics.iter().any(|m| m.gap_count > 0));
    }

    fn detect(report: &Report) -> &MetricReport {
        report.metric(Metric::Phase(Phase::Detect)).unwrap()
    }

    #[test]
    fn a_long_detection_is_an_outlier_and_a_missing_one_a_gap() {
        let mut incidents: Vec<ReportIncident> = [5, 7, 8, 9, 10, 12, 15, 20, 30, 240]
            .iter()
            .enumerate()
            .map(|(i, m)| {
                incident(
                    i as i64 + 1,
                    1 + i as u32,
                    [Some(*m), Some(1), Some(1), Some(1), Some(1)],
                )
            })
            .collect();
        incidents.push(incident(11, 20, [None, Some(5), Some(1), Some(1), Some(1)]));
        let report = build(&ReportFilter::default(), &incidents);
        let d = detect(&report);
        assert_eq!(d.count(), 10);
        assert_eq!(d.summary.as_ref().unwrap().median, 11.0 * 60.0);
        let outliers = d.outliers();
        assert_eq!(outliers.len(), 1);
        assert_eq!(outliers[0].number, 10);
        assert!((d.times_median(outliers[0].seconds).unwrap() - 240.0 / 11.0).abs() < 1e-9);
        // Incident 11 has no "detected": a gap for detect and for notify,
        // never a zero.
        assert_eq!(
            d.gaps,
            [DataGap {
                number: 11,
                title: "Incident 11".into(),
                missing: vec!["Detected".into()]
            }]
        );
        let notify = report.metric(Metric::Phase(Phase::Notify)).unwrap();
        assert_eq!(notify.count(), 10);
        assert_eq!(notify.gaps.len(), 1);
        // Impact is known for all eleven.
        assert_eq!(report.metric(Metric::Impact).unwrap().count(), 11);
    }

    #[test]
    fn trend_is_by_month_and_the_comparison_warns_on_small_samples() {
        let mut a = incident(1, 2, [Some(10), Some(1), Some(1), Some(1), Some(1)]);
        let mut b = incident(2, 3, [Some(20), Some(1), Some(1), Some(1), Some(1)]);
        let c = incident(3, 30, [Some(40), Some(1), Some(1), Some(1), Some(1)]);
        a.started_at = Utc.with_ymd_and_hms(2026, 2, 10, 0, 0, 0).unwrap();
        b.started_at = Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap();
        let report = build(&ReportFilter::default(), &[a, b, c]);
        let d = detect(&report);
        assert_eq!(
            d.trend,
            [
                MonthPoint {
                    month: "2026-02".into(),
                    count: 2,
                    median: Some(900.0)
                },
                MonthPoint {
                    month: "2026-03".into(),
                    count: 1,
                    median: Some(2400.0)
                },
            ]
        );
        let comparison = d.comparison.as_ref().unwrap();
        assert!(comparison.small_sample);
        assert_eq!(comparison.earlier.count + comparison.later.count, 3);
        // Too few for an outlier flag.
        assert!(d.values.iter().all(|v| v.score.is_none() && !v.outlier));
    }

    #[test]
    fn cynefin_matrix_agreement_and_mismatches() {
        use Cynefin::*;
        let pairs = [
            (Some(Complicated), Some(Complex)),
            (Some(Complicated), Some(Complex)),
            (Some(Clear), Some(Clear)),
            (Some(Chaotic), Some(Complex)),
            (Some(Complex), None),
        ];
        let incidents: Vec<ReportIncident> = pairs
            .iter()
            .enumerate()
            .map(|(i, (f, h))| {
                let mut x = incident(
                    i as i64 + 1,
                    1 + i as u32,
                    [Some(5), Some(5), Some(5), Some(5), Some(5)],
                );
                x.first = *f;
                x.hindsight = *h;
                x
            })
            .collect();
        let report = build(&ReportFilter::default(), &incidents);
        let c = &report.cynefin;
        assert_eq!(c.paired, 4);
        assert_eq!(c.unpaired, 1);
        assert_eq!(c.matrix[1][2], 2, "Complicated read, Complex in hindsight");
        assert_eq!(c.matrix[0][0], 1);
        assert_eq!(
            c.mismatches[0],
            Mismatch {
                first: Complicated,
                hindsight: Complex,
                count: 2,
                troubleshoot_median: Some(300.0),
                impact_median: Some(1500.0),
            }
        );
        assert_eq!(c.held_impact_median, Some(1500.0));
        assert_eq!(c.quarters.len(), 1);
        assert_eq!((c.quarters[0].agreed, c.quarters[0].count), (1, 4));
        assert_eq!(c.differing.len(), 3);
        let complex = c.by_hindsight.iter().find(|d| d.domain == Complex).unwrap();
        assert_eq!(complex.count, 3);
        assert_eq!(complex.medians[0], Some(300.0));
    }

    #[test]
    fn the_page_keeps_every_figure_and_cuts_the_lists() {
        // 20 incidents: detect 10 min, two of them 2 days; #20 lacks
        // "detected" and reads differently in hindsight.
        let incidents: Vec<ReportIncident> = (1..=20)
            .map(|n| {
                let detect = match n {
                    5 | 9 => Some(2 * 24 * 60),
                    20 => None,
                    _ => Some(10 + n),
                };
                let mut x = incident(n, n as u32, [detect, Some(1), Some(1), Some(1), Some(1)]);
                x.first = Some(Cynefin::Clear);
                x.hindsight = Some(if n % 2 == 0 {
                    Cynefin::Complex
                } else {
                    Cynefin::Clear
                });
                x
            })
            .collect();
        let full = build(&ReportFilter::default(), &incidents);
        let page = full.clone().for_page(1);
        let (d_full, d_page) = (detect(&full), detect(&page));
        assert_eq!(d_page.summary, d_full.summary);
        assert_eq!(
            (d_page.count(), d_page.outlier_count, d_page.gap_count),
            (19, 2, 1)
        );
        // Only the longest outlier stays; both are 2 days, the first by number.
        assert_eq!(d_page.values.len(), 1);
        assert!(d_page.values[0].outlier);
        assert_eq!(page.cynefin.differing_count, 10);
        assert_eq!(page.cynefin.differing.len(), 1);
        assert_eq!(page.cynefin.differing[0].number, 20, "the latest first");
        assert_eq!(page.cynefin.matrix, full.cynefin.matrix);
        assert_eq!(page.where_time_went(), full.where_time_went());
    }

    #[test]
    fn countermeasure_completion_and_kinds_by_domain() {
        let mut a = incident(1, 1, [Some(5); 5]);
        a.hindsight = Some(Cynefin::Complex);
        let mut b = incident(2, 2, [Some(5); 5]);
        b.hindsight = Some(Cynefin::Clear);
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d);
        let cm = |kind, status, due, incidents: &[i64]| ReportCountermeasure {
            kind,
            status,
            due,
            incidents: incidents.to_vec(),
        };
        let cms = [
            cm(Kind::DiagnoseFaster, CmStatus::Done, None, &[1]),
            cm(Kind::DiagnoseFaster, CmStatus::InProgress, day(5), &[1, 2]),
            cm(Kind::Documentation, CmStatus::WontDo, None, &[2]),
            cm(Kind::Process, CmStatus::Proposed, day(1), &[9]),
        ];
        let f = countermeasure_figures(&[a, b], &cms, day(10).unwrap());
        assert_eq!(f.linked, 3, "#9 is not among the selected incidents");
        // One done of the two that are not "won't do".
        assert_eq!(f.completion, Some(0.5));
        assert_eq!(f.overdue, 1);
        assert_eq!(
            f.kinds_by_domain,
            [
                (
                    Cynefin::Clear,
                    vec![(Kind::DiagnoseFaster, 1), (Kind::Documentation, 1)]
                ),
                (Cynefin::Complex, vec![(Kind::DiagnoseFaster, 2)]),
            ]
        );
    }

    #[test]
    fn where_the_time_went_sums_each_phase() {
        let incidents = [
            incident(1, 1, [Some(10), Some(5), Some(5), Some(60), Some(20)]),
            incident(2, 2, [Some(30), Some(5), Some(5), Some(120), None]),
        ];
        let report = build(&ReportFilter::default(), &incidents);
        let shares = report.where_time_went();
        assert_eq!(shares[0].0, Metric::Phase(Phase::Troubleshoot));
        assert_eq!(shares[0].1, 180 * 60);
        let total: f64 = shares.iter().map(|s| s.2).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn filters_match_and_round_trip_through_parameters() {
        let mut x = incident(1, 4, [Some(5); 5]);
        x.first = Some(Cynefin::Complex);
        let filter = ReportFilter {
            from: NaiveDate::from_ymd_opt(2026, 3, 4),
            to: NaiveDate::from_ymd_opt(2026, 3, 4),
            severity: Some(Severity::Outage),
            status: Some(Status::Resolved),
            service: Some("checkout".into()),
            cynefin: Some(Cynefin::Complex),
        };
        assert!(matches(&filter, &x));
        assert!(!matches(
            &ReportFilter {
                service: Some("search".into()),
                ..filter.clone()
            },
            &x
        ));
        assert!(!matches(
            &ReportFilter {
                from: NaiveDate::from_ymd_opt(2026, 3, 5),
                ..filter.clone()
            },
            &x
        ));
        let params = filter.to_params();
        let back = ReportFilter::from_params(|k| {
            params.iter().find(|(p, _)| *p == k).map(|(_, v)| v.clone())
        });
        assert_eq!(back, filter);
        assert_eq!(
            ReportFilter::from_params(|_| Some("nonsense".into())).from,
            None
        );
    }
}
