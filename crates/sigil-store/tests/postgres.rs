//! The conformance suite on PostgreSQL, each case in a fresh schema, and what only PostgreSQL
//! has: concurrent migrations, the feed's order under concurrent commits, timeouts, TLS.
//!
//! Without PostgreSQL these tests are skipped (with a note), except under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use sigil_store::postgres::{PgOptions, PostgresStore};
use sigil_store::testing::{PgTestDatabase, push_feed_entry};
use sigil_store::{FeedKind, Realm, RealmName, RealmSettings, RealmStore, StoreError, TokenStore};
use sqlx::{Connection as _, Row as _};

/// A store in a fresh schema that lives as long as the store.
struct TestStore {
    store: PostgresStore,
    _db: PgTestDatabase,
}

impl std::ops::Deref for TestStore {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

async fn fresh() -> Option<TestStore> {
    let db = PgTestDatabase::create().await?;
    let store = db.store().await.unwrap();
    Some(TestStore { store, _db: db })
}

sigil_store::conformance_tests!(optional fresh);

async fn realm(store: &PostgresStore, name: &str) -> RealmName {
    let realm = Realm {
        name: RealmName::new(name).unwrap(),
        settings: RealmSettings::default(),
        version: 1,
        created_at: 1,
    };
    store.insert_realm(&realm, &[]).await.unwrap();
    realm.name
}

/// How long a test waits for something that should happen at once before it fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// Two stores connecting at once to one empty schema: both succeed, each step is applied
/// once, and connecting again applies nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_each_step_once() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (a, b) = tokio::join!(db.store(), db.store());
    let (a, b) = (a.unwrap(), b.unwrap());
    a.migrate().await.unwrap();
    b.check_schema_current().await.unwrap();
    let mut conn = db.connection().await.unwrap();
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY 1")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    // Every migration file's number, once: numbers are assigned per feature, so the list
    // may have a gap until a neighbouring branch's step lands.
    let mut files: Vec<i64> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
            .unwrap()
            .map(|entry| {
                entry.unwrap().file_name().to_string_lossy()[..4]
                    .parse()
                    .unwrap()
            })
            .collect();
    files.sort_unstable();
    assert_eq!(versions, files);
    assert!(versions.len() >= 6, "{versions:?}");
    realm(&a, "shared").await;
    assert_eq!(b.list_realms().await.unwrap().len(), 1);
}

/// A store that does not migrate, on an empty schema, says to run `sigil migrate`.
#[tokio::test]
async fn an_unmigrated_schema_is_refused_without_migrating() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let options = PgOptions {
        migrate: false,
        ..PgOptions::default()
    };
    let store = db.store_with(&options).await.unwrap();
    let refused = store.check_schema_current().await.unwrap_err();
    assert!(
        matches!(&refused, StoreError::Config(m) if m.contains("sigil migrate")),
        "{refused:?}"
    );
    store.migrate().await.unwrap();
    store.check_schema_current().await.unwrap();
}

/// Issue 11: a position taken first but committed last is never skipped. Transaction A takes
/// a position and stays open; B's write (through the store) must wait for it; a reader
/// polling "after my last position" sees nothing until A commits, then A's entry before B's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_entry_committed_late_is_never_skipped() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let store = db.store().await.unwrap();
    let r = realm(&store, "acme").await;

    let head_before = store.feed_head().await.unwrap();
    let mut a = db.connection().await.unwrap();
    let a_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut a)
        .await
        .unwrap();
    let mut a_tx = a.begin().await.unwrap();
    push_feed_entry(&mut a_tx, &r, FeedKind::Token, "first", 10_000)
        .await
        .unwrap();

    let writer = {
        let (store, r) = (store.clone(), r.clone());
        tokio::spawn(async move { store.revoke_token(&r, "second", 10_000).await })
    };
    // B is blocked by A (not merely slow): PostgreSQL says A's backend is what it waits for.
    let mut observer = db.connection().await.unwrap();
    let start = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(a_pid)
        .fetch_one(&mut observer)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "B never waited for A");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !writer.is_finished(),
        "B committed while A held its position"
    );
    let seen = store.revocations_after(&r, 0, 0).await.unwrap();
    assert!(seen.is_empty(), "{seen:?}");
    // The cross-realm reader and the head agree: nothing past what has committed.
    assert!(
        store
            .feed_after(head_before, 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.feed_head().await.unwrap(), head_before);

    a_tx.commit().await.unwrap();
    tokio::time::timeout(DEADLINE, writer)
        .await
        .expect("B still blocked after A committed")
        .unwrap()
        .unwrap();
    let seen = store.revocations_after(&r, 0, 0).await.unwrap();
    let ids: Vec<&str> = seen.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["first", "second"]);
    assert!(seen[0].position < seen[1].position);
    let all = store.feed_after(head_before, 0, 100).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(store.feed_head().await.unwrap(), seen[1].position);
}

