//! Signed request objects (RFC 9101, OIDC Core §6.1) at `/authorize`, made by `jsonwebtoken`.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sigil_server::clock::Clock;
use sigil_store::ClientSettings;

use crate::browser::{
    Browser, PASSWORD, VERIFIER, add_user, challenge, submit_consent, submit_login,
};
use crate::people_support::REDIRECT;
use crate::pkjwt_support::{
    ClientKey, JWT_BEARER, assertion_claims, jwks, post, signing_client, unsigned,
};
use crate::support::{TestServer, parts};

/// A server with the user `alice` and the client `signer` (consent asked), whose `jwks`
/// holds `key` and which pins its request objects to `ES256`.
async fn server_with(key: &ClientKey) -> TestServer {
    let server = TestServer::start().await;
    signing_client(
        &server,
        "signer",
        ClientSettings {
            jwks: Some(jwks(&[key])),
            request_object_signing_alg: Some("ES256".into()),
            ..ClientSettings::default()
        },
    )
    .await;
    add_user(&server, "default", "alice", None).await;
    server
}

/// The request's parameters as request object claims, from `signer` to `server`.
fn request_claims(server: &TestServer) -> Value {
    json!({
        "iss": "signer",
        "aud": server.base,
        "exp": server.clock.now() + 300,
        "iat": server.clock.now(),
        "client_id": "signer",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "from-the-object",
        "nonce": "n-object",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
        "max_age": 3600,
    })
}

/// `/authorize` with `request` and these query parameters besides.
fn authorize_url(server: &TestServer, request: &str, query: &[(&str, &str)]) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.extend_pairs(query);
    url.append_pair("request", request);
    format!("{}?{}", server.url("/authorize"), url.finish())
}

/// What OIDC Core §6.1 has a client repeat in the query; the state here is not the object's.
const QUERY: [(&str, &str); 5] = [
    ("client_id", "signer"),
    ("response_type", "code"),
    ("scope", "openid"),
    ("redirect_uri", REDIRECT),
    ("state", "from-the-query"),
];

#[tokio::test]
async fn pkjwt_a_signed_request_object_replaces_the_query_and_the_flow_completes() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let browser = Browser::new();
    let request = key.sign(&request_claims(&server));
    // The query's scope and state differ from the object's: the object's are served.
    let page = browser.get(&authorize_url(&server, &request, &QUERY)).await;
    let page = submit_login(&browser, &page, "alice", PASSWORD).await;
    // The consent step re-validates the sealed request: the object's scope is what it shows.
    assert!(page.text().contains("profile"), "{}", page.body);
    let page = submit_consent(&browser, &page, "approve").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let params = page.redirect_params();
    assert_eq!(params["state"], "from-the-object");
    let now = server.clock.now();
    let assertion = key.sign(&assertion_claims(
        "signer",
        &server.url("/token"),
        now,
        60,
        "c",
    ));
    let (status, body) = post(
        &server,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &params["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &assertion),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "openid profile");
    let (_, id_token) = parts(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["nonce"], "n-object");
    server.stop().await;
}

/// The query's `response_type` and `scope` serve when the object lacks them (OIDC Core §6.1),
/// and a `response_type` that differs from the query's is refused.
#[tokio::test]
async fn pkjwt_the_query_supplies_only_what_oidc_requires_there() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let browser = Browser::new();
    let mut claims = request_claims(&server);
    let object = claims.as_object_mut().unwrap();
    object.remove("response_type");
    object.remove("scope");
    let page = browser
        .get(&authorize_url(&server, &key.sign(&claims), &QUERY))
        .await;
    assert!(page.is_login_form(), "{}: {}", page.status, page.body);
    claims["response_type"] = json!("token");
    let page = browser
        .get(&authorize_url(&server, &key.sign(&claims), &QUERY))
        .await;
    assert_eq!(page.redirect_params()["error"], "invalid_request_object");
    server.stop().await;
}

