//! `GET /metrics`: the report's figures in the Prometheus text format, for
//! dashboards. Counts of incidents by severity and status, and per window
//! (the incidents that started in the last N days) each measurement's count,
//! median, 90th percentile, data gaps and outliers, and how often the first
//! Cynefin reading held. The windows and the bearer token are settings an
//! administrator changes; only the token's SHA-256 is stored.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};

use super::incident::{Severity, Status};
use super::report::{self, CountermeasureFigures, Metric, ReportFilter, ReportIncident};

/// The windows when an administrator has not chosen any, in days.
pub const DEFAULT_WINDOWS: [u32; 3] = [30, 90, 365];
/// At most this many windows.
pub const MAX_WINDOWS: usize = 6;
/// The longest window, in days (ten years).
pub const MAX_WINDOW_DAYS: u32 = 3650;
/// A token shorter than this is refused: it would be guessable.
pub const MIN_TOKEN_CHARS: usize = 32;
/// A token longer than this is refused.
pub const MAX_TOKEN_CHARS: usize = 200;

/// Reads "7, 30, 90" (days) into sorted, distinct windows, or says what is
/// wrong with it.
pub fn parse_windows(text: &str) -> Result<Vec<u32>, String> {
    let mut windows = Vec::new();
    for part in text.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
        let part = part.trim().trim_end_matches('d');
        let days: u32 = part.parse().map_err(|_| {
            format!("{part:?} is not a number of days; write the windows like 7, 30, 90.")
        })?;
        if days == 0 || days > MAX_WINDOW_DAYS {
            return Err(format!(
                "{days} days is out of range: a window is 1 to {MAX_WINDOW_DAYS} days."
            ));
        }
        windows.push(days);
    }
    windows.sort_unstable();
    windows.dedup();
    if windows.is_empty() {
        return Err("Name at least one window, like 30.".into());
    }
    if windows.len() > MAX_WINDOWS {
        return Err(format!("At most {MAX_WINDOWS} windows."));
    }
    Ok(windows)
}

/// The windows as an administrator writes them ("7, 30, 90").
pub fn windows_text(windows: &[u32]) -> String {
    windows
        .iter()
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a token an administrator sets: long enough to resist guessing,
/// printable ASCII without spaces (it travels in an HTTP header).
pub fn check_token(token: &str) -> Result<(), String> {
    let n = token.chars().count();
    if n < MIN_TOKEN_CHARS {
        return Err(format!(
            "The token has {n} characters; use at least {MIN_TOKEN_CHARS} (the suggested one is random)."
        ));
    }
    if n > MAX_TOKEN_CHARS {
        return Err(format!(
            "The token is longer than {MAX_TOKEN_CHARS} characters."
        ));
    }
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "The token may hold letters, digits and punctuation only: no spaces or other characters."
                .into(),
        );
    }
    Ok(())
}

fn metric_line(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    let labels: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
}

