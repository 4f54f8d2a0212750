//! Listing incidents: the filters, sort orders and page a list request names.

use serde::{Deserialize, Serialize};

use super::incident::{IncidentNumber, Severity, Status};

pub const PAGE_SIZE: u32 = 50;
/// Pages beyond this are read as this (no list is that long; it keeps offsets small).
pub const MAX_PAGE: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// When the incident started (its earliest key moment).
    #[default]
    Start,
    Severity,
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [SortKey::Start, SortKey::Severity, SortKey::Status];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Start => "start",
            SortKey::Severity => "severity",
            SortKey::Status => "status",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        SortKey::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What the incident list shows: filters, order and page. Unknown or empty
/// values in a URL fall back to "no filter" rather than an error page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentQuery {
    pub status: Option<Status>,
    pub severity: Option<Severity>,
    pub service: Option<String>,
    pub sort: SortKey,
    /// Newest / worst first when true (the default for the start order).
    pub descending: bool,
    /// 1-based.
    pub page: u32,
}

impl IncidentQuery {
    /// Reads the query from URL parameters (`status`, `severity`, `service`,
    /// `sort`, `dir`, `page`).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let sort = non_empty("sort")
            .and_then(|s| SortKey::parse(&s))
            .unwrap_or_default();
        IncidentQuery {
            status: non_empty("status").and_then(|s| Status::parse(&s)),
            severity: non_empty("severity").and_then(|s| Severity::parse(&s)),
            service: non_empty("service").map(|s| s.chars().take(64).collect()),
            sort,
            descending: non_empty("dir").map(|d| d != "asc").unwrap_or(true),
            page: non_empty("page")
                .and_then(|p| p.parse::<u32>().ok())
                .map(|p| p.clamp(1, MAX_PAGE))
                .unwrap_or(1),
        }
    }

    /// The URL parameters for this query, omitting defaults.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(s) = self.status {
            params.push(("status", s.code().to_string()));
        }
        if let Some(s) = self.severity {
            params.push(("severity", s.code().to_string()));
        }
        if let Some(s) = &self.service {
            params.push(("service", s.clone()));
        }
        if self.sort != SortKey::Start {
            params.push(("sort", self.sort.code().to_string()));
        }
        if !self.descending {
            params.push(("dir", "asc".to_string()));
        }
        if self.page > 1 {
            params.push(("page", self.page.to_string()));
        }
        params
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.clamp(1, MAX_PAGE) - 1) * u64::from(PAGE_SIZE)
    }
}

/// One row of the incident list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub number: IncidentNumber,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub services: Vec<String>,
    pub commander: String,
    /// Earliest key moment, if any is known.
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Impact started → repaired, when both are known.
    pub impact_seconds: Option<i64>,
    /// Countermeasures still to do, and those of them past due.
    pub open_countermeasures: i64,
    pub overdue_countermeasures: i64,
    /// When the review is due, whether it is booked, held or overdue.
    pub review: super::review::ReviewStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentPage {
    /// The page shown: the one asked for, or the last page when that was past the end.
    pub page: u32,
    pub rows: Vec<IncidentSummary>,
    /// Incidents matching the filters, over all pages.
    pub total: u64,
}

impl IncidentPage {
    pub fn page_count(&self) -> u32 {
        page_count(self.total)
    }
}

/// Pages needed for `total` rows; at least one, so an empty list has a page 1.
pub fn page_count(total: u64) -> u32 {
    total.div_ceil(u64::from(PAGE_SIZE)).max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> IncidentQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        IncidentQuery::from_params(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_newest_first_page_one() {
        let q = query(&[]);
        assert_eq!(q.sort, SortKey::Start);
        assert!(q.descending);
        assert_eq!(q.page, 1);
        assert!(q.to_params().is_empty());
    }

    #[test]
    fn params_round_trip() {
        let q = query(&[
            ("status", "in_review"),
            ("severity", "outage"),
            ("service", "checkout"),
            ("sort", "severity"),
            ("dir", "asc"),
            ("page", "3"),
        ]);
        assert_eq!(q.status, Some(Status::InReview));
        assert_eq!(q.offset(), 2 * u64::from(PAGE_SIZE));
        let params = q.to_params();
        let map: HashMap<String, String> = params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(IncidentQuery::from_params(|k| map.get(k).cloned()), q);
    }

    #[test]
    fn unknown_values_mean_no_filter() {
        let q = query(&[
            ("status", "bogus"),
            ("page", "-4"),
            ("sort", "x"),
            ("service", "  "),
        ]);
        assert_eq!(
            q,
            IncidentQuery {
                descending: true,
                page: 1,
                ..IncidentQuery::default()
            }
        );
    }

    #[test]
    fn absurd_pages_are_clamped_not_overflowed() {
        let q = query(&[("page", "4294967295")]);
        assert_eq!(q.page, MAX_PAGE);
        assert_eq!(q.offset(), u64::from(MAX_PAGE - 1) * u64::from(PAGE_SIZE));
        assert_eq!(
            query(&[("page", "99999999999999")]).page,
            1,
            "unreadable numbers mean page 1"
        );
    }

    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        let page = |total| {
            IncidentPage {
                page: 1,
                rows: vec![],
                total,
            }
            .page_count()
        };
        assert_eq!(page(0), 1);
        assert_eq!(page(50), 1);
        assert_eq!(page(51), 2);
    }
}
