//! Grants and their refresh tokens: rotation with reuse detection (RFC 6749 §6, §10.4;
//! RFC 9700 §4.14.2).

use async_trait::async_trait;
use sqlx::Row as _;
use sqlx::postgres::PgConnection;

use super::records::grant;
use super::{PostgresStore, conflict_as, feed, json_list, require_realm};
use crate::{
    FeedKind, GrantRecord, GrantStore, RealmName, RefreshRecord, Result, Rotation, StoreError,
};

macro_rules! columns {
    () => {
        "g.id, g.client_id, g.user_id, g.session_id, g.scope, g.auth_time, g.created_at, \
         g.expires_at, g.revoked_at, g.amr, g.claims"
    };
}

async fn insert_refresh(
    conn: &mut PgConnection,
    realm: &RealmName,
    grant_id: &str,
    r: &RefreshRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (realm, token_hash, grant_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(realm.as_str())
    .bind(&r.token_hash)
    .bind(grant_id)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(conn)
    .await
    .map_err(conflict_as(|| "refresh token".to_owned()))?;
    Ok(())
}

/// Revokes the grants `revoked` names (already marked revoked by the caller in this
/// transaction): their refresh tokens, and a feed entry each — the counter last.
async fn finish_revocation(
    conn: &mut PgConnection,
    realm: &RealmName,
    revoked: &[(String, i64)],
    now: i64,
) -> Result<()> {
    if revoked.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = revoked.iter().map(|(id, _)| id.as_str()).collect();
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1
         WHERE realm = $2 AND grant_id = ANY($3) AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(realm.as_str())
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    feed::push_many(conn, realm, FeedKind::Grant, revoked).await
}

/// Revokes the live grants (not revoked, not expired by `now`) whose `column` is `value`.
async fn revoke_where(
    conn: &mut PgConnection,
    realm: &RealmName,
    column: &'static str,
    value: &str,
    now: i64,
) -> Result<u64> {
    // `column` is one of two constants (see the callers), never input.
    let sql = format!(
        "UPDATE grants SET revoked_at = $1
         WHERE realm = $2 AND {column} = $3 AND revoked_at IS NULL AND expires_at > $1
         RETURNING id, expires_at"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(realm.as_str())
        .bind(value)
        .fetch_all(&mut *conn)
        .await?;
    let revoked = rows
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("expires_at")?)))
        .collect::<Result<Vec<(String, i64)>>>()?;
    finish_revocation(conn, realm, &revoked, now).await?;
    Ok(revoked.len() as u64)
}

