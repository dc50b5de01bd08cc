//! The janitor's case: dead rows go in bounded batches, live rows stay.

use super::people::{code, grant, refresh, session};
use super::realm;
use crate::*;

/// At `NOW`, each table holds dead rows and live ones; a purge with a batch of two deletes at
/// most two per table, repeated purges finish the job, and every live row is still usable.
pub async fn the_janitor_deletes_only_dead_rows_in_bounded_batches(store: &dyn Store) {
    const NOW: i64 = 20_000;
    let r = realm(store, "acme").await;
    // Codes: three past the replay retention (one exactly at it); one expired but still
    // kept to recognise a replay; one live.
    let kept_until = NOW - CODE_REPLAY_RETENTION_SECS;
    for (hash, expires_at) in [
        (1, 1_000),
        (2, kept_until - 1),
        (4, kept_until),
        (5, kept_until + 1),
        (3, NOW + 60),
    ] {
        store
            .insert_code(&r, &code(hash, expires_at))
            .await
            .unwrap();
    }
    // Grants: one past its absolute lifetime, with a refresh token; one live.
    store
        .insert_grant(
            &r,
            &grant("g-dead", "u1", "app"),
            Some(&refresh(10, "g-dead", 100)),
        )
        .await
        .unwrap();
    let live_grant = GrantRecord {
        expires_at: 30_000,
        ..grant("g-live", "u1", "app")
    };
    store
        .insert_grant(&r, &live_grant, Some(&refresh(11, "g-live", 19_500)))
        .await
        .unwrap();
    // Sessions: one expired, one live.
    store
        .insert_session(&r, &session("s-dead", 1, "u1"))
        .await
        .unwrap();
    let live_session = SessionRecord {
        expires_at: 30_000,
        ..session("s-live", 2, "u1")
    };
    store.insert_session(&r, &live_session).await.unwrap();
    // Login failures (the realm's window: 900 s): one long past, one in its window.
    let window = 900;
    store
        .record_login_failure(&r, "addr:old", 1_000, window)
        .await
        .unwrap();
    store
        .record_login_failure(&r, "addr:new", NOW - 500, window)
        .await
        .unwrap();
    // Client assertion ids: one expired (exactly at `NOW`), one live.
    assert!(
        store
            .record_assertion(&r, "app", "j-dead", NOW, 1_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_assertion(&r, "app", "j-live", NOW + 1, 1_000)
            .await
            .unwrap()
    );
    // The feed: one revocation that has expired, one that has not.
    store.revoke_token(&r, "old", 15_000).await.unwrap();
    store.revoke_token(&r, "new", 30_000).await.unwrap();

    let first = store.purge_expired(NOW, 2).await.unwrap();
    assert_eq!(
        first,
        PurgeReport {
            codes: 2,
            grants: 1,
            sessions: 1,
            throttle: 1,
            feed: 1,
            assertions: 1,
            ..PurgeReport::default()
        }
    );
    let second = store.purge_expired(NOW, 2).await.unwrap();
    assert_eq!(
        second,
        PurgeReport {
            codes: 1,
            ..PurgeReport::default()
        }
    );
    assert_eq!(store.purge_expired(NOW, 2).await.unwrap().total(), 0);

    // What was live still works; the expired code kept for replays is still there.
    assert!(matches!(
        store.take_code(&r, &[3; 32], NOW).await.unwrap(),
        TakenCode::Taken(_)
    ));
    store.take_code(&r, &[5; 32], kept_until).await.unwrap();
    assert!(matches!(
        store.take_code(&r, &[5; 32], NOW).await.unwrap(),
        TakenCode::Replayed(_)
    ));
    assert_eq!(
        store.get_grant(&r, "g-live").await.unwrap(),
        Some(live_grant)
    );
    assert!(store.get_grant(&r, "g-dead").await.unwrap().is_none());
    // The dead grant's refresh token went with it: its digest is free again.
    store
        .insert_grant(
            &r,
            &grant("g-new", "u1", "app"),
            Some(&refresh(10, "g-new", 100)),
        )
        .await
        .unwrap();
    assert_eq!(
        store.find_session(&r, &[2; 32], NOW).await.unwrap(),
        Some(live_session)
    );
    assert_eq!(
        store
            .login_failures(&r, "addr:new", NOW, window)
            .await
            .unwrap(),
        (1, Some(NOW - 500))
    );
    let feed: Vec<String> = store
        .revocations_after(&r, 0, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    assert_eq!(feed, ["new"]);
    assert!(
        !store
            .record_assertion(&r, "app", "j-live", NOW + 1, NOW)
            .await
            .unwrap()
    );
}
