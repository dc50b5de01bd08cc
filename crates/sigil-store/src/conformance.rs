//! The conformance suite every backend passes: one function per behaviour, run by each
//! backend's test binary through [`conformance_tests!`](crate::conformance_tests).
//!
//! Each case gets a fresh, empty store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: fail loudly

use crate::*;

mod assertions;
mod feed;
mod janitor;
mod people;
mod pushed;
mod races;

pub use assertions::*;
pub use feed::*;
pub use janitor::*;
pub use people::*;
pub use pushed::*;
pub use races::*;

/// Expands to one `#[tokio::test]` per case; `$make` is an async fn returning a fresh store
/// (any type that derefs to a [`Store`]). With `optional`, `$make` returns an `Option` of one,
/// and each case returns early, with a note, on `None` (a backend whose server is absent).
#[macro_export]
macro_rules! conformance_tests {
    (optional $make:path) => {
        $crate::conformance_tests!(@suite optional $make);
    };
    ($make:path) => {
        $crate::conformance_tests!(@suite required $make);
    };
    (@suite $mode:ident $make:path) => {
        $crate::conformance_tests!(@cases $mode $make;
            realms_round_trip, realm_settings_update_bumps_version, keys_round_trip,
            keys_are_realm_scoped, clients_round_trip, clients_are_realm_scoped,
            concurrent_inserts_of_one_client_make_exactly_one, users_round_trip,
            user_fields_round_trip, users_update_and_delete, users_are_realm_scoped,
            revocations, revocation_feed, personal_access_tokens, admin_tokens, meta_first_value_wins,
            meta_set_replaces,
            unknown_realm_is_reported, next_key_insertion_is_exclusive, retired_keys,
            a_realm_and_its_first_keys_appear_together, schema_rules_are_constraint_errors,
            missing_rows_are_not_found,
            codes_are_taken_once, expired_and_absent_codes_are_unknown, codes_are_realm_scoped,
            grants_round_trip, refresh_rotation_grace_and_reuse, refresh_of_dead_tokens_is_unknown,
            grant_revocation, grants_are_realm_scoped, sessions_round_trip, sessions_end,
            sessions_are_realm_scoped, consents_upsert, consents_are_realm_scoped,
            login_throttle_windows, login_throttle_is_realm_scoped, client_updates,
            client_feed_entries_are_purged_after_retention, feed_carries_every_kind,
            people_writes_need_a_realm, people_schema_rules,
            the_janitor_deletes_only_dead_rows_in_bounded_batches,
            realm_changes_enter_the_feed, realm_entries_are_stamped_like_client_entries,
            feed_after_spans_realms, feed_head_is_the_newest_position, realm_pages,
            pushed_requests_are_taken_once, the_janitor_deletes_expired_pushed_requests,
            client_assertions_are_used_once);
        $crate::conformance_tests!(@races $mode $make;
            racing_takers_of_a_code_take_it_once, racing_refreshes_rotate_once,
            racing_login_failures_are_all_counted, racing_ends_and_revocations_happen_once,
            racing_takers_of_a_pushed_request_take_it_once, racing_assertions_are_fresh_once);
    };
    (@races $mode:ident $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(store) = $crate::conformance_tests!(@make $mode $make) else {
                    return;
                };
                $crate::conformance::$case(::std::sync::Arc::new(store)).await;
            }
        )*
    };
    (@cases $mode:ident $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(store) = $crate::conformance_tests!(@make $mode $make) else {
                    return;
                };
                $crate::conformance::$case(&*store).await;
            }
        )*
    };
    (@make required $make:path) => {
        ::std::option::Option::Some($make().await)
    };
    (@make optional $make:path) => {{
        let store = $make().await;
        if store.is_none() {
            #[allow(clippy::print_stderr)]
            {
                ::std::eprintln!("skipped: the backend's database is not available");
            }
        }
        store
    }};
}

fn name(n: &str) -> RealmName {
    RealmName::new(n).unwrap()
}

async fn realm(store: &dyn Store, n: &str) -> RealmName {
    let realm = Realm {
        name: name(n),
        settings: RealmSettings::default(),
        version: 1,
        created_at: 1_000,
    };
    store.insert_realm(&realm, &[]).await.unwrap();
    realm.name
}