#[tokio::test]
async fn pkjwt_bad_request_objects_are_refused() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let browser = Browser::new();
    let good = request_claims(&server);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = good.clone();
        change(&mut claims);
        claims
    };
    let signed = key.sign(&good);
    let tampered = {
        let (header, rest) = signed.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let payload =
            URL_SAFE_NO_PAD.encode(with(&|c| c["scope"] = json!("openid email")).to_string());
        format!("{header}.{payload}.{signature}")
    };
    let cases: Vec<(&str, String)> = vec![
        ("tampered", tampered),
        ("unsigned", unsigned(&good)),
        ("wrongly signed", ClientKey::es256("k1").sign(&good)),
        ("not the pinned alg", ClientKey::ed25519("k1").sign(&good)),
        (
            "a wrong aud",
            key.sign(&with(&|c| c["aud"] = json!("https://other.example"))),
        ),
        (
            "a wrong client_id",
            key.sign(&with(&|c| c["client_id"] = json!("web"))),
        ),
        ("a wrong iss", key.sign(&with(&|c| c["iss"] = json!("web")))),
        (
            "expired",
            key.sign(&with(&|c| c["exp"] = json!(server.clock.now() - 120))),
        ),
        (
            "nested",
            key.sign(&with(&|c| {
                c["request_uri"] = json!("https://app.example/r")
            })),
        ),
        ("not a JWT", "garbage".to_owned()),
    ];
    for (what, request) in &cases {
        let page = browser.get(&authorize_url(&server, request, &QUERY)).await;
        assert_eq!(page.status, 303, "{what}: {}", page.body);
        let params: HashMap<String, String> = page.redirect_params();
        assert_eq!(params["error"], "invalid_request_object", "{what}");
        // Nothing of the object is trusted: the state is the query's.
        assert_eq!(params["state"], "from-the-query", "{what}");
        assert!(page.location().starts_with(REDIRECT), "{what}");
    }
    // Without a registered redirect URI in the query, the refusal is a page.
    let unregistered = [
        ("client_id", "signer"),
        ("response_type", "code"),
        ("redirect_uri", "https://evil.example/cb"),
    ];
    let page = browser
        .get(&authorize_url(&server, &cases[0].1, &unregistered))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.headers.get("location").is_none());
    server.stop().await;
}

/// PAR (RFC 9126 §2.1, §3): the client authenticates with an assertion (whose `aud` may be the
/// PAR endpoint) and pushes a signed request object; the browser carries only the
/// `request_uri`, and the object's parameters are served.
#[tokio::test]
async fn pkjwt_a_pushed_signed_request_with_an_assertion() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let now = server.clock.now();
    let push = |assertion: String, request: String| {
        let server = &server;
        async move {
            post(
                server,
                "/par",
                &[
                    ("client_id", "signer"),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                    ("request", &request),
                ],
            )
            .await
        }
    };
    let assertion = |jti: &str| {
        key.sign(&assertion_claims(
            "signer",
            &server.url("/par"),
            now,
            60,
            jti,
        ))
    };
    // A bad object is refused at the push, as /authorize would refuse it.
    let (status, body) = push(assertion("p0"), unsigned(&request_claims(&server))).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_request_object")),
        "{body}"
    );
    // A replayed assertion is refused before anything else.
    let (status, body) = push(assertion("p0"), key.sign(&request_claims(&server))).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_client")),
        "{body}"
    );
    let (status, body) = push(assertion("p1"), key.sign(&request_claims(&server))).await;
    assert_eq!(status, 201, "{body}");
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("client_id", "signer"),
        ("request_uri", body["request_uri"].as_str().unwrap()),
    ]);
    let browser = Browser::new();
    let page = browser
        .get(&format!("{}?{}", server.url("/authorize"), query.finish()))
        .await;
    let page = submit_login(&browser, &page, "alice", PASSWORD).await;
    let page = submit_consent(&browser, &page, "approve").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.redirect_params()["state"], "from-the-object");
    server.stop().await;
}
