use async_trait::async_trait;

use super::records::pat;
use super::{SqliteStore, begin_write, feed, require_realm};
use crate::{FeedEntry, FeedKind, PatRecord, RealmName, Result, Revocation, TokenStore};

const PAT_COLUMNS: &str = "jti, user_id, name, created_at, expires_at, last_used_at, revoked_at";

#[async_trait]
impl TokenStore for SqliteStore {
    async fn revoke_token(&self, realm: &RealmName, jti: &str, expires_at: i64) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        let mut conn = self.pool.acquire().await?;
        feed::push(&mut conn, realm, FeedKind::Token, jti, expires_at).await
    }

    async fn revocations_after(
        &self,
        realm: &RealmName,
        position: i64,
        now: i64,
    ) -> Result<Vec<Revocation>> {
        let mut conn = self.pool.acquire().await?;
        feed::after(&mut conn, realm, position, now).await
    }

    async fn feed_after(&self, position: i64, now: i64, limit: u32) -> Result<Vec<FeedEntry>> {
        let mut conn = self.pool.acquire().await?;
        feed::after_all(&mut conn, position, now, limit).await
    }

    async fn feed_head(&self) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        feed::head(&mut conn).await
    }

    async fn purge_expired_revocations(&self, now: i64) -> Result<u64> {
        let mut tx = begin_write(&self.pool).await?;
        let purged = feed::purge(&mut tx, now).await?;
        tx.commit().await?;
        Ok(purged)
    }

    async fn insert_pat(&self, realm: &RealmName, p: &PatRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(
            "INSERT INTO personal_access_tokens
                 (realm, jti, user_id, name, created_at, expires_at, last_used_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(realm.as_str())
        .bind(&p.jti)
        .bind(&p.user_id)
        .bind(&p.name)
        .bind(p.created_at)
        .bind(p.expires_at)
        .bind(p.last_used_at)
        .bind(p.revoked_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_pat(&self, realm: &RealmName, jti: &str) -> Result<Option<PatRecord>> {
        let sql =
            format!("SELECT {PAT_COLUMNS} FROM personal_access_tokens WHERE realm = ? AND jti = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(pat).transpose()
    }

    async fn list_pats(&self, realm: &RealmName, user_id: Option<&str>) -> Result<Vec<PatRecord>> {
        let sql = format!(
            "SELECT {PAT_COLUMNS} FROM personal_access_tokens
             WHERE realm = ? AND (? IS NULL OR user_id = ?) ORDER BY created_at DESC, jti"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(user_id)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(pat).collect()
    }

    async fn revoke_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE personal_access_tokens SET revoked_at = ?
             WHERE realm = ? AND jti = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(jti)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO revocation_feed (realm, kind, id, expires_at)
             SELECT realm, 'token', jti, expires_at FROM personal_access_tokens
             WHERE realm = ? AND jti = ?
             ON CONFLICT (realm, kind, id) DO NOTHING",
        )
        .bind(realm.as_str())
        .bind(jti)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn touch_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE personal_access_tokens SET last_used_at = ? WHERE realm = ? AND jti = ?",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(jti)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