async fn version(store: &dyn Store, realm: &RealmName) -> i64 {
    store.get_realm(realm).await.unwrap().unwrap().version
}

fn key(kid: &str, created_at: i64) -> KeyRecord {
    KeyRecord {
        kid: kid.into(),
        alg: "ES256".into(),
        public_jwk: format!(r#"{{"kid":"{kid}"}}"#),
        private_sealed: Some(vec![1, 2, 3]),
        created_at,
        publish_at: created_at,
        activate_at: created_at + 10,
        retired_at: None,
        origin: "generated".into(),
    }
}

fn client(id: &str) -> ClientRecord {
    ClientRecord {
        client_id: id.into(),
        name: format!("{id} app"),
        secret_hash: Some(vec![9; 32]),
        auth_method: "client_secret_basic".into(),
        grant_types: vec!["client_credentials".into()],
        redirect_uris: vec!["https://app.example/cb".into()],
        scopes: vec!["api:read".into(), "api:write".into()],
        audiences: vec!["https://api.example".into()],
        access_token_ttl_secs: Some(300),
        signing_alg: Some("ES256".into()),
        created_at: 2_000,
        settings: ClientSettings {
            post_logout_redirect_uris: vec!["https://app.example/bye".into()],
            id_token_signed_response_alg: Some("ES256".into()),
            logo_uri: Some("https://app.example/logo.png".into()),
            first_party: true,
            jwks_uri: Some("https://app.example/jwks.json".into()),
            jwks: Some(
                serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}),
            ),
            subject_type: Some("pairwise".into()),
            sector_identifier: Some("app.example".into()),
            default_max_age: Some(3_600),
            contacts: vec!["ops@app.example".into()],
            localized: [("client_name#fr".to_owned(), "l'appli".to_owned())].into(),
            registration: Some(DynamicRegistration {
                access_token_sha256: "x".repeat(43),
                registered_at: 2_000,
                registered_from: Some("192.0.2.1".into()),
            }),
            ..ClientSettings::default()
        },
    }
}

/// Realms are created once, listed by name, and report their versions.
pub async fn realms_round_trip(store: &dyn Store) {
    let b = realm(store, "beta").await;
    let a = realm(store, "alpha").await;
    let got = store.get_realm(&a).await.unwrap().unwrap();
    assert_eq!(got.settings, RealmSettings::default());
    assert_eq!(got.created_at, 1_000);
    let names: Vec<_> = store
        .list_realms()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec![a.clone(), b.clone()]);
    let mut versions = store.realm_versions().await.unwrap();
    versions.sort();
    assert_eq!(versions, vec![(a.clone(), 1), (b, 1)]);
    let dup = Realm {
        name: a,
        settings: RealmSettings::default(),
        version: 1,
        created_at: 5,
    };
    assert!(matches!(
        store.insert_realm(&dup, &[]).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.get_realm(&name("gamma")).await.unwrap().is_none());
}

/// Settings changes are kept and bump the version a server polls.
pub async fn realm_settings_update_bumps_version(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let mut settings = RealmSettings::default();
    settings.signing_algs.push("EdDSA".into());
    settings.legacy_hs256_sealed = Some("sealed".into());
    store.update_realm_settings(&r, &settings).await.unwrap();
    let got = store.get_realm(&r).await.unwrap().unwrap();
    assert_eq!(got.settings, settings);
    assert_eq!(got.version, 2);
}

