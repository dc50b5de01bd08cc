use async_trait::async_trait;

use super::records::user;
use super::{SqliteStore, json_list, require_realm};
use crate::{RealmName, Result, StoreError, UserRecord, UserStore};

/// Every column of a user, as a literal (sqlx takes only static SQL, so `concat!` builds it).
macro_rules! columns {
    () => {
        "id, username, created_at, updated_at, email, email_verified, name, given_name, \
         family_name, claims, user_groups, allowed_scopes, password_hash, disabled"
    };
}

/// The user's JSON columns: claims, groups, allowed scopes (`None` stays SQL NULL).
fn json_columns(u: &UserRecord) -> (String, String, Option<String>) {
    let claims = serde_json::Value::Object(u.claims.clone()).to_string();
    (
        claims,
        json_list(&u.groups),
        u.allowed_scopes.as_deref().map(json_list),
    )
}

/// A taken username names the user, not the index.
fn username_conflict(username: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("user {username:?}")),
        other => other,
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, realm: &RealmName, u: &UserRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        let (claims, groups, allowed) = json_columns(u);
        sqlx::query(concat!(
            "INSERT INTO users (realm, ",
            columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(realm.as_str())
        .bind(&u.id)
        .bind(&u.username)
        .bind(u.created_at)
        .bind(u.updated_at)
        .bind(&u.email)
        .bind(u.email_verified)
        .bind(&u.name)
        .bind(&u.given_name)
        .bind(&u.family_name)
        .bind(claims)
        .bind(groups)
        .bind(allowed)
        .bind(&u.password_hash)
        .bind(u.disabled)
        .execute(&self.pool)
        .await
        .map_err(username_conflict(&u.username))?;
        Ok(())
    }

    async fn get_user_by_username(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<Option<UserRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM users WHERE realm = ? AND username = ?"
        ))
        .bind(realm.as_str())
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user).transpose()
    }

    async fn get_user(&self, realm: &RealmName, id: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM users WHERE realm = ? AND id = ?"
        ))
        .bind(realm.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user).transpose()
    }

    async fn list_users(&self, realm: &RealmName) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM users WHERE realm = ? ORDER BY username"
        ))
        .bind(realm.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user).collect()
    }

    async fn update_user(&self, realm: &RealmName, u: &UserRecord) -> Result<()> {
        let (claims, groups, allowed) = json_columns(u);
        // `id` and `created_at` are who the user is and when it began: never rewritten.
        let updated = sqlx::query(
            "UPDATE users SET username = ?, updated_at = ?, email = ?, email_verified = ?,
                 name = ?, given_name = ?, family_name = ?, claims = ?, user_groups = ?,
                 allowed_scopes = ?, password_hash = ?, disabled = ?
             WHERE realm = ? AND id = ?",
        )
        .bind(&u.username)
        .bind(u.updated_at)
        .bind(&u.email)
        .bind(u.email_verified)
        .bind(&u.name)
        .bind(&u.given_name)
        .bind(&u.family_name)
        .bind(claims)
        .bind(groups)
        .bind(allowed)
        .bind(&u.password_hash)
        .bind(u.disabled)
        .bind(realm.as_str())
        .bind(&u.id)
        .execute(&self.pool)
        .await
        .map_err(username_conflict(&u.username))?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "user {} in realm {realm}",
                u.id
            )));
        }
        Ok(())
    }

    async fn delete_user(&self, realm: &RealmName, id: &str) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM users WHERE realm = ? AND id = ?")
            .bind(realm.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }
}
