//! Login sessions (OIDC Core §3.1.2.1): found by the digest of the cookie's secret, ended
//! through the revocation feed.

use async_trait::async_trait;
use sqlx::Row as _;

use super::records::session;
use super::{PostgresStore, conflict_as, feed, json_list, require_realm};
use crate::{FeedKind, RealmName, Result, SessionRecord, SessionStore, StoreError};

macro_rules! columns {
    () => {
        "id, secret_hash, user_id, auth_time, amr, created_at, last_seen_at, expires_at, ended_at"
    };
}

#[async_trait]
impl SessionStore for PostgresStore {
    async fn insert_session(&self, realm: &RealmName, s: &SessionRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(concat!(
            "INSERT INTO sessions (realm, ",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
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
        .execute(&self.pool)
        .await
        .map_err(conflict_as(|| format!("session {:?}", s.id)))?;
        Ok(())
    }

    async fn find_session(
        &self,
        realm: &RealmName,
        secret_hash: &[u8],
        now: i64,
    ) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM sessions
             WHERE realm = $1 AND secret_hash = $2 AND ended_at IS NULL AND expires_at > $3"
        ))
        .bind(realm.as_str())
        .bind(secret_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session).transpose()
    }

    async fn get_session(&self, realm: &RealmName, id: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM sessions WHERE realm = $1 AND id = $2"
        ))
        .bind(realm.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session).transpose()
    }

    async fn touch_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1)
             WHERE realm = $2 AND id = $3",
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
        let mut tx = self.pool.begin().await?;
        // Of racing enders, the row lock lets one match; the others re-check `ended_at` on
        // its committed row and match nothing.
        let expires_at: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET ended_at = $1 WHERE realm = $2 AND id = $3 AND ended_at IS NULL
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
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "UPDATE sessions SET ended_at = $1
             WHERE realm = $2 AND user_id = $3 AND ended_at IS NULL AND expires_at > $1
             RETURNING id, expires_at",
        )
        .bind(now)
        .bind(realm.as_str())
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let ended = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("expires_at")?)))
            .collect::<Result<Vec<(String, i64)>>>()?;
        feed::push_many(&mut tx, realm, FeedKind::Session, &ended).await?;
        tx.commit().await?;
        Ok(ended.len() as u64)
    }
}