/// Keys are listed oldest first, kids are unique per realm, and inserts bump the version.
pub async fn keys_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store.insert_key(&r, &key("k2", 200)).await.unwrap();
    store.insert_key(&r, &key("k1", 100)).await.unwrap();
    let mut public_only = key("old", 50);
    public_only.private_sealed = None;
    public_only.origin = "imported".into();
    store.insert_key(&r, &public_only).await.unwrap();
    let keys = store.list_keys(&r).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
        ["old", "k1", "k2"]
    );
    assert_eq!(keys[1], key("k1", 100));
    assert_eq!(keys[0].private_sealed, None);
    assert!(matches!(
        store.insert_key(&r, &key("k1", 300)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(version(store, &r).await, 4);
}

/// Of several racing inserts of a next key for one algorithm, exactly one wins; another
/// algorithm, or a later time once the next key has activated, may add one again.
pub async fn next_key_insertion_is_exclusive(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let candidates: Vec<KeyRecord> = (0..8).map(|i| key(&format!("n{i}"), 100)).collect(); // activate at 110
    let results = futures_util::future::join_all(
        candidates
            .iter()
            .map(|k| store.insert_next_key_if_absent(&r, k, 100)),
    )
    .await;
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(true))).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(store.list_keys(&r).await.unwrap().len(), 1);
    let mut other_alg = key("rsa", 100);
    other_alg.alg = "RS256".into();
    assert!(
        store
            .insert_next_key_if_absent(&r, &other_alg, 100)
            .await
            .unwrap()
    );
    // Once the waiting key has activated, a new next key may be scheduled.
    assert!(
        !store
            .insert_next_key_if_absent(&r, &key("later", 105), 109)
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_next_key_if_absent(&r, &key("later", 105), 110)
            .await
            .unwrap()
    );
    // A verification-only key never blocks a next key.
    let r2 = realm(store, "beta").await;
    let mut public_only = key("pub", 100);
    public_only.private_sealed = None;
    store.insert_key(&r2, &public_only).await.unwrap();
    assert!(
        store
            .insert_next_key_if_absent(&r2, &key("n", 100), 100)
            .await
            .unwrap()
    );
}

/// Retiring records the time and bumps the version; a retired next key no longer blocks.
pub async fn retired_keys(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store.insert_key(&r, &key("k1", 100)).await.unwrap();
    let before = version(store, &r).await;
    assert!(store.retire_key(&r, "k1", 105).await.unwrap());
    assert!(!store.retire_key(&r, "ghost", 105).await.unwrap());
    assert_eq!(store.list_keys(&r).await.unwrap()[0].retired_at, Some(105));
    assert_eq!(version(store, &r).await, before + 1);
    assert!(
        store
            .insert_next_key_if_absent(&r, &key("k2", 100), 100)
            .await
            .unwrap()
    );
}

/// A realm is created with its first keys in one step: all of it, or none of it.
pub async fn a_realm_and_its_first_keys_appear_together(store: &dyn Store) {
    let whole = Realm {
        name: name("whole"),
        settings: RealmSettings::default(),
        version: 1,
        created_at: 1,
    };
    store
        .insert_realm(&whole, &[key("a", 1), key("b", 2)])
        .await
        .unwrap();
    assert_eq!(store.list_keys(&whole.name).await.unwrap().len(), 2);
    let broken = Realm {
        name: name("broken"),
        ..whole.clone()
    };
    let result = store
        .insert_realm(&broken, &[key("same", 1), key("same", 2)])
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert!(
        store.get_realm(&broken.name).await.unwrap().is_none(),
        "rolled back"
    );
}

/// The same kid may exist in two realms; each realm sees only its own keys.
pub async fn keys_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store.insert_key(&a, &key("same", 1)).await.unwrap();
    store.insert_key(&b, &key("same", 2)).await.unwrap();
    store.insert_key(&b, &key("only-b", 3)).await.unwrap();
    assert_eq!(store.list_keys(&a).await.unwrap().len(), 1);
    assert_eq!(store.list_keys(&b).await.unwrap().len(), 2);
    assert_eq!(version(store, &a).await, 2);
}

