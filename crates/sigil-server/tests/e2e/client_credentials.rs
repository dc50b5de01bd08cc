//! The client credentials grant: RFC 9068 access tokens that an independent JOSE library
//! verifies with the published keys; client authentication by Basic and by POST.

use serde_json::Value;
use sigil_jose::Algorithm;
use sigil_server::clock::Clock;
use sigil_server::provision::ClientSpec;

use crate::support::{TestServer, parts, verify_with_jsonwebtoken};

#[tokio::test]
async fn basic_auth_yields_an_rfc9068_token_that_jsonwebtoken_verifies() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "billing").await;
    let response = server
        .post_form(
            "/token",
            (&id, &secret),
            &[("grant_type", "client_credentials"), ("scope", "api:read")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "api:read");
    let token = body["access_token"].as_str().unwrap();
    let (header, _) = parts(token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "RS256");
    let claims = verify_with_jsonwebtoken(
        &server.http,
        &server.url("/jwks.json"),
        token,
        &server.base,
        Some(&server.base),
        server.clock.now(),
    )
    .await;
    assert_eq!(claims["sub"], "billing");
    assert_eq!(claims["client_id"], "billing");
    assert_eq!(claims["scope"], "api:read");
    assert_eq!(claims["iat"], crate::support::START);
    assert_eq!(claims["exp"], crate::support::START + 600);
    assert!(claims["jti"].as_str().unwrap().len() >= 22, "128-bit jti");
    server.stop().await;
}

#[tokio::test]
async fn client_secret_post_and_per_client_settings() {
    let server = TestServer::start_with(&[Algorithm::ES256]).await;
    let (id, secret) = server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("worker".into()),
                auth_method: Some("client_secret_post".into()),
                scopes: vec!["jobs".into()],
                audiences: vec!["https://api.example".into(), "https://other.example".into()],
                access_token_ttl_secs: Some(120),
                signing_alg: Some(Algorithm::ES256),
                ..ClientSpec::default()
            },
        )
        .await;
    let response = server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 120);
    assert_eq!(
        body["scope"], "jobs",
        "no scope asked: every registered scope"
    );
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(parts(token).0["alg"], "ES256");
    let claims = verify_with_jsonwebtoken(
        &server.http,
        &server.url("/jwks.json"),
        token,
        &server.base,
        Some("https://other.example"),
        server.clock.now(),
    )
    .await;
    assert_eq!(
        claims["aud"],
        serde_json::json!(["https://api.example", "https://other.example"])
    );
    // RFC 8707: one registered resource narrows the audience.
    let narrowed = server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("resource", "https://api.example"),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        parts(narrowed["access_token"].as_str().unwrap()).1["aud"],
        "https://api.example"
    );
    // The registered method must be used: Basic is refused for a client_secret_post client.
    let basic = server
        .post_form(
            "/token",
            (&id, &secret),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(basic.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn grant_and_scope_policy() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    type Params<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(Params, u16, &str)] = &[
        (
            &[
                ("grant_type", "client_credentials"),
                ("scope", "api:read admin"),
            ],
            400,
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://elsewhere"),
            ],
            400,
            "invalid_target",
        ),
        (
            // Implemented now, but this client is registered for client_credentials only.
            &[("grant_type", "authorization_code"), ("code", "x")],
            400,
            "unauthorized_client",
        ),
        (
            &[("grant_type", "password"), ("username", "a")],
            400,
            "unsupported_grant_type",
        ),
    ];
    for (form, status, error) in cases {
        let response = server.post_form("/token", (&id, &secret), form).await;
        assert_eq!(response.status().as_u16(), *status, "{form:?}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], *error, "{form:?}");
        assert!(body["error_description"].is_string());
    }
    // A client not registered for client_credentials is refused with unauthorized_client.
    let (portal, portal_secret) = server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("portal".into()),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec!["https://portal.example/cb".into()],
                ..ClientSpec::default()
            },
        )
        .await;
    let response = server
        .post_form(
            "/token",
            (&portal, &portal_secret),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "unauthorized_client"
    );
    server.stop().await;
}

#[tokio::test]
async fn failed_client_authentication_is_401_with_a_challenge() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let wrong = format!("{secret}x");
    for auth in [
        (id.as_str(), wrong.as_str()),
        ("nobody", secret.as_str()),
        (id.as_str(), ""),
    ] {
        let response = server
            .post_form("/token", auth, &[("grant_type", "client_credentials")])
            .await;
        assert_eq!(response.status(), 401, "{auth:?}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Basic realm="), "{challenge}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        // The description does not say which part was wrong.
        assert_eq!(body["error_description"], "client authentication failed");
    }
    server.stop().await;
}
