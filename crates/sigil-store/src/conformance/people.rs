//! The cases for People's storage: codes, grants and refresh tokens, sessions, consents, the
//! login throttle, client updates, and the feed's kinds. Nothing here assumes a backend: every
//! time is passed in, and every check goes through the traits.

use super::{client, realm, version};
use crate::*;

pub(super) fn code(hash: u8, expires_at: i64) -> CodeRecord {
    CodeRecord {
        code_hash: vec![hash; 32],
        grant_id: format!("g-{hash}"),
        client_id: "app".into(),
        user_id: "u1".into(),
        session_id: "s1".into(),
        redirect_uri: "https://app.example/cb".into(),
        scope: "openid profile".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        claims: Some(r#"{"userinfo":{"email":null}}"#.into()),
        auth_time: 90,
        amr: vec!["pwd".into()],
        acr: Some("1".into()),
        created_at: expires_at - 60,
        expires_at,
    }
}

pub(super) fn grant(id: &str, user: &str, client_id: &str) -> GrantRecord {
    GrantRecord {
        id: id.into(),
        client_id: client_id.into(),
        user_id: user.into(),
        session_id: Some("s1".into()),
        scope: "openid offline_access".into(),
        auth_time: 90,
        created_at: 100,
        expires_at: 10_000,
        revoked_at: None,
        amr: vec!["pwd".into(), "otp".into()],
        claims: Some(r#"{"userinfo":{"email":null}}"#.into()),
    }
}

pub(super) fn refresh(hash: u8, grant_id: &str, created_at: i64) -> RefreshRecord {
    RefreshRecord {
        token_hash: vec![hash; 32],
        grant_id: grant_id.into(),
        created_at,
        expires_at: created_at + 1_000,
    }
}

pub(super) fn session(id: &str, secret: u8, user: &str) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        secret_hash: vec![secret; 32],
        user_id: user.into(),
        auth_time: 100,
        amr: vec!["pwd".into(), "otp".into()],
        created_at: 100,
        last_seen_at: 100,
        expires_at: 5_000,
        ended_at: None,
    }
}

async fn feed(store: &dyn Store, realm: &RealmName, now: i64) -> Vec<(FeedKind, String, i64)> {
    let entries = store.revocations_after(realm, 0, now).await.unwrap();
    entries
        .into_iter()
        .map(|e| (e.kind, e.id, e.expires_at))
        .collect()
}

fn kinds(entries: &[(FeedKind, String, i64)], kind: FeedKind) -> Vec<&str> {
    entries
        .iter()
        .filter(|e| e.0 == kind)
        .map(|e| e.1.as_str())
        .collect()
}

// ---- authorization codes -------------------------------------------------------------------

/// RFC 6749 §4.1.2, §10.5: a code is taken once, with every field kept; a second take is a
/// replay that still returns the record; a duplicate digest is a conflict.
pub async fn codes_are_taken_once(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let c = code(1, 160);
    store.insert_code(&r, &c).await.unwrap();
    assert!(matches!(
        store.insert_code(&r, &c).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.take_code(&r, &c.code_hash, 120).await.unwrap(),
        TakenCode::Taken(c.clone())
    );
    assert_eq!(
        store.take_code(&r, &c.code_hash, 121).await.unwrap(),
        TakenCode::Replayed(c.clone())
    );
    // A replay is a replay even once the code has expired: the caller must still revoke.
    assert_eq!(
        store.take_code(&r, &c.code_hash, 10_000).await.unwrap(),
        TakenCode::Replayed(c.clone())
    );
    let mut bare = code(2, 160);
    (bare.nonce, bare.code_challenge, bare.claims, bare.acr) = (None, None, None, None);
    bare.amr = vec![];
    store.insert_code(&r, &bare).await.unwrap();
    assert_eq!(
        store.take_code(&r, &bare.code_hash, 159).await.unwrap(),
        TakenCode::Taken(bare)
    );
}

/// An absent code, and an unused one that has expired by `now` (at `expires_at` exactly), are
/// unknown — and an expired one stays unknown, never becoming a replay.
pub async fn expired_and_absent_codes_are_unknown(store: &dyn Store) {
    let r = realm(store, "acme").await;
    assert_eq!(
        store.take_code(&r, &[7; 32], 100).await.unwrap(),
        TakenCode::Unknown
    );
    let c = code(1, 160);
    store.insert_code(&r, &c).await.unwrap();
    for now in [160, 161, 160] {
        assert_eq!(
            store.take_code(&r, &c.code_hash, now).await.unwrap(),
            TakenCode::Unknown,
            "at {now}"
        );
    }
}

/// A code of one realm cannot be taken in another, and taking it there does not use it.
pub async fn codes_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    let c = code(1, 160);
    store.insert_code(&a, &c).await.unwrap();
    assert_eq!(
        store.take_code(&b, &c.code_hash, 120).await.unwrap(),
        TakenCode::Unknown
    );
    store.insert_code(&b, &c).await.unwrap(); // the same digest in another realm
    assert!(matches!(
        store.take_code(&a, &c.code_hash, 120).await.unwrap(),
        TakenCode::Taken(_)
    ));
    assert!(matches!(
        store.take_code(&b, &c.code_hash, 120).await.unwrap(),
        TakenCode::Taken(_)
    ));
}

