//! Encrypted request objects at `/authorize` (OIDC Core §6.1, §10.2; RFC 9101 §6.1): a JWS
//! signed by the client (`jsonwebtoken`), encrypted by jwcrypto to the realm's enc key as the
//! test fetched it from `/jwks.json`, through a full code flow; during a rotation; and every
//! refusal the same `invalid_request_object`.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sigil_jose::jwe::{ContentEncryption, KeyManagement};
use sigil_server::clock::Clock;
use sigil_server::keys::lifecycle;
use sigil_server::keys::request_object::{RequestObjectEncryption, is_encrypted};
use sigil_store::{ClientSettings, RealmName};

use crate::browser::{
    Browser, PASSWORD, VERIFIER, add_user, challenge, submit_consent, submit_login,
};
use crate::encryption_keys::{
    enc_keys, expect_enc_count, expect_enc_in, jwcrypto_encrypt, kids, of_alg,
};
use crate::people_support::REDIRECT;
use crate::pkjwt_support::{
    ClientKey, JWT_BEARER, assertion_claims, jwks, post, signing_client, unsigned,
};
use crate::support::{START, TestServer, parts};

/// A server with the user `alice`, the client `signer` (its `jwks` holds `key`, request
/// objects pinned to ES256, no encryption registered) and the client `pinned`, which
/// registered RSA-OAEP-256 with A256GCM for its request objects.
async fn server_with(key: &ClientKey) -> TestServer {
    let server = TestServer::start().await;
    // Both encryption algorithms, as a realm Sigil makes has (the test server's default
    // realm saves the RSA generation).
    server
        .provisioner
        .set_encryption_algs(
            &RealmName::default_realm(),
            &[KeyManagement::RsaOaep256, KeyManagement::EcdhEsA256Kw],
        )
        .await
        .unwrap();
    server
        .eventually("the server publishes both encryption keys", || async {
            enc_keys(&server, "default").await.len() == 2
        })
        .await;
    for (id, encryption) in [
        ("signer", None),
        ("pinned", Some(("RSA-OAEP-256", "A256GCM"))),
    ] {
        signing_client(
            &server,
            id,
            ClientSettings {
                jwks: Some(jwks(&[key])),
                request_object_signing_alg: Some("ES256".into()),
                request_object_encryption_alg: encryption.map(|(alg, _)| alg.to_owned()),
                request_object_encryption_enc: encryption.map(|(_, enc)| enc.to_owned()),
                ..ClientSettings::default()
            },
        )
        .await;
    }
    add_user(&server, "default", "alice", None).await;
    server
}

/// The request object's claims, from `client` to `server`, valid from the clock's now.
fn request_claims(server: &TestServer, client: &str) -> Value {
    json!({
        "iss": client,
        "aud": server.base,
        "exp": server.clock.now() + 300,
        "iat": server.clock.now(),
        "client_id": client,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "from-the-object",
        "nonce": "n-encrypted",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
    })
}

/// `/authorize` for `client` with `request` and the query OIDC Core §6.1 has it repeat.
fn authorize_url(server: &TestServer, client: &str, request: &str) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.extend_pairs([
        ("client_id", client),
        ("response_type", "code"),
        ("scope", "openid"),
        ("redirect_uri", REDIRECT),
        ("state", "from-the-query"),
        ("request", request),
    ]);
    format!("{}?{}", server.url("/authorize"), url.finish())
}

/// The realm's published enc key of `alg`, as a client reads it from `/jwks.json`.
async fn published_key(server: &TestServer, alg: &str) -> Value {
    let keys = enc_keys(server, "default").await;
    let of = of_alg(&keys, alg);
    assert_eq!(of.len(), 1, "{alg}: {keys:?}");
    of[0].clone()
}

/// `plaintext` encrypted by jwcrypto as a nested JWT (`cty: JWT`).
fn nested(jwk: &Value, alg: &str, enc: &str, plaintext: &str) -> Option<String> {
    jwcrypto_encrypt(jwk, alg, enc, plaintext, json!({"cty": "JWT"}))
}

