//! A random number generator that fails: every request that needs a secret or an id answers
//! 503 `temporarily_unavailable`; nothing weak is ever issued.

use serde_json::{Value, json};
use sigil_server::ServerError;
use sigil_server::provision::ClientSpec;
use sigil_store::RealmName;

use crate::support::TestServer;

#[tokio::test]
async fn token_requests_get_503_while_the_generator_fails_and_work_after() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let form = [("grant_type", "client_credentials")];

    server.rng.set_failing(true);
    let response = server.post_form("/token", (&id, &secret), &form).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(body.get("access_token").is_none());

    server.rng.set_failing(false);
    let response = server.post_form("/token", (&id, &secret), &form).await;
    assert_eq!(response.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn trusted_minting_gets_503_while_the_generator_fails() {
    let server = TestServer::start().await;
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    server.rng.set_failing(true);
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "user-17", "aud": "agent77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    assert!(body.get("token").is_none());
    server.stop().await;
}

#[tokio::test]
async fn provisioning_refuses_to_make_secrets_without_randomness() {
    let server = TestServer::start().await;
    server.rng.set_failing(true);
    let realm = RealmName::default_realm();
    let confidential = server
        .provisioner
        .create_client(&realm, ClientSpec::default())
        .await;
    assert!(
        matches!(confidential, Err(ServerError::Random(_))),
        "{confidential:?}"
    );
    let admin = server.provisioner.create_admin_token("ops", None).await;
    assert!(matches!(admin, Err(ServerError::Random(_))));
    assert!(
        server.store.list_clients(&realm).await.unwrap().is_empty(),
        "nothing half-made was stored"
    );
    server.stop().await;
}