// ---- grants and refresh tokens -------------------------------------------------------------

/// Grants round-trip, with or without a first refresh token, in one transaction: a refresh
/// token of another grant is refused and leaves no grant behind.
pub async fn grants_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let g = grant("g1", "u1", "app");
    store
        .insert_grant(&r, &g, Some(&refresh(1, "g1", 100)))
        .await
        .unwrap();
    assert_eq!(store.get_grant(&r, "g1").await.unwrap(), Some(g.clone()));
    assert!(matches!(
        store.insert_grant(&r, &g, None).await,
        Err(StoreError::Conflict(_))
    ));
    let mut plain = grant("g2", "u1", "app");
    plain.session_id = None;
    store.insert_grant(&r, &plain, None).await.unwrap();
    assert_eq!(store.get_grant(&r, "g2").await.unwrap(), Some(plain));
    let result = store
        .insert_grant(&r, &grant("g3", "u1", "app"), Some(&refresh(3, "g1", 100)))
        .await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    // A refresh token digest that is taken rolls the grant back too.
    let result = store
        .insert_grant(&r, &grant("g4", "u1", "app"), Some(&refresh(1, "g4", 100)))
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert!(store.get_grant(&r, "g3").await.unwrap().is_none());
    assert!(store.get_grant(&r, "g4").await.unwrap().is_none());
    assert!(store.get_grant(&r, "ghost").await.unwrap().is_none());
}

/// RFC 6749 §6 and RFC 9700 §4.14.2: a current token rotates; the rotated one within the grace
/// window returns the same sealed successor; after the window it is reuse, which revokes the
/// grant and every refresh token of it in the same transaction, with a feed entry.
pub async fn refresh_rotation_grace_and_reuse(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let g = grant("g1", "u1", "app");
    store
        .insert_grant(&r, &g, Some(&refresh(1, "g1", 100)))
        .await
        .unwrap();
    let t1 = vec![1; 32];
    // Looking the grant up spends nothing; an unknown token has none; another realm sees none.
    assert_eq!(
        store.grant_of_refresh(&r, &t1).await.unwrap(),
        Some(g.clone())
    );
    assert_eq!(store.grant_of_refresh(&r, &[7; 32]).await.unwrap(), None);
    let elsewhere = realm(store, "elsewhere").await;
    assert_eq!(store.grant_of_refresh(&elsewhere, &t1).await.unwrap(), None);
    // The successor's own grant_id is not what binds it: the presented token's grant is.
    let s2 = refresh(2, "not-known-to-the-caller", 200);
    let rotation = store
        .rotate_refresh(&r, &t1, &s2, b"sealed-2", 200, 5)
        .await;
    assert_eq!(rotation.unwrap(), Rotation::Rotated { grant: g.clone() });
    // A duplicate within the window: the first rotation's successor, no new token.
    let dup = refresh(9, "g1", 204);
    let rotation = store
        .rotate_refresh(&r, &t1, &dup, b"sealed-9", 204, 5)
        .await;
    assert_eq!(
        rotation.unwrap(),
        Rotation::Grace {
            grant: g.clone(),
            successor_sealed: b"sealed-2".to_vec()
        }
    );
    let never_stored = store
        .rotate_refresh(&r, &dup.token_hash, &refresh(10, "g1", 204), b"x", 204, 5)
        .await;
    assert_eq!(never_stored.unwrap(), Rotation::Unknown);
    // The successor is current and rotates in turn.
    let s3 = refresh(3, "g1", 204);
    let rotation = store
        .rotate_refresh(&r, &s2.token_hash, &s3, b"sealed-3", 204, 5)
        .await;
    assert_eq!(rotation.unwrap(), Rotation::Rotated { grant: g.clone() });
    assert!(store.revocations_after(&r, 0, 0).await.unwrap().is_empty());
    // At rotated_at + grace the window has closed: reuse.
    let rotation = store
        .rotate_refresh(&r, &t1, &refresh(11, "g1", 205), b"x", 205, 5)
        .await;
    assert_eq!(
        rotation.unwrap(),
        Rotation::Reused {
            grant_id: "g1".into()
        }
    );
    let revoked = store.get_grant(&r, "g1").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(205));
    for hash in [1, 2, 3, 11] {
        let rotation = store
            .rotate_refresh(&r, &[hash; 32], &refresh(12, "g1", 206), b"x", 206, 5)
            .await;
        assert_eq!(rotation.unwrap(), Rotation::Unknown, "token {hash} is dead");
    }
    assert_eq!(
        feed(store, &r, 206).await,
        [(FeedKind::Grant, "g1".to_owned(), 10_000)],
        "the reuse revoked the grant through the feed, once"
    );
}

