//! Administration: people, their roles and standing, and the audit log.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::account::{NewUserForm, User};
use crate::domain::audit::AuditEntry;
use crate::domain::ids::{DeliveryId, UserId, WebhookId};
use crate::error::AppError;

/// The people page: every account, and who is looking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersView {
    pub users: Vec<User>,
    pub me: String,
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> Result<UsersView, AppError> {
    crate::server::context::serve("admin/users", async {
        Ok(UsersView {
            users: crate::server::context::db()?.users().await?,
            me: crate::server::context::current_user()?.id,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/create_user")]
pub async fn create_user(form: NewUserForm) -> Result<(), AppError> {
    crate::server::context::serve("admin/create_user", async {
        let actor = crate::server::context::actor()?;
        let user = super::account::create_account(&form, Some(actor), false).await?;
        // Back to the list, which says who was added (logins are letters,
        // digits and . _ - @, all safe in a query).
        leptos_axum::redirect(&format!("/admin/users?added={}#people", user.login));
        Ok(())
    })
    .await
}

/// Changes a person's display name, role or standing, from `version`.
/// `active` is "on" when the box is ticked (absent otherwise, as browsers send it).
#[server(prefix = "/api", endpoint = "admin/update_user")]
pub async fn update_user(
    id: UserId,
    version: String,
    display_name: String,
    role: String,
    active: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::account::{Role, check_display_name};
    crate::server::context::serve("admin/update_user", async {
        let base: i64 = version.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "version",
                "The form is missing its version; reload the page.",
            )
        })?;
        let display_name = check_display_name(&display_name)
            .map_err(|m| AppError::invalid_field("display_name", m))?;
        let role = Role::parse(&role).ok_or_else(|| {
            AppError::invalid_field("role", format!("Choose a role: {}.", Role::codes()))
        })?;
        let update = crate::db::UserUpdate {
            display_name,
            role,
            active: active
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "off"),
        };
        let saved = crate::server::context::db()?
            .update_user(
                id.as_str(),
                base,
                &update,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await;
        match saved {
            Ok(_) => {}
            Err(crate::db::DbError::Conflict { current }) => {
                return Err(AppError::conflict("account", current));
            }
            Err(other) => return Err(other.into()),
        }
        leptos_axum::redirect("/admin/users");
        Ok(())
    })
    .await
}

/// Sets a new password for someone who lost theirs; ends all their sessions.
#[server(prefix = "/api", endpoint = "admin/reset_password")]
pub async fn reset_password(
    id: UserId,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use crate::domain::account::check_new_password_pair;
    crate::server::context::serve("admin/reset_password", async {
        let db = crate::server::context::db()?;
        let user = db.user(id.as_str()).await?.ok_or(AppError::NotFound {
            what: "That account".into(),
        })?;
        check_new_password_pair(&password, &password_confirm, &user.login)
            .map_err(|e| AppError::invalid(vec![e]))?;
        let hash = crate::server::context::hashing(move || {
            crate::domain::password::hash_password(&password)
        })
        .await?
        .map_err(AppError::internal)?;
        db.set_password(
            id.as_str(),
            &hash,
            &crate::server::context::actor()?,
            chrono::Utc::now(),
        )
        .await?;
        leptos_axum::redirect("/admin/users");
        Ok(())
    })
    .await
}

/// One page of the audit log, newest first, times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPageView {
    pub entries: Vec<(AuditEntry, super::incidents::ShownTime)>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub older: Option<i64>,
}

#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn audit_log(before: Option<i64>) -> Result<AuditPageView, AppError> {
    crate::server::context::serve("admin/audit", async {
        let zone = super::viewer::viewer_zone();
        let entries = crate::server::context::db()?.audit_page(before).await?;
        let older = (entries.len() as i64 == crate::db::AUDIT_PAGE)
            .then(|| entries.last().map(|e| e.id))
            .flatten();
        Ok(AuditPageView {
            entries: super::history::with_shown_times(entries, zone),
            older,
        })
    })
    .await
}

/// The `/metrics` settings as the admin page shows them; never the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSettingsView {
    pub enabled: bool,
    /// "30, 90, 365".
    pub windows: String,
    /// A fresh random token the admin may use (the server keeps only the
    /// SHA-256 of the one set).
    pub suggestion: String,
}

