//! Who may call what: the one table every request is checked against.
//!
//! The server's access guard looks up each request here before anything else
//! runs. A server function missing from [`SERVER_FUNCTIONS`] is refused to
//! everyone, so a new endpoint cannot be reachable by accident.

use super::account::Role;
use crate::routes;

/// What a caller needs to reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: the sign-in and first-run pages and static files.
    Public,
    /// A signed-in person whose role includes this one.
    Signed(Role),
}

/// Every server function under `/api/`, with what it needs and whether it
/// changes anything.
pub const SERVER_FUNCTIONS: &[(&str, Access, Effect)] = &[
    ("auth/session", Access::Public, Effect::Read),
    ("auth/login", Access::Public, Effect::Write),
    ("auth/setup", Access::Public, Effect::Write),
    ("auth/logout", Access::Signed(Role::Viewer), Effect::Write),
    (
        "account/change_password",
        Access::Signed(Role::Viewer),
        Effect::Write,
    ),
    (
        "viewer/set_zone",
        Access::Signed(Role::Viewer),
        Effect::Write,
    ),
    ("incidents/list", Access::Signed(Role::Viewer), Effect::Read),
    ("incidents/get", Access::Signed(Role::Viewer), Effect::Read),
    (
        "incidents/history",
        Access::Signed(Role::Viewer),
        Effect::Read,
    ),
    (
        "incidents/new_form",
        Access::Signed(Role::Editor),
        Effect::Read,
    ),
    (
        "incidents/edit_form",
        Access::Signed(Role::Editor),
        Effect::Read,
    ),
    (
        "incidents/create",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "incidents/update",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    ("timeline/get", Access::Signed(Role::Viewer), Effect::Read),
    (
        "transcripts/preview",
        Access::Signed(Role::Editor),
        Effect::Read,
    ),
    (
        "transcripts/import",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "transcripts/review",
        Access::Signed(Role::Viewer),
        Effect::Read,
    ),
    (
        "transcripts/promote",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "transcripts/dismiss",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "timeline/quick_add",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "timeline/update",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "timeline/delete",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "timeline/restore",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    ("timeline/mark", Access::Signed(Role::Editor), Effect::Write),
    (
        "attachments/delete",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    ("admin/users", Access::Signed(Role::Admin), Effect::Read),
    (
        "admin/create_user",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    (
        "admin/update_user",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    (
        "admin/reset_password",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    ("admin/audit", Access::Signed(Role::Admin), Effect::Read),
    ("admin/metrics", Access::Signed(Role::Admin), Effect::Read),
    (
        "admin/save_metrics",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    ("admin/webhooks", Access::Signed(Role::Admin), Effect::Read),
    (
        "admin/add_webhook",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    (
        "admin/set_webhook_active",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    (
        "admin/retry_delivery",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    (
        "admin/language_rules",
        Access::Signed(Role::Admin),
        Effect::Read,
    ),
    (
        "admin/save_language_rules",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    ("postmortem/get", Access::Signed(Role::Viewer), Effect::Read),
    (
        "postmortem/save",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "postmortem/status",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "postmortem/preview",
        Access::Signed(Role::Editor),
        Effect::Read,
    ),
    ("review/get", Access::Signed(Role::Viewer), Effect::Read),
    ("meeting/get", Access::Signed(Role::Viewer), Effect::Read),
    ("meeting/lead", Access::Signed(Role::Editor), Effect::Write),
    ("meeting/step", Access::Signed(Role::Editor), Effect::Write),
    ("meeting/note", Access::Signed(Role::Editor), Effect::Write),
    ("meeting/end", Access::Signed(Role::Editor), Effect::Write),
    ("search", Access::Signed(Role::Viewer), Effect::Read),
    ("search/related", Access::Signed(Role::Viewer), Effect::Read),
    ("handout/get", Access::Signed(Role::Viewer), Effect::Read),
    ("review/save", Access::Signed(Role::Editor), Effect::Write),
    (
        "review/handout",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "admin/review_policy",
        Access::Signed(Role::Admin),
        Effect::Read,
    ),
    (
        "admin/save_review_policy",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
    ("report", Access::Signed(Role::Viewer), Effect::Read),
    (
        "countermeasures/list",
        Access::Signed(Role::Viewer),
        Effect::Read,
    ),
    (
        "countermeasures/get",
        Access::Signed(Role::Viewer),
        Effect::Read,
    ),
    (
        "countermeasures/create",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "countermeasures/update",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "countermeasures/move",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "countermeasures/similar",
        Access::Signed(Role::Viewer),
        Effect::Read,
    ),
    (
        "countermeasures/link",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "countermeasures/merge",
        Access::Signed(Role::Editor),
        Effect::Write,
    ),
    (
        "countermeasures/wip_limits",
        Access::Signed(Role::Admin),
        Effect::Write,
    ),
];

/// Whether a server function changes stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

/// What the server function at `/api/{endpoint}` needs; `None` when there
/// is no such row, which is refused to everyone.
pub fn server_function_access(endpoint: &str) -> Option<Access> {
    SERVER_FUNCTIONS
        .iter()
        .find(|(name, _, _)| *name == endpoint)
        .map(|(_, access, _)| *access)
}

/// What a request path needs; `None` for an unknown server function, which
/// is refused to everyone. The path must be canonical (see
/// [`path_refusal`]): the guard refuses any other spelling first.
pub fn required_access(path: &str) -> Option<Access> {
    if let Some(endpoint) = path.strip_prefix("/api/") {
        return server_function_access(endpoint);
    }
    if is_public_page(path) {
        return Some(Access::Public);
    }
    if path == "/admin" || path.starts_with("/admin/") {
        return Some(Access::Signed(Role::Admin));
    }
    let incident_part = |suffix: &str| path.starts_with("/incidents/") && path.ends_with(suffix);
    if path == "/incidents/new"
        || path == routes::RESTORE
        || path == "/countermeasures/new"
        || (path.starts_with("/countermeasures/") && path.ends_with("/edit"))
        || incident_part("/edit")
        || routes::matches(routes::ATTACHMENT_UPLOAD, path)
        || routes::matches(routes::TRANSCRIPT_UPLOAD, path)
        || incident_part("/import")
    {
        return Some(Access::Signed(Role::Editor));
    }
    // Every other page, including "not found", is for signed-in people.
    Some(Access::Signed(Role::Viewer))
}

/// Why a request path is not in the one spelling the access table knows.
///
/// The table matches canonical paths only, while routers further in may
/// resolve `..`, decode `%2e` or ignore a trailing slash: a path that reads
/// one way to the guard and another way to a router could reach a page the
/// guard never checked. So every other spelling is refused before anything
/// else, or sent to its canonical form where that is unambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// Only letter case or a trailing slash differ: GET and HEAD requests
    /// are redirected to this canonical path (other methods are refused).
    Redirect(String),
    /// Refused outright (400); the text says why.
    Refused(&'static str),
}

/// `None` when `path` (as sent, still percent-encoded) is canonical: it
/// starts with `/`, has no empty, `.` or `..` segment (raw or
/// percent-encoded), no percent-encoded letter, digit, `-`, `.`, `_`, `~`
/// or separator, no backslash, no upper-case ASCII letter and no trailing
/// slash.
pub fn path_problem(path: &str) -> Option<PathProblem> {
    let Some(body) = path.strip_prefix('/') else {
        return Some(PathProblem::Refused("a path must start with \"/\""));
    };
    if body.is_empty() {
        return None;
    }
    let (body, trailing_slash) = match body.strip_suffix('/') {
        Some(trimmed) => (trimmed, true),
        None => (body, false),
    };
    // Upper case outside %-escapes (whose hex digits may be either case).
    let mut has_upper = false;
    for segment in body.split('/') {
        if segment.is_empty() {
            return Some(PathProblem::Refused("it has an empty segment (\"//\")"));
        }
        if segment.contains('\\') {
            return Some(PathProblem::Refused("it has a backslash"));
        }
        let bytes = segment.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'%' {
                has_upper |= bytes[i].is_ascii_uppercase();
                decoded.push(bytes[i]);
                i += 1;
                continue;
            }
            let hex = |b: u8| (b as char).to_digit(16);
            let byte = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&h), Some(&l)) => match (hex(h), hex(l)) {
                    (Some(h), Some(l)) => (h * 16 + l) as u8,
                    _ => return Some(PathProblem::Refused("it has a malformed %-escape")),
                },
                _ => return Some(PathProblem::Refused("it has a malformed %-escape")),
            };
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                return Some(PathProblem::Refused(
                    "it %-encodes a letter, digit or one of - . _ ~",
                ));
            }
            if matches!(byte, b'/' | b'\\' | 0) {
                return Some(PathProblem::Refused("it %-encodes a separator"));
            }
            decoded.push(byte);
            i += 3;
        }
        if decoded == b"." || decoded == b".." {
            return Some(PathProblem::Refused("it has a \".\" or \"..\" segment"));
        }
    }
    // Built assets keep their case: their names carry content hashes in
    // base64url, and every one of them is public whatever its spelling.
    let asset = is_built_asset(path);
    if (has_upper && !asset) || trailing_slash {
        let body = if asset {
            body.to_string()
        } else {
            body.to_ascii_lowercase()
        };
        return Some(PathProblem::Redirect(format!("/{body}")));
    }
    None
}

fn is_public_page(path: &str) -> bool {
    // `/metrics` checks its own bearer token (scrapers have no session).
    matches!(path, "/login" | "/setup") || path == routes::METRICS || is_static_asset(path)
}

/// Built assets and the health check: public, and never need to know who asks.
pub fn is_static_asset(path: &str) -> bool {
    is_built_asset(path) || [routes::FAVICON, routes::HEALTH, "/robots.txt"].contains(&path)
}

/// A file under `/pkg/`, the build's CSS, JavaScript and WASM.
fn is_built_asset(path: &str) -> bool {
    path.strip_prefix(routes::ASSETS)
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_need_the_role_their_actions_need() {
        assert_eq!(required_access("/login"), Some(Access::Public));
        assert_eq!(required_access("/pkg/debrief.wasm"), Some(Access::Public));
        assert_eq!(required_access("/"), Some(Access::Signed(Role::Viewer)));
        assert_eq!(
            required_access("/incidents/4"),
            Some(Access::Signed(Role::Viewer))
        );
        assert_eq!(
            required_access("/incidents/4/edit"),
            Some(Access::Signed(Role::Editor))
        );
        assert_eq!(
            required_access("/incidents/new"),
            Some(Access::Signed(Role::Editor))
        );
        assert_eq!(
            required_access("/incidents/4/attachments"),
            Some(Access::Signed(Role::Editor))
        );
        assert_eq!(
            required_access("/attachments/0b4c2a4e-4d2f-4a39-9d0e-1f2a3b4c5d6e"),
            Some(Access::Signed(Role::Viewer))
        );
        assert_eq!(
            required_access("/admin/users"),
            Some(Access::Signed(Role::Admin))
        );
        assert_eq!(
            required_access("/no/such/page"),
            Some(Access::Signed(Role::Viewer))
        );
        // "/administrator" is not under /admin/, "/loginx" is not the login page.
        assert_eq!(
            required_access("/loginx"),
            Some(Access::Signed(Role::Viewer))
        );
    }

    #[test]
    fn only_canonical_paths_pass() {
        for ok in [
            "/",
            "/admin/users",
            "/incidents/4/edit",
            "/pkg/debrief.wasm",
            "/search",
            "/attachments/0b4c2a4e-4d2f-4a39-9d0e-1f2a3b4c5d6e",
            "/incidents/caf%C3%A9",
        ] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for refused in [
            "/x/../admin/users",
            "/./admin/audit",
            "/admin/.",
            "/x/%2e%2e/admin/webhooks",
            "/x/%2E%2E/admin/webhooks",
            "/x/.%2e/admin/webhooks",
            "/x/%2e./admin",
            "/%2e/admin/users",
            "//admin/users",
            "/admin//users",
            "/admin/users//",
            "/%61dmin/users",
            "/admin%2fusers",
            "/admin%2Fusers",
            "/admin%5cusers",
            "/x/..%5cadmin",
            "/x\\..\\admin",
            "/api/admin/../admin/users",
            "/api//admin/users",
            "/admin/users%",
            "/admin/users%2",
            "/admin/users%zz",
            "/admin/%00",
            "admin/users",
            "",
        ] {
            assert!(
                matches!(path_problem(refused), Some(PathProblem::Refused(_))),
                "{refused}: {:?}",
                path_problem(refused)
            );
        }
        assert_eq!(path_problem("/pkg/debrief.Q2hlY2tvdXQ_x-Yz.wasm"), None);
        assert_eq!(
            path_problem("/Pkg/debrief.wasm"),
            Some(PathProblem::Redirect("/pkg/debrief.wasm".into()))
        );
        assert_eq!(
            path_problem("/pkg/x/../../Admin/users"),
            Some(PathProblem::Refused("it has a \".\" or \"..\" segment"))
        );
        assert_eq!(
            path_problem("/Admin/Users"),
            Some(PathProblem::Redirect("/admin/users".into()))
        );
        assert_eq!(
            path_problem("/admin/users/"),
            Some(PathProblem::Redirect("/admin/users".into()))
        );
        assert_eq!(
            path_problem("/API/admin/users/"),
            Some(PathProblem::Redirect("/api/admin/users".into()))
        );
    }

    /// Whatever a path's spelling, the guard either refuses it, sends it
    /// to a canonical path, or reads it exactly as written: never a
    /// spelling that the table reads as one page and a router as another.
    #[test]
    fn a_redirect_lands_on_a_canonical_path_with_the_strictest_rule() {
        let samples = [
            "/ADMIN/users",
            "/Admin/Audit/",
            "/incidents/4/EDIT",
            "/incidents/4/edit/",
            "/Countermeasures/New",
        ];
        for path in samples {
            let Some(PathProblem::Redirect(to)) = path_problem(path) else {
                panic!("{path} should redirect");
            };
            assert_eq!(path_problem(&to), None, "{path} -> {to}");
            assert_eq!(
                required_access(&to),
                required_access(path.to_ascii_lowercase().trim_end_matches('/'))
            );
        }
    }

    #[test]
    fn unknown_server_functions_are_refused_to_everyone() {
        assert_eq!(required_access("/api/incidents/drop_all"), None);
        assert_eq!(required_access("/api/"), None);
        assert_eq!(
            required_access("/api/incidents/update"),
            Some(Access::Signed(Role::Editor))
        );
    }

    #[test]
    fn every_write_needs_a_signed_in_caller_except_signing_in() {
        for (name, access, effect) in SERVER_FUNCTIONS {
            if *effect == Effect::Write && !["auth/login", "auth/setup"].contains(name) {
                assert_ne!(*access, Access::Public, "{name}");
            }
        }
    }

    /// Every server function the binary registers has a row in the table.
    #[cfg(feature = "ssr")]
    #[test]
    fn every_registered_server_function_is_in_the_table() {
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_string())
            .collect();
        assert!(registered.len() >= SERVER_FUNCTIONS.len());
        for path in &registered {
            assert!(
                required_access(path).is_some(),
                "{path} has no row in access::SERVER_FUNCTIONS"
            );
        }
        for (name, _, _) in SERVER_FUNCTIONS {
            assert!(
                registered.iter().any(|p| p == &format!("/api/{name}")),
                "/api/{name} is in the table but no server function serves it"
            );
        }
    }
}

/// Why a state-changing request looks cross-site, if it does. Browsers send
/// `Sec-Fetch-Site` (all current ones) or at least `Origin` on every POST; a
/// request with neither comes from a non-browser client, which carries no
/// ambient cookies to abuse. Safe methods (GET, HEAD, OPTIONS) never change
/// anything here and always pass.
pub fn cross_site_refusal(
    method: &str,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
) -> Option<&'static str> {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return None;
    }
    const REFUSED: &str = "This request came from another site, so it was refused: changes can only be made from Debrief's own pages. Nothing was changed.";
    if let Some(site) = sec_fetch_site {
        return match site {
            "same-origin" | "none" => None,
            _ => Some(REFUSED),
        };
    }
    if let Some(origin) = origin {
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        return match (authority, host) {
            (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host) => None,
            _ => Some(REFUSED),
        };
    }
    None
}

#[cfg(test)]
mod cross_site_tests {
    use super::cross_site_refusal;

    #[test]
    fn cross_site_posts_are_refused_and_same_origin_ones_pass() {
        let host = Some("debrief.example:3000");
        assert!(cross_site_refusal("POST", Some("cross-site"), None, host).is_some());
        assert!(cross_site_refusal("POST", Some("same-site"), None, host).is_some());
        assert!(cross_site_refusal("POST", Some("same-origin"), None, host).is_none());
        assert!(cross_site_refusal("POST", Some("none"), None, host).is_none());
        // Without fetch metadata, the Origin must name this host.
        assert!(
            cross_site_refusal("POST", None, Some("http://debrief.example:3000"), host).is_none()
        );
        assert!(cross_site_refusal("POST", None, Some("https://evil.example"), host).is_some());
        assert!(cross_site_refusal("POST", None, Some("null"), host).is_some());
        assert!(cross_site_refusal("DELETE", None, Some("https://evil.example"), host).is_some());
        // Reads and non-browser clients pass.
        assert!(cross_site_refusal("GET", Some("cross-site"), None, host).is_none());
        assert!(cross_site_refusal("POST", None, None, host).is_none());
    }
}
