//! The conformance suite on SQLite, each case on a fresh database file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use sigil_store::sqlite::SqliteStore;

/// A fresh store in a temporary directory that lives as long as the store.
struct TempStore {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempStore {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn fresh() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sigil.db"))
        .await
        .unwrap();
    TempStore { store, _dir: dir }
}

sigil_store::conformance_tests!(fresh);

#[tokio::test]
async fn reopening_keeps_data_and_migrates_once() {
    use sigil_store::{Realm, RealmName, RealmSettings, RealmStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sigil.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let realm = Realm {
        name: RealmName::default_realm(),
        settings: RealmSettings::default(),
        version: 1,
        created_at: 1,
    };
    store.insert_realm(&realm, &[]).await.unwrap();
    drop(store);
    // Two processes' worth of opens at once: migrations run once, data is there.
    let (a, b) = tokio::join!(SqliteStore::open(&path), SqliteStore::open(&path));
    assert_eq!(a.unwrap().list_realms().await.unwrap().len(), 1);
    assert_eq!(b.unwrap().list_realms().await.unwrap(), vec![realm]);
}

/// Migration 3 turns `revoked_tokens` into the kind-carrying feed: existing revocations become
/// token entries at their positions, and a position freed by the purge before the upgrade is
/// still never reused (a running server may have read it).
#[tokio::test]
async fn the_people_migration_keeps_the_feed_and_its_positions() {
    // Once with rows left, once with every row purged (no counter row for the new table yet).
    for purge_all in [false, true] {
        migrate_v2_feed(purge_all).await;
    }
}

async fn migrate_v2_feed(purge_all: bool) {
    use sigil_store::{FeedKind, RealmName, TokenStore};
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let v2 = SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
         INSERT INTO schema_migrations VALUES (1, 'initial', 0), (2, 'schema rules', 0);",
    )
    .execute(&v2)
    .await
    .unwrap();
    for step in [
        include_str!("../migrations/sqlite/0001_initial.sql"),
        include_str!("../migrations/sqlite/0002_schema_rules.sql"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(step))
            .execute(&v2)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO realms (name, settings, version, created_at) VALUES ('default', '{}', 1, 1);
         INSERT INTO revoked_tokens (realm, jti, expires_at)
             VALUES ('default', 'j1', 500), ('default', 'j2', 600), ('default', 'j3', 100);
         DELETE FROM revoked_tokens WHERE jti = 'j3';",
    )
    .execute(&v2)
    .await
    .unwrap();
    if purge_all {
        sqlx::raw_sql("DELETE FROM revoked_tokens")
            .execute(&v2)
            .await
            .unwrap();
    }
    v2.close().await;

    let store = SqliteStore::open(&path).await.unwrap();
    let realm = RealmName::default_realm();
    let feed = store.revocations_after(&realm, 0, 0).await.unwrap();
    let got: Vec<_> = feed
        .iter()
        .map(|e| (e.position, e.kind, e.id.as_str(), e.expires_at))
        .collect();
    if purge_all {
        assert!(got.is_empty());
    } else {
        assert_eq!(
            got,
            [
                (1, FeedKind::Token, "j1", 500),
                (2, FeedKind::Token, "j2", 600)
            ]
        );
    }
    store.revoke_token(&realm, "j4", 700).await.unwrap();
    let after = store.revocations_after(&realm, 2, 0).await.unwrap();
    assert_eq!(after.len(), 1);
    assert!(
        after[0].position > 3,
        "position 3 was used before: {after:?}"
    );
}

/// A database file moved away under a running store (an operator's mistake, a restore in
/// progress) is an outage, not a fresh empty database and not writes into the moved file:
/// every call fails as unavailable until the file is back, and then works again by itself.
#[tokio::test]
async fn a_moved_database_file_is_unavailable_until_it_returns() {
    use sigil_store::{Realm, RealmName, RealmSettings, RealmStore, Store, StoreError};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sigil.db");
    let moved = dir.path().join("elsewhere.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let realm = Realm {
        name: RealmName::new("acme").unwrap(),
        settings: RealmSettings::default(),
        version: 1,
        created_at: 1,
    };
    store.insert_realm(&realm, &[]).await.unwrap();

    std::fs::rename(&path, &moved).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let read = store.get_realm(&realm.name).await;
        assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
        assert!(matches!(
            store.ping().await,
            Err(StoreError::Unavailable(_))
        ));
    }
    let written = store
        .insert_realm(
            &Realm {
                name: RealmName::new("beta").unwrap(),
                ..realm.clone()
            },
            &[],
        )
        .await;
    assert!(
        matches!(written, Err(StoreError::Unavailable(_))),
        "{written:?}"
    );
    assert!(!path.exists(), "no empty database was created in its place");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20), // a hang would last the pool's 30 s acquire timeout
        "an outage is reported, not waited out: {:?}",
        started.elapsed()
    );

    std::fs::rename(&moved, &path).unwrap();
    assert_eq!(
        store.get_realm(&realm.name).await.unwrap(),
        Some(realm.clone())
    );
    store.ping().await.unwrap();

    // Another file in its place (a copy restored while the store runs) is never opened: the
    // old database's -wal and -shm would be applied to it.
    std::fs::rename(&path, &moved).unwrap();
    std::fs::copy(&moved, &path).unwrap();
    let copy = std::fs::read(&path).unwrap();
    for _ in 0..3 {
        let read = store.get_realm(&realm.name).await;
        assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), copy, "the copy is untouched");
}
