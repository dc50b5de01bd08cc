//! The login throttle: failures per key in fixed windows, counted by one atomic upsert so that
//! concurrent failures on any number of nodes are all counted.

use async_trait::async_trait;
use sqlx::Row as _;

use super::{PostgresStore, require_realm, to_u32};
use crate::{RealmName, Result, ThrottleStore};

#[async_trait]
impl ThrottleStore for PostgresStore {
    async fn record_login_failure(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, i64)> {
        require_realm(&self.pool, realm).await?;
        // One statement reads and writes the row: ON CONFLICT DO UPDATE locks the existing
        // row (a concurrent failure waits, then updates the row this one committed), so no
        // failure is lost. The right-hand sides see the row as it was.
        let row = sqlx::query(
            "INSERT INTO login_failures (realm, key, failures, window_start, last_failure_at)
             VALUES ($1, $2, 1, $3, $3)
             ON CONFLICT (realm, key) DO UPDATE SET
                 failures = CASE WHEN login_failures.window_start + $4 <= EXCLUDED.window_start
                                 THEN 1 ELSE login_failures.failures + 1 END,
                 window_start = CASE WHEN login_failures.window_start + $4 <= EXCLUDED.window_start
                                     THEN EXCLUDED.window_start
                                     ELSE login_failures.window_start END,
                 last_failure_at = GREATEST(login_failures.last_failure_at,
                                            EXCLUDED.last_failure_at)
             RETURNING failures, window_start",
        )
        .bind(realm.as_str())
        .bind(key)
        .bind(now)
        .bind(window_secs)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            to_u32(row.try_get("failures")?),
            row.try_get("window_start")?,
        ))
    }

    async fn login_failures(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, Option<i64>)> {
        let row = sqlx::query(
            "SELECT failures, window_start, last_failure_at FROM login_failures
             WHERE realm = $1 AND key = $2",
        )
        .bind(realm.as_str())
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok((0, None));
        };
        let window_start: i64 = row.try_get("window_start")?;
        let last: i64 = row.try_get("last_failure_at")?;
        let failures = if window_start.saturating_add(window_secs) <= now {
            0
        } else {
            to_u32(row.try_get("failures")?)
        };
        Ok((failures, Some(last)))
    }

    async fn clear_login_failures(&self, realm: &RealmName, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE realm = $1 AND key = $2")
            .bind(realm.as_str())
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
