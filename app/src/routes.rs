//! The paths the server answers itself, outside the pages' router: files,
//! exports, feeds, uploads and the server functions. Each is spelled once,
//! here: `server::router` registers it, pages link to it through [`at`], the
//! access table names the ones that change something, and the router's tests
//! check every one against that table.

/// The health check, for load balancers.
pub const HEALTH: &str = "/healthz";
/// Every server function, `/api/{endpoint}`.
pub const SERVER_FUNCTIONS: &str = "/api/{*fn_name}";
/// The built CSS, WASM and JavaScript.
pub const ASSETS: &str = "/pkg";
pub const FAVICON: &str = "/favicon.svg";
/// The report's figures for Prometheus (its own bearer token).
pub const METRICS: &str = "/metrics";

pub const ATTACHMENT_UPLOAD: &str = "/incidents/{number}/attachments";
pub const ATTACHMENT: &str = "/attachments/{id}";
pub const TRANSCRIPT_UPLOAD: &str = "/incidents/{number}/transcripts";
pub const MEETING_LIVE: &str = "/incidents/{number}/meeting/live";
pub const REVIEW_ICS: &str = "/incidents/{number}/review.ics";
pub const POSTMORTEM_MD: &str = "/incidents/{number}/postmortem.md";
pub const POSTMORTEM_HTML: &str = "/incidents/{number}/postmortem.html";
pub const EXPORT_JSON: &str = "/incidents/{number}/export.json";
pub const EXPORT_MD: &str = "/incidents/{number}/export.md";
pub const EXPORT_HTML: &str = "/incidents/{number}/export.html";
pub const RESTORE: &str = "/incidents/restore";
pub const REPORT_CSV: &str = "/report/incidents.csv";
pub const REPORT_JSON: &str = "/report/incidents.json";
pub const JIRA_CSV: &str = "/countermeasures/export/jira.csv";
pub const GITHUB_JSON: &str = "/countermeasures/export/github.json";

/// What a raw route does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Answers GET; changes nothing.
    Read,
    /// Answers POST; stores something.
    Write,
}

/// Every raw route but the server functions and the built assets (which the
/// access table treats on their own), with what it does.
pub const RAW: &[(&str, Verb)] = &[
    (HEALTH, Verb::Read),
    (FAVICON, Verb::Read),
    (METRICS, Verb::Read),
    (ATTACHMENT_UPLOAD, Verb::Write),
    (ATTACHMENT, Verb::Read),
    (TRANSCRIPT_UPLOAD, Verb::Write),
    (MEETING_LIVE, Verb::Read),
    (REVIEW_ICS, Verb::Read),
    (POSTMORTEM_MD, Verb::Read),
    (POSTMORTEM_HTML, Verb::Read),
    (EXPORT_JSON, Verb::Read),
    (EXPORT_MD, Verb::Read),
    (EXPORT_HTML, Verb::Read),
    (RESTORE, Verb::Write),
    (REPORT_CSV, Verb::Read),
    (REPORT_JSON, Verb::Read),
    (JIRA_CSV, Verb::Read),
    (GITHUB_JSON, Verb::Read),
];

/// `route` with its `{…}` part filled in: `at(EXPORT_MD, 42)` is
/// `/incidents/42/export.md`.
pub fn at(route: &str, value: impl std::fmt::Display) -> String {
    match (route.find('{'), route.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{value}{}", &route[..open], &route[close + 1..])
        }
        _ => route.to_string(),
    }
}

/// Whether `path` is an instance of `route`, each `{…}` segment standing for
/// one non-empty segment.
pub fn matches(route: &str, path: &str) -> bool {
    let (r, p): (Vec<_>, Vec<_>) = (route.split('/').collect(), path.split('/').collect());
    r.len() == p.len()
        && r.iter()
            .zip(&p)
            .all(|(r, p)| r == p || (r.starts_with('{') && r.ends_with('}') && !p.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_filled_and_recognised() {
        assert_eq!(at(EXPORT_MD, 42), "/incidents/42/export.md");
        assert_eq!(at(REPORT_CSV, 42), REPORT_CSV);
        assert!(matches(EXPORT_MD, "/incidents/42/export.md"));
        assert!(!matches(EXPORT_MD, "/incidents//export.md"));
        assert!(!matches(EXPORT_MD, "/incidents/42/export.md/x"));
        assert!(!matches(MEETING_LIVE, "/incidents/42/meeting"));
        for (route, _) in RAW {
            assert!(matches(route, &at(route, 7)), "{route}");
        }
    }
}