#[tokio::test]
async fn enc_request_objects_encrypted_by_jwcrypto_complete_a_code_flow() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    for (n, (alg, enc)) in [
        ("RSA-OAEP-256", "A256GCM"),
        ("ECDH-ES+A256KW", "A128CBC-HS256"),
    ]
    .into_iter()
    .enumerate()
    {
        let jwk = published_key(&server, alg).await;
        let signed = key.sign(&request_claims(&server, "signer"));
        let Some(jwe) = nested(&jwk, alg, enc, &signed) else {
            return;
        };
        assert_eq!(jwe.split('.').count(), 5, "a compact JWE");
        let browser = Browser::new();
        let page = browser.get(&authorize_url(&server, "signer", &jwe)).await;
        let page = submit_login(&browser, &page, "alice", PASSWORD).await;
        // Consent is asked the first time (for the object's scope), then on record.
        let page = if n == 0 {
            assert!(
                page.text().contains("profile"),
                "the object's scope: {}",
                page.body
            );
            submit_consent(&browser, &page, "approve").await
        } else {
            page
        };
        assert_eq!(page.status, 303, "{alg}: {}", page.body);
        let params = page.redirect_params();
        assert_eq!(params["state"], "from-the-object", "{alg}");
        let now = server.clock.now();
        let assertion = key.sign(&assertion_claims(
            "signer",
            &server.url("/token"),
            now,
            60,
            &format!("a{n}"),
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
        assert_eq!(status, 200, "{alg}: {body}");
        assert_eq!(body["scope"], "openid profile");
        let (_, id_token) = parts(body["id_token"].as_str().unwrap());
        assert_eq!(id_token["nonce"], "n-encrypted", "{alg}");
    }
    server.stop().await;
}

const DAY: i64 = 86_400;
const PERIOD: i64 = 7 * DAY;

#[tokio::test]
async fn enc_a_request_object_to_the_previous_key_works_until_its_retention_ends() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let name = RealmName::default_realm();
    let mut realm = server.store.get_realm(&name).await.unwrap().unwrap();
    realm.settings.rotation_period_secs = PERIOD as u64;
    realm.settings.pat_max_ttl_secs = DAY as u64;
    realm.settings.minted_token_max_ttl_secs = 3600;
    server
        .store
        .update_realm_settings(&name, &realm.settings)
        .await
        .unwrap();
    let retention = lifecycle::retention(&realm.settings);
    let lead = lifecycle::prepublication(900);
    // The client caches the JWKS before the rotation.
    let cached = published_key(&server, "RSA-OAEP-256").await;
    let old_kid = cached["kid"].as_str().unwrap().to_owned();
    let accepted = |server: &TestServer| {
        let signed = key.sign(&request_claims(server, "signer"));
        nested(&cached, "RSA-OAEP-256", "A256GCM", &signed)
    };
    let Some(first) = accepted(&server) else {
        return;
    };
    let page = Browser::new()
        .get(&authorize_url(&server, "signer", &first))
        .await;
    assert!(page.is_login_form(), "{}: {}", page.status, page.body);

    // The rotation: a next key is published, then becomes current; the cached one is previous.
    expect_enc_count(&server, "default", START + PERIOD - lead, 4).await;
    let rotated = expect_enc_count(&server, "default", START + PERIOD, 4).await;
    let keys = server.provisioner.keys(&name).await.unwrap();
    let state = |kid: &str| keys.iter().find(|k| k.record.kid == kid).unwrap().state;
    assert_eq!(state(&old_kid), lifecycle::KeyState::Previous);
    let during = accepted(&server).unwrap();
    let page = Browser::new()
        .get(&authorize_url(&server, "signer", &during))
        .await;
    assert!(
        page.is_login_form(),
        "the previous key decrypts: {}: {}",
        page.status,
        page.body
    );

    // Past its retention it is no longer published, and no longer decrypts.
    let remaining: Vec<String> = kids(&rotated)
        .into_iter()
        .filter(|kid| {
            keys.iter()
                .find(|k| &k.record.kid == kid)
                .is_some_and(|k| k.state == lifecycle::KeyState::Current)
        })
        .collect();
    assert_eq!(remaining.len(), 2);
    let remaining: Vec<&String> = remaining.iter().collect();
    expect_enc_in(&server, "default", START + PERIOD + retention, &remaining).await;
    let after = accepted(&server).unwrap();
    let page = Browser::new()
        .get(&authorize_url(&server, "signer", &after))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.redirect_params()["error"], "invalid_request_object");
    server.stop().await;
}

