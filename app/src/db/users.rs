//! Accounts: create, sign-in lookups, roles, passwords. Every change is
//! written to the audit log in the same transaction.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::{Db, DbError, DbRow, Tx, sql, to_epoch};
use crate::domain::account::{Role, User};
use crate::domain::audit::{Actor, FieldChange};

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub session_epoch: i64,
}

/// An account to store: validated, with its password already hashed.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

impl UserRecord {
    /// The record for a validated new account, its password hashed (slow by
    /// design: call it off the request threads).
    pub fn hashing(new: crate::domain::account::NewUser) -> Result<Self, String> {
        Ok(UserRecord {
            password_hash: crate::domain::password::hash_password(&new.password)?,
            login: new.login,
            display_name: new.display_name,
            role: new.role,
        })
    }
}

/// A change to an account's name, role or standing, made from `version`.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

fn user_from_row(row: &impl DbRow) -> Result<User, DbError> {
    let role: String = row.col("role")?;
    Ok(User {
        id: row.col("id")?,
        login: row.col("login")?,
        display_name: row.col("display_name")?,
        role: Role::parse(&role).ok_or_else(|| {
            DbError::Sqlx(sqlx::Error::Decode(format!("unknown role {role:?}").into()))
        })?,
        active: row.col("active")?,
        version: row.col("version")?,
    })
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Db {
    /// True once any account exists (first-run setup is then closed).
    pub async fn has_users(&self) -> Result<bool, DbError> {
        Ok(sql("SELECT EXISTS (SELECT 1 FROM users)")
            .scalar(self)
            .await?)
    }

    /// Stores a new account. With `only_if_none`, refuses (`SetupDone`) when
    /// any account exists, checked inside the write so two first visitors
    /// cannot both become administrator.
    pub async fn create_user(
        &self,
        record: &UserRecord,
        actor: &Actor,
        only_if_none: bool,
        now: DateTime<Utc>,
    ) -> Result<User, DbError> {
        let mut tx = self.write().await?;
        if only_if_none {
            let exists: bool = sql("SELECT EXISTS (SELECT 1 FROM users)")
                .scalar(&mut tx)
                .await?;
            if exists {
                return Err(DbError::SetupDone);
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let inserted = sql(
            "INSERT INTO users (id, login, display_name, password_hash, role, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(&record.login)
        .bind(&record.display_name)
        .bind(&record.password_hash)
        .bind(record.role.code())
        .bind(to_epoch(now))
        .bind(to_epoch(now))
        .execute(&mut tx)
        .await
        .map(|_| ());
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(DbError::Taken),
            other => other?,
        };
        let user = User {
            id,
            login: record.login.clone(),
            display_name: record.display_name.clone(),
            role: record.role,
            active: true,
            version: 1,
        };
        let changes = [
            FieldChange {
                field: "Login name".into(),
                before: String::new(),
                after: user.login.clone(),
            },
            FieldChange {
                field: "Display name".into(),
                before: String::new(),
                after: user.display_name.clone(),
            },
            FieldChange {
                field: "Role".into(),
                before: String::new(),
                after: user.role.label().into(),
            },
        ];
        record_user_change(&mut tx, actor, "created", &user, &changes, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The account with this login name, for signing in.
    pub async fn credentials(&self, login: &str) -> Result<Option<Credentials>, DbError> {
        let row = sql("SELECT * FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(self)
            .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.col("password_hash")?,
                session_epoch: row.col("session_epoch")?,
            })
        })
        .transpose()
    }

    /// The account a session belongs to, if it is still active and the session
    /// was made under its current epoch (no password change or disabling since).
    pub async fn user_for_session(&self, id: &str, epoch: i64) -> Result<Option<User>, DbError> {
        let row = sql("SELECT * FROM users WHERE id = $1 AND active = TRUE AND session_epoch = $2")
            .bind(id)
            .bind(epoch)
            .fetch_optional(self)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, DbError> {
        let row = sql("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(self)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account, by login name.
    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        let rows = sql("SELECT * FROM users ORDER BY login")
            .fetch_all(self)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Changes an account's display name, role or standing if it is still at
    /// `base_version`. Refuses to leave Debrief without an active administrator.
    /// Disabling ends the account's sessions.
    pub async fn update_user(
        &self,
        id: &str,
        base_version: i64,
        update: &UserUpdate,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<User, DbError> {
        let mut tx = self.write().await?;
        let row = sql("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
        let before = row.as_ref().map(user_from_row).transpose()?;
        let Some(before) = before else {
            return Err(DbError::NotFound(crate::domain::missing::Missing::Account));
        };
        if before.version != base_version {
            return Err(DbError::Conflict {
                current: before.version,
            });
        }
        let was_admin = before.active && before.role == Role::Admin;
        let stays_admin = update.active && update.role == Role::Admin;
        if was_admin && !stays_admin {
            let others: i64 = sql(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE AND id <> $1",
            )
            .bind(id)
            .scalar(&mut tx)
            .await?;
            if others == 0 {
                return Err(DbError::LastAdmin);
            }
        }
        let bump_epoch = before.active && !update.active;
        sql(
            "UPDATE users SET display_name = $1, role = $2, active = $3, \
             session_epoch = session_epoch + $4, version = version + 1, updated_at = $5 \
             WHERE id = $6 AND version = $7",
        )
        .bind(&update.display_name)
        .bind(update.role.code())
        .bind(update.active)
        .bind(i64::from(bump_epoch))
        .bind(to_epoch(now))
        .bind(id)
        .bind(base_version)
        .execute(&mut tx)
        .await?;
        let after = User {
            display_name: update.display_name.clone(),
            role: update.role,
            active: update.active,
            version: before.version + 1,
            ..before.clone()
        };
        let standing = |active: bool| if active { "Active" } else { "Disabled" }.to_string();
        let changes: Vec<FieldChange> = [
            (
                "Display name",
                before.display_name.clone(),
                after.display_name.clone(),
            ),
            (
                "Role",
                before.role.label().into(),
                after.role.label().into(),
            ),
            ("Standing", standing(before.active), standing(after.active)),
        ]
        .into_iter()
        .filter(|(_, b, a)| a != b)
        .map(|(field, before, after)| FieldChange {
            field: field.into(),
            before,
            after,
        })
        .collect();
        if !changes.is_empty() {
            record_user_change(&mut tx, actor, "updated", &after, &changes, now).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Replaces an account's password hash and ends all its sessions (the
    /// caller re-issues its own). Returns the new session epoch.
    pub async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let row = sql(
            "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, \
             version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(password_hash)
        .bind(to_epoch(now))
        .bind(id)
        .fetch_optional(&mut tx)
        .await?;
        let updated: Option<(User, i64)> = match row {
            Some(row) => Some((user_from_row(&row)?, row.col("session_epoch")?)),
            None => None,
        };
        let Some((user, epoch)) = updated else {
            return Err(DbError::NotFound(crate::domain::missing::Missing::Account));
        };
        let action = if actor.user_id.as_deref() == Some(id) {
            "password_changed"
        } else {
            "password_reset"
        };
        let changes = [FieldChange {
            field: "Password".into(),
            before: String::new(),
            after: "(changed; other sessions ended)".into(),
        }];
        record_user_change(&mut tx, actor, action, &user, &changes, now).await?;
        tx.commit().await?;
        Ok(epoch)
    }
}

async fn record_user_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    user: &User,
    changes: &[FieldChange],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "user",
            object_id: &user.id,
            object_label: &user.label(),
            changes,
            incident_id: None,
        },
        now,
    )
    .await
}
