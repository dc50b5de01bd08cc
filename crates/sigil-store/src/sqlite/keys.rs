use async_trait::async_trait;

use super::records::key;
use super::{SqliteStore, bump_realm_version};
use crate::{KeyRecord, KeyStore, RealmName, Result, StoreError};

#[async_trait]
impl KeyStore for SqliteStore {
    async fn list_keys(&self, realm: &RealmName) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, alg, public_jwk, private_sealed, created_at, publish_at, activate_at,
                    retired_at, origin
             FROM signing_keys WHERE realm = ? ORDER BY created_at, kid",
        )
        .bind(realm.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key).collect()
    }

    async fn insert_key(&self, realm: &RealmName, key: &KeyRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert(&mut tx, realm, key).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_next_key_if_absent(
        &self,
        realm: &RealmName,
        key: &KeyRecord,
        now: i64,
    ) -> Result<bool> {
        // BEGIN IMMEDIATE takes SQLite's write lock first: racing writers queue here, and the
        // second sees the first's key.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let waiting: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM signing_keys
             WHERE realm = ? AND alg = ? AND private_sealed IS NOT NULL AND activate_at > ?
               AND (retired_at IS NULL OR retired_at > activate_at)",
        )
        .bind(realm.as_str())
        .bind(&key.alg)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if waiting.is_some() {
            return Ok(false);
        }
        insert(&mut tx, realm, key).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn retire_key(&self, realm: &RealmName, kid: &str, at: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        bump_realm_version(&mut tx, realm).await?;
        let done =
            sqlx::query("UPDATE signing_keys SET retired_at = ? WHERE realm = ? AND kid = ?")
                .bind(at)
                .bind(realm.as_str())
                .bind(kid)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}

pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    realm: &RealmName,
    key: &KeyRecord,
) -> Result<()> {
    {
        bump_realm_version(tx, realm).await?;
        sqlx::query(
            "INSERT INTO signing_keys (realm, kid, alg, public_jwk, private_sealed, created_at,
                                       publish_at, activate_at, retired_at, origin)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("key {:?}", key.kid)),
            other => other,
        })?;
        Ok(())
    }
}