/// Clients round-trip every field; deletes report whether anything was deleted, and enter the
/// feed (a new client needs no entry: nothing caches a client it has not seen).
pub async fn clients_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    store.insert_client(&r, &client("svc-b")).await.unwrap();
    let mut public = client("spa");
    public.secret_hash = None;
    public.auth_method = "none".into();
    public.access_token_ttl_secs = None;
    public.signing_alg = None;
    store.insert_client(&r, &public).await.unwrap();
    assert_eq!(
        store.get_client(&r, "svc-b").await.unwrap(),
        Some(client("svc-b"))
    );
    assert_eq!(store.get_client(&r, "spa").await.unwrap(), Some(public));
    let ids: Vec<_> = store
        .list_clients(&r)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    assert_eq!(ids, ["spa", "svc-b"]);
    assert!(matches!(
        store.insert_client(&r, &client("spa")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.delete_client(&r, "spa").await.unwrap());
    assert!(!store.delete_client(&r, "spa").await.unwrap());
    assert!(store.get_client(&r, "spa").await.unwrap().is_none());
    assert_eq!(
        version(store, &r).await,
        1,
        "client changes reload no realm"
    );
    let feed = store.revocations_after(&r, 0, 0).await.unwrap();
    let feed: Vec<_> = feed.iter().map(|e| (e.kind, e.id.as_str())).collect();
    assert_eq!(
        feed,
        [(FeedKind::Client, "spa")],
        "a delete reaches running servers through the feed, once"
    );
}

/// A client of one realm is invisible from another.
pub async fn clients_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store.insert_client(&a, &client("app")).await.unwrap();
    assert!(store.get_client(&b, "app").await.unwrap().is_none());
    assert!(store.list_clients(&b).await.unwrap().is_empty());
    assert!(!store.delete_client(&b, "app").await.unwrap());
    store.insert_client(&b, &client("app")).await.unwrap();
}

/// Racing inserts of one id: exactly one wins, the rest see a conflict.
pub async fn concurrent_inserts_of_one_client_make_exactly_one(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let dup = client("dup");
    let results =
        futures_util::future::join_all((0..16).map(|_| store.insert_client(&r, &dup))).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!((ok, conflicts), (1, 15), "{results:?}");
}

/// Users are unique by id and by username within a realm.
pub async fn users_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let other = realm(store, "other").await;
    let alice = UserRecord::new("u1".into(), "alice".into(), 7);
    store.insert_user(&r, &alice).await.unwrap();
    store.insert_user(&other, &alice).await.unwrap();
    let dup = UserRecord::new("u2".into(), "alice".into(), 8);
    assert!(matches!(
        store.insert_user(&r, &dup).await,
        Err(StoreError::Conflict(_))
    ));
    let same_id = UserRecord::new("u1".into(), "bob".into(), 8);
    assert!(matches!(
        store.insert_user(&r, &same_id).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_user_by_username(&r, "alice").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.get_user(&r, "u1").await.unwrap(), Some(alice));
    assert!(store.get_user(&r, "u2").await.unwrap().is_none());
    assert_eq!(store.list_users(&r).await.unwrap().len(), 1);
}

/// A user with every field set, one with none, and the two kinds of "no allowed scopes".
fn full_user(id: &str, username: &str) -> UserRecord {
    let mut claims = serde_json::Map::new();
    claims.insert("department".into(), serde_json::json!("R&D"));
    claims.insert("level".into(), serde_json::json!(3));
    claims.insert(
        "address".into(),
        serde_json::json!({ "country": "NZ", "lines": ["1 Quay St", "Auckland"] }),
    );
    UserRecord {
        email: Some(format!("{username}@example.com")),
        email_verified: true,
        name: Some("Alice Liddell".into()),
        given_name: Some("Alice".into()),
        family_name: Some("Liddell".into()),
        claims,
        groups: vec!["admins".into(), "staff".into()],
        allowed_scopes: Some(vec!["openid".into(), "profile".into()]),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        disabled: true,
        updated_at: 9,
        ..UserRecord::new(id.into(), username.into(), 8)
    }
}

/// Every field comes back as written: claims JSON (nested values, numbers), the order of
/// groups, and `allowed_scopes` `None` apart from `Some(empty)`.
pub async fn user_fields_round_trip(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let full = full_user("u1", "alice");
    let bare = UserRecord::new("u2".into(), "bob".into(), 1);
    let nothing_allowed = UserRecord {
        allowed_scopes: Some(Vec::new()),
        ..UserRecord::new("u3".into(), "carol".into(), 2)
    };
    for u in [&full, &bare, &nothing_allowed] {
        store.insert_user(&r, u).await.unwrap();
        assert_eq!(store.get_user(&r, &u.id).await.unwrap().as_ref(), Some(u));
        assert_eq!(
            store
                .get_user_by_username(&r, &u.username)
                .await
                .unwrap()
                .as_ref(),
            Some(u)
        );
    }
    assert_eq!(
        store.list_users(&r).await.unwrap(),
        vec![full, bare.clone(), nothing_allowed.clone()]
    );
    assert_eq!(
        store
            .get_user(&r, "u2")
            .await
            .unwrap()
            .unwrap()
            .allowed_scopes,
        None
    );
    assert_eq!(
        store
            .get_user(&r, "u3")
            .await
            .unwrap()
            .unwrap()
            .allowed_scopes,
        Some(Vec::new())
    );
}

