use async_trait::async_trait;
use sqlx::postgres::PgConnection;

use super::records::key;
use super::{PostgresStore, bump_realm_version, conflict_as, feed};
use crate::{KeyRecord, KeyStore, RealmName, Result, StoreError};

#[async_trait]
impl KeyStore for PostgresStore {
    async fn list_keys(&self, realm: &RealmName) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, alg, public_jwk, private_sealed, created_at, publish_at, activate_at,
                    retired_at, origin
             FROM signing_keys WHERE realm = $1 ORDER BY created_at, kid",
        )
        .bind(realm.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key).collect()
    }

    async fn insert_key(&self, realm: &RealmName, key: &KeyRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert(&mut tx, realm, key).await?;
        feed::push_realm(&mut tx, realm).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_next_key_if_absent(
        &self,
        realm: &RealmName,
        key: &KeyRecord,
        now: i64,
    ) -> Result<bool> {
        // The realm's row is locked first: racing nodes queue here, and each next one reads
        // (READ COMMITTED: a snapshot per statement) the key the previous one committed.
        // `NO KEY UPDATE`, not `UPDATE`: feed writers hold the feed counter and then take a
        // `KEY SHARE` lock on the realm row (their foreign key); a full `FOR UPDATE` here would
        // queue every feed write of every realm behind this one, and deadlock with ours.
        let mut tx = self.pool.begin().await?;
        let locked: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM realms WHERE name = $1 FOR NO KEY UPDATE")
                .bind(realm.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if locked.is_none() {
            return Err(StoreError::UnknownRealm(realm.to_string()));
        }
        let waiting: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM signing_keys
             WHERE realm = $1 AND alg = $2 AND private_sealed IS NOT NULL AND activate_at > $3
               AND (retired_at IS NULL OR retired_at > activate_at)
             LIMIT 1",
        )
        .bind(realm.as_str())
        .bind(&key.alg)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if waiting.is_some() {
            // Releases the realm's lock now, not when the pool next uses the connection.
            tx.rollback().await?;
            return Ok(false);
        }
        insert(&mut tx, realm, key).await?;
        feed::push_realm(&mut tx, realm).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn retire_key(&self, realm: &RealmName, kid: &str, at: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        bump_realm_version(&mut tx, realm).await?;
        let done =
            sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE realm = $2 AND kid = $3")
                .bind(at)
                .bind(realm.as_str())
                .bind(kid)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            // Undoes the version bump and releases the realm's row.
            tx.rollback().await?;
            return Ok(false);
        }
        feed::push_realm(&mut tx, realm).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Inserts a key and bumps the realm's version, inside the caller's transaction; the caller
/// announces the realm in the feed ([`feed::push_realm`]) last, before it commits.
pub(super) async fn insert(
    conn: &mut PgConnection,
    realm: &RealmName,
    key: &KeyRecord,
) -> Result<()> {
    bump_realm_version(&mut *conn, realm).await?;
    sqlx::query(
        "INSERT INTO signing_keys (realm, kid, alg, public_jwk, private_sealed, created_at,
                                   publish_at, activate_at, retired_at, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(realm.as_str())
    .bind(&key.kid)
    .bind(&key.alg)
    .bind(&key.public_jwk)
    .bind(&key.private_sealed)
    .bind(key.created_at)
    .bind(key.publish_at)
    .bind(key.activate_at)
    .bind(key.retired_at)
    .bind(&key.origin)
    .execute(conn)
    .await
    .map_err(conflict_as(|| format!("key {:?}", key.kid)))?;
    Ok(())
}
