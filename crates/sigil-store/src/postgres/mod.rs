//! The PostgreSQL backend: one database shared by any number of `sigil serve` nodes, which
//! hold no state of their own that the others need.
//!
//! Transactions run at PostgreSQL's default, READ COMMITTED. Every read-then-write operation
//! locks what it read (`SELECT … FOR UPDATE`, or a conditional `UPDATE` whose row lock makes a
//! concurrent one wait and re-check its condition), so that of racing nodes exactly one acts.

mod admin;
mod assertions;
mod clients;
mod codes;
mod consents;
mod feed;
mod grants;
mod janitor;
mod keys;
mod pushed_requests;
mod realms;
mod sessions;
mod throttle;
mod tokens;
mod users;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::rows::{conflict_as, json_list, parse_list, to_i64, to_u32};
use crate::schema::{Migration, POSTGRES};
use crate::sqlite::check_schema_version;
use crate::{RealmName, Result, Store, StoreError};

#[cfg(feature = "testing")]
pub(crate) use feed::push as push_feed_entry;

/// How a [`PostgresStore`] uses its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections the pool opens at most (per process: several nodes each have their own).
    pub max_connections: u32,
    /// How long to wait for a connection (opening one, or a free one from the pool) before the
    /// call fails with [`StoreError::Unavailable`]: an unreachable database fails fast.
    pub connect_timeout: Duration,
    /// The longest any one statement may run (PostgreSQL's `statement_timeout`, set on every
    /// connection); a statement cancelled by it is [`StoreError::Unavailable`].
    pub statement_timeout: Duration,
    /// Whether [`PostgresStore::connect`] applies pending migrations.
    pub migrate: bool,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            migrate: true,
        }
    }
}

/// A store in one PostgreSQL database (the schema the connection's `search_path` selects).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

/// Two-key advisory locks of this class are Sigil's migration locks, one per schema.
const MIGRATION_LOCK_CLASS: i32 = 0x5167_696c; // "Sgil"

impl PostgresStore {
    /// Connects to a `postgres://…` URL (sqlx's parameters apply, `sslmode` among them) and,
    /// if `options.migrate`, applies pending migrations.
    pub async fn connect(url: &str, options: &PgOptions) -> Result<Self> {
        if options.max_connections == 0 {
            return Err(StoreError::Config(
                "the pool size must be at least 1".into(),
            ));
        }
        let timeout_ms = options.statement_timeout.as_millis().max(1);
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(e.to_string()))?
            // Appended to what the URL's `options` parameter sets (e.g. a `search_path`).
            .options([
                ("statement_timeout", format!("{timeout_ms}ms")),
                // A node that stalls or is cut off inside a transaction must not hold its row
                // locks (the feed counter's, say: every node's feed writes wait on it) until
                // TCP notices, which takes hours: PostgreSQL ends such a session.
                (
                    "idle_in_transaction_session_timeout",
                    format!("{timeout_ms}ms"),
                ),
            ]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .min_connections(0)
            .acquire_timeout(options.connect_timeout)
            .idle_timeout(Some(Duration::from_secs(60)))
            .connect_with(connect)
            .await?;
        let store = Self { pool };
        if options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations in one transaction under an advisory lock of the current
    /// schema, so that nodes starting together apply each step once (the others wait, then
    /// find nothing to do). A failed step leaves the schema as it was.
    pub async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // A step on a large table, or waiting for another node's migration, may take longer
        // than a request's statement; this transaction alone is exempt.
        sqlx::raw_sql("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))")
            .bind(MIGRATION_LOCK_CLASS)
            .execute(&mut *tx)
            .await?;
        // Under the lock: two concurrent `CREATE TABLE IF NOT EXISTS` can both fail otherwise.
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let current = current_version(&mut tx).await?;
        check_schema_version(current, POSTGRES)?;
        for step in POSTGRES.iter().filter(|m| m.version > current) {
            tracing::info!(
                version = step.version,
                name = step.name,
                "applying migration"
            );
            sqlx::raw_sql(step.sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at)
                 VALUES ($1, $2, EXTRACT(EPOCH FROM now())::BIGINT)",
            )
            .bind(step.version)
            .bind(step.name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// [`StoreError::Config`] unless the schema is the one this Sigil knows: for a server
    /// started without migrating, which must not run on an older (or newer) schema.
    pub async fn check_schema_current(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('schema_migrations')::text")
                .fetch_one(&mut *tx)
                .await?;
        let current = match exists {
            Some(_) => current_version(&mut tx).await?,
            None => 0,
        };
        tx.commit().await?;
        check_schema_version(current, POSTGRES)?;
        let newest = newest(POSTGRES);
        if current < newest {
            return Err(StoreError::Config(format!(
                "the database schema is version {current}, older than this Sigil needs \
                 ({newest}); run `sigil migrate`"
            )));
        }
        Ok(())
    }
}

async fn current_version(tx: &mut Transaction<'_, Postgres>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations")
            .fetch_one(&mut **tx)
            .await?,
    )
}

fn newest(known: &[Migration]) -> i64 {
    known.iter().map(|m| m.version).max().unwrap_or(0)
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// Bumps a realm's version; [`StoreError::UnknownRealm`] if it does not exist.
async fn bump_realm_version(conn: &mut PgConnection, realm: &RealmName) -> Result<()> {
    let bumped = sqlx::query("UPDATE realms SET version = version + 1 WHERE name = $1")
        .bind(realm.as_str())
        .execute(conn)
        .await?;
    if bumped.rows_affected() == 0 {
        return Err(StoreError::UnknownRealm(realm.to_string()));
    }
    Ok(())
}

/// [`StoreError::UnknownRealm`] unless the realm exists.
async fn require_realm<'c, E>(executor: E, realm: &RealmName) -> Result<()>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM realms WHERE name = $1")
        .bind(realm.as_str())
        .fetch_optional(executor)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::UnknownRealm(realm.to_string()))
}

/// Records from this backend's rows (`crate::rows`).
mod records {
    crate::rows::decoders!(sqlx::postgres::PgRow);
}
