//! Pushed authorization requests (RFC 9126): stored by the digest of their `request_uri`,
//! taken once.

use async_trait::async_trait;

use super::{PostgresStore, conflict_as, require_realm};
use crate::{PushedRequestRecord, PushedRequestStore, RealmName, Result};

type Row = (Vec<u8>, String, String, i64, i64);

#[async_trait]
impl PushedRequestStore for PostgresStore {
    async fn insert_pushed_request(
        &self,
        realm: &RealmName,
        request: &PushedRequestRecord,
    ) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(
            "INSERT INTO pushed_requests
                 (realm, uri_hash, client_id, parameters, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(realm.as_str())
        .bind(&request.uri_hash)
        .bind(&request.client_id)
        .bind(&request.parameters)
        .bind(request.created_at)
        .bind(request.expires_at)
        .execute(&self.pool)
        .await
        .map_err(conflict_as(|| "pushed request".to_owned()))?;
        Ok(())
    }

    async fn take_pushed_request(
        &self,
        realm: &RealmName,
        uri_hash: &[u8],
        now: i64,
    ) -> Result<Option<PushedRequestRecord>> {
        // One DELETE … RETURNING: a concurrent taker waits on the row lock and then finds the
        // row gone, so exactly one gets it. An expired one is deleted too, and taken by nobody.
        let taken: Option<Row> = sqlx::query_as(
            "DELETE FROM pushed_requests WHERE realm = $1 AND uri_hash = $2
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
