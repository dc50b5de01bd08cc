//! Races that really race: a multi-thread runtime (the macro runs these with
//! `flavor = "multi_thread"`), [`TASKS`] spawned tasks released together by a
//! [`tokio::sync::Barrier`], [`ITERATIONS`] rounds. Each round asserts the atomic rule
//! exactly: one winner, no lost update. A backend that reads and then writes without holding
//! what it read fails these within a few rounds.

use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::Barrier;

use super::people::{code, grant, refresh, session};
use super::realm;
use crate::*;

/// Concurrent callers per round.
pub const TASKS: usize = 8;
/// Rounds per race.
pub const ITERATIONS: usize = 50;

/// Runs `call(i)` for `i in 0..TASKS` on spawned tasks released at once; their results in
/// task order.
pub(super) async fn race<S, T, F, Fut>(store: &Arc<S>, call: F) -> Vec<T>
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store,
    T: Send + 'static,
    F: Fn(Arc<S>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let barrier = barrier.clone();
            let work = call(store.clone(), i);
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(TASKS);
    for task in tasks {
        results.push(task.await.expect("a racing task panicked"));
    }
    results
}

/// RFC 6749 §10.5: of [`TASKS`] concurrent takers of one code, exactly one gets `Taken`; the
/// others get `Replayed` with the same record.
pub async fn racing_takers_of_a_code_take_it_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let mut c = code(0, 160);
        c.code_hash = format!("code-{round}").into_bytes();
        store.insert_code(&r, &c).await.unwrap();
        let results = race(&store, |store, _| {
            let (r, hash) = (r.clone(), c.code_hash.clone());
            async move { store.take_code(&r, &hash, 120).await.unwrap() }
        })
        .await;
        let taken = results
            .iter()
            .filter(|t| **t == TakenCode::Taken(c.clone()))
            .count();
        let replayed = results
            .iter()
            .filter(|t| **t == TakenCode::Replayed(c.clone()))
            .count();
        assert_eq!(
            (taken, replayed),
            (1, TASKS - 1),
            "round {round}: {results:?}"
        );
    }
}

/// RFC 9700 §4.14.2 with a grace window: of [`TASKS`] concurrent refreshes with one token,
/// exactly one rotates; every other gets `Grace` with the winner's sealed successor — one
/// family, never two. Only the winner's successor exists afterwards.
pub async fn racing_refreshes_rotate_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let id = format!("g{round}");
        let mut first = refresh(0, &id, 100);
        first.token_hash = format!("rt-{round}").into_bytes();
        store
            .insert_grant(&r, &grant(&id, "u1", "app"), Some(&first))
            .await
            .unwrap();
        let successor = |i: usize| {
            let mut s = refresh(0, &id, 200);
            s.token_hash = format!("rt-{round}-next-{i}").into_bytes();
            s
        };
        let results = race(&store, |store, i| {
            let (r, presented, next) = (r.clone(), first.token_hash.clone(), successor(i));
            let sealed = format!("sealed-{i}").into_bytes();
            async move {
                let rotation = store.rotate_refresh(&r, &presented, &next, &sealed, 200, 5);
                rotation.await.unwrap()
            }
        })
        .await;
        let winners: Vec<usize> = (0..TASKS)
            .filter(|&i| matches!(results[i], Rotation::Rotated { .. }))
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0];
        let sealed = format!("sealed-{winner}").into_bytes();
        for (i, result) in results.iter().enumerate().filter(|(i, _)| *i != winner) {
            match result {
                Rotation::Grace {
                    successor_sealed, ..
                } => assert_eq!(successor_sealed, &sealed, "round {round}, task {i}"),
                other => panic!("round {round}, task {i}: {other:?}"),
            }
        }
        for i in 0..TASKS {
            let next = store
                .rotate_refresh(&r, &successor(i).token_hash, &successor(100), b"x", 201, 5)
                .await
                .unwrap();
            if i == winner {
                assert!(matches!(next, Rotation::Rotated { .. }), "round {round}");
            } else {
                assert_eq!(next, Rotation::Unknown, "round {round}: a second family");
            }
        }
    }
}

/// Of [`TASKS`] concurrent failed logins for one key, every one is counted, each with its own
/// count (1 to [`TASKS`]): no update is lost.
pub async fn racing_login_failures_are_all_counted<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let key = format!("user:u{round}");
        let results = race(&store, |store, _| {
            let (r, key) = (r.clone(), key.clone());
            async move { store.record_login_failure(&r, &key, 100, 60).await.unwrap() }
        })
        .await;
        let mut counts: Vec<u32> = results.iter().map(|(n, _)| *n).collect();
        counts.sort_unstable();
        let expected: Vec<u32> = (1..=TASKS).map(|n| n as u32).collect();
        assert_eq!(counts, expected, "round {round}");
        assert!(results.iter().all(|(_, start)| *start == 100));
        let (failures, _) = store.login_failures(&r, &key, 101, 60).await.unwrap();
        assert_eq!(failures as usize, TASKS, "round {round}");
    }
}

/// Of [`TASKS`] concurrent ends of one session, and revocations of one grant, exactly one
/// reports having done it, and the feed holds one entry for each.
pub async fn racing_ends_and_revocations_happen_once<S>(store: Arc<S>)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let r = realm(&**store, "acme").await;
    for round in 0..ITERATIONS {
        let id = format!("x{round}");
        let mut s = session(&id, 0, "u1");
        s.secret_hash = id.clone().into_bytes();
        store.insert_session(&r, &s).await.unwrap();
        store
            .insert_grant(&r, &grant(&id, "u1", "app"), None)
            .await
            .unwrap();
        let results = race(&store, |store, i| {
            let (r, id) = (r.clone(), id.clone());
            async move {
                if i % 2 == 0 {
                    ("session", store.end_session(&r, &id, 200).await.unwrap())
                } else {
                    ("grant", store.revoke_grant(&r, &id, 200).await.unwrap())
                }
            }
        })
        .await;
        for what in ["session", "grant"] {
            let done = results.iter().filter(|(w, ok)| *w == what && *ok).count();
            assert_eq!(done, 1, "round {round}, {what}: {results:?}");
        }
    }
    let feed = store.revocations_after(&r, 0, 0).await.unwrap();
    assert_eq!(feed.len(), 2 * ITERATIONS);
}
