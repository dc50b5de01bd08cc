//! A store failure answers with what it is (hardening issue, "errors from the store"): `503
//! temporarily_unavailable` only when the database is down or busy; a store bug or bad stored
//! data is a `500` that tells the client nothing; the admin API answers the operator's
//! mistakes with `404`/`409`/`400`.

use serde_json::{Value, json};
use sigil_store::{KeyRecord, RealmName, StoreError};

use crate::store_double::{MakeError, StoreDouble};
use crate::support::{START, TestServer};

/// What the injected errors say: it must never reach a client.
const DETAIL: &str = "private detail";

fn unavailable() -> StoreError {
    StoreError::Unavailable(format!("pool timed out, {DETAIL}"))
}
fn constraint() -> StoreError {
    StoreError::Constraint(format!("FOREIGN KEY constraint failed, {DETAIL}"))
}
fn not_found() -> StoreError {
    StoreError::NotFound(format!("the queried row does not exist, {DETAIL}"))
}
fn query() -> StoreError {
    StoreError::Query(format!("no such table: clients, {DETAIL}"))
}
fn conflict() -> StoreError {
    StoreError::Conflict(format!("realm, {DETAIL}"))
}
fn unknown_realm() -> StoreError {
    StoreError::UnknownRealm(format!("acme, {DETAIL}"))
}
fn corrupt() -> StoreError {
    StoreError::Corrupt(format!("bad json, {DETAIL}"))
}

#[tokio::test]
async fn the_token_endpoint_answers_503_only_for_an_unavailable_database() {
    let (server, store) = TestServer::start_wrapped(&[], StoreDouble::new).await;
    let (id, secret) = server.client("default", "svc").await;
    let cases: [(MakeError, u16, &str); 5] = [
        (unavailable, 503, "temporarily_unavailable"),
        (constraint, 500, "server_error"),
        (not_found, 500, "server_error"),
        (query, 500, "server_error"),
        (corrupt, 500, "server_error"),
    ];
    for (error, status, code) in cases {
        store.fail("get_client", error);
        let response = server
            .post_form(
                "/token",
                (&id, &secret),
                &[("grant_type", "client_credentials")],
            )
            .await;
        let what = error().to_string();
        assert_eq!(response.status(), status, "{what}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], code, "{what}");
        assert!(!body.to_string().contains(DETAIL), "{body}");
    }
    store.heal();
    server.token("default", (&id, &secret), &[]).await;
    server.stop().await;
}

#[tokio::test]
async fn the_admin_api_answers_store_errors_with_fitting_statuses() {
    let (server, store) = TestServer::start_wrapped(&[], StoreDouble::new).await;
    server.realm("acme", &[]).await;
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    // `acme` has not been used yet, so minting in it looks it up in the store.
    let cases: [(MakeError, u16, &str); 7] = [
        (unknown_realm, 404, "not_found"),
        (not_found, 404, "not_found"),
        (conflict, 409, "conflict"),
        (constraint, 400, "invalid_request"),
        (unavailable, 503, "unavailable"),
        (query, 500, "server_error"),
        (corrupt, 500, "server_error"),
    ];
    for (error, status, code) in cases {
        store.fail("get_realm", error);
        let response = server
            .http
            .post(server.url("/admin/v1/realms/acme/tokens"))
            .bearer_auth(&admin)
            .json(&json!({"sub": "user-1"}))
            .send()
            .await
            .unwrap();
        let what = error().to_string();
        assert_eq!(response.status(), status, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], code, "{what}");
        if status >= 500 {
            assert!(!body.to_string().contains(DETAIL), "{body}");
        }
    }
    store.heal();
    let response = server
        .http
        .post(server.url("/admin/v1/realms/acme/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "user-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    server.stop().await;
}

#[tokio::test]
async fn a_realm_that_cannot_be_built_is_a_500_and_an_unreachable_one_a_503() {
    let (server, store) = TestServer::start_wrapped(&[], StoreDouble::new).await;
    server.realm("acme", &[]).await;
    store.fail("get_realm", unavailable);
    let (status, body) = server.get_json("/realms/acme/jwks.json").await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (503, &json!("temporarily_unavailable"))
    );
    store.fail("get_realm", constraint);
    let (status, body) = server.get_json("/realms/acme/jwks.json").await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (500, &json!("server_error"))
    );
    assert!(!body.to_string().contains(DETAIL), "{body}");
    store.heal();

    // Real bad data, no injection: a published key whose JWK does not parse. Building the
    // realm fails the same way every time, so it is not an outage.
    server.realm("broken", &[]).await;
    let garbage = KeyRecord {
        kid: "garbage".into(),
        alg: "RS256".into(),
        public_jwk: "{ not a JWK".into(),
        private_sealed: None,
        created_at: START,
        publish_at: START,
        activate_at: START,
        retired_at: None,
        origin: "imported".into(),
    };
    server
        .store
        .insert_key(&RealmName::new("broken").unwrap(), &garbage)
        .await
        .unwrap();
    let (status, body) = server.get_json("/realms/broken/jwks.json").await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (500, &json!("server_error"))
    );
    let (status, _) = server.get_json("/realms/acme/jwks.json").await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// A real missing row, no injection: an admin token deleted between its lookup and the
/// record of its use is refused (the store says `NotFound`; before, the use was recorded on
/// nothing and the request went through).
#[tokio::test]
async fn an_admin_token_deleted_while_it_is_checked_is_refused() {
    let (server, store) = TestServer::start_wrapped(&[], StoreDouble::new).await;
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    store.delete_admin_tokens_once_found();
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "user-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    server.stop().await;
}
