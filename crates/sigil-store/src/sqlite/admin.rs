use async_trait::async_trait;

use super::SqliteStore;
use super::records::admin_token;
use crate::{AdminStore, AdminTokenRecord, Result, StoreError};

#[async_trait]
impl AdminStore for SqliteStore {
    async fn insert_admin_token(&self, t: &AdminTokenRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_tokens (id, name, token_hash, created_at, expires_at, last_used_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.last_used_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn find_admin_token(&self, token_hash: &[u8]) -> Result<Option<AdminTokenRecord>> {
        let row = sqlx::query(
            "SELECT id, name, token_hash, created_at, expires_at, last_used_at
             FROM admin_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(admin_token).transpose()
    }

    async fn list_admin_tokens(&self) -> Result<Vec<AdminTokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, token_hash, created_at, expires_at, last_used_at
             FROM admin_tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(admin_token).collect()
    }

    async fn touch_admin_token(&self, id: &str, now: i64) -> Result<()> {
        let done = sqlx::query("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("admin token {id:?}")));
        }
        Ok(())
    }

    async fn delete_admin_token(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM admin_tokens WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn meta_get_or_insert(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(stored)
    }

    async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
