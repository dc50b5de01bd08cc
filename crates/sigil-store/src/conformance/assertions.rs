//! Client assertion ids (RFC 7523 §3 item 7): fresh once per client and realm, a replay while
//! recorded, fresh again only once expired; exactly one of concurrent presentations wins.

use std::ops::Deref;
use std::sync::Arc;

use super::races::{ITERATIONS, TASKS, race};
use super::{name, realm};
use crate::*;

/// One `jti` is fresh once; the same `jti` of another client or realm is another assertion;
/// an expired record no longer makes a replay; an unknown realm is an error.
pub async fn client_assertions_are_used_once(store: &dyn Store) {
    let acme = realm(store, "acme").await;
    let other = realm(store, "other").await;
    assert!(
        store
            .record_assertion(&acme, "app", "j1", 1_300, 1_000)
            .await
            .unwrap()
    );
    // A replay, even with another expiry and up to the last second of the record.
    assert!(
        !store
            .record_assertion(&acme, "app", "j1", 1_300, 1_001)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_assertion(&acme, "app", "j1", 9_999, 1_299)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_assertion(&acme, "app2", "j1", 1_300, 1_001)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_assertion(&other, "app", "j1", 1_300, 1_001)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_assertion(&acme, "app", "j2", 1_300, 1_001)
            .await
            .unwrap()
    );
    // At its expiry the record is dead: the id is fresh again (the assertion itself is
    // refused by its `exp` by then), and recorded anew.
    assert!(
        store
            .record_assertion(&acme, "app", "j1", 1_600, 1_300)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_assertion(&acme, "app", "j1", 1_600, 1_500)
            .await
            .unwrap()
    );
    // The janitor deletes the dead and keeps the live.
    let purged = store.purge_expired(1_300, 100).await.unwrap();
    assert_eq!(purged.assertions, 3, "{purged:?}");
    assert!(
        !store
            .record_assertion(&acme, "app", "j1", 1_600, 1_500)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_assertion(&acme, "app", "j2", 1_600, 1_500)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .record_assertion(&name("nowhere"), "app", "j1", 1_300, 1_000)
            .await,
        Err(StoreError::UnknownRealm(_))
    ));
}

/// Of [`TASKS`] concurrent presentations of one assertion (one per node, say), exactly one
/// is fresh.
pub async fn racing_assertions_are_fresh_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let jti = format!("jti-{round}");
        let results = race(&store, |store, _| {
            let (r, jti) = (r.clone(), jti.clone());
            async move {
                store
                    .record_assertion(&r, "app", &jti, 1_300, 1_000)
                    .await
                    .unwrap()
            }
        })
        .await;
        let fresh = results.iter().filter(|fresh| **fresh).count();
        assert_eq!(fresh, 1, "round {round}: {results:?}");
        assert_eq!(results.len(), TASKS);
    }
}
