//! Authorization codes (RFC 6749 §4.1.2): single use, by digest.

use async_trait::async_trait;

use super::records::code;
use super::{PostgresStore, conflict_as, json_list, require_realm};
use crate::{CodeRecord, CodeStore, RealmName, Result, TakenCode};

macro_rules! columns {
    () => {
        "code_hash, grant_id, client_id, user_id, session_id, redirect_uri, scope, nonce, \
         code_challenge, claims, auth_time, amr, acr, created_at, expires_at"
    };
}

#[async_trait]
impl CodeStore for PostgresStore {
    async fn insert_code(&self, realm: &RealmName, c: &CodeRecord) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(concat!(
            "INSERT INTO authorization_codes (realm, ",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
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
        .execute(&self.pool)
        .await
        .map_err(conflict_as(|| "authorization code".to_owned()))?;
        Ok(())
    }

    async fn take_code(&self, realm: &RealmName, code_hash: &[u8], now: i64) -> Result<TakenCode> {
        // The conditional UPDATE marks the code used for exactly one caller (RFC 6749 §10.5):
        // a concurrent one waits for the winner's row lock, re-checks `used_at IS NULL` on the
        // committed row and matches nothing. Its SELECT then runs on a snapshot taken after
        // the winner's commit, and reads the code as a replay.
        let taken = sqlx::query(concat!(
            "UPDATE authorization_codes SET used_at = $1
             WHERE realm = $2 AND code_hash = $3 AND used_at IS NULL AND expires_at > $1
             RETURNING ",
            columns!()
        ))
        .bind(now)
        .bind(realm.as_str())
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = taken {
            return Ok(TakenCode::Taken(code(&row)?));
        }
        let used = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM authorization_codes
             WHERE realm = $1 AND code_hash = $2 AND used_at IS NOT NULL"
        ))
        .bind(realm.as_str())
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        // Absent, or unused but expired: nothing was issued from it, nothing to revoke.
        Ok(match used {
            Some(row) => TakenCode::Replayed(code(&row)?),
            None => TakenCode::Unknown,
        })
    }
}
