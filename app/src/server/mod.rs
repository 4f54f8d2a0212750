//! The server's cross-cutting middleware: who the caller is and what they may
//! reach (`guard`), and the security headers every response carries
//! (`headers`). Server-only; `src/serve_command.rs` lists these layers in order.

pub mod attachments;
pub mod countermeasure_export;
pub mod guard;
pub mod headers;
pub mod incident_files;
pub mod links;
pub mod meeting;
pub mod metrics;
pub mod refusal_redirect;
pub mod render_pool;
pub mod report_export;
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

    /// The paths the server answers GET for itself (files, exports, feeds),
    /// as registered with `.route("…"` in this folder, `{…}` parts as `*`.
    fn server_routes(files: &[(PathBuf, String)]) -> Vec<String> {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server");
        let mut routes = Vec::new();
        for (_, text) in files.iter().filter(|(p, _)| p.starts_with(&here)) {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(".route(") {
                rest = &rest[at + 7..];
                let Some(open) = rest.find('"') else { break };
                let tail = &rest[open + 1..];
                let route = &tail[..tail.find('"').unwrap()];
                if !route.starts_with('/') {
                    continue; // not a registration (this file's own comments)
                }
                // Only what a link can open: routes that answer GET.
                let handlers = &tail[..tail.find(".route(").unwrap_or(tail.len())];
                if handlers.contains("get(") {
                    routes.push(wildcard(route));
                }
            }
        }
        routes
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
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let routes = server_routes(&files);
        assert!(routes.len() >= 10, "found only {routes:?}");
        let mut checked = 0;
        for (path, text) in &files {
            for (at, _) in text.match_indices("<a ") {
                let tag = &text[at..];
                let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
                let Some(href) = tag.split_once("href=").map(|(_, h)| h) else {
                    continue;
                };
                let target = match href.strip_prefix("format!(\"").or(href.strip_prefix('"')) {
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
