//! Grants and their refresh tokens: rotation with reuse detection (RFC 6749 §6, §10.4;
//! RFC 9700 §4.14.2).

use async_trait::async_trait;
use sqlx::{Row as _, Sqlite, Transaction};

use super::records::grant;
use super::{SqliteStore, begin_write, conflict_as, feed, json_list, require_realm};
use crate::{
    FeedKind, GrantRecord, GrantStore, RealmName, RefreshRecord, Result, Rotation, StoreError,
};

const COLUMNS: &str = "g.id, g.client_id, g.user_id, g.session_id, g.scope, g.auth_time, \
                       g.created_at, g.expires_at, g.revoked_at, g.amr, g.claims";

async fn insert_refresh(
    tx: &mut Transaction<'_, Sqlite>,
    realm: &RealmName,
    grant_id: &str,
    r: &RefreshRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (realm, token_hash, grant_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(realm.as_str())
    .bind(&r.token_hash)
    .bind(grant_id)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(conflict_as(|| "refresh token".to_owned()))?;
    Ok(())
}

/// Revokes the live grants (not revoked, not expired by `now`) whose `column` is `value`, with
/// their refresh tokens, and adds each to the feed, inside `tx`.
async fn revoke_where(
    tx: &mut Transaction<'_, Sqlite>,
    realm: &RealmName,
    column: &'static str,
    value: &str,
    now: i64,
) -> Result<u64> {
    // `column` is one of two constants (see the callers), never input.
    let live = format!("realm = ? AND {column} = ? AND revoked_at IS NULL AND expires_at > ?");
    let feed = format!(
        "INSERT INTO revocation_feed (realm, kind, id, expires_at)
         SELECT realm, 'grant', id, expires_at FROM grants WHERE {live}
         ON CONFLICT (realm, kind, id) DO NOTHING"
    );
    sqlx::query(sqlx::AssertSqlSafe(feed))
        .bind(realm.as_str())
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let tokens = format!(
        "UPDATE refresh_tokens SET revoked_at = ?
         WHERE revoked_at IS NULL AND realm = ? AND grant_id IN (SELECT id FROM grants WHERE {live})"
    );
    sqlx::query(sqlx::AssertSqlSafe(tokens))
        .bind(now)
        .bind(realm.as_str())
        .bind(realm.as_str())
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let grants = format!("UPDATE grants SET revoked_at = ? WHERE {live}");
    let done = sqlx::query(sqlx::AssertSqlSafe(grants))
        .bind(now)
        .bind(realm.as_str())
        .bind(value)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Revokes one grant (live or expired, not yet revoked) and its refresh tokens, with its feed
/// entry; whether there was one to revoke.
async fn revoke_one(
    tx: &mut Transaction<'_, Sqlite>,
    realm: &RealmName,
    id: &str,
    now: i64,
) -> Result<bool> {
    let expires_at: Option<i64> = sqlx::query_scalar(
        "UPDATE grants SET revoked_at = ? WHERE realm = ? AND id = ? AND revoked_at IS NULL
         RETURNING expires_at",
    )
    .bind(now)
    .bind(realm.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(expires_at) = expires_at else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = ?
         WHERE realm = ? AND grant_id = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(realm.as_str())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    feed::push(tx, realm, FeedKind::Grant, id, expires_at).await?;
    Ok(true)
}

#[async_trait]
impl GrantStore for SqliteStore {
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
        let mut tx = begin_write(&self.pool).await?;
        require_realm(&mut *tx, realm).await?;
        sqlx::query(
            "INSERT INTO grants (realm, id, client_id, user_id, session_id, scope, auth_time,
                                 created_at, expires_at, revoked_at, amr, claims)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        let sql = format!("SELECT {COLUMNS} FROM grants g WHERE g.realm = ? AND g.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
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
        let sql = format!(
            "SELECT {COLUMNS} FROM refresh_tokens t
             JOIN grants g ON g.realm = t.realm AND g.id = t.grant_id
             WHERE t.realm = ? AND t.token_hash = ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
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
        // The write lock from the start: of concurrent rotations of one token, the first
        // rotates and commits before the next reads, which then sees it rotated (Grace) —
        // never two successors, never a lost reuse.
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!(
            "SELECT {COLUMNS}, t.expires_at AS token_expires_at, t.rotated_at, t.successor_sealed,
                    t.revoked_at AS token_revoked_at
             FROM refresh_tokens t JOIN grants g ON g.realm = t.realm AND g.id = t.grant_id
             WHERE t.realm = ? AND t.token_hash = ?"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(realm.as_str())
            .bind(presented_hash)
            .fetch_optional(&mut *tx)
            .await?
        else {
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
        if dead {
            return Ok(Rotation::Unknown);
        }
        match (rotated_at, kept_successor) {
            (None, _) => {
                sqlx::query(
                    "UPDATE refresh_tokens SET rotated_at = ?, successor_sealed = ?
                     WHERE realm = ? AND token_hash = ?",
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
            // successor, so that the client ends up with one live token (the race that
            // breaks rotation without a grace window).
            (Some(rotated_at), Some(successor_sealed))
                if now < rotated_at.saturating_add(grace_secs) =>
            {
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
        let mut tx = begin_write(&self.pool).await?;
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
        let mut tx = begin_write(&self.pool).await?;
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
        let mut tx = begin_write(&self.pool).await?;
        let revoked = revoke_where(&mut tx, realm, "client_id", client_id, now).await?;
        tx.commit().await?;
        Ok(revoked)
    }
}
