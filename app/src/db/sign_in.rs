//! Failed sign-ins, for the sign-in rate limit
//! ([`crate::domain::login_throttle`]): stored so that every instance on one
//! database counts the same attempts.

use super::{Db, DbError, sql};

impl Db {
    /// The failures recorded under `keys` at or after `since` (epoch
    /// seconds), read without the write lock: a cheap first look.
    pub async fn recent_sign_in_failures(
        &self,
        keys: &[String],
        since: i64,
    ) -> Result<Vec<(String, i64)>, DbError> {
        let mut out = Vec::new();
        for key in keys {
            let times: Vec<i64> =
                sql("SELECT at FROM sign_in_failures WHERE key = $1 AND at >= $2 ORDER BY at")
                    .bind(key)
                    .bind(since)
                    .scalars(self)
                    .await?;
            out.extend(times.into_iter().map(|at| (key.clone(), at)));
        }
        Ok(out)
    }

    /// Records attempt `attempt` as failed under each of `keys`, forgets
    /// failures older than `since` (epoch seconds), and returns the failures
    /// recorded under `keys` before this one, oldest first.
    ///
    /// Reading and writing happen in one write transaction, so attempts made
    /// at once, on any instance, are put in one order: each sees exactly the
    /// attempts before it, and the first ones within the limit go ahead.
    pub async fn record_sign_in_failure(
        &self,
        keys: &[String],
        attempt: &str,
        at: i64,
        since: i64,
    ) -> Result<Vec<(String, i64)>, DbError> {
        let mut tx = self.write().await?;
        sql("DELETE FROM sign_in_failures WHERE at < $1")
            .bind(since)
            .execute(&mut tx)
            .await?;
        let mut earlier = Vec::new();
        for key in keys {
            let times: Vec<i64> = sql("SELECT at FROM sign_in_failures WHERE key = $1 ORDER BY at")
                .bind(key)
                .scalars(&mut tx)
                .await?;
            earlier.extend(times.into_iter().map(|at| (key.clone(), at)));
        }
        for key in keys {
            sql("INSERT INTO sign_in_failures (key, attempt, at) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(attempt)
                .bind(at)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(earlier)
    }

    /// Takes back attempt `attempt` (it succeeded, or was not allowed).
    pub async fn forget_sign_in_attempt(&self, attempt: &str) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        sql("DELETE FROM sign_in_failures WHERE attempt = $1")
            .bind(attempt)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }

    /// Forgets the failures recorded under `key` (a successful sign-in).
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        sql("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }
}
