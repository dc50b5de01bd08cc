//! `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9) at every endpoint that authenticates
//! clients, with assertions signed by `jsonwebtoken`.

use serde_json::{Value, json};
use sigil_server::clock::Clock;
use sigil_server::op::clients::JwksUriPolicy;
use sigil_store::ClientSettings;

use crate::people_support::{REDIRECT, code, signed_in};
use crate::pkjwt_support::{
    ClientKey, JWT_BEARER, JwksServer, assertion_claims, hs256, jwks, post, signing_client,
    unsigned,
};
use crate::support::TestServer;

/// A server with the `private_key_jwt` client `signer`, whose registered `jwks` holds `key`.
async fn server_with(key: &ClientKey) -> TestServer {
    let server = TestServer::start().await;
    signing_client(
        &server,
        "signer",
        ClientSettings {
            jwks: Some(jwks(&[key])),
            ..ClientSettings::default()
        },
    )
    .await;
    server
}

/// The client-credentials form with `assertion` (and no `client_id`).
fn cc_form(assertion: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_assertion_type", JWT_BEARER.into()),
        ("client_assertion", assertion.into()),
    ]
}

async fn post_owned(server: &TestServer, path: &str, form: &[(&str, String)]) -> (u16, Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(server, path, &form).await
}

#[tokio::test]
async fn pkjwt_client_credentials_with_an_assertion() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let now = server.clock.now();
    let token_url = server.url("/token");
    // `aud` the token endpoint, no client_id in the form: the assertion names the client.
    let first = key.sign(&assertion_claims("signer", &token_url, now, 60, "j1"));
    let (status, body) = post_owned(&server, "/token", &cc_form(&first)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
    // `aud` the issuer, with a matching client_id in the form; `aud` as an array.
    let second = key.sign(&assertion_claims("signer", &server.base, now, 60, "j2"));
    let mut form = cc_form(&second);
    form.push(("client_id", "signer".into()));
    let (status, body) = post_owned(&server, "/token", &form).await;
    assert_eq!(status, 200, "{body}");
    let mut claims = assertion_claims("signer", "", now, 60, "j3");
    claims["aud"] = json!(["https://elsewhere.example", token_url]);
    let (status, body) = post_owned(&server, "/token", &cc_form(&key.sign(&claims))).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn pkjwt_code_exchange_with_an_assertion() {
    let key = ClientKey::ed25519("ed");
    let server = server_with(&key).await;
    let person = signed_in(&server, "alice").await;
    let code = code(&server, &person, "signer", "openid profile", false).await;
    let now = server.clock.now();
    let assertion = key.sign(&assertion_claims(
        "signer",
        &server.url("/token"),
        now,
        60,
        "code-1",
    ));
    let (status, body) = post(
        &server,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "signer"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &assertion),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
    server.stop().await;
}

#[tokio::test]
async fn pkjwt_introspection_and_revocation_with_assertions() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let now = server.clock.now();
    let assertion = |aud: &str, jti: &str| key.sign(&assertion_claims("signer", aud, now, 60, jti));
    let (_, body) = post_owned(
        &server,
        "/token",
        &cc_form(&assertion(&server.url("/token"), "t")),
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let authenticated = |aud: String, jti: &str| {
        vec![
            ("token", token.clone()),
            ("client_assertion_type", JWT_BEARER.to_owned()),
            ("client_assertion", assertion(&aud, jti)),
        ]
    };
    // `aud` the endpoint being called (and its Keycloak alias), or the token endpoint.
    let (status, body) = post_owned(
        &server,
        "/introspect",
        &authenticated(server.url("/introspect"), "i1"),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    let alias = server.url("/protocol/openid-connect/token/introspect");
    let (status, body) = post_owned(&server, &alias_path(), &authenticated(alias, "i2")).await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    let (status, body) = post_owned(
        &server,
        "/revoke",
        &authenticated(server.url("/token"), "r1"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_owned(
        &server,
        "/introspect",
        &authenticated(server.base.clone(), "i3"),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    // The revocation endpoint's URL is no audience for introspection.
    let (status, body) = post_owned(
        &server,
        "/introspect",
        &authenticated(server.url("/revoke"), "i4"),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_client")),
        "{body}"
    );
    server.stop().await;
}

fn alias_path() -> String {
    "/protocol/openid-connect/token/introspect".to_owned()
}

/// Each assertion is refused with `401 invalid_client`; the same client's good one passes.
#[tokio::test]
async fn pkjwt_bad_assertions_are_invalid_client() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let now = server.clock.now();
    let aud = server.url("/token");
    let good = |jti: &str| assertion_claims("signer", &aud, now, 60, jti);
    let with = |jti: &str, change: &dyn Fn(&mut Value)| {
        let mut claims = good(jti);
        change(&mut claims);
        claims
    };
    let impostor = ClientKey::es256("k1");
    let replayed = key.sign(&good("once"));
    let (status, _) = post_owned(&server, "/token", &cc_form(&replayed)).await;
    assert_eq!(status, 200);
    let refused: Vec<(&str, String)> = vec![
        ("a replayed jti", replayed),
        (
            "a request object posing as an assertion (RFC 9101 §10.8)",
            key.sign(&with("ro", &|c| {
                c["response_type"] = json!("code");
                c["redirect_uri"] = json!("https://app.example/cb");
            })),
        ),
        (
            "a wrong aud",
            key.sign(&with("aud", &|c| {
                c["aud"] = json!("https://other.example/token")
            })),
        ),
        (
            "expired",
            key.sign(&assertion_claims("signer", &aud, now - 400, 300, "old")),
        ),
        (
            "living too long",
            key.sign(&assertion_claims("signer", &aud, now, 3600, "long")),
        ),
        ("no exp", key.sign(&good("noexp").without("exp"))),
        ("no jti", key.sign(&good("x").without("jti"))),
        (
            "iat in the future",
            key.sign(&with("future", &|c| c["iat"] = json!(now + 600))),
        ),
        (
            "sub another client",
            key.sign(&with("sub", &|c| c["sub"] = json!("other"))),
        ),
        (
            "iss another client",
            key.sign(&with("iss", &|c| c["iss"] = json!("other"))),
        ),
        ("a wrong signer", impostor.sign(&good("impostor"))),
        ("an unknown kid", key.sign_as("k2", &good("kid"))),
        ("alg none", unsigned(&good("none"))),
        (
            "HS256",
            hs256(b"0123456789abcdef0123456789abcdef", "k1", &good("hs")),
        ),
        ("not a JWT", "not.a.jwt".to_owned()),
    ];
    for (what, assertion) in refused {
        let mut form = cc_form(&assertion);
        form.push(("client_id", "signer".into()));
        let (status, body) = post_owned(&server, "/token", &form).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["error"], "invalid_client", "{what}");
    }
    // The client_id of the form must be the assertion's.
    let mut form = cc_form(&key.sign(&good("mismatch")));
    form.push(("client_id", "web".into()));
    let (status, _) = post_owned(&server, "/token", &form).await;
    assert_eq!(status, 401);
    // One method per request (RFC 6749 §2.3): an assertion with a secret is invalid_request.
    let mut form = cc_form(&key.sign(&good("mixed")));
    form.push(("client_secret", "s".into()));
    let (status, body) = post_owned(&server, "/token", &form).await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_request")));
    let with_basic = key.sign(&good("basic"));
    let form: Vec<(&str, &str)> = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", &with_basic),
    ];
    let response = server
        .http
        .post(server.url("/token"))
        .basic_auth("signer", Some("s"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Another assertion type, or half of the pair.
    let mut form = cc_form(&key.sign(&good("type")));
    form[1].1 = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".into();
    let (status, _) = post_owned(&server, "/token", &form).await;
    assert_eq!(status, 401);
    let (status, body) = post(
        &server,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
        ],
    )
    .await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_request")));
    // Nothing above spent the good assertion's chance: a fresh one passes.
    let (status, _) = post_owned(&server, "/token", &cc_form(&key.sign(&good("fresh")))).await;
    assert_eq!(status, 200);
    server.stop().await;
}

trait Without {
    fn without(self, claim: &str) -> Self;
}

impl Without for Value {
    fn without(mut self, claim: &str) -> Self {
        self.as_object_mut().unwrap().remove(claim);
        self
    }
}

/// A client pinned to `token_endpoint_auth_signing_alg: ES256` may not use its EdDSA key.
#[tokio::test]
async fn pkjwt_the_registered_signing_alg_is_pinned() {
    let (es, ed) = (ClientKey::es256("es"), ClientKey::ed25519("ed"));
    let server = TestServer::start().await;
    signing_client(
        &server,
        "pinned",
        ClientSettings {
            jwks: Some(jwks(&[&es, &ed])),
            token_endpoint_auth_signing_alg: Some("ES256".into()),
            ..ClientSettings::default()
        },
    )
    .await;
    let now = server.clock.now();
    let aud = server.url("/token");
    let refused = ed.sign(&assertion_claims("pinned", &aud, now, 60, "ed"));
    let (status, _) = post_owned(&server, "/token", &cc_form(&refused)).await;
    assert_eq!(status, 401);
    let accepted = es.sign(&assertion_claims("pinned", &aud, now, 60, "es"));
    let (status, body) = post_owned(&server, "/token", &cc_form(&accepted)).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

/// The `jti` is single use across nodes: two servers on one store.
#[tokio::test]
async fn pkjwt_a_replay_at_another_node_is_refused() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let (other, stop_other) = server.another_node().await;
    let now = server.clock.now();
    // Each node is its own issuer here (its own port): the assertion names both.
    let claims = |jti: &str| {
        let mut claims = assertion_claims("signer", "", now, 60, jti);
        claims["aud"] = json!([server.url("/token"), format!("{other}/token")]);
        claims
    };
    let assertion = key.sign(&claims("shared"));
    let (status, body) = post_owned(&server, "/token", &cc_form(&assertion)).await;
    assert_eq!(status, 200, "{body}");
    let at_other = |form: Vec<(&'static str, String)>| {
        let http = server.http.clone();
        let url = format!("{other}/token");
        async move {
            let response = http.post(url).form(&form).send().await.unwrap();
            response.status().as_u16()
        }
    };
    assert_eq!(at_other(cc_form(&assertion)).await, 401);
    assert_eq!(at_other(cc_form(&key.sign(&claims("fresh")))).await, 200);
    let _ = stop_other.send(());
    server.stop().await;
}

/// A client's `jwks_uri` is fetched once and cached; after the client rotates its keys, an
/// unknown `kid` refetches, at most once per cool-down (60 s on the server's clock).
#[tokio::test]
async fn pkjwt_an_unknown_kid_after_rotation_refetches_within_the_cool_down() {
    let (old, new) = (ClientKey::es256("old"), ClientKey::es256("new"));
    let keys = JwksServer::start(jwks(&[&old])).await;
    let server = TestServer::start_configured(|config| {
        config.jwks_uri_policy = JwksUriPolicy::AllowLoopbackHttp;
    })
    .await;
    signing_client(
        &server,
        "signer",
        ClientSettings {
            jwks_uri: Some(keys.uri.clone()),
            ..ClientSettings::default()
        },
    )
    .await;
    let aud = server.url("/token");
    let mut n = 0;
    let mut attempt = |key: &ClientKey, kid: &str| {
        n += 1;
        let claims = assertion_claims("signer", &aud, server.clock.now(), 60, &format!("j{n}"));
        cc_form(&key.sign_as(kid, &claims))
    };
    let at = &server;
    let status =
        |form: Vec<(&'static str, String)>| async move { post_owned(at, "/token", &form).await.0 };
    assert_eq!(status(attempt(&old, "old")).await, 200);
    assert_eq!(status(attempt(&old, "old")).await, 200);
    assert_eq!(keys.fetches(), 1, "the set is cached");
    // The client rotates. Within the cool-down of the last fetch, the new kid is unknown.
    keys.publish(jwks(&[&new]));
    server.clock.advance(10);
    assert_eq!(status(attempt(&new, "new")).await, 401);
    assert_eq!(keys.fetches(), 1);
    server.clock.advance(60);
    assert_eq!(status(attempt(&new, "new")).await, 200);
    assert_eq!(keys.fetches(), 2, "an unknown kid refetched");
    // The withdrawn key no longer verifies; made-up kids cost one fetch per cool-down.
    assert_eq!(status(attempt(&old, "old")).await, 401);
    assert_eq!(status(attempt(&new, "made-up")).await, 401);
    assert_eq!(status(attempt(&new, "made-up")).await, 401);
    assert_eq!(keys.fetches(), 2);
    server.clock.advance(61);
    assert_eq!(status(attempt(&new, "made-up")).await, 401);
    assert_eq!(status(attempt(&new, "made-up-2")).await, 401);
    assert_eq!(keys.fetches(), 3);
    assert_eq!(status(attempt(&new, "new")).await, 200);
    server.stop().await;
}

/// A set fetched from a `jwks_uri` serves on while the client's key server cannot be
/// fetched, but only up to the stale limit: a withdrawn key does not verify for ever because
/// its server is kept unreachable.
#[tokio::test]
async fn pkjwt_keys_of_an_unfetchable_jwks_uri_serve_only_up_to_the_stale_limit() {
    let key = ClientKey::es256("k1");
    let keys = JwksServer::start(jwks(&[&key])).await;
    let server = TestServer::start_configured(|config| {
        config.jwks_uri_policy = JwksUriPolicy::AllowLoopbackHttp;
    })
    .await;
    signing_client(
        &server,
        "signer",
        ClientSettings {
            jwks_uri: Some(keys.uri.clone()),
            ..ClientSettings::default()
        },
    )
    .await;
    let aud = server.url("/token");
    let mut n = 0;
    let mut attempt = || {
        n += 1;
        let claims = assertion_claims("signer", &aud, server.clock.now(), 60, &format!("s{n}"));
        cc_form(&key.sign(&claims))
    };
    assert_eq!(post_owned(&server, "/token", &attempt()).await.0, 200);
    // From now on the key server answers nothing usable.
    keys.publish(json!("not a JWK Set"));
    server.clock.advance(601);
    assert_eq!(
        post_owned(&server, "/token", &attempt()).await.0,
        200,
        "stale, within the limit"
    );
    assert_eq!(keys.fetches(), 2, "a refetch was tried");
    server.clock.advance(600);
    assert_eq!(
        post_owned(&server, "/token", &attempt()).await.0,
        401,
        "past the stale limit"
    );
    server.stop().await;
}

/// In production a client's `jwks_uri` is fetched over https only; one that cannot be fetched
/// is `invalid_client`, never a server error.
#[tokio::test]
async fn pkjwt_unfetchable_jwks_uri_is_invalid_client() {
    let key = ClientKey::es256("k1");
    let keys = JwksServer::start(jwks(&[&key])).await;
    let server = TestServer::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("https://{}/jwks.json", listener.local_addr().unwrap())
    };
    for (id, uri) in [("plain", keys.uri.clone()), ("closed", closed)] {
        signing_client(
            &server,
            id,
            ClientSettings {
                jwks_uri: Some(uri),
                ..ClientSettings::default()
            },
        )
        .await;
        let claims = assertion_claims(id, &server.url("/token"), server.clock.now(), 60, id);
        let (status, body) = post_owned(&server, "/token", &cc_form(&key.sign(&claims))).await;
        assert_eq!(
            (status, &body["error"]),
            (401, &json!("invalid_client")),
            "{id}"
        );
    }
    assert_eq!(keys.fetches(), 0, "plain http is not fetched in production");
    server.stop().await;
}

#[tokio::test]
async fn pkjwt_discovery_lists_private_key_jwt_and_request_objects() {
    let server = TestServer::start().await;
    let (_, doc) = server.get_json("/.well-known/openid-configuration").await;
    for member in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        assert!(
            doc[member]
                .as_array()
                .unwrap()
                .contains(&json!("private_key_jwt")),
            "{member}: {}",
            doc[member]
        );
    }
    for member in [
        "token_endpoint_auth_signing_alg_values_supported",
        "request_object_signing_alg_values_supported",
    ] {
        let algs = doc[member].as_array().unwrap();
        assert!(
            algs.contains(&json!("ES256")) && algs.contains(&json!("EdDSA")),
            "{member}"
        );
        assert!(
            !algs.contains(&json!("none")) && !algs.contains(&json!("HS256")),
            "{member}"
        );
    }
    assert_eq!(doc["request_parameter_supported"], true);
    assert_eq!(doc["request_uri_parameter_supported"], false);
    server.stop().await;
}
