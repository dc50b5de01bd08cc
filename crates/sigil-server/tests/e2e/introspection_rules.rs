//! Who may learn what at the introspection endpoint: only access tokens and PATs are ever
//! active; public clients may not ask (RFC 7662 §2.1); a client learns that a token is active
//! only when it is the token's client or an audience of it (§4).

use serde_json::{Value, json};
use sigil_jose::{Algorithm, jwt};
use sigil_server::provision::ClientSpec;
use sigil_store::RealmName;

use crate::support::{START, TestServer};

/// A resource server registered as a client, with `audience` configured.
async fn resource_server(server: &TestServer, id: &str, audience: &str) -> (String, String) {
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some(id.into()),
                audiences: vec![audience.into()],
                ..ClientSpec::default()
            },
        )
        .await
}

#[tokio::test]
async fn jwts_the_realm_signs_that_are_not_access_tokens_are_inactive() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let state = server
        .provisioner
        .realm_state(&RealmName::default_realm(), &server.base)
        .await
        .unwrap();
    let signer = state.keys.signer(Algorithm::RS256).unwrap();
    // The claims of an access token issued to the caller; only `typ` differs.
    let claims = json!({
        "iss": server.base, "sub": "svc", "aud": server.base, "client_id": "svc",
        "exp": START + 600, "iat": START, "jti": "j1", "scope": "api:read",
    });
    let signed = |typ: Option<&str>| jwt::sign(signer, typ, &claims).unwrap();
    assert_eq!(
        server
            .introspect("default", (&id, &secret), &signed(Some("at+jwt")))
            .await["active"],
        true,
        "the control: an access token"
    );
    for typ in [
        Some("JWT"),
        Some("id_token+jwt"),
        Some("logout+jwt"),
        Some("oauth-authz-req+jwt"),
        None,
    ] {
        assert_eq!(
            server
                .introspect("default", (&id, &secret), &signed(typ))
                .await,
            json!({"active": false}),
            "typ {typ:?}"
        );
    }

    // A minted token (seed 000) is for offline verification, not a credential here.
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    let minted: Value = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"sub": "user-17", "aud": "svc"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        server
            .introspect("default", (&id, &secret), minted["token"].as_str().unwrap())
            .await,
        json!({"active": false})
    );
    server.stop().await;
}

#[tokio::test]
async fn public_clients_may_not_introspect() {
    let server = TestServer::start().await;
    let (svc, svc_secret) = server.client("default", "svc").await;
    let token = server.token("default", (&svc, &svc_secret), &[]).await;
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("spa".into()),
                auth_method: Some("none".into()),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec!["https://spa.example/cb".into()],
                ..ClientSpec::default()
            },
        )
        .await;
    let response = server
        .http
        .post(server.url("/introspect"))
        .form(&[("client_id", "spa"), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(body.get("active").is_none());
    server.stop().await;
}

#[tokio::test]
async fn only_the_tokens_client_and_its_audiences_learn_that_it_is_active() {
    let server = TestServer::start().await;
    let api = "https://api.example";
    let (svc, svc_secret) = server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("svc".into()),
                audiences: vec![api.into(), "billing".into()],
                ..ClientSpec::default()
            },
        )
        .await;
    let for_api = server
        .token("default", (&svc, &svc_secret), &[("resource", api)])
        .await;
    let for_billing = server
        .token("default", (&svc, &svc_secret), &[("resource", "billing")])
        .await;
    // A resource server whose configured audience is the token's `aud`.
    let (rs, rs_secret) = resource_server(&server, "rs", api).await;
    // A resource server registered under the audience's name as its client_id.
    let (billing, billing_secret) =
        resource_server(&server, "billing", "https://billing.example").await;
    // Another confidential client of the realm.
    let (other, other_secret) = server.client("default", "other").await;

    let active = |auth: (&str, &str), token: &str| {
        let server = &server;
        let (id, secret) = (auth.0.to_owned(), auth.1.to_owned());
        let token = token.to_owned();
        async move { server.introspect("default", (&id, &secret), &token).await["active"].clone() }
    };
    assert_eq!(
        active((&svc, &svc_secret), &for_api).await,
        true,
        "its client"
    );
    assert_eq!(
        active((&rs, &rs_secret), &for_api).await,
        true,
        "its audience"
    );
    assert_eq!(
        active((&billing, &billing_secret), &for_billing).await,
        true,
        "aud = client_id"
    );
    assert_eq!(
        active((&billing, &billing_secret), &for_api).await,
        false,
        "another audience's"
    );
    assert_eq!(
        active((&rs, &rs_secret), &for_billing).await,
        false,
        "another audience's"
    );
    assert_eq!(
        active((&other, &other_secret), &for_api).await,
        false,
        "a stranger"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_deleted_clients_tokens_become_inactive() {
    let server = TestServer::start().await;
    let (svc, svc_secret) = server.client("default", "svc").await;
    let (rs, rs_secret) = resource_server(&server, "rs", &server.base).await;
    let token = server.token("default", (&svc, &svc_secret), &[]).await;
    assert_eq!(
        server
            .introspect("default", (&rs, &rs_secret), &token)
            .await["active"],
        true
    );
    server
        .provisioner
        .delete_client(&RealmName::default_realm(), "svc")
        .await
        .unwrap();
    server
        .eventually("the deleted client's token is inactive", || async {
            server
                .introspect("default", (&rs, &rs_secret), &token)
                .await
                == json!({"active": false})
        })
        .await;
    server.stop().await;
}
