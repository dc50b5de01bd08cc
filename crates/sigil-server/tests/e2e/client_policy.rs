//! Client authentication and client policy over HTTP: Basic credentials decoded as RFC 6749
//! §2.3.1 says, `/authorize` checking the client's grant, and no token when a client's stored
//! signing algorithm is unknown.

use base64::Engine as _;
use serde_json::Value;
use sigil_server::provision::ClientSpec;
use sigil_store::{ClientRecord, RealmName};

use crate::support::{START, TestServer, parts};

/// `Authorization: Basic` over exactly these bytes: `user_pass` is sent as given.
fn basic_header(user_pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_pass)
    )
}

/// RFC 6749 Appendix B: application/x-www-form-urlencoded.
fn form_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn basic_auth_decodes_client_ids_with_reserved_characters() {
    let server = TestServer::start().await;
    // client_ids are printable ASCII, so they may hold every character the encoding reserves.
    let (encoded_id, encoded_secret) = server.client("default", "ops&team=a+b%c:d").await;
    // A client that did not encode its id: raw `&` and `=` are still part of it.
    let (raw_id, raw_secret) = server.client("default", "raw&id=1").await;
    let cases = [
        (
            format!(
                "{}:{}",
                form_encode(&encoded_id),
                form_encode(&encoded_secret)
            ),
            encoded_id.as_str(),
        ),
        (format!("{raw_id}:{raw_secret}"), raw_id.as_str()),
    ];
    for (user_pass, id) in &cases {
        let response = server
            .http
            .post(server.url("/token"))
            .header("authorization", basic_header(user_pass))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{user_pass}");
        let body: Value = response.json().await.unwrap();
        let (_, claims) = parts(body["access_token"].as_str().unwrap());
        assert_eq!(claims["client_id"], *id);
        assert_eq!(claims["sub"], *id);
    }
    // Not UTF-8 once decoded: invalid_client, not a server error.
    let response = server
        .http
        .post(server.url("/token"))
        .header("authorization", basic_header("%FF:x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    server.stop().await;
}

#[tokio::test]
async fn authorize_refuses_a_client_without_the_code_grant() {
    let server = TestServer::start().await;
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("machine".into()),
                grant_types: vec!["client_credentials".into()],
                redirect_uris: vec!["https://machine.example/cb".into()],
                ..ClientSpec::default()
            },
        )
        .await;
    let response = server
        .http
        .get(format!(
            "{}?client_id=machine&response_type=code&redirect_uri={}&state=st-1",
            server.url("/authorize"),
            form_encode("https://machine.example/cb")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    let (target, query) = location.split_once('?').unwrap();
    assert_eq!(target, "https://machine.example/cb");
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(params["error"], "unauthorized_client", "{location}");
    assert_eq!(params["state"], "st-1");
    assert_eq!(params["iss"], server.base);
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_stored_signing_alg_is_a_server_error_not_an_rs256_token() {
    let server = TestServer::start().await;
    let secret = "a-secret-for-a-corrupted-row";
    // Written past provisioning, which would refuse it: a corrupted row or a bug elsewhere.
    let record = ClientRecord {
        client_id: "corrupt".into(),
        name: "corrupt".into(),
        secret_hash: Some(sigil_server::random::digest(secret)),
        auth_method: "client_secret_basic".into(),
        grant_types: vec!["client_credentials".into()],
        redirect_uris: vec![],
        scopes: vec![],
        audiences: vec![],
        access_token_ttl_secs: None,
        signing_alg: Some("XS999".into()),
        created_at: START,
        settings: Default::default(),
    };
    server
        .store
        .insert_client(&RealmName::default_realm(), &record)
        .await
        .unwrap();
    let response = server
        .post_form(
            "/token",
            ("corrupt", secret),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_error");
    assert!(body.get("access_token").is_none());
    // The reason stays in the log: the client learns nothing about the row.
    assert!(
        !body["error_description"]
            .as_str()
            .unwrap()
            .contains("XS999")
    );
    server.stop().await;
}
