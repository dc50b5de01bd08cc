//! The revocation feed (`revocation_feed`): what every write that revokes or changes something
//! a server holds in memory adds, in the writer's transaction.
//!
//! **Invariant:** a reader that has seen position `p` never later finds a committed entry at
//! or below `p`. Positions come from the `feed_counter` row, updated in the writer's
//! transaction: the row lock is held until that transaction ends, so the next writer takes
//! the next position only once this one's entry is visible (or rolled back). Positions thus
//! become visible in increasing order; a reader asking for "after my last position" misses
//! nothing. Every writer takes the counter as its last contended lock, so it never joins a
//! deadlock: after it comes only the foreign key's `KEY SHARE` on the realm's row, which
//! nothing holds in a conflicting mode (realm rows are locked `FOR NO KEY UPDATE` and
//! updated in non-key columns only; realms are never deleted or renamed).

use sqlx::Row as _;
use sqlx::postgres::PgConnection;

use super::records::entry;
use crate::{
    CLIENT_FEED_RETENTION_SECS, FeedEntry, FeedKind, RealmName, Result, Revocation, StoreError,
};

/// A client or realm entry not yet seen by a purge (see [`purge_batch`]).
const UNSTAMPED: i64 = i64::MAX;

/// Reserves `count` consecutive positions; returns the first. Holds the counter's row lock
/// until the caller's transaction ends — which must therefore come soon.
async fn reserve(conn: &mut PgConnection, count: i64) -> Result<i64> {
    let last: Option<i64> = sqlx::query_scalar(
        "UPDATE feed_counter SET value = value + $1 WHERE id = 1 RETURNING value",
    )
    .bind(count)
    .fetch_optional(conn)
    .await?;
    let last = last.ok_or_else(|| StoreError::Corrupt("the feed_counter row is missing".into()))?;
    Ok(last - count + 1)
}

/// Adds an entry for a token, grant or session, once: a second revocation of the same thing
/// keeps the first entry and its position.
pub(crate) async fn push(
    conn: &mut PgConnection,
    realm: &RealmName,
    kind: FeedKind,
    id: &str,
    expires_at: i64,
) -> Result<()> {
    push_many(conn, realm, kind, &[(id.to_owned(), expires_at)]).await
}

/// [`push`] for several entries of one kind, in one statement.
pub(super) async fn push_many(
    conn: &mut PgConnection,
    realm: &RealmName,
    kind: FeedKind,
    entries: &[(String, i64)],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let first = reserve(&mut *conn, count).await?;
    let (ids, expiries): (Vec<String>, Vec<i64>) = entries.iter().cloned().unzip();
    sqlx::query(
        "INSERT INTO revocation_feed (position, realm, kind, id, expires_at)
         SELECT $1 + e.ord - 1, $2, $3, e.id, e.expires_at
         FROM UNNEST($4::text[], $5::bigint[]) WITH ORDINALITY AS e(id, expires_at, ord)
         ON CONFLICT (realm, kind, id) DO NOTHING",
    )
    .bind(first)
    .bind(realm.as_str())
    .bind(kind.as_str())
    .bind(ids)
    .bind(expiries)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a "this client changed" entry at a new position: a server that saw an earlier change
/// of the same client must see this one too, so the old entry moves to the new position.
/// Without a `now` (client changes take none), it expires only once a purge has stamped it.
pub(super) async fn push_client(
    conn: &mut PgConnection,
    realm: &RealmName,
    client_id: &str,
) -> Result<()> {
    push_change(conn, realm, FeedKind::Client, client_id).await
}

/// Adds a "this realm changed" entry (created, settings or keys changed), moving the realm's
/// previous one, as [`push_client`] does. Callers push it last in their transaction.
pub(super) async fn push_realm(conn: &mut PgConnection, realm: &RealmName) -> Result<()> {
    push_change(conn, realm, FeedKind::Realm, realm.as_str()).await
}

async fn push_change(
    conn: &mut PgConnection,
    realm: &RealmName,
    kind: FeedKind,
    id: &str,
) -> Result<()> {
    let position = reserve(&mut *conn, 1).await?;
    sqlx::query(
        "INSERT INTO revocation_feed (position, realm, kind, id, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (realm, kind, id)
         DO UPDATE SET position = EXCLUDED.position, expires_at = EXCLUDED.expires_at",
    )
    .bind(position)
    .bind(realm.as_str())
    .bind(kind.as_str())
    .bind(id)
    .bind(UNSTAMPED)
    .execute(conn)
    .await?;
    Ok(())
}

/// The realm's entries after `position` that have not expired by `now`, oldest first, without
/// realm entries (they matter only to readers of every realm, [`after_all`]). One statement,
/// one snapshot: by the invariant above, every entry below the highest it returns is in it.
pub(super) async fn after(
    conn: &mut PgConnection,
    realm: &RealmName,
    position: i64,
    now: i64,
) -> Result<Vec<Revocation>> {
    let rows = sqlx::query(
        "SELECT position, kind, id, expires_at FROM revocation_feed
         WHERE realm = $1 AND position > $2 AND expires_at > $3 AND kind <> 'realm'
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
/// most `limit`: one query however many realms there are, complete below its last position
/// by the invariant above.
pub(super) async fn after_all(
    conn: &mut PgConnection,
    position: i64,
    now: i64,
    limit: u32,
) -> Result<Vec<FeedEntry>> {
    let rows = sqlx::query(
        "SELECT realm, position, kind, id, expires_at FROM revocation_feed
         WHERE position > $1 AND expires_at > $2 ORDER BY position LIMIT $3",
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

/// The newest position handed out whose transaction has committed: the counter as the last
/// committed writer left it (an uncommitted writer's position is not visible, and becomes
/// visible with its entry). Purges do not move it.
pub(super) async fn head(conn: &mut PgConnection) -> Result<i64> {
    let value: Option<i64> = sqlx::query_scalar("SELECT value FROM feed_counter WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    value.ok_or_else(|| StoreError::Corrupt("the feed_counter row is missing".into()))
}

/// Deletes at most `batch` expired entries, then gives unstamped client and realm entries their
/// retention from `now`.
pub(super) async fn purge_batch(conn: &mut PgConnection, now: i64, batch: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM revocation_feed WHERE position IN
            (SELECT position FROM revocation_feed WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind(now)
    .bind(batch)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE revocation_feed SET expires_at = $1 WHERE expires_at = $2")
        .bind(now.saturating_add(CLIENT_FEED_RETENTION_SECS))
        .bind(UNSTAMPED)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
