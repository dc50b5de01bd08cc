//! What another process changes in the store (the CLI, another node) reaches a running server
//! without a restart.

use serde_json::Value;
use sigil_jose::Algorithm;
use sigil_store::RealmName;

use crate::support::TestServer;

#[tokio::test]
async fn new_realms_clients_keys_and_deletions_take_effect_while_running() {
    let server = TestServer::start().await;
    // A realm created after start is served at once.
    server.realm("late", &[]).await;
    let (status, _) = server
        .get_json("/realms/late/.well-known/openid-configuration")
        .await;
    assert_eq!(status, 200);

    // A new client works at once.
    let (id, secret) = server.client("late", "svc").await;
    server.token("late", (&id, &secret), &[]).await;

    // A deleted client stops working within a refresh interval.
    assert!(
        server
            .store
            .delete_client(&RealmName::new("late").unwrap(), "svc")
            .await
            .unwrap()
    );
    server
        .eventually("the deleted client is refused", || async {
            server
                .post_form(
                    "/realms/late/token",
                    (&id, &secret),
                    &[("grant_type", "client_credentials")],
                )
                .await
                .status()
                == 401
        })
        .await;

    // A newly enabled algorithm appears in JWKS and discovery.
    server
        .provisioner
        .enable_algorithms(&RealmName::new("late").unwrap(), &[Algorithm::EdDSA])
        .await
        .unwrap();
    server
        .eventually("EdDSA is advertised", || async {
            let (_, doc) = server
                .get_json("/realms/late/.well-known/openid-configuration")
                .await;
            doc["id_token_signing_alg_values_supported"]
                .as_array()
                .is_some_and(|a| a.contains(&Value::from("EdDSA")))
        })
        .await;
    let (_, jwks) = server.get_json("/realms/late/jwks.json").await;
    let signing = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "sig");
    assert_eq!(signing.count(), 2);
    server.stop().await;
}

/// A client changed by another process (the CLI, another node) reaches a running server
/// within a refresh interval through the revocation feed — the server drops that client from
/// its cache — and the realm is not reloaded for it: its version stays.
#[tokio::test]
async fn a_client_changed_elsewhere_is_dropped_from_the_cache_without_a_realm_reload() {
    let server = TestServer::start().await;
    let realm = RealmName::default_realm();
    let (id, secret) = server.client("default", "svc").await;
    // Issued once: the client is in the realm's cache now.
    server.token("default", (&id, &secret), &[]).await;
    let version = server
        .store
        .get_realm(&realm)
        .await
        .unwrap()
        .unwrap()
        .version;

    let mut changed = server.store.get_client(&realm, &id).await.unwrap().unwrap();
    changed.grant_types = vec!["authorization_code".into()];
    server.store.update_client(&realm, &changed).await.unwrap();
    server
        .eventually("the change reaches the cached client", || async {
            let response = server
                .post_form(
                    "/token",
                    (&id, &secret),
                    &[("grant_type", "client_credentials")],
                )
                .await;
            let body: Value = response.json().await.unwrap_or(Value::Null);
            body["error"] == "unauthorized_client"
        })
        .await;
    assert_eq!(
        server
            .store
            .get_realm(&realm)
            .await
            .unwrap()
            .unwrap()
            .version,
        version,
        "a client change reloads no realm"
    );
    server.stop().await;
}