/// Updates replace every field but `id` and `created_at`, keep usernames unique and report a
/// missing user; deletes report whether there was one.
pub async fn users_update_and_delete(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let bare = UserRecord::new("u1".into(), "alice".into(), 1);
    store.insert_user(&r, &bare).await.unwrap();
    store
        .insert_user(&r, &UserRecord::new("u2".into(), "bob".into(), 1))
        .await
        .unwrap();

    let mut changed = full_user("u1", "alice");
    changed.created_at = 999; // not rewritten
    store.update_user(&r, &changed).await.unwrap();
    let got = store.get_user(&r, "u1").await.unwrap().unwrap();
    assert_eq!(
        got,
        UserRecord {
            created_at: 1,
            ..changed.clone()
        }
    );

    // Back to nothing: every optional field can be cleared.
    let cleared = UserRecord {
        updated_at: 10,
        ..bare.clone()
    };
    store.update_user(&r, &cleared).await.unwrap();
    assert_eq!(
        store.get_user(&r, "u1").await.unwrap(),
        Some(cleared.clone())
    );

    let renamed = UserRecord {
        username: "alicia".into(),
        ..cleared.clone()
    };
    store.update_user(&r, &renamed).await.unwrap();
    assert!(
        store
            .get_user_by_username(&r, "alice")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.get_user_by_username(&r, "alicia").await.unwrap(),
        Some(renamed.clone())
    );
    let taken = UserRecord {
        username: "bob".into(),
        ..renamed.clone()
    };
    assert!(matches!(
        store.update_user(&r, &taken).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_user(&r, "u1").await.unwrap(), Some(renamed));

    let ghost = UserRecord::new("ghost".into(), "ghost".into(), 1);
    let result = store.update_user(&r, &ghost).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert!(
        store.get_user(&r, "ghost").await.unwrap().is_none(),
        "no upsert"
    );

    assert!(store.delete_user(&r, "u1").await.unwrap());
    assert!(!store.delete_user(&r, "u1").await.unwrap());
    assert!(store.get_user(&r, "u1").await.unwrap().is_none());
    let names: Vec<_> = store
        .list_users(&r)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["bob"]);
    // The username is free again.
    store
        .insert_user(&r, &UserRecord::new("u3".into(), "alicia".into(), 2))
        .await
        .unwrap();
}

/// A user of one realm cannot be read, changed or deleted from another.
pub async fn users_are_realm_scoped(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    let alice = full_user("u1", "alice");
    store.insert_user(&a, &alice).await.unwrap();
    assert!(store.get_user(&b, "u1").await.unwrap().is_none());
    assert!(
        store
            .get_user_by_username(&b, "alice")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.list_users(&b).await.unwrap().is_empty());
    let result = store.update_user(&b, &alice).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert!(!store.delete_user(&b, "u1").await.unwrap());
    assert_eq!(store.get_user(&a, "u1").await.unwrap(), Some(alice.clone()));

    // The same id and username in b are another user; changing it leaves a's alone.
    let other = UserRecord::new("u1".into(), "alice".into(), 5);
    store.insert_user(&b, &other).await.unwrap();
    let disabled = UserRecord {
        disabled: true,
        ..other
    };
    store.update_user(&b, &disabled).await.unwrap();
    assert!(store.delete_user(&b, "u1").await.unwrap());
    assert_eq!(store.get_user(&a, "u1").await.unwrap(), Some(alice));
}

