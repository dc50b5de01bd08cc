//! The janitor's deletes: rows that can no longer matter, at most `batch` per table per call,
//! each table in its own short write transaction so that a large backlog never holds SQLite's
//! write lock for long (requests queue behind it).

use async_trait::async_trait;
use sqlx::SqlitePool;

use super::{SqliteStore, begin_write, feed};
use crate::{CODE_REPLAY_RETENTION_SECS, JanitorStore, PurgeReport, Result};

/// Each statement deletes up to `?2` rows of one table that are dead at `?1`.
/// A code is kept [`CODE_REPLAY_RETENTION_SECS`] past its expiry: a replay in that time is
/// still recognised as one, and revokes what the first redemption issued.
const CODES: &str = "DELETE FROM authorization_codes WHERE rowid IN
    (SELECT rowid FROM authorization_codes WHERE expires_at <= ?1 - ?3 LIMIT ?2)";
/// A grant's refresh tokens go with it (`ON DELETE CASCADE`); none outlives its grant.
const GRANTS: &str = "DELETE FROM grants WHERE rowid IN
    (SELECT rowid FROM grants WHERE expires_at <= ?1 LIMIT ?2)";
const PUSHED_REQUESTS: &str = "DELETE FROM pushed_requests WHERE rowid IN
    (SELECT rowid FROM pushed_requests WHERE expires_at <= ?1 LIMIT ?2)";
const SESSIONS: &str = "DELETE FROM sessions WHERE rowid IN
    (SELECT rowid FROM sessions WHERE expires_at <= ?1 LIMIT ?2)";
/// A failure counts only within its realm's window (`login_failure_window_secs`, 15 minutes
/// when a realm's settings predate it): once the last failure is that old, the row says
/// nothing any more.
const THROTTLE: &str = "DELETE FROM login_failures WHERE rowid IN
    (SELECT f.rowid FROM login_failures f JOIN realms r ON r.name = f.realm
     WHERE f.last_failure_at
         + COALESCE(json_extract(r.settings, '$.login_failure_window_secs'), 900) <= ?1
     LIMIT ?2)";

/// An assertion id matters only while the assertion could be accepted.
const ASSERTIONS: &str = "DELETE FROM client_assertions WHERE rowid IN
    (SELECT rowid FROM client_assertions WHERE expires_at <= ?1 LIMIT ?2)";

#[async_trait]
impl JanitorStore for SqliteStore {
    async fn purge_expired(&self, now: i64, batch: u32) -> Result<PurgeReport> {
        let pool = &self.pool;
        Ok(PurgeReport {
            codes: delete(pool, CODES, now, batch).await?,
            grants: delete(pool, GRANTS, now, batch).await?,
            sessions: delete(pool, SESSIONS, now, batch).await?,
            throttle: delete(pool, THROTTLE, now, batch).await?,
            pushed_requests: delete(pool, PUSHED_REQUESTS, now, batch).await?,
            assertions: delete(pool, ASSERTIONS, now, batch).await?,
            feed: {
                let mut tx = begin_write(pool).await?;
                let purged = feed::purge_batch(&mut tx, now, batch).await?;
                tx.commit().await?;
                purged
            },
        })
    }
}

async fn delete(pool: &SqlitePool, statement: &'static str, now: i64, batch: u32) -> Result<u64> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(statement)
        .bind(now)
        .bind(i64::from(batch))
        .bind(CODE_REPLAY_RETENTION_SECS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