/// Unknown: an absent token, an idle-expired one, one whose grant expired (absolute lifetime)
/// or was revoked. None of them stores the successor.
pub async fn refresh_of_dead_tokens_is_unknown(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let rotate = |hash: u8, successor: u8, now: i64| {
        let successor = refresh(successor, "x", now);
        let r = r.clone();
        async move {
            store
                .rotate_refresh(&r, &[hash; 32], &successor, b"s", now, 5)
                .await
                .unwrap()
        }
    };
    assert_eq!(rotate(1, 50, 200).await, Rotation::Unknown, "absent");
    // Idle: the token lives until created_at + 1000 (exclusive).
    store
        .insert_grant(
            &r,
            &grant("idle", "u1", "app"),
            Some(&refresh(1, "idle", 100)),
        )
        .await
        .unwrap();
    assert_eq!(
        rotate(1, 51, 1_100).await,
        Rotation::Unknown,
        "idle-expired"
    );
    // Absolute: the grant ends before the token would.
    let mut short = grant("short", "u1", "app");
    short.expires_at = 500;
    store
        .insert_grant(&r, &short, Some(&refresh(2, "short", 100)))
        .await
        .unwrap();
    assert_eq!(rotate(2, 52, 500).await, Rotation::Unknown, "grant expired");
    store
        .insert_grant(
            &r,
            &grant("gone", "u1", "app"),
            Some(&refresh(3, "gone", 100)),
        )
        .await
        .unwrap();
    assert!(store.revoke_grant(&r, "gone", 150).await.unwrap());
    assert_eq!(rotate(3, 53, 200).await, Rotation::Unknown, "grant revoked");
    for successor in 50..=53 {
        assert_eq!(
            rotate(successor, 60, 200).await,
            Rotation::Unknown,
            "no successor was stored"
        );
    }
    // A live token still rotates at its last second.
    store
        .insert_grant(
            &r,
            &grant("live", "u1", "app"),
            Some(&refresh(4, "live", 100)),
        )
        .await
        .unwrap();
    assert!(matches!(
        rotate(4, 54, 1_099).await,
        Rotation::Rotated { .. }
    ));
}

