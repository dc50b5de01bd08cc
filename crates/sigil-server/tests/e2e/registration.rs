//! Dynamic client registration (RFC 7591), its management (RFC 7592) and the realm's policy,
//! all through HTTP: each kind of client registers and then signs a person in; every invalid
//! member is refused naming it; closed/token/open with initial-token expiry and uses; the
//! per-address limit; read, replace (rotating the token) and delete; a second node serves a
//! registered client at once.

use serde_json::{Value, json};
use sigil_server::clock::Clock;
use sigil_store::{RealmName, RegistrationPolicy};

use crate::browser::{Browser, REDIRECT, add_user};
use crate::registration_support::{
    authorization_code, client_from, code_flow, register, registered, set_policy,
};
use crate::support::TestServer;

const NATIVE_REDIRECT: &str = "http://127.0.0.1/callback";

/// A server whose default realm registers anyone (with room for a test's registrations from
/// one address), and the user `alice`.
pub async fn open_server() -> TestServer {
    let server = TestServer::start().await;
    add_user(&server, "default", "alice", None).await;
    set_policy(&server, RegistrationPolicy::Open, Some(1000), None).await;
    server
}

#[tokio::test]
async fn reg_a_confidential_web_client_registers_and_signs_a_person_in() {
    let server = open_server().await;
    let client = registered(
        &server,
        json!({
            "redirect_uris": [REDIRECT],
            "client_name": "Registered Web",
            "client_name#fr": "Web enregistré",
            "contacts": ["ops@app.example"],
            "logo_uri": "https://app.example/logo.png",
        }),
    )
    .await;
    // RFC 7591 §3.2.1: the metadata echoed, with what the server assigned.
    let client_id = client["client_id"].as_str().unwrap();
    assert!(client["client_secret"].as_str().unwrap().len() >= 43);
    assert_eq!(client["client_secret_expires_at"], 0);
    assert_eq!(client["client_id_issued_at"], server.clock.now());
    assert!(client["registration_access_token"].as_str().unwrap().len() >= 43);
    assert_eq!(
        client["registration_client_uri"],
        server.url(&format!("/register/{client_id}"))
    );
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(client["grant_types"], json!(["authorization_code"]));
    assert_eq!(client["response_types"], json!(["code"]));
    assert_eq!(client["redirect_uris"], json!([REDIRECT]));
    assert_eq!(client["client_name"], "Registered Web");
    assert_eq!(client["client_name#fr"], "Web enregistré");
    assert_eq!(client["contacts"], json!(["ops@app.example"]));
    assert_eq!(client["subject_type"], "public");

    let browser = Browser::new();
    let tokens = code_flow(&server, &browser, &client, REDIRECT).await;
    assert!(tokens["id_token"].is_string());
    let introspected = server
        .introspect(
            "default",
            (client_id, client["client_secret"].as_str().unwrap()),
            tokens["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["client_id"], client_id);
    server.stop().await;
}

#[tokio::test]
async fn reg_a_public_native_client_with_a_loopback_redirect_signs_a_person_in() {
    let server = open_server().await;
    let client = registered(
        &server,
        json!({
            "application_type": "native",
            "redirect_uris": [NATIVE_REDIRECT],
            "token_endpoint_auth_method": "none",
            "client_name": "Desktop",
        }),
    )
    .await;
    assert!(client.get("client_secret").is_none(), "{client}");
    assert!(client.get("client_secret_expires_at").is_none());
    assert_eq!(client["application_type"], "native");
    let browser = Browser::new();
    // RFC 8252 §7.3: any port of the loopback redirect.
    let tokens = code_flow(
        &server,
        &browser,
        &client,
        "http://127.0.0.1:51004/callback",
    )
    .await;
    assert!(tokens["access_token"].is_string());
    // A native client may not register a web redirect.
    let (status, body) = register(
        &server,
        None,
        &json!({"application_type": "native", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
    server.stop().await;
}

/// RFC 7591 §3.2.2: each refused member is `invalid_client_metadata` (or
/// `invalid_redirect_uri`) with an `error_description` naming it.
#[tokio::test]
async fn reg_every_invalid_member_is_refused_naming_it() {
    let server = open_server().await;
    let web = || json!({"redirect_uris": [REDIRECT]});
    let with = |member: &str, value: Value| {
        let mut metadata = web();
        metadata[member] = value;
        metadata
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"redirect_uris": ["https://app.example/cb#frag"]}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (
            json!({"redirect_uris": "https://app.example/cb"}),
            "invalid_redirect_uri",
            "redirect_uris",
        ),
        (json!({}), "invalid_client_metadata", "redirect_uris"),
        (
            with("grant_types", json!(["password"])),
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            {
                let mut m = with("grant_types", json!(["refresh_token"]));
                m["response_types"] = json!(["code"]);
                m
            },
            "invalid_client_metadata",
            "response_types",
        ),
        (
            with("response_types", json!(["token"])),
            "invalid_client_metadata",
            "response_types",
        ),
        (
            with("response_types", json!(["code id_token"])),
            "invalid_client_metadata",
            "response_types",
        ),
        (
            with("token_endpoint_auth_method", json!("magic")),
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            with("token_endpoint_auth_method", json!("private_key_jwt")),
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            with("jwks_uri", json!("http://keys.example/jwks")),
            "invalid_client_metadata",
            "jwks_uri",
        ),
        (
            {
                let mut m = with("jwks_uri", json!("https://keys.example/jwks"));
                m["jwks"] = json!({"keys": []});
                m
            },
            "invalid_client_metadata",
            "jwks",
        ),
        (
            with("jwks", json!({"keys": []})),
            "invalid_client_metadata",
            "jwks",
        ),
        (with("jwks", json!([1])), "invalid_client_metadata", "jwks"),
        (
            with("jwks", json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})),
            "invalid_client_metadata",
            "jwks",
        ),
        (
            // A private RSA member in a registered key set.
            with(
                "jwks",
                json!({"keys": [{"kty": "EC", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}),
            ),
            "invalid_client_metadata",
            "jwks",
        ),
        (
            with("id_token_signed_response_alg", json!("none")),
            "invalid_client_metadata",
            "id_token_signed_response_alg",
        ),
        (
            with("id_token_signed_response_alg", json!("ES256")),
            "invalid_client_metadata",
            "id_token_signed_response_alg",
        ),
        (
            with("userinfo_signed_response_alg", json!("HS256")),
            "invalid_client_metadata",
            "userinfo_signed_response_alg",
        ),
        (
            with("request_object_signing_alg", json!("none")),
            "invalid_client_metadata",
            "request_object_signing_alg",
        ),
        (
            with("request_object_signing_alg", json!("HS256")),
            "invalid_client_metadata",
            "request_object_signing_alg",
        ),
        (
            with("token_endpoint_auth_signing_alg", json!("HS512")),
            "invalid_client_metadata",
            "token_endpoint_auth_signing_alg",
        ),
        (
            with("request_object_encryption_alg", json!("RSA1_5")),
            "invalid_client_metadata",
            "request_object_encryption_alg",
        ),
        (
            with("request_object_encryption_enc", json!("A256GCM")),
            "invalid_client_metadata",
            "request_object_encryption_enc",
        ),
        (
            {
                let mut m = with("request_object_encryption_alg", json!("ECDH-ES+A256KW"));
                m["request_object_encryption_enc"] = json!("A128GCM");
                m
            },
            "invalid_client_metadata",
            "request_object_encryption_enc",
        ),
        // The test realm keeps only the P-256 encryption key: nothing to encrypt to.
        (
            with("request_object_encryption_alg", json!("RSA-OAEP-256")),
            "invalid_client_metadata",
            "request_object_encryption_alg",
        ),
        (
            with("subject_type", json!("secret")),
            "invalid_client_metadata",
            "subject_type",
        ),
        (
            with("sector_identifier_uri", json!("http://app.example/sector")),
            "invalid_client_metadata",
            "sector_identifier_uri",
        ),
        (
            json!({"redirect_uris": [REDIRECT, "https://other.example/cb"], "subject_type": "pairwise"}),
            "invalid_client_metadata",
            "sector_identifier_uri",
        ),
        (
            with("post_logout_redirect_uris", json!(["data:text/html,bye"])),
            "invalid_client_metadata",
            "post_logout_redirect_uris",
        ),
        (
            with("client_name", json!("")),
            "invalid_client_metadata",
            "client_name",
        ),
        (
            with("client_name", json!(7)),
            "invalid_client_metadata",
            "client_name",
        ),
        (
            with("logo_uri", json!("http://app.example/logo.png")),
            "invalid_client_metadata",
            "logo_uri",
        ),
        (
            with("policy_uri", json!("javascript:x")),
            "invalid_client_metadata",
            "policy_uri",
        ),
        (
            with("tos_uri", json!("ftp://app.example/tos")),
            "invalid_client_metadata",
            "tos_uri",
        ),
        (
            with("client_uri", json!("https://u:p@app.example/")),
            "invalid_client_metadata",
            "client_uri",
        ),
        (
            with("tos_uri#de", json!("http://app.example/agb")),
            "invalid_client_metadata",
            "tos_uri#de",
        ),
        (
            with("client_name#no tag", json!("x")),
            "invalid_client_metadata",
            "client_name#no tag",
        ),
        (
            with("default_max_age", json!(-1)),
            "invalid_client_metadata",
            "default_max_age",
        ),
        (
            with("default_max_age", json!(999_999_999_999_u64)),
            "invalid_client_metadata",
            "default_max_age",
        ),
        (
            with("require_auth_time", json!("yes")),
            "invalid_client_metadata",
            "require_auth_time",
        ),
        (
            with("contacts", json!(["two words"])),
            "invalid_client_metadata",
            "contacts",
        ),
        (
            with("contacts", json!("ops@app.example")),
            "invalid_client_metadata",
            "contacts",
        ),
        (
            with("application_type", json!("desktop")),
            "invalid_client_metadata",
            "application_type",
        ),
        (
            json!({"application_type": "web", "redirect_uris": ["com.example.app:/cb"]}),
            "invalid_client_metadata",
            "redirect_uris",
        ),
        (
            with("scope", json!("openid \"bad\"")),
            "invalid_client_metadata",
            "scope",
        ),
        (
            with("id_token_encrypted_response_alg", json!("RSA-OAEP")),
            "invalid_client_metadata",
            "id_token_encrypted_response_alg",
        ),
    ];
    for (metadata, error, member) in cases {
        let (status, body) = register(&server, None, &metadata).await;
        assert_eq!(status, 400, "{metadata}: {body}");
        assert_eq!(body["error"], error, "{metadata}: {body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.contains(member),
            "{metadata}: {description:?} does not name {member}"
        );
    }
    // Nothing of it was stored.
    let clients = server
        .store
        .list_clients(&RealmName::default_realm())
        .await
        .unwrap();
    assert!(clients.is_empty(), "{clients:?}");
    server.stop().await;
}

#[tokio::test]
async fn reg_the_body_must_be_a_json_object_of_bounded_size() {
    let server = open_server().await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        server
            .http
            .post(server.url("/register"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let form = post(
        b"redirect_uris=x".to_vec(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(form.status(), 415);
    let big = format!(
        r#"{{"redirect_uris": ["{REDIRECT}"], "client_name": "{}"}}"#,
        "a".repeat(17 * 1024)
    );
    let too_large = post(big.into_bytes(), "application/json").await.unwrap();
    assert_eq!(too_large.status(), 413);
    let array = post(b"[1, 2]".to_vec(), "application/json").await.unwrap();
    assert_eq!(array.status(), 400);
    let body: Value = array.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client_metadata");
    let broken = post(b"{\"redirect".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    server.stop().await;
}

#[tokio::test]
async fn reg_closed_token_and_open_policies() {
    let server = TestServer::start().await;
    let metadata = json!({"redirect_uris": [REDIRECT]});
    // Closed is the default.
    let (status, body) = register(&server, None, &metadata).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("access_denied"))
    );

    set_policy(&server, RegistrationPolicy::Token, None, None).await;
    let realm = RealmName::default_realm();
    let (twice, _) = server
        .provisioner
        .create_initial_access_token(&realm, None, Some(2))
        .await
        .unwrap();
    let (brief, _) = server
        .provisioner
        .create_initial_access_token(&realm, Some(60), None)
        .await
        .unwrap();
    let response = server
        .http
        .post(server.url("/register"))
        .json(&metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(register(&server, Some("made-up"), &metadata).await.0, 401);
    assert_eq!(register(&server, Some(&twice), &metadata).await.0, 201);
    assert_eq!(register(&server, Some(&twice), &metadata).await.0, 201);
    assert_eq!(
        register(&server, Some(&twice), &metadata).await.0,
        401,
        "a third use of a two-use token"
    );
    assert_eq!(register(&server, Some(&brief), &metadata).await.0, 201);
    server.clock.advance(60);
    assert_eq!(
        register(&server, Some(&brief), &metadata).await.0,
        401,
        "an expired token"
    );
    // Metadata refused is a 400 that spends nothing: the one use is still there for the
    // corrected registration, and then gone.
    let (once, _) = server
        .provisioner
        .create_initial_access_token(&realm, None, Some(1))
        .await
        .unwrap();
    let (status, body) = register(&server, Some(&once), &json!({"redirect_uris": 1})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_redirect_uri"))
    );
    assert_eq!(register(&server, Some(&once), &metadata).await.0, 201);
    assert_eq!(register(&server, Some(&once), &metadata).await.0, 401);
    server.stop().await;
}

#[tokio::test]
async fn reg_open_registrations_are_limited_per_address_and_hour() {
    let server = TestServer::start().await;
    set_policy(&server, RegistrationPolicy::Open, Some(2), None).await;
    let metadata = json!({"redirect_uris": [REDIRECT]});
    let from = |address: &'static str| {
        let http = client_from(address);
        let url = server.url("/register");
        let metadata = metadata.clone();
        async move {
            http.post(url)
                .json(&metadata)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(from("127.0.0.2").await, 201);
    assert_eq!(from("127.0.0.2").await, 201);
    assert_eq!(from("127.0.0.2").await, 429);
    // Another address has its own count.
    assert_eq!(from("127.0.0.3").await, 201);
    // A fresh server on the same store (another node) counts on.
    let (other, stop) = server.another_node().await;
    let status = client_from("127.0.0.2")
        .post(format!("{other}/register"))
        .json(&metadata)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 429);
    // An hour later the address may register again.
    server.clock.advance(3600);
    assert_eq!(from("127.0.0.2").await, 201);
    let _ = stop.send(());
    server.stop().await;
}

/// OIDC Registration §2 `default_max_age`: a request without `max_age` is treated as if it
/// sent the registered one, so an older sign-in is not reused.
#[tokio::test]
async fn reg_default_max_age_asks_for_a_fresh_sign_in() {
    let server = open_server().await;
    let strict = registered(
        &server,
        json!({"redirect_uris": [REDIRECT], "default_max_age": 60, "require_auth_time": true}),
    )
    .await;
    assert_eq!(strict["default_max_age"], 60);
    assert_eq!(strict["require_auth_time"], true);
    let lenient = registered(&server, json!({"redirect_uris": [REDIRECT]})).await;
    let browser = Browser::new();
    let tokens = code_flow(&server, &browser, &strict, REDIRECT).await;
    let (_, id_claims) = crate::support::parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_claims["auth_time"], server.clock.now());
    code_flow(&server, &browser, &lenient, REDIRECT).await;
    server.clock.advance(61);
    let authorize = |client: &Value| {
        format!(
            "{}?response_type=code&client_id={}&redirect_uri={REDIRECT}&scope=openid&code_challenge={}&code_challenge_method=S256",
            server.url("/authorize"),
            client["client_id"].as_str().unwrap(),
            crate::browser::challenge()
        )
    };
    // The lenient client's users are still signed in; the strict one's must sign in again.
    let page = browser.get(&authorize(&lenient)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.get(&authorize(&strict)).await;
    assert!(page.is_login_form(), "{}: {}", page.status, page.body);
    server.stop().await;
}

/// RFC 7523 §2.2 through registration: a client registers its public keys and then
/// authenticates at the token endpoint with assertions signed by them (by `jsonwebtoken`).
#[tokio::test]
async fn reg_a_private_key_jwt_client_registers_its_keys_and_signs_a_person_in() {
    use crate::pkjwt_support::{ClientKey, JWT_BEARER, assertion_claims, jwks};
    let server = open_server().await;
    let key = ClientKey::es256("reg-key-1");
    let client = registered(
        &server,
        json!({
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "jwks": jwks(&[&key]),
        }),
    )
    .await;
    assert!(client.get("client_secret").is_none(), "{client}");
    assert_eq!(client["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(client["jwks"], jwks(&[&key]));
    let client_id = client["client_id"].as_str().unwrap();
    let browser = Browser::new();
    let code = authorization_code(&server, &browser, client_id, REDIRECT).await;
    let now = server.clock.now();
    let assertion = key.sign(&assertion_claims(
        client_id,
        &server.url("/token"),
        now,
        60,
        "a-1",
    ));
    let response = server
        .http
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", crate::browser::VERIFIER),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["id_token"].is_string());
    // Without keys the method cannot be registered.
    let (status, body) = register(
        &server,
        None,
        &json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client_metadata")),
        "{body}"
    );
    server.stop().await;
}