/// Revocations are idempotent, realm-scoped and purged once the token expired anyway.
pub async fn revocations(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store.revoke_token(&a, "j1", 100).await.unwrap();
    store.revoke_token(&a, "j1", 100).await.unwrap();
    store.revoke_token(&a, "j2", 500).await.unwrap();
    let revoked = |realm: RealmName, now: i64| async move {
        let feed = store.revocations_after(&realm, 0, now).await.unwrap();
        feed.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(revoked(a.clone(), 0).await, ["j1", "j2"]);
    assert!(revoked(b.clone(), 0).await.is_empty());
    assert_eq!(store.purge_expired_revocations(100).await.unwrap(), 1);
    assert_eq!(revoked(a.clone(), 0).await, ["j2"], "purged");
}

/// The revocation feed: realm-scoped, oldest first, resumable from a position, without expired
/// tokens, and positions never reused — not even after the newest row was purged.
pub async fn revocation_feed(store: &dyn Store) {
    let a = realm(store, "a").await;
    let b = realm(store, "b").await;
    store.revoke_token(&a, "j1", 100).await.unwrap();
    store.revoke_token(&b, "k1", 100).await.unwrap();
    store.revoke_token(&a, "j2", 500).await.unwrap();
    store.revoke_token(&a, "j2", 500).await.unwrap();
    let feed = store.revocations_after(&a, 0, 50).await.unwrap();
    let jtis: Vec<_> = feed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(jtis, ["j1", "j2"]);
    assert!(feed[0].position < feed[1].position);
    assert_eq!(feed[1].expires_at, 500);
    assert!(
        store
            .revocations_after(&a, feed[1].position, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let live: Vec<_> = store
        .revocations_after(&a, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(live, ["j2"], "expired tokens are left out");

    let last = feed[1].position;
    store.purge_expired_revocations(1000).await.unwrap();
    store.revoke_token(&a, "j3", 2000).await.unwrap();
    let after = store.revocations_after(&a, last, 1000).await.unwrap();
    assert_eq!(after.len(), 1);
    assert!(after[0].id == "j3" && after[0].position > last);
    assert!(after.iter().all(|e| e.kind == FeedKind::Token));
}

/// Personal access tokens: listed newest first, revoked once, used times recorded.
pub async fn personal_access_tokens(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let pat = |jti: &str, user: &str, at: i64| PatRecord {
        jti: jti.into(),
        user_id: user.into(),
        name: format!("{jti} token"),
        created_at: at,
        expires_at: at + 1000,
        last_used_at: None,
        revoked_at: None,
    };
    store.insert_pat(&r, &pat("p1", "u1", 10)).await.unwrap();
    store.insert_pat(&r, &pat("p2", "u1", 20)).await.unwrap();
    store.insert_pat(&r, &pat("p3", "u2", 30)).await.unwrap();
    let all: Vec<_> = store
        .list_pats(&r, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.jti)
        .collect();
    assert_eq!(all, ["p3", "p2", "p1"]);
    let mine: Vec<_> = store
        .list_pats(&r, Some("u1"))
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.jti)
        .collect();
    assert_eq!(mine, ["p2", "p1"]);
    store.touch_pat(&r, "p1", 55).await.unwrap();
    assert!(store.revoke_pat(&r, "p1", 60).await.unwrap());
    assert!(!store.revoke_pat(&r, "p1", 61).await.unwrap());
    assert!(!store.revoke_pat(&r, "nope", 61).await.unwrap());
    let p1 = store.get_pat(&r, "p1").await.unwrap().unwrap();
    assert_eq!((p1.last_used_at, p1.revoked_at), (Some(55), Some(60)));
    let feed = store.revocations_after(&r, 0, 60).await.unwrap();
    assert_eq!(
        feed.len(),
        1,
        "a revoked PAT joins the revocation feed once"
    );
    assert_eq!(
        (feed[0].kind, feed[0].id.as_str(), feed[0].expires_at),
        (FeedKind::Token, "p1", 1010)
    );
}

/// Admin tokens are found by digest only.
pub async fn admin_tokens(store: &dyn Store) {
    let t = AdminTokenRecord {
        id: "a1".into(),
        name: "ci".into(),
        token_hash: vec![5; 32],
        created_at: 1,
        expires_at: Some(99),
        last_used_at: None,
    };
    store.insert_admin_token(&t).await.unwrap();
    assert_eq!(
        store.find_admin_token(&[5; 32]).await.unwrap(),
        Some(t.clone())
    );
    assert!(store.find_admin_token(&[6; 32]).await.unwrap().is_none());
    store.touch_admin_token("a1", 42).await.unwrap();
    assert_eq!(
        store.list_admin_tokens().await.unwrap()[0].last_used_at,
        Some(42)
    );
    assert!(store.delete_admin_token("a1").await.unwrap());
    assert!(!store.delete_admin_token("a1").await.unwrap());
}

/// The first value stored under a meta key stays.
pub async fn meta_first_value_wins(store: &dyn Store) {
    assert_eq!(
        store.meta_get_or_insert("k", "first").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.meta_get_or_insert("k", "second").await.unwrap(),
        "first"
    );
}

/// `meta_set` replaces (last writer wins) and `meta_get` reads what is stored.
pub async fn meta_set_replaces(store: &dyn Store) {
    assert_eq!(store.meta_get("k").await.unwrap(), None);
    store.meta_set("k", "first").await.unwrap();
    assert_eq!(store.meta_get("k").await.unwrap().as_deref(), Some("first"));
    store.meta_set("k", "second").await.unwrap();
    assert_eq!(
        store.meta_get("k").await.unwrap().as_deref(),
        Some("second")
    );
    assert_eq!(
        store.meta_get_or_insert("k", "third").await.unwrap(),
        "second"
    );
}

/// Calls scoped to a realm that does not exist say so.
pub async fn unknown_realm_is_reported(store: &dyn Store) {
    let ghost = name("ghost");
    assert!(matches!(
        store.insert_key(&ghost, &key("k", 1)).await,
        Err(StoreError::UnknownRealm(_))
    ));
    assert!(matches!(
        store.insert_client(&ghost, &client("c")).await,
        Err(StoreError::UnknownRealm(_))
    ));
    assert!(matches!(
        store
            .update_realm_settings(&ghost, &RealmSettings::default())
            .await,
        Err(StoreError::UnknownRealm(_))
    ));
    let user = UserRecord::new("u".into(), "u".into(), 1);
    assert!(matches!(
        store.insert_user(&ghost, &user).await,
        Err(StoreError::UnknownRealm(_))
    ));
    store.ping().await.unwrap();
}

/// A write that breaks a rule of the schema is the caller's error, reported as
/// [`StoreError::Constraint`] — never [`StoreError::Unavailable`], which would make a bug look
/// like an outage and invite retries. Nothing of the refused write is kept.
pub async fn schema_rules_are_constraint_errors(store: &dyn Store) {
    let r = realm(store, "acme").await;
    let mut signs_before_published = key("early", 100);
    signs_before_published.activate_at = 99;
    let result = store.insert_key(&r, &signs_before_published).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    let mut unknown_origin = key("odd", 100);
    unknown_origin.origin = "found-on-a-usb-stick".into();
    let result = store.insert_key(&r, &unknown_origin).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    assert!(store.list_keys(&r).await.unwrap().is_empty());
    assert_eq!(
        version(store, &r).await,
        1,
        "the version bump is rolled back too"
    );

    let expired_at_birth = PatRecord {
        jti: "p".into(),
        user_id: "u".into(),
        name: "p token".into(),
        created_at: 50,
        expires_at: 50,
        last_used_at: None,
        revoked_at: None,
    };
    let result = store.insert_pat(&r, &expired_at_birth).await;
    assert!(
        matches!(result, Err(StoreError::Constraint(_))),
        "{result:?}"
    );
    assert!(store.get_pat(&r, "p").await.unwrap().is_none());
}

/// Acting on one named record that is not there is [`StoreError::NotFound`].
pub async fn missing_rows_are_not_found(store: &dyn Store) {
    let result = store.touch_admin_token("ghost", 5).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let t = AdminTokenRecord {
        id: "a1".into(),
        name: "ci".into(),
        token_hash: vec![5; 32],
        created_at: 1,
        expires_at: None,
        last_used_at: None,
    };
    store.insert_admin_token(&t).await.unwrap();
    assert!(store.delete_admin_token("a1").await.unwrap());
    let result = store.touch_admin_token("a1", 6).await;
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "deleted since it was found: {result:?}"
    );
}
