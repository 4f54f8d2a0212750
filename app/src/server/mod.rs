//! The server's cross-cutting middleware: who the caller is and what they may
//! reach (`guard`), and the security headers every response carries
//! (`headers`). Server-only; `src/serve_command.rs` lists these layers in order.

pub mod answer;
pub mod assets;
pub mod attachments;
pub mod context;
pub mod countermeasure_export;
pub mod guard;
pub mod headers;
pub mod incident_files;
pub mod incident_path;
pub mod links;
pub mod meeting;
pub mod metrics;
pub mod refusal_redirect;
pub mod render_pool;
pub mod report_export;
pub mod router;
pub mod search_index;
pub mod session;
pub mod shutdown;
pub mod staging;
pub mod webhooks;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }

    /// This folder's sources, read where cargo runs the tests.
    fn server_sources() -> Vec<(PathBuf, String)> {
        let mut files = Vec::new();
        sources(
            &PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
            )
            .join("src/server"),
            &mut files,
        );
        files
    }

    /// The paths the server answers GET for itself (files, exports, feeds),
    /// `{…}` parts as `*`.
    fn server_routes() -> Vec<String> {
        crate::routes::RAW
            .iter()
            .filter(|(_, verb)| *verb == crate::routes::Verb::Read)
            .map(|(route, _)| wildcard(route))
            .collect()
    }

    /// The route a `routes::NAME` expression in a page names.
    fn named_route(expression: &str) -> Option<&'static str> {
        let name = expression.strip_prefix("routes::")?;
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        let source = include_str!("../routes.rs");
        let line = source
            .lines()
            .find(|l| l.starts_with(&format!("pub const {name}: &str = ")))?;
        let route = line.split('"').nth(1)?;
        crate::routes::RAW
            .iter()
            .map(|(r, _)| *r)
            .find(|r| *r == route)
    }

    /// Every route the server registers is one of [`crate::routes::RAW`],
    /// named by its constant, so that list (which the access table's tests
    /// and the link check below read) is the whole of it.
    #[test]
    fn every_server_route_is_registered_by_its_name() {
        let files = server_sources();
        let mut registered = 0;
        for (path, text) in &files {
            for (at, _) in text.match_indices(".route(") {
                let argument = text[at + 7..].trim_start();
                if argument.starts_with('"') && path.ends_with("mod.rs") {
                    continue; // this file's own comments and tests
                }
                // Server functions have their own table, checked in `api`.
                let server_functions = argument.starts_with("routes::SERVER_FUNCTIONS,");
                assert!(
                    server_functions || named_route(argument).is_some(),
                    "{}: a route registered without a name from routes::RAW: {}",
                    path.display(),
                    &argument[..argument.find(')').unwrap_or(argument.len()).min(80)]
                );
                registered += 1;
            }
        }
        assert!(registered >= 15, "only {registered} routes found");
    }

    /// A raw route says no with an `AppError` (its status, its sentence,
    /// its `Retry-After`) through `answer::refuse` or `IntoResponse`, never
    /// with a status and a sentence written by hand. The statuses left are
    /// answers that are not refusals, and two protocol challenges that need
    /// a header of their own.
    #[test]
    fn raw_routes_refuse_with_app_errors() {
        const NOT_REFUSALS: &[&str] = &[
            "StatusCode::CREATED",            // an upload stored
            "StatusCode::SEE_OTHER",          // a restore sends the browser on
            "StatusCode::NOT_MODIFIED",       // caching
            "StatusCode::PAYLOAD_TOO_LARGE",  // read from a body error, then said by AppError
            "StatusCode::METHOD_NOT_ALLOWED", // needs `Allow: POST`
            "StatusCode::UNAUTHORIZED",       // needs `WWW-Authenticate: Bearer`
        ];
        let files = server_sources();
        let mut written = Vec::new();
        for (path, text) in &files {
            if path.ends_with("mod.rs") {
                continue; // this test's own list
            }
            for (at, _) in text.match_indices("StatusCode::") {
                let status: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                if !NOT_REFUSALS.contains(&status.as_str()) {
                    written.push(format!("{}: {status}", path.display()));
                }
            }
        }
        assert!(written.is_empty(), "refusals written by hand: {written:#?}");
        let refusers: Vec<_> = files
            .iter()
            .filter(|(path, text)| !path.ends_with("mod.rs") && text.contains("fn message_page("))
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert_eq!(refusers.len(), 1, "one page that says no: {refusers:?}");
    }

    /// Every raw route is in the access table, and each that stores
    /// something needs the editor role at least.
    #[test]
    fn every_raw_route_is_in_the_access_table() {
        use crate::domain::access::{Access, required_access};
        use crate::domain::account::Role;
        for (route, verb) in crate::routes::RAW {
            let path = crate::routes::at(route, 7);
            let access = required_access(&path);
            assert!(access.is_some(), "{route} is refused to everyone");
            if *verb == crate::routes::Verb::Write {
                assert!(
                    matches!(access, Some(Access::Signed(role)) if role.allows(Role::Editor)),
                    "{route} stores something but the table lets {access:?} in"
                );
            }
        }
    }

    /// `{…}` parts of a route or a `format!` string become `*`.
    fn wildcard(text: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for c in text.chars() {
            match c {
                '{' => {
                    if depth == 0 {
                        out.push('*');
                    }
                    depth += 1;
                }
                '}' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    /// Whether `path` (with `*` parts) can be an instance of `route`.
    fn may_match(route: &str, path: &str) -> bool {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let (r, p): (Vec<_>, Vec<_>) = (route.split('/').collect(), path.split('/').collect());
        r.len() == p.len() && r.iter().zip(&p).all(|(r, p)| *r == "*" || glob(p, r))
    }

    /// Whether `text` matches `pattern`, where `*` stands for any run.
    fn glob(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, tail)) => {
                text.starts_with(head) && (head.len()..=text.len()).any(|i| glob(tail, &text[i..]))
            }
        }
    }

    /// The client-side router takes every same-origin link it is not told
    /// to leave alone, and has no page for a file the server answers: such
    /// a link opened "Page not found" with JavaScript on. Every link in the
    /// pages that points at a server route must say `rel="external"` (or
    /// `download`), so the browser fetches it.
    #[test]
    fn links_to_server_routes_bypass_the_client_router() {
        let mut files = Vec::new();
        sources(
            &std::path::PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
            )
            .join("src"),
            &mut files,
        );
        let routes = server_routes();
        assert!(routes.len() >= 10, "found only {routes:?}");
        let mut checked = 0;
        for (path, text) in &files {
            for (at, _) in text.match_indices("<a ") {
                let tag = &text[at..];
                let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                let Some(href) = tag.split_once("href=").map(|(_, h)| h) else {
                    continue;
                };
                let named = href
                    .strip_prefix("routes::at(")
                    .or(href.strip_prefix("format!(\"{}{}\", "))
                    .or(href.strip_prefix("format!(\"{}{query}\", "))
                    .and_then(named_route);
                let target = match href.strip_prefix("format!(\"").or(href.strip_prefix('"')) {
                    _ if named.is_some() => wildcard(named.unwrap_or_default()),
                    Some(quoted) => wildcard(&quoted[..quoted.find('"').unwrap_or(0)]),
                    // A computed link: only attachments are computed this way.
                    None if href.starts_with("f.url") => "/attachments/*".to_string(),
                    None => continue,
                };
                if !target.starts_with('/') {
                    continue;
                }
                if routes.iter().any(|r| may_match(r, &target)) {
                    checked += 1;
                    assert!(
                        tag.contains("rel=\"external") || tag.contains("download"),
                        "{}: a link to {target}, a server route, goes through the client router: add rel=\"external\"\n{tag}",
                        path.display()
                    );
                }
            }
        }
        assert!(checked >= 10, "only {checked} links to server routes found");
    }
}
