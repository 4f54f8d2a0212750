//! The signed-in person's own account: changing the password.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::domain::account::NewUserForm;
use crate::error::AppError;

/// Validates, hashes and stores a new account; the audit row names `actor`
/// (the person itself at first-run setup). Errors carry the form, passwords
/// blanked.
#[cfg(feature = "ssr")]
pub(crate) async fn create_account(
    form: &NewUserForm,
    actor: Option<crate::domain::audit::Actor>,
    only_if_none: bool,
) -> Result<crate::domain::account::User, AppError> {
    let echo = form.without_passwords();
    let new = form
        .validate()
        .map_err(|errors| AppError::invalid(errors).with_echo(&echo))?;
    let actor = actor.unwrap_or_else(|| crate::domain::audit::Actor {
        user_id: None,
        name: format!("{} ({}), first-run setup", new.display_name, new.login),
    });
    let record = crate::server::context::hashing(move || crate::db::UserRecord::hashing(new))
        .await?
        .map_err(AppError::internal)?;
    let created = crate::server::context::db()?
        .create_user(&record, &actor, only_if_none, chrono::Utc::now())
        .await;
    created.map_err(|e| AppError::from(e).with_echo(&echo))
}

/// Changes the caller's password, given the current one. Every other session
/// of the account ends; this one stays signed in.
#[server(prefix = "/api", endpoint = "account/change_password")]
pub async fn change_password(
    current: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use crate::domain::account::check_new_password_pair;
    use crate::domain::password::{hash_password, verify_password};
    crate::server::context::serve("account/change_password", async {
        let user = crate::server::context::current_user()?;
        let db = crate::server::context::db()?;
        let stored = db
            .credentials(&user.login)
            .await?
            .ok_or(AppError::SignInRequired)?;
        let hash = stored.password_hash.clone();
        // A wrong current password is a guess like a failed sign-in, and
        // counts (and waits) the same way.
        let state = crate::server::context::auth_state()?;
        let address = crate::server::context::client_address();
        let attempt = super::auth::begin_password_attempt(&state, &user.login, &address).await?;
        if !crate::server::context::hashing(move || verify_password(&current, &hash)).await? {
            return Err(AppError::invalid_field(
                "current",
                "That is not your current password; nothing was changed.",
            ));
        }
        super::auth::password_attempt_succeeded(&state, &attempt, &user.login, &address).await?;
        check_new_password_pair(&password, &password_confirm, &user.login)
            .map_err(|e| AppError::invalid(vec![e]))?;
        let new_hash = crate::server::context::hashing(move || hash_password(&password))
            .await?
            .map_err(AppError::internal)?;
        let epoch = db
            .set_password(
                &user.id,
                &new_hash,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        crate::server::session::store(&crate::server::context::session()?, &user.id, epoch)
            .await
            .map_err(AppError::internal)?;
        leptos_axum::redirect("/account?changed=1");
        Ok(())
    })
    .await
}
