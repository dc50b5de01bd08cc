//! Login sessions (OIDC Core §3.1.2.1): found by the digest of the cookie's secret, ended
//! through the revocation feed.

use async_trait::async_trait;

use super::records::session;
use super::{SqliteStore, begin_write, conflict_as, feed, json_list, require_realm};
use crate::{FeedKind, RealmName, Result, SessionRecord, SessionStore, StoreError};

const COLUMNS: &str = "id, secret_hash, user_id, auth_time, amr, created_at, last_seen_at, \
                       expires_at, ended_at";

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, realm: &RealmName, s: &SessionRecord) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO sessions (realm, id, secret_hash, user_id, auth_time, amr, created_at,
                                   last_seen_at, expires_at, ended_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(realm.as_str())
        .bind(&s.id)
        .bind(&s.secret_hash)
        .bind(&s.user_id)
        .bind(s.auth_time)
        .bind(json_list(&s.amr))
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.ended_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as(|| format!("session {:?}", s.id)))?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_session(
        &self,
        realm: &RealmName,
        secret_hash: &[u8],
        now: i64,
    ) -> Result<Option<SessionRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sessions
             WHERE realm = ? AND secret_hash = ? AND ended_at IS NULL AND expires_at > ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(secret_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    async fn get_session(&self, realm: &RealmName, id: &str) -> Result<Option<SessionRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM sessions WHERE realm = ? AND id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    async fn touch_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE realm = ? AND id = ?",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "session {id:?} in realm {realm}"
            )));
        }
        Ok(())
    }

    async fn end_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool> {
        let mut tx = begin_write(&self.pool).await?;
        let expires_at: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET ended_at = ? WHERE realm = ? AND id = ? AND ended_at IS NULL
             RETURNING expires_at",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(expires_at) = expires_at else {
            return Ok(false);
        };
        feed::push(&mut tx, realm, FeedKind::Session, id, expires_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn end_sessions_of_user(
        &self,
        realm: &RealmName,
        user_id: &str,
        now: i64,
    ) -> Result<u64> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO revocation_feed (realm, kind, id, expires_at)
             SELECT realm, 'session', id, expires_at FROM sessions
             WHERE realm = ? AND user_id = ? AND ended_at IS NULL AND expires_at > ?
             ON CONFLICT (realm, kind, id) DO NOTHING",
        )
        .bind(realm.as_str())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE sessions SET ended_at = ?
             WHERE realm = ? AND user_id = ? AND ended_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
