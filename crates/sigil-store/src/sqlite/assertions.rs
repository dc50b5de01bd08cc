//! Client assertion ids (RFC 7523 §3 item 7), each accepted once: one atomic upsert decides,
//! so of concurrent presentations on any number of nodes exactly one is fresh.

use async_trait::async_trait;

use super::{SqliteStore, begin_write, require_realm};
use crate::{AssertionStore, RealmName, Result};

#[async_trait]
impl AssertionStore for SqliteStore {
    async fn record_assertion(
        &self,
        realm: &RealmName,
        client_id: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        // A row the janitor has not reached yet but that expired by `now` no longer counts:
        // it is taken over. A live row is left alone, and then no row changes: a replay.
        let done = sqlx::query(
            "INSERT INTO client_assertions (realm, client_id, jti, expires_at)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (realm, client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
             WHERE client_assertions.expires_at <= ?",
        )
        .bind(realm.as_str())
        .bind(client_id)
        .bind(jti)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
