//! Initial access tokens of dynamic registration (RFC 7591 §3): expiry, use limits, realm
//! isolation, and a race in which concurrent registrations never spend more uses than a
//! token has.

use std::ops::Deref;
use std::sync::Arc;

use super::races::{ITERATIONS, TASKS, race};
use super::realm;
use crate::*;

fn token(hash: &str, expires_at: Option<i64>, max_uses: Option<u32>) -> InitialAccessTokenRecord {
    InitialAccessTokenRecord {
        token_hash: hash.as_bytes().to_vec(),
        created_at: 100,
        expires_at,
        max_uses,
        uses: 0,
    }
}

/// A token admits registrations until it expires or its uses run out; an unknown one never.
pub async fn initial_access_tokens_expire_and_run_out(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store
        .insert_initial_access_token(&r, &token("twice", Some(200), Some(2)))
        .await
        .unwrap();
    store
        .insert_initial_access_token(&r, &token("forever", None, None))
        .await
        .unwrap();
    let spend = |hash: &'static str, now| {
        let r = r.clone();
        async move {
            store
                .spend_initial_access_token(&r, hash.as_bytes(), now)
                .await
                .unwrap()
        }
    };
    assert!(spend("twice", 150).await);
    assert!(spend("twice", 199).await);
    assert!(!spend("twice", 199).await, "a third use of a two-use token");
    assert!(!spend("unknown", 150).await);
    for now in [150, 10_000, 1_000_000] {
        assert!(spend("forever", now).await);
    }
    store
        .insert_initial_access_token(&r, &token("expiring", Some(200), None))
        .await
        .unwrap();
    assert!(!spend("expiring", 200).await, "spent at its expiry");
    assert!(!spend("expiring", 201).await);
}

/// A token of one realm admits nothing in another; a token needs its realm.
pub async fn initial_access_tokens_are_realm_scoped(store: &dyn Store) {
    let acme = realm(store, "acme").await;
    let other = realm(store, "other").await;
    store
        .insert_initial_access_token(&acme, &token("t", None, Some(5)))
        .await
        .unwrap();
    assert!(
        !store
            .spend_initial_access_token(&other, b"t", 150)
            .await
            .unwrap()
    );
    assert!(
        store
            .spend_initial_access_token(&acme, b"t", 150)
            .await
            .unwrap()
    );
    let missing = RealmName::new("missing").unwrap();
    assert!(matches!(
        store
            .insert_initial_access_token(&missing, &token("t", None, None))
            .await,
        Err(StoreError::UnknownRealm(_))
    ));
    let duplicate = store
        .insert_initial_access_token(&acme, &token("t", None, None))
        .await;
    assert!(duplicate.is_err(), "{duplicate:?}");
}

/// Of [`TASKS`] concurrent registrations with a token of three uses, exactly three succeed.
pub async fn racing_registrations_spend_each_use_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let hash = format!("iat-{round}");
        store
            .insert_initial_access_token(&r, &token(&hash, Some(1_000), Some(3)))
            .await
            .unwrap();
        let results = race(&store, |store, _| {
            let (r, hash) = (r.clone(), hash.clone());
            async move {
                store
                    .spend_initial_access_token(&r, hash.as_bytes(), 500)
                    .await
                    .unwrap()
            }
        })
        .await;
        let spent = results.iter().filter(|s| **s).count();
        assert_eq!(spent, 3.min(TASKS), "round {round}: {results:?}");
    }
}
