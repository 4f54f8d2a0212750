//! The report's incidents as CSV (for spreadsheets) and JSON (for scripts):
//! every incident with its key moments and the durations derived from them.

use std::borrow::Borrow;

use serde::Serialize;

use super::duration_text::human_duration;
use super::moments::KeyMoment;
use super::phases::PhaseBreakdown;
use super::report::{Metric, Report, ReportIncident};

/// One incident as the exports write it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    pub number: i64,
    pub title: String,
    pub severity: &'static str,
    pub status: &'static str,
    pub services: Vec<String>,
    /// ISO 8601, UTC.
    pub started_at: String,
    /// Per key moment (in [`KeyMoment::ALL`] order): ISO 8601 time or none,
    /// and whether it is an estimate.
    pub moments: Vec<ExportMoment>,
    /// Per metric (in [`Metric::ALL`] order): seconds, or none when a moment
    /// it needs is missing.
    pub durations: Vec<ExportDuration>,
    pub cynefin_first: Option<&'static str>,
    pub cynefin_hindsight: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportMoment {
    pub moment: &'static str,
    pub at: Option<String>,
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportDuration {
    pub metric: &'static str,
    pub seconds: Option<i64>,
}

pub fn rows<I: Borrow<ReportIncident>>(incidents: &[I]) -> Vec<ExportRow> {
    incidents
        .iter()
        .map(|i| {
            let i = i.borrow();
            let breakdown = PhaseBreakdown::derive(&i.moments);
            ExportRow {
                number: i.number,
                title: i.title.to_string(),
                severity: i.severity.code(),
                status: i.status.code(),
                services: i.services.clone(),
                started_at: i.started_at.to_rfc3339(),
                moments: KeyMoment::ALL
                    .iter()
                    .map(|m| ExportMoment {
                        moment: m.code(),
                        at: i.moments.at(*m).map(|t| t.to_rfc3339()),
                        estimated: i.moments.get(*m).is_some_and(|x| x.estimated),
                    })
                    .collect(),
                durations: Metric::ALL
                    .iter()
                    .map(|m| ExportDuration {
                        metric: m.code(),
                        seconds: m.seconds(&breakdown),
                    })
                    .collect(),
                cynefin_first: i.first.map(|c| c.code()),
                cynefin_hindsight: i.hindsight.map(|c| c.code()),
            }
        })
        .collect()
}

/// A cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'`; quotes are doubled and the
/// cell quoted when it holds a comma, quote or line break.
pub fn csv_cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// Every incident as CSV with a header row: times in ISO 8601 UTC,
/// durations in seconds and in words.
pub fn csv<I: Borrow<ReportIncident>>(incidents: &[I]) -> String {
    let mut out = csv_header();
    out.push_str(&csv_rows(incidents));
    out
}

/// The CSV header row, with its line end.
pub fn csv_header() -> String {
    let mut header: Vec<String> = [
        "number",
        "title",
        "severity",
        "status",
        "services",
        "started_at",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in KeyMoment::ALL {
        header.push(format!("{}_at", m.code()));
        header.push(format!("{}_estimated", m.code()));
    }
    for m in Metric::ALL {
        header.push(format!("{}_seconds", m.code()));
        header.push(format!("{}_human", m.code()));
    }
    header.push("cynefin_first".into());
    header.push("cynefin_hindsight".into());
    let mut out = header.join(",");
    out.push_str("\r\n");
    out
}

/// CSV rows (no header) for `incidents`, each with its line end: an export
/// is written a slice at a time, so its size never sits in memory whole.
pub fn csv_rows<I: Borrow<ReportIncident>>(incidents: &[I]) -> String {
    let mut out = String::new();
    for row in rows(incidents) {
        let mut cells = vec![
            row.number.to_string(),
            csv_cell(&row.title),
            row.severity.to_string(),
            row.status.to_string(),
            csv_cell(&row.services.join("; ")),
            row.started_at,
        ];
        for m in &row.moments {
            cells.push(m.at.clone().unwrap_or_default());
            cells.push(if m.estimated { "yes" } else { "no" }.into());
        }
        for d in &row.durations {
            cells.push(d.seconds.map(|s| s.to_string()).unwrap_or_default());
            cells.push(d.seconds.map(human_duration).unwrap_or_default());
        }
        cells.push(row.cynefin_first.unwrap_or("").into());
        cells.push(row.cynefin_hindsight.unwrap_or("").into());
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The report and its incidents as one JSON document (pass the report as
/// the page shows it, [`Report::for_page`]: the incidents hold the rest).
pub fn json<I: Borrow<ReportIncident>>(report: &Report, incidents: &[I]) -> String {
    let mut out = json_head(report);
    out.push_str(&json_rows(incidents, true));
    out.push_str(JSON_TAIL);
    out
}

/// The start of the JSON document, up to the opening of its incident list;
/// then come [`json_rows`] slices and [`JSON_TAIL`].
pub fn json_head(report: &Report) -> String {
    let report = serde_json::to_string(report).unwrap_or_else(|_| "null".into());
    format!("{{\"report\":{report},\"incidents\":[")
}

/// Incident objects of the JSON document, comma-separated; `first` when the
/// slice opens the list (no comma before it).
pub fn json_rows<I: Borrow<ReportIncident>>(incidents: &[I], first: bool) -> String {
    let mut out = String::new();
    for (i, row) in rows(incidents).iter().enumerate() {
        if i > 0 || !first {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(row).unwrap_or_else(|_| "null".into()));
    }
    out
}

/// The end of the JSON document.
pub const JSON_TAIL: &str = "]}";

/// The report as plain text, for a terminal or a chat message.
pub fn text(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} incidents", report.incident_count);
    let _ = writeln!(
        out,
        "Medians and percentiles, not means: a few long incidents would distort an average."
    );
    let _ = writeln!(out, "\nWhere the time went (share of all phase time):");
    for (metric, seconds, share) in report.where_time_went() {
        let _ = writeln!(
            out,
            "  {:<20} {:>4.0}%  {}",
            metric.label(),
            share * 100.0,
            human_duration(seconds)
        );
    }
    for m in &report.metrics {
        let _ = writeln!(
            out,
            "\n{} ({} known, {} missing a moment)",
            m.metric.label(),
            m.count(),
            m.gap_count
        );
        match &m.summary {
            Some(s) if s.is_meaningful() => {
                let h = |v: f64| human_duration(v.round() as i64);
                let _ = writeln!(
                    out,
                    "  median {}, p75 {}, p90 {}, max {}, MAD {}",
                    h(s.median),
                    h(s.p75),
                    h(s.p90),
                    h(s.max),
                    h(s.mad)
                );
                let outliers = m.outliers();
                if m.outlier_count > outliers.len() {
                    let _ = writeln!(
                        out,
                        "  {} outliers; the {} longest:",
                        m.outlier_count,
                        outliers.len()
                    );
                }
                for o in outliers {
                    let times = m
                        .times_median(o.seconds)
                        .map(|t| format!(" ({t:.1}x the median)"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  outlier #{} {}: {}{times}",
                        o.number,
                        o.title,
                        human_duration(o.seconds)
                    );
                }
            }
            _ => {
                let values: Vec<String> = m
                    .values
                    .iter()
                    .map(|v| format!("#{} {}", v.number, human_duration(v.seconds)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  too few for statistics; the values: {}",
                    if values.is_empty() {
                        "none".to_string()
                    } else {
                        values.join(", ")
                    }
                );
            }
        }
    }
    if let Some(cm) = &report.countermeasures {
        let _ = writeln!(
            out,
            "\nCountermeasures linked to these incidents: {} ({} overdue); completion {}",
            cm.linked,
            cm.overdue,
            cm.completion
                .map(|c| format!("{:.0}%", c * 100.0))
                .unwrap_or_else(|| "none to complete".into())
        );
        for (status, n) in &cm.by_status {
            let _ = writeln!(out, "  {:<12} {n}", status.label());
        }
    }
    let c = &report.cynefin;
    let agreed: usize = (0..c.matrix.len()).map(|i| c.matrix[i][i]).sum();
    let _ = writeln!(
        out,
        "\nCynefin: first reading held in hindsight for {agreed} of {} incidents with both readings",
        c.paired
    );
    for mm in &c.mismatches {
        let _ = writeln!(
            out,
            "  read as {}, {} in hindsight: {}",
            mm.first.label(),
            mm.hindsight.label(),
            mm.count
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_quoting_is_rfc4180() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("checkout latency"), "checkout latency");
    }
}
