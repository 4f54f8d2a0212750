//! Server functions: thin HTTP endpoints (under `/api/`) that check input,
//! call the database layer and shape data for pages.

pub mod account;
pub mod admin;
pub mod auth;
pub mod countermeasures;
pub mod handout;
pub mod history;
pub mod incidents;
pub mod meeting;
pub mod postmortem;
pub mod report;
pub mod review;
pub mod search;
pub mod timeline;
pub mod transcripts;
pub mod viewer;

/// Calls a server function on the incident a page's address names
/// (`/incidents/{number}/…`): text that names no incident is answered "not
/// found" at once, as the server would answer it.
pub async fn on_incident<T, F>(
    raw: String,
    call: impl FnOnce(crate::domain::incident::IncidentNumber) -> F,
) -> Result<T, crate::error::AppError>
where
    F: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    call(raw.parse()?).await
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use crate::domain::access::{Access, SERVER_FUNCTIONS};
    use crate::domain::account::{Role, User};
    use leptos::prelude::*;

    /// The sources of every module that defines server functions.
    const SOURCES: &[(&str, &str)] = &[
        ("account.rs", include_str!("account.rs")),
        ("admin.rs", include_str!("admin.rs")),
        ("auth.rs", include_str!("auth.rs")),
        ("countermeasures.rs", include_str!("countermeasures.rs")),
        ("handout.rs", include_str!("handout.rs")),
        ("history.rs", include_str!("history.rs")),
        ("incidents.rs", include_str!("incidents.rs")),
        ("meeting.rs", include_str!("meeting.rs")),
        ("postmortem.rs", include_str!("postmortem.rs")),
        ("report.rs", include_str!("report.rs")),
        ("review.rs", include_str!("review.rs")),
        ("search.rs", include_str!("search.rs")),
        ("timeline.rs", include_str!("timeline.rs")),
        ("transcripts.rs", include_str!("transcripts.rs")),
        ("viewer.rs", include_str!("viewer.rs")),
    ];

    /// Pages call server functions directly while rendering on the server,
    /// so each one must check its caller's role itself, against its own row
    /// of the table, before it reads anything.
    #[test]
    fn every_server_function_checks_its_own_row_before_anything_else() {
        let mut seen = Vec::new();
        for (file, source) in SOURCES {
            for (at, _) in source.match_indices("#[server(prefix") {
                let rest = &source[at..];
                let endpoint = rest
                    .split_once("endpoint = \"")
                    .and_then(|(_, tail)| tail.split_once('"'))
                    .map(|(name, _)| name)
                    .unwrap_or_else(|| panic!("{file}: a server function without an endpoint"));
                let body = &rest[rest.find("pub async fn").expect("a function follows")..];
                let call = format!("crate::server::context::serve(\"{endpoint}\", async");
                let Some(start) = body.find(&call) else {
                    panic!("{file}: {endpoint} does not start with {call}");
                };
                let before = &body[..start];
                assert!(
                    !before.contains("await") && !before.contains("context::"),
                    "{file}: {endpoint} does work before checking its caller"
                );
                let next = body[1..].find("#[server(prefix").unwrap_or(body.len() - 1);
                assert!(
                    start < next,
                    "{file}: {endpoint}'s check is in another function"
                );
                seen.push(endpoint.to_string());
            }
        }
        for (name, _, _) in SERVER_FUNCTIONS {
            assert!(
                seen.iter().any(|s| s == name),
                "{name} is in the access table but no source here defines it"
            );
        }
        assert_eq!(seen.len(), SERVER_FUNCTIONS.len());
    }

    fn person(role: Role) -> User {
        User {
            id: "11111111-1111-4111-8111-111111111111".into(),
            login: "someone".into(),
            display_name: "Someone".into(),
            role,
            active: true,
            version: 1,
        }
    }

    /// Runs `require(endpoint)` as a request by `caller` would.
    fn require_as(caller: Option<Role>, endpoint: &str) -> Result<(), crate::error::AppError> {
        let owner = Owner::new();
        owner.with(|| {
            let mut request = http::Request::new(());
            if let Some(role) = caller {
                request
                    .extensions_mut()
                    .insert(crate::server::session::CurrentUser(person(role)));
            }
            let (parts, ()) = request.into_parts();
            provide_context(parts);
            crate::server::context::require(endpoint)
        })
    }

    #[test]
    fn the_check_inside_admits_exactly_the_roles_of_the_table() {
        let roles = [
            None,
            Some(Role::Viewer),
            Some(Role::Editor),
            Some(Role::Admin),
        ];
        for (name, access, _) in SERVER_FUNCTIONS {
            for caller in roles {
                let allowed = match (access, caller) {
                    (Access::Public, _) => true,
                    (Access::Signed(_), None) => false,
                    (Access::Signed(needed), Some(role)) => role.allows(*needed),
                };
                let outcome = require_as(caller, name);
                assert_eq!(
                    outcome.is_ok(),
                    allowed,
                    "{caller:?} calling {name}: {outcome:?}"
                );
                if let Err(refused) = outcome {
                    let status = refused.status().as_u16();
                    assert!(matches!(status, 401 | 403), "{caller:?} {name}: {status}");
                }
            }
        }
        assert!(require_as(Some(Role::Admin), "admin/drop_everything").is_err());
    }
}
