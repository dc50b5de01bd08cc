use async_trait::async_trait;
use sqlx::Row as _;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, require_realm};
use crate::{RealmName, Result, StoreError, UserRecord, UserStore};

fn user(row: &SqliteRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, realm: &RealmName, u: &UserRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query("INSERT INTO users (realm, id, username, created_at) VALUES (?, ?, ?, ?)")
            .bind(realm.as_str())
            .bind(&u.id)
            .bind(&u.username)
            .bind(u.created_at)
            .execute(&self.pool)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("user {:?}", u.username)),
                other => other,
            })?;
        Ok(())
    }

    async fn get_user_by_username(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, username, created_at FROM users WHERE realm = ? AND username = ?",
        )
        .bind(realm.as_str())
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user).transpose()
    }

    async fn get_user(&self, realm: &RealmName, id: &str) -> Result<Option<UserRecord>> {
        let row =
            sqlx::query("SELECT id, username, created_at FROM users WHERE realm = ? AND id = ?")
                .bind(realm.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(user).transpose()
    }

    async fn list_users(&self, realm: &RealmName) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query(
            "SELECT id, username, created_at FROM users WHERE realm = ? ORDER BY username",
        )
        .bind(realm.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user).collect()
    }
}
