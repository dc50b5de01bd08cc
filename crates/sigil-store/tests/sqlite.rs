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
