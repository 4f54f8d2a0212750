//! Settings an administrator changes in the app: the `/metrics` bearer
//! token (its SHA-256 only) and windows, the countermeasure board's
//! work-in-progress limits, and the blameless language rules added to the
//! defaults. Every change is audited.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::audit::{Change, record};
use super::{Db, DbError, Tx, sql, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::blameless::{Rule, default_rules, parse_rules};
use crate::domain::countermeasure::{CmStatus, DEFAULT_WIP, parse_wip_limits, wip_limits_text};
use crate::domain::metrics_export::{DEFAULT_WINDOWS, parse_windows, windows_text};
use crate::domain::review::ReviewPolicy;

const TOKEN_KEY: &str = "metrics_token_sha256";
const WINDOWS_KEY: &str = "metrics_windows";
const WIP_KEY: &str = "board_wip_limits";
const LANGUAGE_KEY: &str = "blameless_rules_added";
const REVIEW_KEY: &str = "review_due_days";

/// Stores a setting in the transaction that audits it.
async fn put(tx: &mut Tx, key: &str, value: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    sql(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(to_epoch(now))
    .execute(tx)
    .await?;
    Ok(())
}

/// Audits a change to one group of settings, in the transaction that made it.
async fn record_settings(
    tx: &mut Tx,
    actor: &Actor,
    (object_id, object_label): (&str, &str),
    changes: &[FieldChange],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record(
        tx,
        actor,
        Change {
            action: "updated",
            object_kind: "settings",
            object_id,
            object_label,
            changes,
            incident_id: None,
        },
        now,
    )
    .await
}

/// The `/metrics` settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    /// Hex SHA-256 of the bearer token; `None`: the endpoint is off.
    pub token_sha256: Option<String>,
    pub windows: Vec<u32>,
}

/// Hex SHA-256 of a token.
pub fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Db {
    /// The board's work-in-progress limits, as (column, limit), in column
    /// order.
    pub async fn wip_limits(&self) -> Result<Vec<(CmStatus, u32)>, DbError> {
        let text = self.setting(WIP_KEY).await?;
        Ok(parse_wip_limits(text.as_deref().unwrap_or(DEFAULT_WIP)).unwrap_or_default())
    }

    /// Replaces the board's work-in-progress limits (none: no column has
    /// one), audited.
    pub async fn set_wip_limits(
        &self,
        limits: &[(CmStatus, u32)],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let before = wip_limits_text(&self.wip_limits().await?);
        let after = wip_limits_text(limits);
        if before == after {
            return Ok(());
        }
        let mut tx = self.write().await?;
        put(&mut tx, WIP_KEY, &after, now).await?;
        let shown = |t: String| {
            if t.is_empty() {
                "no limits".to_string()
            } else {
                t
            }
        };
        record_settings(
            &mut tx,
            actor,
            ("board", "Countermeasure board"),
            &[FieldChange {
                field: "work-in-progress limits".into(),
                before: shown(before),
                after: shown(after),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The language rules an administrator added, as typed (one rule a
    /// line; see `domain::blameless::parse_rules`).
    pub async fn added_language_rules_text(&self) -> Result<String, DbError> {
        Ok(self.setting(LANGUAGE_KEY).await?.unwrap_or_default())
    }

    /// The added rules, parsed. Stored text that no longer parses (it was
    /// checked when saved) gives none rather than failing a page.
    pub async fn added_language_rules(&self) -> Result<Vec<Rule>, DbError> {
        Ok(parse_rules(&self.added_language_rules_text().await?).unwrap_or_default())
    }

    /// Every rule the language check applies: the defaults, then the added.
    pub async fn language_rules(&self) -> Result<Vec<Rule>, DbError> {
        let mut rules = default_rules();
        rules.extend(self.added_language_rules().await?);
        Ok(rules)
    }

    /// Replaces the added rules (already checked with `parse_rules`),
    /// audited with the number of rules before and after.
    pub async fn set_added_language_rules(
        &self,
        text: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let before = self.added_language_rules_text().await?;
        if before == text {
            return Ok(());
        }
        let count = |t: &str| parse_rules(t).map_or(0, |r| r.len()).to_string() + " added rules";
        let mut tx = self.write().await?;
        put(&mut tx, LANGUAGE_KEY, text, now).await?;
        record_settings(
            &mut tx,
            actor,
            ("language", "Blameless language rules"),
            &[FieldChange {
                field: "added rules".into(),
                before: count(&before),
                after: count(text),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Working days from resolution to review, by severity.
    pub async fn review_policy(&self) -> Result<ReviewPolicy, DbError> {
        let text = self.setting(REVIEW_KEY).await?;
        Ok(text
            .and_then(|t| ReviewPolicy::parse(&t).ok())
            .unwrap_or_default())
    }

    /// Replaces the review policy, audited.
    pub async fn set_review_policy(
        &self,
        policy: &ReviewPolicy,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let before = self.review_policy().await?;
        if before == *policy {
            return Ok(());
        }
        let mut tx = self.write().await?;
        put(&mut tx, REVIEW_KEY, &policy.text(), now).await?;
        record_settings(
            &mut tx,
            actor,
            ("reviews", "Review due dates"),
            &[FieldChange {
                field: "working days to review".into(),
                before: before.text(),
                after: policy.text(),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, DbError> {
        Ok(sql("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .scalar_optional(self)
            .await?)
    }

    pub async fn metrics_settings(&self) -> Result<MetricsSettings, DbError> {
        let windows = self
            .setting(WINDOWS_KEY)
            .await?
            .and_then(|w| parse_windows(&w).ok())
            .unwrap_or_else(|| DEFAULT_WINDOWS.to_vec());
        Ok(MetricsSettings {
            token_sha256: self.setting(TOKEN_KEY).await?,
            windows,
        })
    }

    /// Sets the windows and, when given, a new token (`Some(None)` turns the
    /// endpoint off), in one audited transaction.
    pub async fn set_metrics_settings(
        &self,
        windows: &[u32],
        token: Option<Option<&str>>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let before = self.metrics_settings().await?;
        let mut tx = self.write().await?;
        let mut changes = Vec::new();
        if before.windows != windows {
            put(&mut tx, WINDOWS_KEY, &windows_text(windows), now).await?;
            changes.push(FieldChange {
                field: "windows (days)".into(),
                before: windows_text(&before.windows),
                after: windows_text(windows),
            });
        }
        let was = if before.token_sha256.is_some() {
            "set"
        } else {
            "off"
        };
        match token {
            Some(Some(token)) => {
                put(&mut tx, TOKEN_KEY, &token_digest(token), now).await?;
                changes.push(FieldChange {
                    field: "bearer token".into(),
                    before: was.into(),
                    after: "replaced".into(),
                });
            }
            Some(None) => {
                sql("DELETE FROM settings WHERE key = $1")
                    .bind(TOKEN_KEY)
                    .execute(&mut tx)
                    .await?;
                changes.push(FieldChange {
                    field: "bearer token".into(),
                    before: was.into(),
                    after: "off".into(),
                });
            }
            None => {}
        }
        if !changes.is_empty() {
            record_settings(
                &mut tx,
                actor,
                ("metrics", "Metrics endpoint"),
                &changes,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
