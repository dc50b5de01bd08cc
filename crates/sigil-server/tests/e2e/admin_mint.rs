//! Trusted minting through the admin API (seed 000).

use serde_json::{Value, json};
use sigil_server::clock::Clock;

use crate::support::{START, TestServer, verify_with_jsonwebtoken};

#[tokio::test]
async fn an_admin_token_mints_a_verifiable_jwt_with_extra_claims() {
    let server = TestServer::start().await;
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "user-17", "aud": "agent77", "ttl": 300, "claims": {"email": "a@example.com", "plan": "pro", "org": {"id": 9}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["alg"], "RS256");
    let token = body["token"].as_str().unwrap();
    let claims = verify_with_jsonwebtoken(
        &server.http,
        &server.url("/.well-known/jwks.json"),
        token,
        &server.base,
        Some("agent77"),
        server.clock.now(),
    )
    .await;
    assert_eq!(claims["sub"], "user-17");
    assert_eq!(claims["exp"], START + 300);
    assert_eq!(claims["email"], "a@example.com");
    assert_eq!(claims["org"]["id"], 9);
    assert_eq!(claims["iss"], server.base);
    server.stop().await;
}

#[tokio::test]
async fn minting_refuses_bad_requests_and_bad_credentials() {
    let server = TestServer::start().await;
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", Some(60))
        .await
        .unwrap();
    let url = server.url("/admin/v1/realms/default/tokens");
    let post = |body: Value, token: Option<&str>| {
        let mut request = server.http.post(&url).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    for reserved in ["iss", "exp", "sub", "jti", "client_id", "token_use"] {
        let response = post(json!({"sub": "u", "claims": {reserved: "x"}}), Some(&admin))
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{reserved}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
        assert!(body["message"].as_str().unwrap().contains(reserved));
    }
    for (body, what) in [
        (json!({"sub": ""}), "empty sub"),
        (json!({"sub": "u", "ttl": 999_999_999}), "ttl too long"),
        (json!({"sub": "u", "alg": "HS256"}), "hmac"),
        (json!({"sub": "u", "alg": "ES256"}), "no ES256 key"),
        (json!({"sub": "u", "surprise": 1}), "unknown member"),
        (json!({"aud": "x"}), "no sub"),
    ] {
        let response = post(body, Some(&admin)).await.unwrap();
        assert_eq!(response.status(), 400, "{what}");
    }
    let not_json = server
        .http
        .post(&url)
        .bearer_auth(&admin)
        .body("sub=u")
        .send()
        .await
        .unwrap();
    assert!(not_json.status().is_client_error());
    for token in [None, Some("sigil_admin_wrong"), Some("not-even-prefixed")] {
        let response = post(json!({"sub": "u"}), token).await.unwrap();
        assert_eq!(response.status(), 401, "{token:?}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    let missing_realm = server
        .http
        .post(server.url("/admin/v1/realms/ghost/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "u"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_realm.status(), 404);
    // Expired admin tokens stop working.
    server.clock.advance(61);
    assert_eq!(
        post(json!({"sub": "u"}), Some(&admin))
            .await
            .unwrap()
            .status(),
        401
    );
    server.stop().await;
}