#[server(prefix = "/api", endpoint = "admin/metrics")]
pub async fn metrics_settings() -> Result<MetricsSettingsView, AppError> {
    use crate::domain::metrics_export::windows_text;
    crate::server::context::serve("admin/metrics", async {
        let settings = crate::server::context::db()?.metrics_settings().await?;
        Ok(MetricsSettingsView {
            enabled: settings.token_sha256.is_some(),
            windows: windows_text(&settings.windows),
            suggestion: format!(
                "dbm_{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        })
    })
    .await
}

/// Changes the `/metrics` settings: the windows, a new bearer token, or
/// (with `turn_off`) no token, which turns the endpoint off. Each form sends
/// only its own fields.
#[server(prefix = "/api", endpoint = "admin/save_metrics")]
pub async fn save_metrics_settings(
    windows: Option<String>,
    token: Option<String>,
    turn_off: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::metrics_export::{check_token, parse_windows};
    crate::server::context::serve("admin/save_metrics", async {
        let db = crate::server::context::db()?;
        let current = db.metrics_settings().await?;
        let windows = match windows {
            Some(text) => {
                parse_windows(&text).map_err(|e| AppError::invalid_field("windows", e))?
            }
            None => current.windows,
        };
        let token = token.map(|t| t.trim().to_string());
        if let Some(t) = &token {
            check_token(t).map_err(|e| AppError::invalid_field("token", e))?;
        }
        let change = match (turn_off.is_some(), token.as_deref()) {
            (true, _) => Some(None),
            (false, Some(t)) => Some(Some(t)),
            (false, None) => None,
        };
        db.set_metrics_settings(
            &windows,
            change,
            &crate::server::context::actor()?,
            chrono::Utc::now(),
        )
        .await?;
        leptos_axum::redirect("/admin/metrics");
        Ok(())
    })
    .await
}

/// The webhook endpoints and the latest deliveries, for the admin page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub endpoints: Vec<crate::domain::webhook::WebhookEndpoint>,
    pub deliveries: Vec<crate::domain::webhook::DeliveryRecord>,
    /// A fresh random secret the admin may use.
    pub suggestion: String,
}

/// The deliveries the admin page lists, newest first.
pub const DELIVERIES_SHOWN: i64 = 100;

#[server(prefix = "/api", endpoint = "admin/webhooks")]
pub async fn list_webhooks() -> Result<WebhooksView, AppError> {
    crate::server::context::serve("admin/webhooks", async {
        let db = crate::server::context::db()?;
        Ok(WebhooksView {
            endpoints: db.webhooks().await?,
            // The delivery log names endpoints by host: a URL may carry a token.
            deliveries: db
                .recent_deliveries(DELIVERIES_SHOWN)
                .await?
                .into_iter()
                .map(|mut d| {
                    d.url = crate::domain::webhook::endpoint_label(&d.url);
                    d
                })
                .collect(),
            suggestion: format!(
                "whsec_{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/add_webhook")]
pub async fn add_webhook(url: String, secret: String) -> Result<(), AppError> {
    crate::server::context::serve("admin/add_webhook", async {
        use crate::domain::metrics_export::check_token;
        let url = url.trim();
        crate::domain::webhook::check_url(url).map_err(|e| AppError::invalid_field("url", e))?;
        use crate::server::webhooks::{allowed_networks, check_target};
        check_target(url, allowed_networks()).map_err(|e| AppError::invalid_field("url", e))?;
        let secret = secret.trim();
        check_token(secret)
            .map_err(|e| AppError::invalid_field("secret", e.replace("token", "secret")))?;
        crate::server::context::db()?
            .add_webhook(
                url,
                secret,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        leptos_axum::redirect("/admin/webhooks");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/set_webhook_active")]
pub async fn set_webhook_active(id: WebhookId, active: String) -> Result<(), AppError> {
    crate::server::context::serve("admin/set_webhook_active", async {
        crate::server::context::db()?
            .set_webhook_active(
                id.as_str(),
                active == "yes",
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        leptos_axum::redirect("/admin/webhooks");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/retry_delivery")]
pub async fn retry_delivery(id: DeliveryId) -> Result<(), AppError> {
    crate::server::context::serve("admin/retry_delivery", async {
        crate::server::context::db()?
            .retry_delivery(id.as_str(), chrono::Utc::now())
            .await?;
        leptos_axum::redirect("/admin/webhooks");
        Ok(())
    })
    .await
}

/// The blameless language rules: the defaults (read-only) and the text of
/// the rules an administrator added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageRulesView {
    pub defaults: Vec<crate::domain::blameless::Rule>,
    pub added_text: String,
}

#[server(prefix = "/api", endpoint = "admin/language_rules")]
pub async fn language_rules() -> Result<LanguageRulesView, AppError> {
    crate::server::context::serve("admin/language_rules", async {
        Ok(LanguageRulesView {
            defaults: crate::domain::blameless::default_rules(),
            added_text: crate::server::context::db()?
                .added_language_rules_text()
                .await?,
        })
    })
    .await
}

/// Replaces the added rules. A line that does not parse refuses the whole
/// text, naming the line; nothing is stored.
#[server(prefix = "/api", endpoint = "admin/save_language_rules")]
pub async fn save_language_rules(rules: String) -> Result<(), AppError> {
    crate::server::context::serve("admin/save_language_rules", async {
        let text = rules.replace("\r\n", "\n");
        crate::domain::blameless::parse_rules(&text)
            .map_err(|message| AppError::invalid_field("rules", message).with_echo(&rules))?;
        crate::server::context::db()?
            .set_added_language_rules(&text, &crate::server::context::actor()?, chrono::Utc::now())
            .await?;
        leptos_axum::redirect("/admin/language");
        Ok(())
    })
    .await
}
