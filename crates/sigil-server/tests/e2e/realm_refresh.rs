//! The background refresh under failure (hardening issue, "a refresh loop that one bad realm
//! stops"): a realm that fails to reload keeps serving its last good state and is counted,
//! while every other realm keeps following the store; names that are no realm do not reach
//! the store once per request.

use serde_json::Value;
use sigil_server::realms::NEW_NAME_LOOKUPS_PER_TICK;
use sigil_store::{KeyRecord, RealmName};

use crate::store_double::StoreDouble;
use crate::support::{START, TestServer, parts};

fn realm(name: &str) -> RealmName {
    RealmName::new(name).unwrap()
}

/// A published key whose JWK does not parse: the realm's next reload fails on it.
fn unparsable_key() -> KeyRecord {
    KeyRecord {
        kid: "unparsable".into(),
        alg: "RS256".into(),
        public_jwk: "{ not a JWK".into(),
        private_sealed: None,
        created_at: START,
        publish_at: START,
        activate_at: START,
        retired_at: None,
        origin: "imported".into(),
    }
}

/// Revokes `token` through the store, as the CLI or another node would: it reaches this
/// server only through the refresh and the revocation feed.
async fn revoke_elsewhere(server: &TestServer, realm_name: &str, token: &str) {
    let (_, claims) = parts(token);
    server
        .store
        .revoke_token(
            &realm(realm_name),
            claims["jti"].as_str().unwrap(),
            claims["exp"].as_i64().unwrap(),
        )
        .await
        .unwrap();
}

fn reload_failures(metrics: &str, realm_name: &str) -> u64 {
    let series = format!("sigil_realm_reload_failures_total{{realm=\"{realm_name}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series.as_str()))
        .map_or(0, |n| n.parse().unwrap())
}

async fn metrics(server: &TestServer) -> String {
    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_realm_that_fails_to_reload_holds_up_no_other_realm() {
    let server = TestServer::start().await;
    server.realm("good", &[]).await;
    server.realm("bad", &[]).await;
    let mut clients = Vec::new();
    for name in ["default", "good", "bad"] {
        clients.push((name, server.client(name, "svc").await));
    }
    // Every realm loaded and serving; the broken one's JWKS as it is before the breakage.
    let mut tokens = Vec::new();
    for (name, (id, secret)) in &clients {
        let token = server.token(name, (id, secret), &[]).await;
        assert_eq!(
            server.introspect(name, (id, secret), &token).await["active"],
            true
        );
        tokens.push(token);
    }
    let jwks_before = server
        .http
        .get(server.url("/realms/bad/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    server
        .store
        .insert_key(&realm("bad"), &unparsable_key())
        .await
        .unwrap();
    server
        .eventually(
            "the failed reload is counted with the realm's name",
            || async { reload_failures(&metrics(&server).await, "bad") >= 1 },
        )
        .await;
    // Revoked after the breakage, in the other realms (and in the broken one, whose feed is
    // read before its keys).
    for ((name, _), token) in clients.iter().zip(&tokens) {
        revoke_elsewhere(&server, name, token).await;
    }
    for ((name, (id, secret)), token) in clients.iter().zip(&tokens) {
        server
            .eventually(&format!("the revocation reaches realm {name}"), || async {
                server.introspect(name, (id, secret), token).await["active"] == false
            })
            .await;
    }

    // The broken realm serves its last good state: the same JWKS, working tokens.
    let jwks_now = server
        .http
        .get(server.url("/realms/bad/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(jwks_now, jwks_before);
    let (_, (id, secret)) = &clients[2];
    let fresh = server.token("bad", (id, secret), &[]).await;
    assert_eq!(
        server.introspect("bad", (id, secret), &fresh).await["active"],
        true
    );
    // And it is retried at every tick, not given up on.
    server
        .eventually("the reload is retried", || async {
            reload_failures(&metrics(&server).await, "bad") >= 2
        })
        .await;
    let text = metrics(&server).await;
    assert_eq!(reload_failures(&text, "good"), 0, "{text}");
    assert_eq!(reload_failures(&text, "default"), 0, "{text}");
    server.stop().await;
}

#[tokio::test]
async fn unknown_realm_names_cost_a_bounded_number_of_store_lookups() {
    let (server, store) = TestServer::start_wrapped(&[], StoreDouble::new).await;
    let (status, _) = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(status, 200);
    // Hold the refresh between two ticks, so that the bound below is one tick's, whatever
    // the machine's speed.
    let waiting = store.ticks_waiting();
    let held = store.hold_ticks().await;
    server
        .eventually("a refresh tick waits at the gate", || async {
            store.ticks_waiting() > waiting
        })
        .await;
    let before = store.get_realm_calls();

    for i in 0..300 {
        let path = format!("/realms/no-such-realm-{i}/token");
        let response = server
            .post_form(
                &path,
                ("svc", "secret"),
                &[("grant_type", "client_credentials")],
            )
            .await;
        assert_eq!(response.status(), 404, "{path}");
    }
    for _ in 0..100 {
        let (status, body) = server.get_json("/realms/ghost/jwks.json").await;
        assert_eq!(status, 404, "{body}");
    }
    let lookups = store.get_realm_calls() - before;
    assert!(
        lookups <= NEW_NAME_LOOKUPS_PER_TICK,
        "400 requests for unknown realms cost {lookups} store lookups"
    );

    // A realm created meanwhile (by the CLI, say) is reachable within about one interval.
    server.realm("late", &[]).await;
    drop(held);
    server
        .eventually("the new realm is served", || async {
            let (status, body): (_, Value) = server.get_json("/realms/late/jwks.json").await;
            status == 200 && body["keys"].as_array().is_some_and(|k| !k.is_empty())
        })
        .await;
    server.stop().await;
}
