//! Pushed authorization requests (RFC 9126): single use, realm-scoped, gone when expired.

use std::ops::Deref;
use std::sync::Arc;

use super::races::{ITERATIONS, TASKS, race};
use super::realm;
use crate::*;

fn pushed(hash: u8, expires_at: i64) -> PushedRequestRecord {
    PushedRequestRecord {
        uri_hash: vec![hash; 32],
        client_id: "app".into(),
        parameters: "response_type=code&client_id=app&state=s%20t".into(),
        created_at: 100,
        expires_at,
    }
}

/// A pushed request is taken once, only in its realm, and not after it expired; its digest
/// is unique; it needs a realm.
pub async fn pushed_requests_are_taken_once(store: &dyn Store) {
    let a = realm(store, "acme").await;
    let b = realm(store, "beta").await;
    let p = pushed(1, 160);
    store.insert_pushed_request(&a, &p).await.unwrap();
    assert!(matches!(
        store.insert_pushed_request(&a, &p).await,
        Err(StoreError::Conflict(_))
    ));
    let unknown = RealmName::new("nowhere").unwrap();
    assert!(matches!(
        store.insert_pushed_request(&unknown, &pushed(2, 160)).await,
        Err(StoreError::UnknownRealm(_))
    ));
    // Another realm neither sees nor spends it.
    assert_eq!(
        store
            .take_pushed_request(&b, &p.uri_hash, 120)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_pushed_request(&a, &p.uri_hash, 120)
            .await
            .unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        store
            .take_pushed_request(&a, &p.uri_hash, 121)
            .await
            .unwrap(),
        None
    );
    // At its expiry it is gone, and stays gone.
    let late = pushed(3, 160);
    store.insert_pushed_request(&a, &late).await.unwrap();
    assert_eq!(
        store
            .take_pushed_request(&a, &late.uri_hash, 160)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_pushed_request(&a, &late.uri_hash, 100)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.take_pushed_request(&a, &[9; 32], 100).await.unwrap(),
        None
    );
}

/// The janitor deletes expired pushed requests in bounded batches and keeps live ones.
pub async fn the_janitor_deletes_expired_pushed_requests(store: &dyn Store) {
    let r = realm(store, "acme").await;
    for hash in 1..=3 {
        store
            .insert_pushed_request(&r, &pushed(hash, 150))
            .await
            .unwrap();
    }
    store
        .insert_pushed_request(&r, &pushed(4, 500))
        .await
        .unwrap();
    assert_eq!(
        store.purge_expired(200, 2).await.unwrap().pushed_requests,
        2
    );
    assert_eq!(
        store.purge_expired(200, 2).await.unwrap().pushed_requests,
        1
    );
    assert_eq!(
        store.purge_expired(200, 2).await.unwrap().pushed_requests,
        0
    );
    assert!(
        store
            .take_pushed_request(&r, &[4; 32], 200)
            .await
            .unwrap()
            .is_some()
    );
}

/// RFC 9126 §4: of [`TASKS`] concurrent takers of one `request_uri`, exactly one gets it.
pub async fn racing_takers_of_a_pushed_request_take_it_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let mut p = pushed(0, 160);
        p.uri_hash = format!("uri-{round}").into_bytes();
        store.insert_pushed_request(&r, &p).await.unwrap();
        let results = race(&store, |store, _| {
            let (r, hash) = (r.clone(), p.uri_hash.clone());
            async move { store.take_pushed_request(&r, &hash, 120).await.unwrap() }
        })
        .await;
        let winners = results.iter().filter(|t| t.as_ref() == Some(&p)).count();
        let losers = results.iter().filter(|t| t.is_none()).count();
        assert_eq!(
            (winners, losers),
            (1, TASKS - 1),
            "round {round}: {results:?}"
        );
    }
}
