//! The revocation feed (`revocation_feed`): what every write that revokes or changes something
//! a server holds in memory adds, in the writer's transaction, so that the entry exists exactly
//! when the change does.

use sqlx::{Row as _, Sqlite, SqliteConnection, Transaction};

use super::records::entry;
use crate::{
    CLIENT_FEED_RETENTION_SECS, FeedEntry, FeedKind, RealmName, Result, Revocation, StoreError,
};

/// A client or realm entry not yet seen by a purge (see [`purge`]).
const UNSTAMPED: i64 = i64::MAX;

/// Adds an entry for a token, grant or session, once: a second revocation of the same thing
/// keeps the first entry and its position.
pub(super) async fn push(
    conn: &mut SqliteConnection,
    realm: &RealmName,
    kind: FeedKind,
    id: &str,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO revocation_feed (realm, kind, id, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (realm, kind, id) DO NOTHING",
    )
    .bind(realm.as_str())
    .bind(kind.as_str())
    .bind(id)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a "this client changed" entry at a new position: a server that saw an earlier change
/// of the same client must see this one too, so the old entry is replaced, not kept. Without
/// a `now` (client changes take none), it expires only once a purge has stamped it.
pub(super) async fn push_client(
    tx: &mut Transaction<'_, Sqlite>,
    realm: &RealmName,
    client_id: &str,
) -> Result<()> {
    push_change(tx, realm, FeedKind::Client, client_id).await
}

/// Adds a "this realm changed" entry at a new position, replacing the realm's previous one
/// (as [`push_client`] does for clients).
pub(super) async fn push_realm(conn: &mut SqliteConnection, realm: &RealmName) -> Result<()> {
    push_change(conn, realm, FeedKind::Realm, realm.as_str()).await
}

async fn push_change(
    conn: &mut SqliteConnection,
    realm: &RealmName,
    kind: FeedKind,
    id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM revocation_feed WHERE realm = ? AND kind = ? AND id = ?")
        .bind(realm.as_str())
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    push(conn, realm, kind, id, UNSTAMPED).await
}

/// The realm's entries after `position` that have not expired by `now`, oldest first;
/// without realm entries, which matter only to readers of every realm ([`after_all`]).
pub(super) async fn after(
    conn: &mut SqliteConnection,
    realm: &RealmName,
    position: i64,
    now: i64,
) -> Result<Vec<Revocation>> {
    let rows = sqlx::query(
        "SELECT position, kind, id, expires_at FROM revocation_feed
         WHERE realm = ? AND position > ? AND expires_at > ? AND kind <> 'realm'
         ORDER BY position",
    )
    .bind(realm.as_str())
    .bind(position)
    .bind(now)
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry).collect()
}

/// Every realm's entries after `position` that have not expired by `now`, oldest first, at
/// most `limit`. SQLite has one writer at a time and hands out positions in commit order, so
/// nothing can commit behind a position a reader has seen.
pub(super) async fn after_all(
    conn: &mut SqliteConnection,
    position: i64,
    now: i64,
    limit: u32,
) -> Result<Vec<FeedEntry>> {
    let rows = sqlx::query(
        "SELECT realm, position, kind, id, expires_at FROM revocation_feed
         WHERE position > ? AND expires_at > ? ORDER BY position LIMIT ?",
    )
    .bind(position)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let realm: String = row.try_get("realm")?;
            Ok(FeedEntry {
                realm: RealmName::new(realm).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                entry: entry(row)?,
            })
        })
        .collect()
}

/// The newest position handed out: AUTOINCREMENT's counter, which outlives purged rows.
pub(super) async fn head(conn: &mut SqliteConnection) -> Result<i64> {
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'revocation_feed'")
            .fetch_optional(conn)
            .await?;
    Ok(seq.unwrap_or(0))
}

/// Deletes expired entries, then gives unstamped client and realm entries their retention from `now`.
pub(super) async fn purge(tx: &mut Transaction<'_, Sqlite>, now: i64) -> Result<u64> {
    purge_batch(tx, now, u32::MAX).await
}

/// [`purge`], deleting at most `batch` entries.
pub(super) async fn purge_batch(
    tx: &mut Transaction<'_, Sqlite>,
    now: i64,
    batch: u32,
) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM revocation_feed WHERE position IN
            (SELECT position FROM revocation_feed WHERE expires_at <= ? LIMIT ?)",
    )
    .bind(now)
    .bind(i64::from(batch))
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE revocation_feed SET expires_at = ? WHERE expires_at = ?")
        .bind(now.saturating_add(CLIENT_FEED_RETENTION_SECS))
        .bind(UNSTAMPED)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