/// A label value as the text format wants it: backslash, quote and line
/// feed escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// The exposition over `incidents` (all of them), for `windows` in days
/// ending `now`. Each window's figures are those of the report page filtered
/// from that day on.
pub fn exposition<I: std::borrow::Borrow<ReportIncident>>(
    incidents: &[I],
    countermeasures: &CountermeasureFigures,
    windows: &[u32],
    now: DateTime<Utc>,
) -> String {
    let incidents: Vec<&ReportIncident> = incidents.iter().map(|i| i.borrow()).collect();
    let mut out = String::new();
    header(
        &mut out,
        "debrief_countermeasures",
        "Countermeasures linked to incidents, by status.",
    );
    for (status, n) in &countermeasures.by_status {
        metric_line(
            &mut out,
            "debrief_countermeasures",
            &[("status", status.code())],
            *n as f64,
        );
    }
    header(
        &mut out,
        "debrief_countermeasures_overdue",
        "Open countermeasures past their due date.",
    );
    let _ = writeln!(
        out,
        "debrief_countermeasures_overdue {}",
        countermeasures.overdue
    );
    header(
        &mut out,
        "debrief_incidents",
        "Incidents recorded, by severity and status.",
    );
    for &severity in Severity::ALL {
        for &status in Status::ALL {
            let n = incidents
                .iter()
                .filter(|i| i.severity == severity && i.status == status)
                .count();
            metric_line(
                &mut out,
                "debrief_incidents",
                &[("severity", severity.code()), ("status", status.code())],
                n as f64,
            );
        }
    }

    let reports: Vec<(String, report::Report)> = windows
        .iter()
        .map(|&days| {
            let filter = ReportFilter {
                from: Some((now - Duration::days(i64::from(days) - 1)).date_naive()),
                ..ReportFilter::default()
            };
            let selected: Vec<&ReportIncident> = incidents
                .iter()
                .copied()
                .filter(|i| report::matches(&filter, i))
                .collect();
            (format!("{days}d"), report::build(&filter, &selected))
        })
        .collect();

    type Figure = fn(&report::MetricReport) -> Option<f64>;
    let figures: [(&str, &str, Figure); 5] = [
        (
            "debrief_duration_count",
            "Incidents in the window with this measurement.",
            |m| Some(m.count as f64),
        ),
        (
            "debrief_duration_median_seconds",
            "Median duration, seconds (absent when no incident has it).",
            |m| m.summary.as_ref().map(|s| s.median),
        ),
        (
            "debrief_duration_p90_seconds",
            "90th percentile of the duration, seconds.",
            |m| m.summary.as_ref().map(|s| s.p90),
        ),
        (
            "debrief_duration_gaps",
            "Incidents in the window lacking a moment this measurement needs.",
            |m| Some(m.gap_count as f64),
        ),
        (
            "debrief_duration_outliers",
            "Incidents far above the rest on a log scale (modified z-score above 3.5).",
            |m| Some(m.outlier_count as f64),
        ),
    ];
    for (name, help, figure) in figures {
        header(&mut out, name, help);
        for (window, report) in &reports {
            for metric in Metric::ALL {
                if let Some(value) = report.metric(metric).and_then(figure) {
                    metric_line(
                        &mut out,
                        name,
                        &[("metric", metric.code()), ("window", window)],
                        value,
                    );
                }
            }
        }
    }

    header(
        &mut out,
        "debrief_cynefin_paired",
        "Incidents in the window with both Cynefin readings.",
    );
    for (window, report) in &reports {
        metric_line(
            &mut out,
            "debrief_cynefin_paired",
            &[("window", window)],
            report.cynefin.paired as f64,
        );
    }
    header(
        &mut out,
        "debrief_cynefin_agreement_ratio",
        "Share of paired incidents whose first reading held in hindsight (absent with none).",
    );
    for (window, report) in &reports {
        let c = &report.cynefin;
        if c.paired > 0 {
            let held: usize = (0..c.matrix.len()).map(|i| c.matrix[i][i]).sum();
            metric_line(
                &mut out,
                "debrief_cynefin_agreement_ratio",
                &[("window", window)],
                held as f64 / c.paired as f64,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::Cynefin;
    use crate::domain::moments::{KeyMoment, KeyMoments};
    use crate::domain::report::Durations;
    use chrono::TimeZone;

    fn incident(number: i64, days_ago: i64, detect_minutes: i64) -> ReportIncident {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let start = now - Duration::days(days_ago);
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, start)
            .with(
                KeyMoment::Detected,
                start + Duration::minutes(detect_minutes),
            );
        ReportIncident {
            id: format!("id-{number}"),
            number,
            title: format!("Incident {number}").into(),
            severity: Severity::Outage,
            status: Status::Resolved,
            services: vec![],
            started_at: start,
            durations: Durations::of(&moments),
            moments,
            first: Some(Cynefin::Complicated),
            hindsight: Some(if number % 2 == 0 {
                Cynefin::Complex
            } else {
                Cynefin::Complicated
            }),
            first_note: "".into(),
            hindsight_note: "".into(),
        }
    }

    #[test]
    fn windows_parse_sorted_and_distinct_or_say_what_is_wrong() {
        assert_eq!(parse_windows("90, 7,30 30d"), Ok(vec![7, 30, 90]));
        assert!(parse_windows("0").unwrap_err().contains("out of range"));
        assert!(
            parse_windows("a week")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(parse_windows(" ").unwrap_err().contains("at least one"));
        assert!(
            parse_windows("1,2,3,4,5,6,7")
                .unwrap_err()
                .contains("At most")
        );
        assert_eq!(windows_text(&[7, 30]), "7, 30");
    }

    #[test]
    fn tokens_must_be_long_and_header_safe() {
        assert!(check_token("short").unwrap_err().contains("5 characters"));
        assert!(check_token(&"a b".repeat(20)).is_err());
        assert_eq!(check_token(&"x".repeat(40)), Ok(()));
    }

    #[test]
    fn windows_select_the_incidents_that_started_in_them() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        // Within 30 days: detect 10, 20 min; within 90 days also 60 min.
        let incidents = [incident(1, 2, 10), incident(2, 20, 20), incident(3, 60, 60)];
        let cms = report::countermeasure_figures(
            &incidents,
            &[report::ReportCountermeasure {
                kind: crate::domain::countermeasure::Kind::DetectSooner,
                status: crate::domain::countermeasure::CmStatus::Accepted,
                due: Some(now.date_naive() - Duration::days(1)),
                incidents: vec![1],
            }],
            now.date_naive(),
        );
        let text = exposition(&incidents, &cms, &[30, 90], now);
        assert!(text.contains("debrief_countermeasures{status=\"accepted\"} 1\n"));
        assert!(text.contains("debrief_countermeasures_overdue 1\n"));
        assert!(text.contains("# TYPE debrief_incidents gauge\n"));
        assert!(text.contains("debrief_incidents{severity=\"outage\",status=\"resolved\"} 3\n"));
        assert!(text.contains("debrief_incidents{severity=\"blip\",status=\"resolved\"} 0\n"));
        assert!(text.contains("debrief_duration_count{metric=\"detect\",window=\"30d\"} 2\n"));
        assert!(
            text.contains(
                "debrief_duration_median_seconds{metric=\"detect\",window=\"30d\"} 900\n"
            )
        );
        assert!(
            text.contains(
                "debrief_duration_median_seconds{metric=\"detect\",window=\"90d\"} 1200\n"
            )
        );
        // Nobody notified: a gap for each incident, and no median at all.
        assert!(text.contains("debrief_duration_gaps{metric=\"notify\",window=\"90d\"} 3\n"));
        assert!(!text.contains("debrief_duration_median_seconds{metric=\"notify\""));
        // #2 read Complicated, Complex in hindsight: 1 of 2 held in 30 days.
        assert!(text.contains("debrief_cynefin_agreement_ratio{window=\"30d\"} 0.5\n"));
        // Every sample line is a name, its labels if any, and a number.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let labelled = series.contains('{') == series.ends_with('}');
            assert!(series.starts_with("debrief_") && labelled, "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