/// Revoking a grant kills its refresh tokens and adds it to the feed (until the grant would
/// have expired), once; by user or by client, only the live grants of that user or client.
pub async fn grant_revocation(store: &dyn Store) {
    let r = realm(store, "acme").await;
    for (id, user, client_id, hash) in [
        ("g1", "u1", "app", 1),
        ("g2", "u1", "app", 2),
        ("g3", "u1", "other", 3),
        ("g4", "u2", "app", 4),
    ] {
        let g = grant(id, user, client_id);
        store
            .insert_grant(&r, &g, Some(&refresh(hash, id, 100)))
            .await
            .unwrap();
    }
    let mut expired = grant("g5", "u1", "app");
    expired.expires_at = 300;
    store.insert_grant(&r, &expired, None).await.unwrap();

    assert!(store.revoke_grant(&r, "g1", 400).await.unwrap());
    assert!(!store.revoke_grant(&r, "g1", 401).await.unwrap(), "already");
    assert!(!store.revoke_grant(&r, "ghost", 401).await.unwrap());
    assert_eq!(
        store.get_grant(&r, "g1").await.unwrap().unwrap().revoked_at,
        Some(400)
    );
    let dead = store
        .rotate_refresh(&r, &[1; 32], &refresh(20, "g1", 402), b"s", 402, 5)
        .await;
    assert_eq!(dead.unwrap(), Rotation::Unknown);

    // u1's live grants: g2 and g3 (g1 is revoked already, g5 expired at 300).
    assert_eq!(store.revoke_grants_of_user(&r, "u1", 500).await.unwrap(), 2);
    assert_eq!(store.revoke_grants_of_user(&r, "u1", 501).await.unwrap(), 0);
    assert!(
        store
            .get_grant(&r, "g5")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    assert!(
        store
            .get_grant(&r, "g4")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    // The app's: only g4 is left.
    assert_eq!(
        store.revoke_grants_of_client(&r, "app", 600).await.unwrap(),
        1
    );
    assert_eq!(
        store.revoke_grants_of_client(&r, "app", 601).await.unwrap(),
        0
    );
    for hash in 1..=4 {
        let rotation = store
            .rotate_refresh(&r, &[hash; 32], &refresh(30 + hash, "g", 700), b"s", 700, 5)
            .await;
        assert_eq!(rotation.unwrap(), Rotation::Unknown, "token {hash}");
    }
    let entries = feed(store, &r, 700).await;
    let mut revoked = kinds(&entries, FeedKind::Grant);
    revoked.sort_unstable();
    assert_eq!(revoked, ["g1", "g2", "g3", "g4"]);
    assert!(
        entries.iter().all(|e| e.2 == 10_000),
        "until the grant's end"
    );
}

/// Grants and refresh tokens of one realm are invisible from another.
pub async fn grants_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store
        .insert_grant(&a, &grant("g1", "u1", "app"), Some(&refresh(1, "g1", 100)))
        .await
        .unwrap();
    assert!(store.get_grant(&b, "g1").await.unwrap().is_none());
    let rotation = store
        .rotate_refresh(&b, &[1; 32], &refresh(2, "g1", 200), b"s", 200, 5)
        .await;
    assert_eq!(rotation.unwrap(), Rotation::Unknown);
    assert!(!store.revoke_grant(&b, "g1", 200).await.unwrap());
    assert_eq!(store.revoke_grants_of_user(&b, "u1", 200).await.unwrap(), 0);
    assert_eq!(
        store.revoke_grants_of_client(&b, "app", 200).await.unwrap(),
        0
    );
    // The same ids and digests may exist in b.
    store
        .insert_grant(&b, &grant("g1", "u1", "app"), Some(&refresh(1, "g1", 100)))
        .await
        .unwrap();
    assert!(store.revoke_grant(&b, "g1", 200).await.unwrap());
    assert!(store.revocations_after(&a, 0, 0).await.unwrap().is_empty());
    let rotation = store
        .rotate_refresh(&a, &[1; 32], &refresh(2, "g1", 200), b"s", 200, 5)
        .await;
    assert!(matches!(rotation.unwrap(), Rotation::Rotated { .. }));
}

// ---- sessions ------------------------------------------------------------------------------

/// OIDC Core §3.1.2.1 sessions: found by secret digest while live, read by id, touched
/// without moving back; ids and secret digests are unique.
pub async fn sessions_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let s = session("s1", 1, "u1");
    store.insert_session(&r, &s).await.unwrap();
    for dup in [session("s1", 2, "u1"), session("s2", 1, "u1")] {
        assert!(matches!(
            store.insert_session(&r, &dup).await,
            Err(StoreError::Conflict(_))
        ));
    }
    assert_eq!(
        store.find_session(&r, &[1; 32], 200).await.unwrap(),
        Some(s.clone())
    );
    assert!(
        store
            .find_session(&r, &[2; 32], 200)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_session(&r, &[1; 32], 5_000)
            .await
            .unwrap()
            .is_none(),
        "expired at expires_at"
    );
    assert_eq!(store.get_session(&r, "s1").await.unwrap(), Some(s));
    store.touch_session(&r, "s1", 300).await.unwrap();
    store.touch_session(&r, "s1", 250).await.unwrap();
    let touched = store.get_session(&r, "s1").await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at, 300);
    let result = store.touch_session(&r, "ghost", 300).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}

