//! Initial access tokens of dynamic registration: a use is spent by one conditional UPDATE (a
//! racer waits on the row lock and re-checks the condition), so concurrent registrations never
//! spend more uses than a token has.

use async_trait::async_trait;

use super::{PostgresStore, require_realm};
use crate::{InitialAccessTokenRecord, RealmName, RegistrationStore, Result};

#[async_trait]
impl RegistrationStore for PostgresStore {
    async fn insert_initial_access_token(
        &self,
        realm: &RealmName,
        token: &InitialAccessTokenRecord,
    ) -> Result<()> {
        require_realm(&self.pool, realm).await?;
        sqlx::query(
            "INSERT INTO initial_access_tokens
                 (realm, token_hash, created_at, expires_at, max_uses, uses)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(realm.as_str())
        .bind(&token.token_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(token.max_uses.map(i64::from))
        .bind(i64::from(token.uses))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn spend_initial_access_token(
        &self,
        realm: &RealmName,
        token_hash: &[u8],
        now: i64,
    ) -> Result<bool> {
        // The check and the spend are one statement: no use can be taken between them.
        let done = sqlx::query(
            "UPDATE initial_access_tokens SET uses = uses + 1
             WHERE realm = $1 AND token_hash = $2
               AND (expires_at IS NULL OR expires_at > $3)
               AND (max_uses IS NULL OR uses < max_uses)",
        )
        .bind(realm.as_str())
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
