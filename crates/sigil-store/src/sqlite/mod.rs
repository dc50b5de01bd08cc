//! The SQLite backend: one file, WAL mode, embedded (the dev-mode default).

mod admin;
mod assertions;
mod clients;
mod codes;
mod consents;
mod feed;
mod file;
mod grants;
mod janitor;
mod keys;
mod pushed_requests;
mod realms;
mod sessions;
mod throttle;
mod tokens;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::rows::{conflict_as, json_list, parse_list, to_i64, to_u32};
use crate::schema::{Migration, SQLITE};
use crate::{RealmName, Result, Store, StoreError};

/// A store in one SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, watched (`file.rs`); shared by the store's copies.
    _watch: Option<std::sync::Arc<file::Watch>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::connect_with(options, 8).await
    }

    /// Opens a `sqlite://…` URL (or `sqlite::memory:` for a private in-memory database).
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(e.to_string()))?
            .create_if_missing(true);
        // An in-memory database lives in one connection; more would each see an empty one.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        Self::connect_with(options, max).await
    }

    async fn connect_with(options: SqliteConnectOptions, max_connections: u32) -> Result<Self> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // A small page cache per connection keeps an idle server small.
            .pragma("cache_size", "-1024");
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(max_connections)
            .idle_timeout(Some(Duration::from_secs(60)));
        let (pool, watch) = file::watch(pool, &options);
        let pool = pool.connect_with(options.clone()).await?;
        if let Some(watch) = &watch {
            watch.attach(&pool);
        }
        let store = Self {
            pool,
            _watch: watch.map(std::sync::Arc::new),
        };
        store.migrate().await?;
        if store._watch.is_some() {
            // Created if missing once; from now on a missing file is an outage (file.rs).
            store
                .pool
                .set_connect_options(options.create_if_missing(false));
        }
        Ok(store)
    }

    /// Applies pending migrations under SQLite's write lock, so two processes starting on the
    /// same file apply each step once.
    async fn migrate(&self) -> Result<()> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let current: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&mut *tx)
                .await?;
        check_schema_version(current, SQLITE)?;
        for step in SQLITE.iter().filter(|m| m.version > current) {
            tracing::info!(
                version = step.version,
                name = step.name,
                "applying migration"
            );
            sqlx::raw_sql(step.sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at)
                 VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER))",
            )
            .bind(step.version)
            .bind(step.name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses a database migrated by a newer Sigil: its schema may mean things this one can't.
pub(crate) fn check_schema_version(current: i64, known: &[Migration]) -> Result<()> {
    let newest = known.iter().map(|m| m.version).max().unwrap_or(0);
    if current > newest {
        return Err(StoreError::Config(format!(
            "the database schema is version {current}, newer than this Sigil knows ({newest}); upgrade Sigil"
        )));
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

/// Bumps a realm's version inside `tx` and announces it in the feed;
/// [`StoreError::UnknownRealm`] if it does not exist.
async fn bump_realm_version(tx: &mut Transaction<'_, Sqlite>, realm: &RealmName) -> Result<()> {
    let bumped = sqlx::query("UPDATE realms SET version = version + 1 WHERE name = ?")
        .bind(realm.as_str())
        .execute(&mut **tx)
        .await?;
    if bumped.rows_affected() == 0 {
        return Err(StoreError::UnknownRealm(realm.to_string()));
    }
    feed::push_realm(tx, realm).await
}

/// [`StoreError::UnknownRealm`] unless the realm exists.
async fn require_realm<'c, E>(executor: E, realm: &RealmName) -> Result<()>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM realms WHERE name = ?")
        .bind(realm.as_str())
        .fetch_optional(executor)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::UnknownRealm(realm.to_string()))
}

/// A transaction that will write after reading: `BEGIN IMMEDIATE` takes SQLite's write lock
/// first, so concurrent writers queue (under the busy timeout) instead of reading the same
/// state and racing — or failing with `SQLITE_BUSY_SNAPSHOT` when a read lock cannot be
/// upgraded. Every read-then-write operation of this backend starts here.
async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Records from this backend's rows (`crate::rows`).
mod records {
    crate::rows::decoders!(sqlx::sqlite::SqliteRow);
}
