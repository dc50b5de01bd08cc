//! Test support for the PostgreSQL backend (feature `testing`): a fresh schema per test, so
//! that tests run in parallel on one database and leave nothing behind.
//!
//! Outside CI a machine without PostgreSQL skips these tests; under `CI=true` a missing
//! database fails them, so a broken set-up never passes as "skipped".

#![allow(clippy::print_stderr)] // telling a developer why a test was skipped is the point

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use sqlx::{Connection as _, PgConnection};

use crate::postgres::{PgOptions, PostgresStore};
use crate::{FeedKind, RealmName, Result, StoreError};

/// Where the tests find PostgreSQL unless `SIGIL_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long a test waits for PostgreSQL to answer before it calls it absent.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A schema of its own in the test database, dropped when this is dropped.
#[derive(Debug)]
pub struct PgTestDatabase {
    base_url: String,
    schema: String,
    url: String,
}

impl PgTestDatabase {
    /// A fresh, empty schema; `None` (with a note on stderr) if PostgreSQL does not answer.
    ///
    /// # Panics
    /// If PostgreSQL does not answer and `CI` is `true`: under CI that is a failure.
    #[allow(clippy::panic)] // a CI run without its database must fail, not skip
    pub async fn create() -> Option<Self> {
        let base_url =
            std::env::var("SIGIL_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        match Self::create_at(&base_url).await {
            Ok(db) => Some(db),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true and PostgreSQL at {base_url} is not usable: {e}")
            }
            Err(e) => {
                eprintln!("skipping a PostgreSQL test: {base_url} is not usable ({e})");
                None
            }
        }
    }

    async fn create_at(base_url: &str) -> Result<Self> {
        let mut conn = connect(base_url).await?;
        let schema = format!("sigil_t_{:016x}", random());
        // The name is ours (hex digits), never input: safe to splice.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await?;
        conn.close().await.ok();
        let separator = if base_url.contains('?') { '&' } else { '?' };
        // The application name marks this test's connections, so that the drop can end any
        // still open (a pool's connection may hold a transaction its task never finished).
        let url = format!(
            "{base_url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
        );
        Ok(Self {
            base_url: base_url.to_owned(),
            schema,
            url,
        })
    }

    /// A URL whose connections use this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A store on this schema, migrated, with the default options.
    pub async fn store(&self) -> Result<PostgresStore> {
        self.store_with(&PgOptions::default()).await
    }

    /// A store on this schema with these options.
    pub async fn store_with(&self, options: &PgOptions) -> Result<PostgresStore> {
        PostgresStore::connect(&self.url, options).await
    }

    /// One integer `sql` (a test's own query, a count say) answers on this schema: for
    /// checks of the stored rows no store method makes.
    pub async fn scalar(&self, sql: &str) -> Result<i64> {
        let mut conn = self.connection().await?;
        let value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await?;
        conn.close().await.ok();
        Ok(value)
    }

    /// One raw connection to this schema, for tests that hold transactions open themselves.
    pub async fn connection(&self) -> Result<PgConnection> {
        connect(&self.url).await
    }
}

impl Drop for PgTestDatabase {
    /// Drops the schema, best effort: on a thread of its own with its own runtime (this may
    /// run inside an async test), bounded so that a lock held elsewhere cannot hang the test.
    fn drop(&mut self) {
        let (base_url, schema) = (self.base_url.clone(), self.schema.clone());
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = connect(&base_url).await {
                    let sql = format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = '{schema}' AND pid <> pg_backend_pid();
                         SET lock_timeout = '5s';
                         DROP SCHEMA IF EXISTS {schema} CASCADE"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .ok();
                    conn.close().await.ok();
                }
            });
            done.send(()).ok();
        });
        wait.recv_timeout(Duration::from_secs(10)).ok();
    }
}

/// Adds a feed entry on `conn` exactly as the store's writers do (taking the next position
/// from the feed counter), so that a test can hold the writing transaction open.
pub async fn push_feed_entry(
    conn: &mut PgConnection,
    realm: &RealmName,
    kind: FeedKind,
    id: &str,
    expires_at: i64,
) -> Result<()> {
    crate::postgres::push_feed_entry(conn, realm, kind, id, expires_at).await
}

async fn connect(url: &str) -> Result<PgConnection> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url)).await {
        Ok(conn) => Ok(conn?),
        Err(_) => Err(StoreError::Unavailable(format!(
            "no answer within {CONNECT_TIMEOUT:?}"
        ))),
    }
}

/// 64 random bits from the standard library's per-process hash keys, the time and a counter:
/// unique enough for schema names, with no dependency.
fn random() -> u64 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.finish()
}
