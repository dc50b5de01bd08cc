//! Pushed authorization requests (RFC 9126): stored by the digest of their `request_uri`,
//! taken once.

use async_trait::async_trait;

use super::{SqliteStore, begin_write, conflict_as, require_realm};
use crate::{PushedRequestRecord, PushedRequestStore, RealmName, Result};

type Row = (Vec<u8>, String, String, i64, i64);

#[async_trait]
impl PushedRequestStore for SqliteStore {
    async fn insert_pushed_request(
        &self,
        realm: &RealmName,
        request: &PushedRequestRecord,
    ) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO pushed_requests
                 (realm, uri_hash, client_id, parameters, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(realm.as_str())
        .bind(&request.uri_hash)
        .bind(&request.client_id)
        .bind(&request.parameters)
        .bind(request.created_at)
        .bind(request.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as(|| "pushed request".to_owned()))?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_pushed_request(
        &self,
        realm: &RealmName,
        uri_hash: &[u8],
        now: i64,
    ) -> Result<Option<PushedRequestRecord>> {
        // One DELETE … RETURNING: SQLite runs it under the write lock, so exactly one taker
        // gets the row. An expired one is deleted too, and taken by nobody.
        let taken: Option<Row> = sqlx::query_as(
            "DELETE FROM pushed_requests WHERE realm = ? AND uri_hash = ?
             RETURNING uri_hash, client_id, parameters, created_at, expires_at",
        )
        .bind(realm.as_str())
        .bind(uri_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(taken.map(record).filter(|r| r.expires_at > now))
    }
}

fn record((uri_hash, client_id, parameters, created_at, expires_at): Row) -> PushedRequestRecord {
    PushedRequestRecord {
        uri_hash,
        client_id,
        parameters,
        created_at,
        expires_at,
    }
}
