//! Server functions: thin HTTP endpoints (under `/api/`) that check input,
//! call the database layer and shape data for pages.

pub mod account;
pub mod admin;
pub mod auth;
pub mod countermeasures;
pub mod error;
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

pub use error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    use super::AppError;
    use crate::db::Db;
    use leptos::prelude::*;

    /// The database, provided to every request by the server.
    pub fn db() -> Result<Db, AppError> {
        use_context::<Db>()
            .ok_or_else(|| AppError::internal("database handle missing from request context"))
    }

    /// The signed-in person. The access guard has already checked their role
    /// for this endpoint; this only names them.
    pub fn current_user() -> Result<crate::domain::account::User, AppError> {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .extensions
                    .get::<crate::server::session::CurrentUser>()
                    .map(|u| u.0.clone())
            })
            .ok_or(AppError::SignInRequired)
    }

    /// Who is making the change, for the audit log.
    pub fn actor() -> Result<crate::domain::audit::Actor, AppError> {
        let user = current_user()?;
        Ok(crate::domain::audit::Actor {
            name: user.label(),
            user_id: Some(user.id),
        })
    }

    /// The caller's session (present on every request behind the session layer).
    pub fn session() -> Result<tower_sessions::Session, AppError> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
            .ok_or_else(|| AppError::internal("session missing from request"))
    }

    pub fn auth_state() -> Result<crate::server::guard::AuthState, AppError> {
        use_context::<crate::server::guard::AuthState>()
            .ok_or_else(|| AppError::internal("auth state missing from request context"))
    }

    /// The client's address, for rate limiting sign-in attempts: the
    /// connection's, or behind a trusted reverse proxy the one it forwards.
    pub fn client_address() -> String {
        let trusted = auth_state()
            .map(|s| s.trusted_proxies.clone())
            .unwrap_or_default();
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let peer = parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()?
                    .0
                    .ip();
                // Every X-Forwarded-For line, in order: a proxy may add its
                // own line after one the client sent.
                let forwarded: Vec<&str> = parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
                Some(
                    crate::domain::client_address::client_address(
                        peer,
                        forwarded.as_deref(),
                        &trusted,
                    )
                    .to_string(),
                )
            })
            .unwrap_or_else(|| "unknown".into())
    }

    /// Runs CPU-heavy work (password hashing) off the request threads.
    pub async fn blocking<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(AppError::internal)
    }

    /// A header of the current request.
    pub fn request_header(name: &str) -> Option<String> {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
    }

    /// The query string of the page that sent this request, when that page is
    /// `path` (so a plain form can send the person back to the same view).
    pub fn referer_query(path: &str) -> Option<String> {
        let referer = request_header("referer")?;
        let from = referer
            .split_once("://")
            .map_or(referer.as_str(), |(_, rest)| {
                rest.find('/').map_or("", |i| &rest[i..])
            });
        let (p, q) = from.split_once('?')?;
        (p == path).then(|| q.split('#').next().unwrap_or("").to_string())
    }

    /// True when a plain HTML form (no JavaScript) made this request.
    pub fn from_html_form() -> bool {
        request_header("accept").is_some_and(|a| a.contains("text/html"))
    }

    /// Ends a server function: on error, sets the HTTP status that fits it,
    /// unless the caller is a plain HTML form (which is redirected back to its
    /// page with the error, by leptos, so that it works without JavaScript).
    pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(err) = &result
            && !from_html_form()
            && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        {
            options.set_status(err.status());
        }
        result
    }
}
