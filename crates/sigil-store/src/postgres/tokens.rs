use async_trait::async_trait;

use super::records::pat;
use super::{PostgresStore, feed, require_realm};
use crate::{FeedEntry, FeedKind, PatRecord, RealmName, Result, Revocation, TokenStore};

macro_rules! pat_columns {
    () => {
        "jti, user_id, name, created_at, expires_at, last_used_at, revoked_at"
    };
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn revoke_token(&self, realm: &RealmName, jti: &str, expires_at: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        require_realm(&mut *tx, realm).await?;
        feed::push(&mut tx, realm, FeedKind::Token, jti, expires_at).await?;
        tx.commit().await?;
        Ok(())
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
        let mut tx = self.pool.begin().await?;
        let purged = feed::purge_batch(&mut tx, now, i64::MAX).await?;
        tx.commit().await?;
        Ok(purged)
    }

    async fn insert_pat(&self, realm: &RealmName, p: &PatRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(concat!(
            "INSERT INTO personal_access_tokens (realm, ",
            pat_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
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
        let row = sqlx::query(concat!(
            "SELECT ",
            pat_columns!(),
            " FROM personal_access_tokens WHERE realm = $1 AND jti = $2"
        ))
        .bind(realm.as_str())
        .bind(jti)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pat).transpose()
    }

    async fn list_pats(&self, realm: &RealmName, user_id: Option<&str>) -> Result<Vec<PatRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            pat_columns!(),
            " FROM personal_access_tokens
             WHERE realm = $1 AND ($2::text IS NULL OR user_id = $2)
             ORDER BY created_at DESC, jti"
        ))
        .bind(realm.as_str())
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pat).collect()
    }

    async fn revoke_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let expires_at: Option<i64> = sqlx::query_scalar(
            "UPDATE personal_access_tokens SET revoked_at = $1
             WHERE realm = $2 AND jti = $3 AND revoked_at IS NULL
             RETURNING expires_at",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(jti)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(expires_at) = expires_at else {
            return Ok(false);
        };
        feed::push(&mut tx, realm, FeedKind::Token, jti, expires_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn touch_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE personal_access_tokens SET last_used_at = $1 WHERE realm = $2 AND jti = $3",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(jti)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
