//! Signing in and out, and the one-time setup of the first administrator.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::account::{NewUserForm, User};
use crate::error::AppError;

/// Who is signed in, and whether Debrief still waits for its first account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<User>,
    pub needs_setup: bool,
    /// The zone times are shown in, for the header's picker.
    pub viewer_zone: String,
}

#[server(prefix = "/api", endpoint = "auth/session")]
pub async fn current_session() -> Result<SessionInfo, AppError> {
    crate::server::context::serve("auth/session", async {
        let needs_setup = !crate::server::context::auth_state()?
            .setup_done()
            .await
            .map_err(AppError::from)?;
        Ok(SessionInfo {
            user: crate::server::context::current_user().ok(),
            needs_setup,
            viewer_zone: super::viewer::viewer_zone().name().to_string(),
        })
    })
    .await
}

/// Signs in and sends the browser to `next` (a path on this site).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(login: String, password: String, next: String) -> Result<(), AppError> {
    use crate::domain::password::{verify_against_nothing, verify_password};
    crate::server::context::serve("auth/login", async {
        let state = crate::server::context::auth_state()?;
        let address = crate::server::context::client_address();
        let login = login.trim().to_lowercase();
        let attempt = begin_password_attempt(&state, &login, &address).await?;
        let credentials = state.db.credentials(&login).await?;
        let matched = match credentials {
            Some(c) if c.user.active => {
                let hash = c.password_hash.clone();
                let ok = crate::server::context::hashing(move || verify_password(&password, &hash))
                    .await?;
                ok.then_some(c)
            }
            _ => {
                crate::server::context::hashing(move || verify_against_nothing(&password)).await?;
                None
            }
        };
        // A failure stays recorded; a success takes its attempt back and
        // clears the account's failures and this address's for it (not
        // other addresses' for it, nor this address's for other accounts).
        let signed_in = match matched {
            Some(c) => {
                password_attempt_succeeded(&state, &attempt, &login, &address).await?;
                Some(c)
            }
            None => None,
        };
        let Some(c) = signed_in else {
            tracing::info!(%login, %address, "sign-in refused");
            return Err(AppError::SignInFailed);
        };
        let session = crate::server::context::session()?;
        crate::server::session::sign_in(&session, &c.user.id, c.session_epoch)
            .await
            .map_err(AppError::internal)?;
        tracing::info!(login = %c.user.login, "signed in");
        leptos_axum::redirect(&crate::domain::account::safe_return_path(&next));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::server::context::serve("auth/logout", async {
        crate::server::session::sign_out(&crate::server::context::session()?).await;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// Creates the first administrator and signs them in. Refused once any
/// account exists.
#[server(prefix = "/api", endpoint = "auth/setup")]
pub async fn setup(form: NewUserForm) -> Result<(), AppError> {
    use crate::domain::account::Role;
    crate::server::context::serve("auth/setup", async {
        let state = crate::server::context::auth_state()?;
        if state.setup_done().await? {
            return Err(AppError::from(crate::db::DbError::SetupDone));
        }
        let form = NewUserForm {
            role: Role::Admin.code().into(),
            ..form
        };
        let user = super::account::create_account(&form, None, true).await?;
        let session = crate::server::context::session()?;
        crate::server::session::sign_in(&session, &user.id, 1)
            .await
            .map_err(AppError::internal)?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Counts a password attempt (sign-in, or the current password when changing
/// it) for `login` from `address` before the password is read, and refuses
/// it, or holds it a while, when there have been too many failures. Returns
/// the attempt's id: it stays counted as a failure unless
/// [`password_attempt_succeeded`] takes it back.
#[cfg(feature = "ssr")]
pub(super) async fn begin_password_attempt(
    state: &crate::server::guard::AuthState,
    login: &str,
    address: &str,
) -> Result<String, AppError> {
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    // Failures are counted in the database, so every instance of a
    // deployment sees the same attempts. The attempt is written as a
    // failure, in the same write transaction that reads the ones before
    // it, before the limit is checked and the password read: guesses made
    // at once (on any instances) are put in one order and only the first
    // within the limit go ahead. It is taken back if it may not go ahead,
    // or succeeds.
    let rules = state.throttle_rules;
    let keys = crate::domain::login_throttle::keys(login, address);
    let since = now.saturating_sub(rules.window_seconds) as i64;
    let check = |failures: Vec<(String, i64)>| {
        crate::domain::login_throttle::LoginThrottle::with_failures(
            rules,
            failures.into_iter().map(|(k, at)| (k, at.max(0) as u64)),
        )
        .check(login, address, now)
    };
    let refused = |wait: crate::domain::login_throttle::Wait| AppError::TooManyAttempts {
        message: wait.message(),
        retry_after: wait.seconds,
    };
    // A first look without the write lock: a guess already over the limit
    // is refused without writing anything, so a flood of them does not
    // queue every other writer behind it.
    check(state.db.recent_sign_in_failures(&keys, since).await?).map_err(refused)?;
    let attempt = uuid::Uuid::new_v4().to_string();
    let failures = state
        .db
        .record_sign_in_failure(&keys, &attempt, now as i64, since)
        .await?;
    let slowdown = match check(failures) {
        Ok(slowdown) => slowdown,
        Err(wait) => {
            // (`context::finish` sends the wait as Retry-After.)
            state.db.forget_sign_in_attempt(&attempt).await?;
            return Err(refused(wait));
        }
    };
    if slowdown > 0 {
        // Many failures for this account from many places: each attempt
        // is held a few seconds before its password is checked (the
        // attempt already counts as a failure, so a caller who gives up
        // early learns nothing). Held, not refused: its owner gets in.
        tracing::info!(%login, %address, slowdown, "sign-in slowed");
        tokio::time::sleep(std::time::Duration::from_secs(slowdown)).await;
    }
    Ok(attempt)
}

/// Takes back a successful attempt and clears the failures a success
/// clears: the account's, and this address's for it (not other addresses'
/// for it, nor this address's for other accounts).
#[cfg(feature = "ssr")]
pub(super) async fn password_attempt_succeeded(
    state: &crate::server::guard::AuthState,
    attempt: &str,
    login: &str,
    address: &str,
) -> Result<(), AppError> {
    state.db.forget_sign_in_attempt(attempt).await?;
    for key in crate::domain::login_throttle::keys_cleared_by_success(login, address) {
        state.db.clear_sign_in_failures(&key).await?;
    }
    Ok(())
}
