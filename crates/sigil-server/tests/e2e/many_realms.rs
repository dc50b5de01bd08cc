//! Thousands of realms (issue 11): the refresh reads one feed for every realm, so what a
//! tick costs the store does not grow with the number of realms loaded, and what changes in
//! any one of them still arrives.

use std::time::Duration;

use futures_util::StreamExt as _;
use sigil_jose::Algorithm;
use sigil_server::keys::generate::{self, KeyTimes};
use sigil_server::provision::ClientSpec;
use sigil_server::seal::MasterKey;
use sigil_store::{Realm, RealmName, RealmSettings};

use crate::store_double::StoreDouble;
use crate::support::{START, TestServer, parts};

const REALMS: usize = 2_000;

/// Realms with one ES256 key each, written to the store directly (RSA keys would take
/// minutes to generate; the provisioner always adds one).
async fn insert_realms(server: &TestServer) {
    let master = MasterKey::from_bytes(&[42; 32]).unwrap();
    for i in 0..REALMS {
        let name = RealmName::new(format!("r{i}")).unwrap();
        let key = generate::generate(Algorithm::ES256, 2048).await.unwrap();
        let times = KeyTimes::immediate(START);
        let record = generate::record(
            &master,
            &name,
            key,
            Algorithm::ES256,
            None,
            times,
            "generated",
        )
        .unwrap();
        let realm = Realm {
            name,
            settings: RealmSettings {
                signing_algs: vec!["ES256".into()],
                encryption_algs: Vec::new(),
                ..RealmSettings::default()
            },
            version: 1,
            created_at: START,
        };
        server.store.insert_realm(&realm, &[record]).await.unwrap();
    }
}

fn delta(
    before: &std::collections::HashMap<&'static str, usize>,
    after: &std::collections::HashMap<&'static str, usize>,
    method: &str,
) -> usize {
    after.get(method).copied().unwrap_or(0) - before.get(method).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_loaded_realms_cost_one_feed_read_per_refresh() {
    let (server, store) = TestServer::start_wrapped_configured(&[], StoreDouble::new, |c| {
        // Key rotation reads every realm's keys; it has its own (hourly) schedule.
        c.rotation_interval = Duration::from_secs(3600);
    })
    .await;
    insert_realms(&server).await;
    // Every realm loaded, through its discovery document.
    let loads = futures_util::stream::iter(0..REALMS)
        .map(|i| {
            let server = &server;
            async move {
                let path = format!("/realms/r{i}/.well-known/openid-configuration");
                let (status, body) = server.get_json(&path).await;
                assert_eq!(status, 200, "{path}: {body}");
                assert_eq!(body["issuer"], server.issuer(&format!("r{i}")));
            }
        })
        .buffer_unordered(8);
    loads.collect::<Vec<()>>().await;

    // Some ticks with nothing changing: each is one feed query, and no realm is read again.
    let ticks = |n: usize| {
        let store = &store;
        let server = &server;
        async move {
            let waiting = store.ticks_waiting();
            server
                .eventually(&format!("{n} more refresh ticks"), || async {
                    store.ticks_waiting() >= waiting + n
                })
                .await;
        }
    };
    ticks(2).await;
    let before = store.calls();
    ticks(5).await;
    let after = store.calls();
    let feed_reads = delta(&before, &after, "feed_after");
    assert!(feed_reads >= 5, "{feed_reads} feed reads");
    for per_realm in [
        "revocations_after",
        "get_realm",
        "list_keys",
        "realm_versions",
    ] {
        assert_eq!(
            delta(&before, &after, per_realm),
            0,
            "{per_realm} during {feed_reads} quiet ticks with {REALMS} realms loaded"
        );
    }

    // And the one read still brings what changes in any realm: a revocation made elsewhere
    // in the last realm reaches introspection.
    let last = format!("r{}", REALMS - 1);
    let spec = ClientSpec {
        client_id: Some("svc".into()),
        scopes: vec!["api:read".into()],
        signing_alg: Some(Algorithm::ES256),
        ..ClientSpec::default()
    };
    let (id, secret) = server.client_with(&last, spec).await;
    let token = server.token(&last, (&id, &secret), &[]).await;
    assert_eq!(
        server.introspect(&last, (&id, &secret), &token).await["active"],
        true
    );
    let (_, claims) = parts(&token);
    let realm = RealmName::new(last.clone()).unwrap();
    let jti = claims["jti"].as_str().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    server.store.revoke_token(&realm, jti, exp).await.unwrap();
    server
        .eventually("the revocation reaches the last realm", || async {
            server.introspect(&last, (&id, &secret), &token).await["active"] == false
        })
        .await;
    // A settings change rebuilds that realm alone.
    let before = store.calls();
    let mut settings = server
        .store
        .get_realm(&realm)
        .await
        .unwrap()
        .unwrap()
        .settings;
    settings.access_token_ttl_secs = 120;
    server
        .store
        .update_realm_settings(&realm, &settings)
        .await
        .unwrap();
    server
        .eventually("the realm is rebuilt", || async {
            delta(&before, &store.calls(), "list_keys") >= 1
        })
        .await;
    ticks(2).await;
    let after = store.calls();
    assert_eq!(delta(&before, &after, "list_keys"), 1, "one realm rebuilt");
    assert_eq!(delta(&before, &after, "get_realm"), 1);
    server.stop().await;
}
