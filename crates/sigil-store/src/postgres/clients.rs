use async_trait::async_trait;

use super::records::client;
use super::{PostgresStore, conflict_as, feed, json_list, require_realm, to_i64};
use crate::{ClientRecord, ClientStore, RealmName, Result, StoreError};

/// Every column of a client, as a literal (sqlx takes only static SQL, so `concat!` builds it).
macro_rules! columns {
    () => {
        "client_id, name, secret_hash, auth_method, grant_types, redirect_uris, scopes, \
         audiences, access_token_ttl_secs, signing_alg, created_at, settings"
    };
}

#[async_trait]
impl ClientStore for PostgresStore {
    async fn insert_client(&self, realm: &RealmName, c: &ClientRecord) -> Result<()> {
        // No version bump and no feed entry: nothing caches a client it has not seen.
        require_realm(&self.pool, realm).await?;
        sqlx::query(concat!(
            "INSERT INTO clients (realm, ",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(realm.as_str())
        .bind(&c.client_id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(&c.auth_method)
        .bind(json_list(&c.grant_types))
        .bind(json_list(&c.redirect_uris))
        .bind(json_list(&c.scopes))
        .bind(json_list(&c.audiences))
        .bind(c.access_token_ttl_secs.map(to_i64))
        .bind(&c.signing_alg)
        .bind(c.created_at)
        .bind(serde_json::to_string(&c.settings)?)
        .execute(&self.pool)
        .await
        .map_err(conflict_as(|| format!("client {:?}", c.client_id)))?;
        Ok(())
    }

    async fn get_client(&self, realm: &RealmName, client_id: &str) -> Result<Option<ClientRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM clients WHERE realm = $1 AND client_id = $2"
        ))
        .bind(realm.as_str())
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(client).transpose()
    }

    async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM clients WHERE realm = $1 ORDER BY client_id"
        ))
        .bind(realm.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(client).collect()
    }

    async fn update_client(&self, realm: &RealmName, c: &ClientRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE clients SET name = $1, secret_hash = $2, auth_method = $3, grant_types = $4,
                                redirect_uris = $5, scopes = $6, audiences = $7,
                                access_token_ttl_secs = $8, signing_alg = $9, settings = $10
             WHERE realm = $11 AND client_id = $12",
        )
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(&c.auth_method)
        .bind(json_list(&c.grant_types))
        .bind(json_list(&c.redirect_uris))
        .bind(json_list(&c.scopes))
        .bind(json_list(&c.audiences))
        .bind(c.access_token_ttl_secs.map(to_i64))
        .bind(&c.signing_alg)
        .bind(serde_json::to_string(&c.settings)?)
        .bind(realm.as_str())
        .bind(&c.client_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "client {:?} in realm {realm}",
                c.client_id
            )));
        }
        // Servers drop this one client from their caches; the realm is not reloaded.
        feed::push_client(&mut tx, realm, &c.client_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_client(&self, realm: &RealmName, client_id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM clients WHERE realm = $1 AND client_id = $2")
            .bind(realm.as_str())
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        feed::push_client(&mut tx, realm, client_id).await?;
        tx.commit().await?;
        Ok(true)
    }
}