/// The same, under load: writers that hold their transaction open for a while after taking
/// a position, committing in whatever order the scheduler gives, while a reader tails the
/// feed by position. Every entry the reader ever receives has a position above the last it
/// had (nothing arrives "behind" it), and in the end it has received every committed entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_receives_every_entry_under_concurrent_commits() {
    const WRITERS: usize = 4;
    const ENTRIES: usize = 25;
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let store = db.store().await.unwrap();
    let r = realm(&store, "acme").await;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut conn = db.connection().await.unwrap();
        let r = r.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..ENTRIES {
                let mut tx = conn.begin().await.unwrap();
                push_feed_entry(&mut tx, &r, FeedKind::Token, &format!("w{w}-{i}"), 10_000)
                    .await
                    .unwrap();
                // Work after taking the position, of varying length.
                let pause = ((w * 7 + i * 3) % 5) as u64;
                tokio::time::sleep(Duration::from_millis(pause)).await;
                tx.commit().await.unwrap();
            }
        }));
    }
    let reader = {
        let (store, r) = (store.clone(), r.clone());
        tokio::spawn(async move {
            let mut last = 0;
            let mut received = BTreeSet::new();
            let start = Instant::now();
            while received.len() < WRITERS * ENTRIES {
                assert!(
                    start.elapsed() < DEADLINE * 3,
                    "the reader, at position {last}, has {} of {} entries: the rest committed \
                     behind a position it had seen",
                    received.len(),
                    WRITERS * ENTRIES
                );
                // Half the reads through the realm's feed, half through the cross-realm one.
                let entries: Vec<_> = if received.len() % 2 == 0 {
                    store.revocations_after(&r, last, 0).await.unwrap()
                } else {
                    let all = store.feed_after(last, 0, 1_000).await.unwrap();
                    all.into_iter()
                        .filter(|e| e.entry.kind == FeedKind::Token)
                        .map(|e| e.entry)
                        .collect()
                };
                for entry in entries {
                    assert!(entry.position > last, "{entry:?} after {last}");
                    last = entry.position;
                    assert!(received.insert(entry.id), "received twice");
                }
                tokio::task::yield_now().await;
            }
            received
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    let received = tokio::time::timeout(DEADLINE * 3, reader)
        .await
        .expect("the reader never received every entry")
        .unwrap();
    let stored: BTreeSet<String> = store
        .revocations_after(&r, 0, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(received, stored);
    assert_eq!(stored.len(), WRITERS * ENTRIES);
}

/// A statement that runs past the statement timeout is cancelled by PostgreSQL and reported
/// as unavailable (worth a retry, 503), in about the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_past_its_timeout_is_unavailable() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let store = db.store().await.unwrap();
    let r = realm(&store, "acme").await;
    let options = PgOptions {
        statement_timeout: Duration::from_millis(200),
        ..PgOptions::default()
    };
    let impatient = db.store_with(&options).await.unwrap();
    // Another transaction holds the feed counter: a revocation waits for it, and times out.
    let mut holder = db.connection().await.unwrap();
    let mut held = holder.begin().await.unwrap();
    sqlx::query("SELECT value FROM feed_counter FOR UPDATE")
        .execute(&mut *held)
        .await
        .unwrap();
    let start = Instant::now();
    let result = impatient.revoke_token(&r, "j", 10_000).await;
    let took = start.elapsed();
    assert!(
        matches!(&result, Err(StoreError::Unavailable(m)) if m.contains("timeout")),
        "{result:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    held.rollback().await.unwrap();
    impatient.revoke_token(&r, "j", 10_000).await.unwrap();
}

/// A port nothing listens on: connecting fails as unavailable, within the connect timeout.
#[tokio::test]
async fn an_unreachable_database_is_unavailable_fast() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let options = PgOptions {
        connect_timeout: Duration::from_secs(2),
        ..PgOptions::default()
    };
    let start = Instant::now();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let result = PostgresStore::connect(&url, &options).await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// Whether a connection to `url` uses TLS, as the server sees it.
async fn uses_tls(url: &str) -> Result<bool, sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await?;
    Ok(row.get(0))
}

/// `sslmode` is honoured: `disable` connects in the clear; `require` uses TLS when the server
/// offers it and fails clearly when it does not; `verify-full` refuses a certificate no known
/// authority signed (the local server's is self-signed). Failures are errors, never a panic
/// or a hang.
#[tokio::test]
async fn sslmode_is_honoured() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let with = |mode: &str| format!("{}&sslmode={mode}", db.url());
    let options = PgOptions {
        connect_timeout: Duration::from_secs(2),
        ..PgOptions::default()
    };
    PostgresStore::connect(&with("disable"), &options)
        .await
        .unwrap();
    assert!(!uses_tls(&with("disable")).await.unwrap());
    let refused = |result: Result<PostgresStore, StoreError>, start: Instant| {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let error = result.unwrap_err();
        assert!(
            matches!(error, StoreError::Unavailable(_) | StoreError::Config(_)),
            "{error:?}"
        );
        let message = error.to_string().to_lowercase();
        assert!(
            ["tls", "ssl", "certificate"]
                .iter()
                .any(|w| message.contains(w)),
            "{message}"
        );
    };
    let server_has_tls = uses_tls(db.url()).await.unwrap();
    let start = Instant::now();
    let required = PostgresStore::connect(&with("require"), &options).await;
    if server_has_tls {
        required.unwrap();
        assert!(uses_tls(&with("require")).await.unwrap());
        let start = Instant::now();
        refused(
            PostgresStore::connect(&with("verify-full"), &options).await,
            start,
        );
    } else {
        refused(required, start);
    }
}

/// The PostgreSQL error classes map as the store promises: data errors are the caller's,
/// a cancelled statement is an outage.
#[tokio::test]
async fn postgres_errors_map_to_their_variants() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let mut conn = db.connection().await.unwrap();
    let cases = [
        ("SELECT 'x'::integer", "Constraint"), // 22P02
        ("SELECT 1 / 0", "Constraint"),        // 22012
        ("SELECT * FROM nowhere", "Query"),    // 42P01
        (
            "SET statement_timeout = '10ms'; SELECT pg_sleep(1)",
            "Unavailable",
        ), // 57014
    ];
    for (sql, expected) in cases {
        let error: StoreError = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap_err()
            .into();
        let got = match error {
            StoreError::Constraint(_) => "Constraint",
            StoreError::Query(_) => "Query",
            StoreError::Unavailable(_) => "Unavailable",
            ref other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(got, expected, "{sql}: {error:?}");
    }
}
