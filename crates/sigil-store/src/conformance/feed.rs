//! The feed read across realms: realm changes as entries, one query for every realm, and the
//! head a reader starts from.

use super::{client, key, name, realm};
use crate::*;

/// The `(realm, kind, id)` of every live entry after `position`, oldest first.
async fn everything_after(store: &dyn Store, position: i64) -> Vec<(String, FeedKind, String)> {
    store
        .feed_after(position, 0, 1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.realm.to_string(), e.entry.kind, e.entry.id))
        .collect()
}

fn realm_entry(n: &str) -> (String, FeedKind, String) {
    (n.to_owned(), FeedKind::Realm, n.to_owned())
}

/// Creating a realm and every change that bumps its version (settings, a key inserted,
/// retired or added as next) announce the realm once, at a new position; the realm's own
/// revocation feed leaves these entries out.
pub async fn realm_changes_enter_the_feed(store: &dyn Store) {
    let r = realm(store, "acme").await;
    assert_eq!(everything_after(store, 0).await, [realm_entry("acme")]);
    let mut last = store.feed_head().await.unwrap();
    let mut announced = async |step: &str| {
        let after = store.feed_after(last, 0, 1_000).await.unwrap();
        assert_eq!(after.len(), 1, "{step}: {after:?}");
        assert_eq!(after[0].entry.kind, FeedKind::Realm, "{step}");
        last = after[0].entry.position;
    };
    let mut settings = RealmSettings::default();
    settings.signing_algs.push("EdDSA".into());
    store.update_realm_settings(&r, &settings).await.unwrap();
    announced("settings").await;
    store.insert_key(&r, &key("k1", 100)).await.unwrap();
    announced("a key").await;
    store.retire_key(&r, "k1", 500).await.unwrap();
    announced("a retired key").await;
    let next = key("k2", 600);
    assert!(
        store
            .insert_next_key_if_absent(&r, &next, 600)
            .await
            .unwrap()
    );
    announced("a next key").await;
    assert_eq!(
        everything_after(store, 0).await,
        [realm_entry("acme")],
        "one entry per realm, the newest"
    );
    assert!(store.revocations_after(&r, 0, 0).await.unwrap().is_empty());
    store.insert_client(&r, &client("app")).await.unwrap();
    assert_eq!(
        everything_after(store, last).await,
        [],
        "a new client is found on first use, not announced"
    );
}

/// Realm entries have no expiry of their own, like client entries: the first purge stamps
/// them with [`CLIENT_FEED_RETENTION_SECS`], a purge past that removes them.
pub async fn realm_entries_are_stamped_like_client_entries(store: &dyn Store) {
    realm(store, "acme").await;
    assert_eq!(store.purge_expired_revocations(1_000).await.unwrap(), 0);
    let stamped = store.feed_after(0, 1_000, 10).await.unwrap();
    assert_eq!(
        stamped[0].entry.expires_at,
        1_000 + CLIENT_FEED_RETENTION_SECS
    );
    let gone = 1_000 + CLIENT_FEED_RETENTION_SECS;
    assert!(store.feed_after(0, gone, 10).await.unwrap().is_empty());
    assert_eq!(store.purge_expired_revocations(gone).await.unwrap(), 1);
}

/// One read covers every realm, in position order, bounded by `limit`, resumable from the
/// last position read, without expired entries.
pub async fn feed_after_spans_realms(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    let start = store.feed_head().await.unwrap();
    store.revoke_token(&a, "j1", 100).await.unwrap();
    store.revoke_token(&b, "k1", 900).await.unwrap();
    store.revoke_token(&a, "j2", 900).await.unwrap();
    store.insert_client(&b, &client("app")).await.unwrap();
    store.delete_client(&b, "app").await.unwrap();

    let first = store.feed_after(start, 50, 2).await.unwrap();
    let got: Vec<_> = first
        .iter()
        .map(|e| (e.realm.as_str(), e.entry.id.as_str()))
        .collect();
    assert_eq!(got, [("a", "j1"), ("b", "k1")]);
    let rest = store
        .feed_after(first[1].entry.position, 50, 100)
        .await
        .unwrap();
    let got: Vec<_> = rest
        .iter()
        .map(|e| (e.realm.as_str(), e.entry.kind, e.entry.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [("a", FeedKind::Token, "j2"), ("b", FeedKind::Client, "app")]
    );
    let live = store.feed_after(start, 100, 100).await.unwrap();
    assert_eq!(live.len(), 3, "j1 expired at 100: {live:?}");
}

/// The head is the newest position handed out, and stays there when entries are purged: a
/// reader starting from it sees exactly what comes after.
pub async fn feed_head_is_the_newest_position(store: &dyn Store) {
    assert_eq!(store.feed_head().await.unwrap(), 0, "an empty store");
    let r = realm(store, "acme").await;
    store.revoke_token(&r, "j1", 100).await.unwrap();
    let head = store.feed_head().await.unwrap();
    let newest = store.feed_after(0, 0, 100).await.unwrap();
    assert_eq!(newest.last().map(|e| e.entry.position), Some(head));
    store.purge_expired_revocations(200).await.unwrap();
    assert_eq!(
        store.feed_head().await.unwrap(),
        head,
        "purges keep the head"
    );
    store.revoke_token(&r, "j2", 900).await.unwrap();
    let after = store.feed_after(head, 200, 100).await.unwrap();
    assert_eq!(after.len(), 1);
    assert!(after[0].entry.position > head);
}

/// Realms page by name in byte order (`-` before digits before letters), whatever the
/// database's collation.
pub async fn realm_pages(store: &dyn Store) {
    for n in ["ab", "a-z", "b", "a0", "a"] {
        realm(store, n).await;
    }
    let mut pages = Vec::new();
    let mut after: Option<RealmName> = None;
    loop {
        let page = store.list_realms_page(after.as_ref(), 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.name.clone());
        pages.push(page.iter().map(|r| r.name.to_string()).collect::<Vec<_>>());
    }
    assert_eq!(pages, [vec!["a", "a-z"], vec!["a0", "ab"], vec!["b"]]);
    let from_b = store.list_realms_page(Some(&name("az")), 10).await.unwrap();
    assert_eq!(from_b.len(), 1);
}