#[tokio::test]
async fn enc_bad_encrypted_request_objects_are_one_and_the_same_refusal() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let rsa = published_key(&server, "RSA-OAEP-256").await;
    let ec = published_key(&server, "ECDH-ES+A256KW").await;
    let signed = |client: &str| key.sign(&request_claims(&server, client));
    let Some(pinned_ok) = nested(&rsa, "RSA-OAEP-256", "A256GCM", &signed("pinned")) else {
        return;
    };
    // The pinned client's registered pair is accepted.
    let page = Browser::new()
        .get(&authorize_url(&server, "pinned", &pinned_ok))
        .await;
    assert!(page.is_login_form(), "{}: {}", page.status, page.body);

    let tampered = {
        let good = nested(&rsa, "RSA-OAEP-256", "A256GCM", &signed("signer")).unwrap();
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let mut ciphertext = URL_SAFE_NO_PAD.decode(&parts[3]).unwrap();
        ciphertext[0] ^= 1;
        parts[3] = URL_SAFE_NO_PAD.encode(ciphertext);
        parts.join(".")
    };
    let foreign = {
        // A key the realm never published.
        let other = json!({
            "kty": "EC", "crv": "P-256", "use": "enc", "alg": "ECDH-ES+A256KW", "kid": ec["kid"],
            "x": "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
            "y": "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
        });
        nested(&other, "ECDH-ES+A256KW", "A256GCM", &signed("signer")).unwrap()
    };
    // What each is, whose it is, and why the realm's keys refuse it (the detail only the log
    // sees); `None`: it decrypts, or is not encrypted, and the refusal comes after.
    let cases: Vec<(&str, &str, String, Option<&str>)> = vec![
        (
            "the pinned client with another alg",
            "pinned",
            nested(&ec, "ECDH-ES+A256KW", "A256GCM", &signed("pinned")).unwrap(),
            Some("alg \"ECDH-ES+A256KW\" is not allowed"),
        ),
        (
            "the pinned client with another enc",
            "pinned",
            nested(&rsa, "RSA-OAEP-256", "A128CBC-HS256", &signed("pinned")).unwrap(),
            Some("enc \"A128CBC-HS256\" is not allowed"),
        ),
        (
            "the pinned client unencrypted",
            "pinned",
            signed("pinned"),
            None,
        ),
        (
            "an unsigned (alg none) inner JWT",
            "signer",
            nested(
                &rsa,
                "RSA-OAEP-256",
                "A256GCM",
                &unsigned(&request_claims(&server, "signer")),
            )
            .unwrap(),
            None,
        ),
        (
            "zip",
            "signer",
            jwcrypto_encrypt(
                &ec,
                "ECDH-ES+A256KW",
                "A256GCM",
                &signed("signer"),
                json!({"cty": "JWT", "zip": "DEF"}),
            )
            .unwrap(),
            Some("zip"),
        ),
        (
            "RSA1_5",
            "signer",
            nested(&rsa, "RSA1_5", "A128CBC-HS256", &signed("signer")).unwrap(),
            Some("RSA1_5"),
        ),
        (
            "a tampered ciphertext",
            "signer",
            tampered,
            Some("decryption failed"),
        ),
        (
            "a key the realm never published",
            "signer",
            foreign,
            Some("decryption failed"),
        ),
        (
            "claims, not a JWS, inside",
            "signer",
            jwcrypto_encrypt(
                &rsa,
                "RSA-OAEP-256",
                "A256GCM",
                &request_claims(&server, "signer").to_string(),
                json!({}),
            )
            .unwrap(),
            Some("not a compact JWS"),
        ),
        (
            "a cty other than JWT",
            "signer",
            jwcrypto_encrypt(
                &rsa,
                "RSA-OAEP-256",
                "A256GCM",
                &signed("signer"),
                json!({"cty": "json"}),
            )
            .unwrap(),
            Some("cty is not JWT"),
        ),
    ];
    // The step `/authorize` takes, on the realm's keys, says why (so each case is refused
    // for its own reason, not another's).
    let state = server
        .provisioner
        .realm_state(&RealmName::default_realm(), &server.base)
        .await
        .unwrap();
    for (what, client, request, why) in &cases {
        let registered = (*client == "pinned").then_some(RequestObjectEncryption {
            alg: KeyManagement::RsaOaep256,
            enc: ContentEncryption::A256Gcm,
        });
        let opened = state
            .keys
            .decrypt_request_object(request, registered, server.clock.now());
        match why {
            Some(why) => {
                let detail = opened.unwrap_err().detail;
                assert!(detail.contains(why), "{what}: {detail}");
            }
            None if is_encrypted(request) => assert!(opened.is_ok(), "{what}: {opened:?}"),
            None => {}
        }
    }
    let mut descriptions = Vec::new();
    for (what, client, request, _) in &cases {
        let page = Browser::new()
            .get(&authorize_url(&server, client, request))
            .await;
        assert_eq!(page.status, 303, "{what}: {}", page.body);
        let params: HashMap<String, String> = page.redirect_params();
        assert_eq!(params["error"], "invalid_request_object", "{what}");
        assert_eq!(
            params["state"], "from-the-query",
            "{what}: nothing of it is trusted"
        );
        descriptions.push(params.get("error_description").cloned());
    }
    descriptions.dedup();
    assert_eq!(
        descriptions.len(),
        1,
        "one answer for every refusal: {descriptions:?}"
    );
    server.stop().await;
}

/// Pushed (RFC 9126), an encrypted request object is opened and checked as at `/authorize`.
#[tokio::test]
async fn enc_an_encrypted_request_object_can_be_pushed() {
    let key = ClientKey::es256("k1");
    let server = server_with(&key).await;
    let rsa = published_key(&server, "RSA-OAEP-256").await;
    let now = server.clock.now();
    let push = |jti: &'static str, request: String| {
        let server = &server;
        let assertion = key.sign(&assertion_claims(
            "pinned",
            &server.url("/par"),
            now,
            60,
            jti,
        ));
        async move {
            post(
                server,
                "/par",
                &[
                    ("client_id", "pinned"),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                    ("request", &request),
                ],
            )
            .await
        }
    };
    let signed = key.sign(&request_claims(&server, "pinned"));
    let Some(jwe) = nested(&rsa, "RSA-OAEP-256", "A256GCM", &signed) else {
        return;
    };
    // The client registered encryption: its plain signed object is refused at the push too.
    let (status, body) = push("p0", signed).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_request_object")),
        "{body}"
    );
    let (status, body) = push("p1", jwe).await;
    assert_eq!(status, 201, "{body}");
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("client_id", "pinned"),
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