/// Revokes one grant (live or expired, not yet revoked), its refresh tokens and its feed
/// entry; whether there was one to revoke. The conditional UPDATE makes one of racing
/// revokers the one that did it.
async fn revoke_one(
    conn: &mut PgConnection,
    realm: &RealmName,
    id: &str,
    now: i64,
) -> Result<bool> {
    let expires_at: Option<i64> = sqlx::query_scalar(
        "UPDATE grants SET revoked_at = $1 WHERE realm = $2 AND id = $3 AND revoked_at IS NULL
         RETURNING expires_at",
    )
    .bind(now)
    .bind(realm.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(expires_at) = expires_at else {
        return Ok(false);
    };
    finish_revocation(conn, realm, &[(id.to_owned(), expires_at)], now).await?;
    Ok(true)
}

#[async_trait]
impl GrantStore for PostgresStore {
    async fn insert_grant(
        &self,
        realm: &RealmName,
        g: &GrantRecord,
        refresh: Option<&RefreshRecord>,
    ) -> Result<()> {
        if let Some(r) = refresh
            && r.grant_id != g.id
        {
            return Err(StoreError::Constraint(format!(
                "refresh token of grant {:?} inserted with grant {:?}",
                r.grant_id, g.id
            )));
        }
        let mut tx = self.pool.begin().await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO grants (realm, id, client_id, user_id, session_id, scope, auth_time,
                                 created_at, expires_at, revoked_at, amr, claims)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(realm.as_str())
        .bind(&g.id)
        .bind(&g.client_id)
        .bind(&g.user_id)
        .bind(&g.session_id)
        .bind(&g.scope)
        .bind(g.auth_time)
        .bind(g.created_at)
        .bind(g.expires_at)
        .bind(g.revoked_at)
        .bind(json_list(&g.amr))
        .bind(&g.claims)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as(|| format!("grant {:?}", g.id)))?;
        if let Some(r) = refresh {
            insert_refresh(&mut tx, realm, &g.id, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_grant(&self, realm: &RealmName, id: &str) -> Result<Option<GrantRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM grants g WHERE g.realm = $1 AND g.id = $2"
        ))
        .bind(realm.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(grant).transpose()
    }

    async fn grant_of_refresh(
        &self,
        realm: &RealmName,
        token_hash: &[u8],
    ) -> Result<Option<GrantRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM refresh_tokens t JOIN grants g ON g.realm = t.realm AND g.id = t.grant_id
             WHERE t.realm = $1 AND t.token_hash = $2"
        ))
        .bind(realm.as_str())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(grant).transpose()
    }

    async fn rotate_refresh(
        &self,
        realm: &RealmName,
        presented_hash: &[u8],
        successor: &RefreshRecord,
        successor_sealed: &[u8],
        now: i64,
        grace_secs: i64,
    ) -> Result<Rotation> {
        // The presented token's row is locked for the transaction: of concurrent rotations of
        // one token, the first rotates and commits before the next gets the row — and then
        // reads its committed state (rotated: Grace; revoked: Unknown). Never two successors,
        // never a lost reuse.
        //
        // Locks are taken grant first, then token, as every revocation of a grant takes them
        // (`revoke_one`): a reuse revoking the grant while a logout revokes it too must not
        // deadlock. A token's grant never changes, so it is read unlocked first.
        let mut tx = self.pool.begin().await?;
        let grant_id: Option<String> = sqlx::query_scalar(
            "SELECT grant_id FROM refresh_tokens WHERE realm = $1 AND token_hash = $2",
        )
        .bind(realm.as_str())
        .bind(presented_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(grant_id) = grant_id else {
            tx.rollback().await?;
            return Ok(Rotation::Unknown);
        };
        sqlx::query("SELECT 1 FROM grants WHERE realm = $1 AND id = $2 FOR NO KEY UPDATE")
            .bind(realm.as_str())
            .bind(&grant_id)
            .execute(&mut *tx)
            .await?;
        let Some(row) = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            ", t.expires_at AS token_expires_at, t.rotated_at, t.successor_sealed,
               t.revoked_at AS token_revoked_at
             FROM refresh_tokens t JOIN grants g ON g.realm = t.realm AND g.id = t.grant_id
             WHERE t.realm = $1 AND t.token_hash = $2
             FOR UPDATE OF t"
        ))
        .bind(realm.as_str())
        .bind(presented_hash)
        .fetch_optional(&mut *tx)
        .await?
        else {
            tx.rollback().await?;
            return Ok(Rotation::Unknown);
        };
        let g = grant(&row)?;
        let token_expires_at: i64 = row.try_get("token_expires_at")?;
        let rotated_at: Option<i64> = row.try_get("rotated_at")?;
        let kept_successor: Option<Vec<u8>> = row.try_get("successor_sealed")?;
        let token_revoked_at: Option<i64> = row.try_get("token_revoked_at")?;
        let dead = g.revoked_at.is_some()
            || g.expires_at <= now
            || token_revoked_at.is_some()
            || token_expires_at <= now;
        // Nothing to write on the paths below that do not commit: the rollback releases the
        // row lock now rather than when the pool next uses the connection.
        if dead {
            tx.rollback().await?;
            return Ok(Rotation::Unknown);
        }
        match (rotated_at, kept_successor) {
            (None, _) => {
                sqlx::query(
                    "UPDATE refresh_tokens SET rotated_at = $1, successor_sealed = $2
                     WHERE realm = $3 AND token_hash = $4",
                )
                .bind(now)
                .bind(successor_sealed)
                .bind(realm.as_str())
                .bind(presented_hash)
                .execute(&mut *tx)
                .await?;
                insert_refresh(&mut tx, realm, &g.id, successor).await?;
                tx.commit().await?;
                Ok(Rotation::Rotated { grant: g })
            }
            // A duplicate of the request that rotated this token, a moment later: the same
            // successor, so that the client ends up with one live token.
            (Some(rotated_at), Some(successor_sealed))
                if now < rotated_at.saturating_add(grace_secs) =>
            {
                tx.rollback().await?;
                Ok(Rotation::Grace {
                    grant: g,
                    successor_sealed,
                })
            }
            // RFC 9700 §4.14.2: a rotated token presented again is treated as stolen; the
            // whole grant goes, in this transaction.
            (Some(_), _) => {
                revoke_one(&mut tx, realm, &g.id, now).await?;
                tx.commit().await?;
                Ok(Rotation::Reused { grant_id: g.id })
            }
        }
    }

    async fn revoke_grant(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let revoked = revoke_one(&mut tx, realm, id, now).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn revoke_grants_of_user(
        &self,
        realm: &RealmName,
        user_id: &str,
        now: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let revoked = revoke_where(&mut tx, realm, "user_id", user_id, now).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn revoke_grants_of_client(
        &self,
        realm: &RealmName,
        client_id: &str,
        now: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let revoked = revoke_where(&mut tx, realm, "client_id", client_id, now).await?;
        tx.commit().await?;
        Ok(revoked)
    }
}
