//! The janitor's deletes: rows that can no longer matter, at most `batch` per table per call,
//! each statement its own short transaction so that a large backlog never holds many row
//! locks for long. Several nodes may purge at once: a row two of them pick is deleted by one,
//! and the other's DELETE skips it.

use async_trait::async_trait;
use sqlx::PgPool;

use super::{PostgresStore, feed};
use crate::{CODE_REPLAY_RETENTION_SECS, JanitorStore, PurgeReport, Result};

/// Each statement deletes up to `$2` rows of one table that are dead at `$1`.
/// A code is kept [`CODE_REPLAY_RETENTION_SECS`] (`$3`) past its expiry: a replay in that
/// time is still recognised as one, and revokes what the first redemption issued.
const CODES: &str = "DELETE FROM authorization_codes WHERE (realm, code_hash) IN
    (SELECT realm, code_hash FROM authorization_codes WHERE expires_at <= $1::BIGINT - $3::BIGINT LIMIT $2)";
/// A grant's refresh tokens go with it (`ON DELETE CASCADE`); none outlives its grant.
const GRANTS: &str = "DELETE FROM grants WHERE (realm, id) IN
    (SELECT realm, id FROM grants WHERE expires_at <= $1 LIMIT $2)";
const PUSHED_REQUESTS: &str = "DELETE FROM pushed_requests WHERE (realm, uri_hash) IN
    (SELECT realm, uri_hash FROM pushed_requests WHERE expires_at <= $1 LIMIT $2)";
const SESSIONS: &str = "DELETE FROM sessions WHERE (realm, id) IN
    (SELECT realm, id FROM sessions WHERE expires_at <= $1 LIMIT $2)";
/// A failure counts only within its realm's window (`login_failure_window_secs`, 15 minutes
/// when a realm's settings predate it): once the last failure is that old, the row says
/// nothing any more.
const THROTTLE: &str = "DELETE FROM login_failures WHERE (realm, key) IN
    (SELECT f.realm, f.key FROM login_failures f JOIN realms r ON r.name = f.realm
     WHERE f.last_failure_at
         + COALESCE((r.settings::jsonb ->> 'login_failure_window_secs')::BIGINT, 900) <= $1
     LIMIT $2)";

/// An assertion id matters only while the assertion could be accepted.
const ASSERTIONS: &str = "DELETE FROM client_assertions WHERE (realm, client_id, jti) IN
    (SELECT realm, client_id, jti FROM client_assertions WHERE expires_at <= $1 LIMIT $2)";

#[async_trait]
impl JanitorStore for PostgresStore {
    async fn purge_expired(&self, now: i64, batch: u32) -> Result<PurgeReport> {
        let pool = &self.pool;
        let batch = i64::from(batch);
        Ok(PurgeReport {
            codes: sqlx::query(CODES)
                .bind(now)
                .bind(batch)
                .bind(CODE_REPLAY_RETENTION_SECS)
                .execute(pool)
                .await?
                .rows_affected(),
            grants: delete(pool, GRANTS, now, batch).await?,
            sessions: delete(pool, SESSIONS, now, batch).await?,
            throttle: delete(pool, THROTTLE, now, batch).await?,
            pushed_requests: delete(pool, PUSHED_REQUESTS, now, batch).await?,
            assertions: delete(pool, ASSERTIONS, now, batch).await?,
            feed: {
                let mut tx = pool.begin().await?;
                let purged = feed::purge_batch(&mut tx, now, batch).await?;
                tx.commit().await?;
                purged
            },
        })
    }
}

async fn delete(pool: &PgPool, statement: &'static str, now: i64, batch: i64) -> Result<u64> {
    let done = sqlx::query(statement)
        .bind(now)
        .bind(batch)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
