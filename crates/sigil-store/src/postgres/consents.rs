//! Consents: the scopes a user allowed a client, one row per pair.

use async_trait::async_trait;
use sqlx::Row as _;

use super::{PostgresStore, json_list, parse_list, require_realm};
use crate::{ConsentRecord, ConsentStore, RealmName, Result};

#[async_trait]
impl ConsentStore for PostgresStore {
    async fn get_consent(
        &self,
        realm: &RealmName,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<ConsentRecord>> {
        let row = sqlx::query(
            "SELECT user_id, client_id, scopes, granted_at FROM consents
             WHERE realm = $1 AND user_id = $2 AND client_id = $3",
        )
        .bind(realm.as_str())
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ConsentRecord {
                user_id: row.try_get("user_id")?,
                client_id: row.try_get("client_id")?,
                scopes: parse_list(row.try_get("scopes")?)?,
                granted_at: row.try_get("granted_at")?,
            })
        })
        .transpose()
    }

    async fn put_consent(&self, realm: &RealmName, c: &ConsentRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(
            "INSERT INTO consents (realm, user_id, client_id, scopes, granted_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (realm, user_id, client_id)
             DO UPDATE SET scopes = EXCLUDED.scopes, granted_at = EXCLUDED.granted_at",
        )
        .bind(realm.as_str())
        .bind(&c.user_id)
        .bind(&c.client_id)
        .bind(json_list(&c.scopes))
        .bind(c.granted_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_consents_of_client(&self, realm: &RealmName, client_id: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM consents WHERE realm = $1 AND client_id = $2")
            .bind(realm.as_str())
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
