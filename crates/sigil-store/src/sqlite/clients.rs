use async_trait::async_trait;

use super::records::client;
use super::{SqliteStore, begin_write, feed, json_list, require_realm, to_i64};
use crate::{ClientRecord, ClientStore, RealmName, Result, StoreError};

const COLUMNS: &str = "client_id, name, secret_hash, auth_method, grant_types, redirect_uris, \
                       scopes, audiences, access_token_ttl_secs, signing_alg, created_at, settings";

#[async_trait]
impl ClientStore for SqliteStore {
    async fn insert_client(&self, realm: &RealmName, c: &ClientRecord) -> Result<()> {
        // No version bump: nothing caches a client it has not seen, so a new one is found on
        // its first use by every server (`RealmState::client` looks misses up in the store).
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO clients (realm, client_id, name, secret_hash, auth_method, grant_types,
                                  redirect_uris, scopes, audiences, access_token_ttl_secs,
                                  signing_alg, created_at, settings)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
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
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("client {:?}", c.client_id)),
            other => other,
        })?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_client(&self, realm: &RealmName, client_id: &str) -> Result<Option<ClientRecord>> {
        let sql = const_format(COLUMNS, "WHERE realm = ? AND client_id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(client).transpose()
    }

    async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>> {
        let sql = const_format(COLUMNS, "WHERE realm = ? ORDER BY client_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(client).collect()
    }

    async fn update_client(&self, realm: &RealmName, c: &ClientRecord) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        let updated = sqlx::query(
            "UPDATE clients SET name = ?, secret_hash = ?, auth_method = ?, grant_types = ?,
                                redirect_uris = ?, scopes = ?, audiences = ?,
                                access_token_ttl_secs = ?, signing_alg = ?, settings = ?
             WHERE realm = ? AND client_id = ?",
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
        let mut tx = begin_write(&self.pool).await?;
        let deleted = sqlx::query("DELETE FROM clients WHERE realm = ? AND client_id = ?")
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

/// `SELECT <columns> FROM clients <tail>`, built from constants only.
fn const_format(columns: &str, tail: &str) -> String {
    format!("SELECT {columns} FROM clients {tail}")
}
