//! Authorization codes (RFC 6749 §4.1.2): single use, by digest.

use async_trait::async_trait;

use super::records::code;
use super::{SqliteStore, begin_write, conflict_as, json_list, require_realm};
use crate::{CodeRecord, CodeStore, RealmName, Result, TakenCode};

const COLUMNS: &str = "code_hash, grant_id, client_id, user_id, session_id, redirect_uri, scope, \
                       nonce, code_challenge, claims, auth_time, amr, acr, created_at, \
                       expires_at, used_at";

#[async_trait]
impl CodeStore for SqliteStore {
    async fn insert_code(&self, realm: &RealmName, c: &CodeRecord) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO authorization_codes
                 (realm, code_hash, grant_id, client_id, user_id, session_id, redirect_uri, scope,
                  nonce, code_challenge, claims, auth_time, amr, acr, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(realm.as_str())
        .bind(&c.code_hash)
        .bind(&c.grant_id)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(&c.session_id)
        .bind(&c.redirect_uri)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(&c.claims)
        .bind(c.auth_time)
        .bind(json_list(&c.amr))
        .bind(&c.acr)
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as(|| "authorization code".to_owned()))?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_code(&self, realm: &RealmName, code_hash: &[u8], now: i64) -> Result<TakenCode> {
        // One transaction with the write lock: the conditional UPDATE marks the code used for
        // exactly one caller (RFC 6749 §10.5); whoever finds it used reads the same row as a
        // replay. Without the lock held from the start, a reader could see the code unused,
        // lose the race, and still report it unused.
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!(
            "UPDATE authorization_codes SET used_at = ?
             WHERE realm = ? AND code_hash = ? AND used_at IS NULL AND expires_at > ?
             RETURNING {COLUMNS}"
        );
        let taken = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(realm.as_str())
            .bind(code_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = taken {
            let record = code(&row)?;
            tx.commit().await?;
            return Ok(TakenCode::Taken(record));
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM authorization_codes
             WHERE realm = ? AND code_hash = ? AND used_at IS NOT NULL"
        );
        let used = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(code_hash)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        // Absent, or unused but expired: nothing was issued from it, nothing to revoke.
        Ok(match used {
            Some(row) => TakenCode::Replayed(code(&row)?),
            None => TakenCode::Unknown,
        })
    }
}
