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
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    server.stop().await;
}