/// Ending a session: once, with a feed entry that lasts until the session would have expired;
/// an ended session is no longer found by its secret but can still be read. Ending a user's
/// sessions ends only that user's live ones.
pub async fn sessions_end(store: &dyn Store) {
    let r = realm(store, "acme").await;
    for s in [
        session("s1", 1, "u1"),
        session("s2", 2, "u1"),
        session("s3", 3, "u1"),
        session("s4", 4, "u2"),
    ] {
        store.insert_session(&r, &s).await.unwrap();
    }
    let mut expired = session("s5", 5, "u1");
    expired.expires_at = 300;
    store.insert_session(&r, &expired).await.unwrap();

    assert!(store.end_session(&r, "s1", 400).await.unwrap());
    assert!(!store.end_session(&r, "s1", 401).await.unwrap(), "already");
    assert!(!store.end_session(&r, "ghost", 401).await.unwrap());
    assert!(
        store
            .find_session(&r, &[1; 32], 402)
            .await
            .unwrap()
            .is_none()
    );
    let ended = store.get_session(&r, "s1").await.unwrap().unwrap();
    assert_eq!(ended.ended_at, Some(400));
    assert_eq!(
        feed(store, &r, 402).await,
        [(FeedKind::Session, "s1".to_owned(), 5_000)]
    );

    assert_eq!(store.end_sessions_of_user(&r, "u1", 500).await.unwrap(), 2);
    assert_eq!(store.end_sessions_of_user(&r, "u1", 501).await.unwrap(), 0);
    assert!(
        store
            .find_session(&r, &[2; 32], 502)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_session(&r, &[4; 32], 502)
            .await
            .unwrap()
            .is_some()
    );
    let entries = feed(store, &r, 502).await;
    assert_eq!(kinds(&entries, FeedKind::Session), ["s1", "s2", "s3"]);
}

/// Sessions of one realm are invisible from another.
pub async fn sessions_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store
        .insert_session(&a, &session("s1", 1, "u1"))
        .await
        .unwrap();
    assert!(
        store
            .find_session(&b, &[1; 32], 200)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.get_session(&b, "s1").await.unwrap().is_none());
    assert!(matches!(
        store.touch_session(&b, "s1", 200).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(!store.end_session(&b, "s1", 200).await.unwrap());
    assert_eq!(store.end_sessions_of_user(&b, "u1", 200).await.unwrap(), 0);
    store
        .insert_session(&b, &session("s1", 1, "u1"))
        .await
        .unwrap();
    assert!(store.end_session(&b, "s1", 200).await.unwrap());
    assert!(
        store
            .find_session(&a, &[1; 32], 200)
            .await
            .unwrap()
            .is_some()
    );
}

// ---- consents ------------------------------------------------------------------------------

/// A consent per user and client, replaced by a newer one; forgotten with its client.
pub async fn consents_upsert(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let consent = |user: &str, client_id: &str, scopes: &[&str], at: i64| ConsentRecord {
        user_id: user.into(),
        client_id: client_id.into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        granted_at: at,
    };
    assert!(store.get_consent(&r, "u1", "app").await.unwrap().is_none());
    store
        .put_consent(&r, &consent("u1", "app", &["openid"], 10))
        .await
        .unwrap();
    let wider = consent("u1", "app", &["openid", "email"], 20);
    store.put_consent(&r, &wider).await.unwrap();
    store
        .put_consent(&r, &consent("u2", "app", &["openid"], 30))
        .await
        .unwrap();
    let other = consent("u1", "other", &["profile"], 40);
    store.put_consent(&r, &other).await.unwrap();
    assert_eq!(
        store.get_consent(&r, "u1", "app").await.unwrap(),
        Some(wider)
    );
    assert_eq!(store.delete_consents_of_client(&r, "app").await.unwrap(), 2);
    assert_eq!(store.delete_consents_of_client(&r, "app").await.unwrap(), 0);
    assert!(store.get_consent(&r, "u1", "app").await.unwrap().is_none());
    assert_eq!(
        store.get_consent(&r, "u1", "other").await.unwrap(),
        Some(other)
    );
}

/// Consents of one realm are invisible from another.
pub async fn consents_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    let consent = ConsentRecord {
        user_id: "u1".into(),
        client_id: "app".into(),
        scopes: vec!["openid".into()],
        granted_at: 1,
    };
    store.put_consent(&a, &consent).await.unwrap();
    assert!(store.get_consent(&b, "u1", "app").await.unwrap().is_none());
    assert_eq!(store.delete_consents_of_client(&b, "app").await.unwrap(), 0);
    assert_eq!(
        store.get_consent(&a, "u1", "app").await.unwrap(),
        Some(consent)
    );
}

