//! The access guard: every request passes here first. It refuses cross-site
//! writes, finds the signed-in person from the session, and checks them
//! against the one access table (`domain::access`). Server functions and
//! pages behind it can rely on `CurrentUser` being present and allowed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};
use tower_sessions::Session;

use super::session::{self, CurrentUser};
use crate::db::Db;
use crate::domain::access::{
    Access, Effect, PathProblem, SERVER_FUNCTIONS, cross_site_refusal, is_static_asset,
    path_problem, required_access,
};
use crate::domain::login_throttle::ThrottleRules;
use crate::error::AppError;

/// What the guard and the sign-in functions share.
#[derive(Clone)]
pub struct AuthState {
    pub db: Db,
    /// The sign-in rate limit; failures are counted in the database.
    pub throttle_rules: ThrottleRules,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Set once any account exists; accounts are never deleted, so it stays set.
    setup_done: Arc<AtomicBool>,
}

impl AuthState {
    pub fn new(db: Db) -> Self {
        AuthState {
            db,
            throttle_rules: ThrottleRules::default(),
            trusted_proxies: Vec::new(),
            setup_done: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True once any account exists.
    pub async fn setup_done(&self) -> Result<bool, crate::db::DbError> {
        if self.setup_done.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let done = self.db.has_users().await?;
        if done {
            self.setup_done.store(true, Ordering::Relaxed);
        }
        Ok(done)
    }
}

pub async fn guard(
    State(state): State<AuthState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let wants_html = super::headers::accepts_html(req.headers());
    let is_post = req.method() == http::Method::POST;
    // Before anything else: the access table reads canonical paths only.
    if let Some(problem) = path_problem(&path) {
        return non_canonical(problem, &req, wants_html);
    }
    let cross_site = {
        let header_of = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        cross_site_refusal(
            req.method().as_str(),
            header_of("sec-fetch-site"),
            header_of("origin"),
            header_of("host"),
        )
    };
    if let Some(reason) = cross_site {
        tracing::warn!(%path, "refused a cross-site request");
        return refusal(
            AppError::Forbidden {
                message: reason.into(),
            },
            wants_html,
        );
    }
    let Some(access) = required_access(&path) else {
        return refusal(
            AppError::NotFound {
                what: format!("The endpoint {path}"),
            },
            false,
        );
    };
    if is_write(&path) && !is_post {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "Changes are made with POST only.",
        )
            .into_response();
    }
    if is_static_asset(&path) {
        return next.run(req).await;
    }

    let user = match session::read(&session).await {
        Some(auth) => match state.db.user_for_session(&auth.user_id, auth.epoch).await {
            Ok(Some(user)) => {
                session::renew_if_due(&session, &auth).await;
                Some(user)
            }
            // Disabled, or signed in before a password change: the session ends.
            Ok(None) => {
                session::sign_out(&session).await;
                None
            }
            Err(e) => return refusal(AppError::internal(e), wants_html),
        },
        None => None,
    };

    let is_page = !path.starts_with("/api/");
    let is_get = req.method() == http::Method::GET;
    let wanted = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    if is_page && is_get {
        let setup_done = match state.setup_done().await {
            Ok(done) => done,
            Err(e) => return refusal(AppError::internal(e), true),
        };
        match (path.as_str(), &user, setup_done) {
            ("/setup", _, true) => return Redirect::to("/login").into_response(),
            ("/setup", _, false) => {}
            (_, None, false) => return Redirect::to("/setup").into_response(),
            ("/login", Some(_), _) => return Redirect::to("/").into_response(),
            _ => {}
        }
    }

    if let Access::Signed(needed) = access {
        match &user {
            None if is_page && is_get => {
                return Redirect::to(&format!(
                    "/login?next={}",
                    crate::domain::query_text::query_path(&wanted)
                ))
                .into_response();
            }
            None if wants_html => return Redirect::to("/login").into_response(),
            None => return refusal(AppError::SignInRequired, false),
            Some(user) if !user.role.allows(needed) => {
                return refusal(AppError::role_refused(user.role, needed), wants_html);
            }
            Some(_) => {}
        }
    }
    if let Some(user) = user {
        req.extensions_mut().insert(CurrentUser(user));
    }
    next.run(req).await
}

/// The answer to a path in another spelling than the canonical one: a
/// redirect for a read whose spelling differs only in case or a trailing
/// slash, else 400 with the reason.
fn non_canonical(problem: PathProblem, req: &Request, wants_html: bool) -> Response {
    let is_read = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    let reason = match problem {
        PathProblem::Redirect(to) if is_read => {
            let to = match req.uri().query() {
                Some(query) => format!("{to}?{query}"),
                None => to,
            };
            return Redirect::permanent(&to).into_response();
        }
        PathProblem::Redirect(_) => {
            "its letter case or trailing slash differs from the address Debrief uses"
        }
        PathProblem::Refused(reason) => reason,
    };
    tracing::info!(path = %req.uri().path(), reason, "refused a non-canonical path");
    refusal(
        AppError::Transport {
            message: format!(
                "this address is not one Debrief serves, because {reason}. Use the links Debrief shows, or type the address without dot segments, doubled slashes or %-escapes."
            ),
        },
        wants_html,
    )
}

fn is_write(path: &str) -> bool {
    path.strip_prefix("/api/").is_some_and(|endpoint| {
        SERVER_FUNCTIONS
            .iter()
            .any(|(name, _, effect)| *name == endpoint && *effect == Effect::Write)
    })
}

/// A refusal as the caller can read it: a small page for a browser
/// navigation or plain form post, the app's JSON error for a script.
fn refusal(error: AppError, as_html: bool) -> Response {
    let status = error.status();
    if as_html {
        let title = match error {
            AppError::Transport { .. } => "Not an address Debrief serves",
            AppError::Forbidden { .. } => "Not allowed",
            AppError::NotFound { .. } => "Not found",
            _ => "Something went wrong",
        };
        return super::answer::message_page(
            status,
            title,
            &error.to_string(),
            ("/", "Back to the incidents"),
        );
    }
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_known_from_the_table() {
        assert!(is_write("/api/incidents/update"));
        assert!(!is_write("/api/incidents/get"));
        assert!(!is_write("/incidents/update"));
    }
}
