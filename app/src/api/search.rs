//! Server functions for search: results with highlighted snippets and links
//! to the exact event or line, "related incidents" for an incident page, and
//! "this week in past years". Thin: the query rules live in
//! `domain::search`, the SQL in `db::search`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::incident::IncidentNumber;
use crate::domain::search::{SearchKind, SearchQuery};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub kind: SearchKind,
    /// "#12 Checkout errors", "CM-3 Alert on …".
    pub label: String,
    /// The incident page, or the exact event, line or document.
    pub link: String,
    /// Escaped text with the matches in `<mark>`.
    pub snippet_html: String,
    pub at: ShownTime,
    /// The whole phrase matched.
    pub exact: bool,
}

/// Incidents of the same calendar week in one earlier year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastWeek {
    pub year: i32,
    pub from: String,
    pub to: String,
    pub incidents: Vec<(i64, String, ShownTime)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchView {
    pub query: SearchQuery,
    pub results: Vec<SearchResult>,
    /// More matched than are shown.
    pub limited: bool,
    pub this_week: Vec<PastWeek>,
    /// Transcript lines of a large import not searchable yet.
    #[serde(default)]
    pub lines_pending: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelatedIncident {
    pub number: i64,
    pub title: String,
    pub started: ShownTime,
    pub shared_services: Vec<String>,
    pub shared_terms: Vec<String>,
    /// (number, title, status label).
    pub countermeasures: Vec<(i64, String, String)>,
}

/// Years "this week in past years" looks back.
pub const PAST_YEARS: i32 = 10;

#[server(prefix = "/api", endpoint = "search")]
pub async fn search(#[server(default)] query: SearchQuery) -> Result<SearchView, AppError> {
    crate::server::context::serve("search", async {
        use super::incidents::shape::shown;
        use crate::domain::search::{RESULT_LIMIT, highlight, same_week_in_past_years};
        let db = crate::server::context::db()?;
        let zone = super::viewer::viewer_zone();
        let hits = db.search(&query).await?;
        let results: Vec<SearchResult> = hits
            .into_iter()
            .map(|h| {
                let n = h.number;
                let (label, link) = match h.kind {
                    SearchKind::Incident => {
                        (format!("#{n} {}", h.title), format!("/incidents/{n}"))
                    }
                    SearchKind::Event => (
                        format!("#{n} {}", h.title),
                        format!("/incidents/{n}#event-{}", h.reference),
                    ),
                    SearchKind::Line => (
                        format!("#{n} {}", h.title),
                        match h.page {
                            Some(before) => format!(
                                "/incidents/{n}/review?page={}#line-{}",
                                before / super::transcripts::REVIEW_PAGE + 1,
                                h.reference
                            ),
                            None => {
                                format!("/incidents/{n}/review?presence=1#line-{}", h.reference)
                            }
                        },
                    ),
                    SearchKind::Postmortem => (
                        format!("#{n} {}", h.title),
                        format!("/incidents/{n}/postmortem"),
                    ),
                    SearchKind::Countermeasure => (
                        format!("CM-{n} {}", h.title),
                        format!("/countermeasures/{n}"),
                    ),
                };
                SearchResult {
                    kind: h.kind,
                    label,
                    link,
                    snippet_html: highlight(&h.snippet),
                    at: shown(h.at, zone),
                    exact: h.exact,
                }
            })
            .collect();
        let today = chrono::Utc::now().with_timezone(&zone).date_naive();
        let mut this_week = Vec::new();
        for (year, from, to) in same_week_in_past_years(today, PAST_YEARS) {
            let incidents = db.incidents_between(&[(from, to)]).await?;
            if !incidents.is_empty() {
                this_week.push(PastWeek {
                    year,
                    from: from.to_string(),
                    to: to.to_string(),
                    incidents: incidents
                        .into_iter()
                        .map(|(n, t, at)| (n, t, shown(at, zone)))
                        .collect(),
                });
            }
        }
        Ok(SearchView {
            lines_pending: db.lines_pending_search().await?,
            limited: results.len() >= RESULT_LIMIT,
            query,
            results,
            this_week,
        })
    })
    .await
}

/// Earlier incidents like this one, for its page.
#[server(prefix = "/api", endpoint = "search/related")]
pub async fn related_incidents(number: IncidentNumber) -> Result<Vec<RelatedIncident>, AppError> {
    crate::server::context::serve("search/related", async {
        use super::incidents::shape::shown;
        let n = number;
        let zone = super::viewer::viewer_zone();
        let rows = crate::server::context::db()?
            .related_incidents(n, 5)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| RelatedIncident {
                number: r.number,
                title: r.title,
                started: shown(r.started_at, zone),
                shared_services: r.shared_services,
                shared_terms: r.shared_terms,
                countermeasures: r
                    .countermeasures
                    .into_iter()
                    .map(|(n, t, s)| {
                        let status = crate::domain::countermeasure::CmStatus::parse(&s)
                            .map_or(s, |s| s.label().to_string());
                        (n, t, status)
                    })
                    .collect(),
            })
            .collect())
    })
    .await
}