// ---- login throttle ------------------------------------------------------------------------

/// Failures count within a window that starts at the first one; at `window_start + window` the
/// count is 0 and the next failure opens a new window; clearing forgets the key.
pub async fn login_throttle_windows(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let key = "user:u1";
    assert_eq!(
        store.login_failures(&r, key, 100, 60).await.unwrap(),
        (0, None)
    );
    assert_eq!(
        store.record_login_failure(&r, key, 100, 60).await.unwrap(),
        (1, 100)
    );
    assert_eq!(
        store.record_login_failure(&r, key, 130, 60).await.unwrap(),
        (2, 100)
    );
    assert_eq!(
        store.record_login_failure(&r, key, 159, 60).await.unwrap(),
        (3, 100)
    );
    assert_eq!(
        store.login_failures(&r, key, 159, 60).await.unwrap(),
        (3, Some(159))
    );
    assert_eq!(
        store.login_failures(&r, key, 160, 60).await.unwrap(),
        (0, Some(159)),
        "the window has passed"
    );
    assert_eq!(
        store.record_login_failure(&r, key, 160, 60).await.unwrap(),
        (1, 160),
        "a new window"
    );
    assert_eq!(
        store
            .login_failures(&r, "addr:192.0.2.1", 160, 60)
            .await
            .unwrap(),
        (0, None),
        "keys are apart"
    );
    store.clear_login_failures(&r, key).await.unwrap();
    store.clear_login_failures(&r, key).await.unwrap();
    assert_eq!(
        store.login_failures(&r, key, 161, 60).await.unwrap(),
        (0, None)
    );
    assert_eq!(
        store.record_login_failure(&r, key, 161, 60).await.unwrap(),
        (1, 161)
    );
}

/// One realm's failures do not throttle another's.
pub async fn login_throttle_is_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store
        .record_login_failure(&a, "user:u1", 100, 60)
        .await
        .unwrap();
    store
        .record_login_failure(&a, "user:u1", 101, 60)
        .await
        .unwrap();
    assert_eq!(
        store.login_failures(&b, "user:u1", 102, 60).await.unwrap(),
        (0, None)
    );
    assert_eq!(
        store
            .record_login_failure(&b, "user:u1", 102, 60)
            .await
            .unwrap(),
        (1, 102)
    );
    store.clear_login_failures(&b, "user:u1").await.unwrap();
    assert_eq!(
        store.login_failures(&a, "user:u1", 102, 60).await.unwrap(),
        (2, Some(101))
    );
}

// ---- clients and the feed ------------------------------------------------------------------

