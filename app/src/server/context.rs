//! The request's context as server functions see it: the database, the
//! signed-in person, their session and address, and [`serve`], which every
//! server function runs through (its access check and HTTP status).

use crate::db::Db;
use crate::error::AppError;
use leptos::prelude::*;

/// The database, provided to every request by the server.
pub fn db() -> Result<Db, AppError> {
    use_context::<Db>().ok_or_else(|| request_gone("the database handle"))
}

/// The outlier report's kept data and reports, one for the server, provided
/// to every request next to the database.
pub fn report_cache() -> Result<crate::flows::report::ReportCache, AppError> {
    use_context::<crate::flows::report::ReportCache>()
        .ok_or_else(|| request_gone("the report cache"))
}

/// The context of every request is provided before any of its code
/// runs, so a missing one means the request is over: its client closed
/// the connection while a page was still rendering, and leptos disposed
/// of the request's owner under the work still running. Nobody waits
/// for the answer; that is not a server fault, so it is logged quietly.
pub fn request_gone(what: &str) -> AppError {
    tracing::debug!("{what} is gone: the request ended before its work did");
    AppError::Transport {
        message: "the request ended before it was answered".into(),
    }
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
        .ok_or_else(|| request_gone("the session"))
}

pub fn auth_state() -> Result<crate::server::guard::AuthState, AppError> {
    use_context::<crate::server::guard::AuthState>()
        .ok_or_else(|| request_gone("the sign-in state"))
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
                crate::domain::client_address::client_address(peer, forwarded.as_deref(), &trusted)
                    .to_string(),
            )
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Runs password hashing (argon2: about 19 MiB and tens of milliseconds
/// each) off the request threads, a few at a time: a crowd of sign-ins
/// or password checks queues here, holding no memory, instead of
/// running hundreds of hashes at once. A caller that waits longer than
/// [`HASHING_WAIT`] is told the server is busy and when to try again.
pub async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    use std::sync::LazyLock;
    use tokio::sync::Semaphore;
    static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let Ok(slot) = tokio::time::timeout(HASHING_WAIT, SLOTS.acquire()).await else {
        tracing::warn!("password checks are queued beyond their wait; answered busy");
        return Err(AppError::Busy {
            message: "The server is busy checking other passwords. Nothing was changed; try again in a few seconds.".into(),
            retry_after: 2,
        });
    };
    let _slot = slot.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

/// How long a password check waits for a free slot before it is answered busy.
pub const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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

/// Runs the body of the server function registered at `/api/{endpoint}`:
/// first checks the caller against that endpoint's row of the access
/// table, then runs `work` and sets the status that fits its outcome.
///
/// The guard already checked the HTTP path, but pages call server
/// functions directly while they render on the server, whatever path
/// reached them: this check is what keeps a render from reading what
/// its caller may not. Every server function goes through here (a unit
/// test reads the sources to make sure).
pub async fn serve<T>(
    endpoint: &'static str,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = match require(endpoint) {
        Ok(()) => work.await,
        Err(refused) => Err(refused),
    };
    finish(result)
}

/// Refuses a caller whose role the access table does not allow for
/// the server function `endpoint` (unknown endpoints are refused to all).
pub fn require(endpoint: &str) -> Result<(), AppError> {
    use crate::domain::access::{Access, server_function_access};
    match server_function_access(endpoint) {
        None => Err(AppError::NotFound {
            what: format!("The endpoint /api/{endpoint}"),
        }),
        Some(Access::Public) => Ok(()),
        Some(Access::Signed(needed)) => {
            let user = current_user()?;
            if user.role.allows(needed) {
                Ok(())
            } else {
                Err(AppError::role_refused(user.role, needed))
            }
        }
    }
}

/// Ends a server function: on error, sets the HTTP status that fits it,
/// unless the caller is a plain HTML form (which is redirected back to its
/// page with the error, by leptos, so that it works without JavaScript).
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result
        && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
    {
        if let Some(seconds) = err.retry_after() {
            options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        if !from_html_form() {
            options.set_status(err.status());
        }
    }
    result
}
