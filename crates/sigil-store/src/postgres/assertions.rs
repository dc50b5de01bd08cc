//! Client assertion ids (RFC 7523 §3 item 7), each accepted once: one atomic upsert decides,
//! so of concurrent presentations on any number of nodes exactly one is fresh.

use async_trait::async_trait;

use super::{PostgresStore, require_realm};
use crate::{AssertionStore, RealmName, Result};

#[async_trait]
impl AssertionStore for PostgresStore {
    async fn record_assertion(
        &self,
        realm: &RealmName,
        client_id: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        require_realm(&self.pool, realm).await?;
        // ON CONFLICT locks the existing row: a concurrent insert of the same id waits for
        // this one, then sees its row. An expired row (not yet purged) is taken over; a live
        // one is left alone, and then no row changes: a replay.
        let done = sqlx::query(
            "INSERT INTO client_assertions (realm, client_id, jti, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (realm, client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
             WHERE client_assertions.expires_at <= $5",
        )
        .bind(realm.as_str())
        .bind(client_id)
        .bind(jti)
        .bind(expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