/// `update_client` replaces the registration (not its id or creation time), adds a client
/// entry to the feed — at a new position on every change — and does not bump the realm's
/// version; an absent client is `NotFound`, in its realm or any other.
pub async fn client_updates(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let other = realm(store, "other").await;
    store.insert_client(&r, &client("app")).await.unwrap();
    let mut changed = client("app");
    changed.name = "renamed".into();
    changed.secret_hash = None;
    changed.auth_method = "none".into();
    changed.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
    changed.redirect_uris = vec!["http://127.0.0.1/cb".into()];
    changed.scopes = vec!["openid".into()];
    changed.audiences = vec![];
    changed.access_token_ttl_secs = None;
    changed.signing_alg = None;
    changed.settings = ClientSettings {
        first_party: false,
        post_logout_redirect_uris: vec![],
        require_pkce: true,
        ..ClientSettings::default()
    };
    changed.created_at = 9_999;
    store.update_client(&r, &changed).await.unwrap();
    let stored = store.get_client(&r, "app").await.unwrap().unwrap();
    assert_eq!(stored.created_at, 2_000, "creation time is kept");
    assert_eq!(
        stored,
        ClientRecord {
            created_at: 2_000,
            ..changed.clone()
        }
    );
    assert_eq!(version(store, &r).await, 1, "no realm reload for a client");
    let first = store.revocations_after(&r, 0, 0).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].kind, first[0].id.as_str()),
        (FeedKind::Client, "app")
    );

    store.update_client(&r, &client("app")).await.unwrap();
    let second = store.revocations_after(&r, 0, 0).await.unwrap();
    assert_eq!(second.len(), 1, "one entry per client");
    assert!(
        second[0].position > first[0].position,
        "a server past the first change sees the second"
    );
    for (realm, id) in [(&r, "ghost"), (&other, "app")] {
        let result = store.update_client(realm, &client(id)).await;
        assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    }
    assert!(
        store
            .revocations_after(&other, 0, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Client entries have no expiry of their own (client changes take no `now`): the first purge
/// that sees one gives it [`CLIENT_FEED_RETENTION_SECS`], a later purge past that removes it.
pub async fn client_feed_entries_are_purged_after_retention(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store.insert_client(&r, &client("app")).await.unwrap();
    assert!(store.delete_client(&r, "app").await.unwrap());
    assert_eq!(store.purge_expired_revocations(1_000).await.unwrap(), 0);
    let entries = feed(store, &r, 1_000).await;
    assert_eq!(
        entries,
        [(
            FeedKind::Client,
            "app".to_owned(),
            1_000 + CLIENT_FEED_RETENTION_SECS
        )]
    );
    assert_eq!(
        store.purge_expired_revocations(2_000).await.unwrap(),
        0,
        "stamped once"
    );
    assert_eq!(
        store
            .purge_expired_revocations(1_000 + CLIENT_FEED_RETENTION_SECS)
            .await
            .unwrap(),
        2,
        "the client's entry and the realm's creation"
    );
    assert!(feed(store, &r, 0).await.is_empty());
}

/// The feed carries every kind, in the order written, each kind in its own namespace.
pub async fn feed_carries_every_kind(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store.revoke_token(&r, "same", 9_000).await.unwrap();
    store
        .insert_grant(&r, &grant("same", "u1", "app"), None)
        .await
        .unwrap();
    store.revoke_grant(&r, "same", 200).await.unwrap();
    let mut s = session("same", 1, "u1");
    s.expires_at = 8_000;
    store.insert_session(&r, &s).await.unwrap();
    store.end_session(&r, "same", 300).await.unwrap();
    store.insert_client(&r, &client("same")).await.unwrap();
    store.delete_client(&r, "same").await.unwrap();
    let entries = store.revocations_after(&r, 0, 0).await.unwrap();
    let got: Vec<_> = entries.iter().map(|e| (e.kind, e.id.as_str())).collect();
    assert_eq!(
        got,
        [
            (FeedKind::Token, "same"),
            (FeedKind::Grant, "same"),
            (FeedKind::Session, "same"),
            (FeedKind::Client, "same")
        ]
    );
    assert!(entries.windows(2).all(|w| w[0].position < w[1].position));
    let after_grant = store
        .revocations_after(&r, entries[1].position, 0)
        .await
        .unwrap();
    assert_eq!(after_grant.len(), 2);
    let live = store.revocations_after(&r, 0, 8_500).await.unwrap();
    let live: Vec<_> = live.iter().map(|e| e.kind).collect();
    assert_eq!(
        live,
        [FeedKind::Token, FeedKind::Grant, FeedKind::Client],
        "the ended session's entry expired with the session"
    );
}

/// Every new table refuses writes in a realm that does not exist.
pub async fn people_writes_need_a_realm(store: &dyn Store) {
    let ghost = RealmName::new("ghost").unwrap();
    let unknown = |result: Result<()>| matches!(result, Err(StoreError::UnknownRealm(_)));
    assert!(unknown(store.insert_code(&ghost, &code(1, 160)).await));
    assert!(unknown(
        store
            .insert_grant(&ghost, &grant("g", "u", "c"), None)
            .await
    ));
    assert!(unknown(
        store.insert_session(&ghost, &session("s", 1, "u")).await
    ));
    let consent = ConsentRecord {
        user_id: "u".into(),
        client_id: "c".into(),
        scopes: vec![],
        granted_at: 1,
    };
    assert!(unknown(store.put_consent(&ghost, &consent).await));
    assert!(unknown(
        store
            .record_login_failure(&ghost, "k", 1, 60)
            .await
            .map(|_| ())
    ));
}

/// Records that expire no later than they are made are refused as schema violations.
pub async fn people_schema_rules(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let mut c = code(1, 160);
    c.created_at = 160;
    let result = store.insert_code(&r, &c).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    let mut g = grant("g", "u", "c");
    g.expires_at = g.created_at;
    let result = store.insert_grant(&r, &g, None).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    let mut s = session("s", 1, "u");
    s.expires_at = s.created_at;
    let result = store.insert_session(&r, &s).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
}
