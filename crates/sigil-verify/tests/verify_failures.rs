//! Every way a token can fail, each with its typed error and its sentence; and the builder
//! refusing configurations that would accept tokens nobody meant to accept.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use sigil_jose::legacy_hmac::{self, HmacAlgorithm, LegacyHmacKey};
use sigil_jose::{Algorithm, JwkSet, SigningKey, base64url};
use sigil_verify::{CachePolicy, Error, ManualClock, SignedBy, Verifier, VerifierBuilder};
use support::{AUDIENCE, T0, claims, key, token, token_with_header, token_without_kid};

const ISS: &str = "https://id.example.com/realms/acme";
const SECRET: &[u8] = b"a legacy shared secret of 32+ bytes!";

fn keys() -> (SigningKey, SigningKey) {
    (key(Algorithm::ES256, "ec-1"), key(Algorithm::EdDSA, "ed-1"))
}

/// A verifier with static keys: these tests are about the token, not the cache.
fn builder(keys: &[&SigningKey]) -> VerifierBuilder {
    let set = JwkSet::new(keys.iter().map(|k| k.public_jwk().clone()).collect());
    Verifier::builder()
        .issuer(ISS)
        .static_keys(set)
        .allowed_algorithms([Algorithm::ES256, Algorithm::EdDSA])
        .audience([AUDIENCE])
        .clock(Arc::new(ManualClock::at_unix(T0)))
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

async fn reject(verifier: &Verifier, token: &str) -> Error {
    verifier
        .verify(token)
        .await
        .expect_err("the token must be refused")
}

#[tokio::test]
async fn a_good_token_verifies_and_says_by_which_key() {
    let (ec, ed) = keys();
    let verifier = builder(&[&ec, &ed])
        .typ("at+jwt")
        .required_claims(["sub"])
        .build()
        .unwrap();
    let verified = verifier.verify(&token(&ed, &claims(ISS))).await.unwrap();
    assert_eq!(verified.claims.sub.as_deref(), Some("alice"));
    assert_eq!(
        verified.signed_by,
        SignedBy::Key {
            kid: Some("ed-1".into()),
            alg: Algorithm::EdDSA
        }
    );
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        exp: u64,
    }
    let mine: Mine = verified.claims_as().unwrap();
    assert_eq!((mine.sub.as_str(), mine.exp), ("alice", T0 + 86_400));
}

#[tokio::test]
async fn time_claims_fail_with_the_times_and_the_leeway() {
    let (ec, _) = keys();
    let verifier = builder(&[&ec]).build().unwrap();
    let cases = [
        (
            json!({"exp": T0 - 61}),
            "expired",
            format!("token expired at {} (now {T0}, leeway 60s)", T0 - 61),
        ),
        (
            json!({"nbf": T0 + 61}),
            "not_yet_valid",
            format!("token not valid before {} (now {T0}, leeway 60s)", T0 + 61),
        ),
        (
            json!({"iat": T0 + 61}),
            "issued_in_future",
            format!(
                "token issued in the future at {} (now {T0}, leeway 60s)",
                T0 + 61
            ),
        ),
        (
            json!({"exp": null}),
            "missing_claim",
            "the \"exp\" claim is required but missing".to_owned(),
        ),
    ];
    for (changes, kind, message) in cases {
        let err = reject(&verifier, &token(&ec, &with(claims(ISS), changes))).await;
        assert_eq!((err.kind(), err.to_string()), (kind, message));
    }
    // Within the leeway, all pass.
    let lenient = with(
        claims(ISS),
        json!({"exp": T0 - 59, "nbf": T0 + 59, "iat": T0 + 59}),
    );
    verifier.verify(&token(&ec, &lenient)).await.unwrap();
}

#[tokio::test]
async fn issuer_audience_type_and_required_claims_are_exact() {
    let (ec, _) = keys();
    let verifier = builder(&[&ec])
        .typ("at+jwt")
        .required_claims(["client_id"])
        .build()
        .unwrap();
    let with_client = |c: Value| with(c, json!({"client_id": "billing"}));

    let err = reject(
        &verifier,
        &token(
            &ec,
            &with_client(claims("https://id.example.com/realms/acme/")),
        ),
    )
    .await;
    assert_eq!(err.kind(), "issuer_mismatch");
    assert_eq!(
        err.to_string(),
        "issuer \"https://id.example.com/realms/acme/\" is not the expected \"https://id.example.com/realms/acme\""
    );

    let err = reject(
        &verifier,
        &token(
            &ec,
            &with_client(with(claims(ISS), json!({"aud": ["other"]}))),
        ),
    )
    .await;
    assert_eq!(err.kind(), "audience_mismatch");
    let err = reject(
        &verifier,
        &token(&ec, &with_client(with(claims(ISS), json!({"aud": null})))),
    )
    .await;
    assert_eq!(err.kind(), "audience_mismatch");

    let jwt_typ = token_with_header(
        &ec,
        &json!({"alg": "ES256", "kid": "ec-1", "typ": "JWT"}),
        &with_client(claims(ISS)),
    );
    let err = reject(&verifier, &jwt_typ).await;
    assert_eq!(
        (err.kind(), err.to_string().as_str()),
        (
            "type_mismatch",
            "token type \"JWT\" is not the expected \"at+jwt\""
        )
    );

    let err = reject(&verifier, &token(&ec, &claims(ISS))).await;
    assert_eq!(
        err,
        Error::MissingClaim {
            name: "client_id".into()
        }
    );

    verifier
        .verify(&token(&ec, &with_client(claims(ISS))))
        .await
        .unwrap();
    let any_audience = builder(&[&ec]).no_audience_check().build().unwrap();
    any_audience
        .verify(&token(&ec, &with(claims(ISS), json!({"aud": null}))))
        .await
        .unwrap();
}

#[tokio::test]
async fn algorithms_are_pinned_and_none_never_passes() {
    let (ec, _) = keys();
    let rsa = key(Algorithm::RS256, "rsa-1");
    let verifier = builder(&[&ec, &rsa]).build().unwrap();

    let err = reject(&verifier, &token(&rsa, &claims(ISS))).await;
    assert_eq!(err.kind(), "algorithm_not_allowed");
    assert_eq!(
        err.to_string(),
        "algorithm RS256 is not allowed (allowed: ES256, EdDSA)"
    );

    let body = base64url::encode(serde_json::to_vec(&claims(ISS)).unwrap());
    let none = format!("{}.{body}.", base64url::encode(br#"{"alg":"none"}"#));
    assert_eq!(reject(&verifier, &none).await.kind(), "alg_none");

    let hs256 = legacy_hs256(&claims(ISS));
    let err = reject(&verifier, &hs256).await;
    assert_eq!(
        err.to_string(),
        "algorithm HS256 is not allowed (allowed: ES256, EdDSA)"
    );
}

fn legacy_hs256(claims: &Value) -> String {
    let key = LegacyHmacKey::new(SECRET).unwrap();
    legacy_hmac::sign(
        &key,
        HmacAlgorithm::HS256,
        None,
        &serde_json::to_vec(claims).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn legacy_hs256_is_accepted_only_when_configured_and_still_validated() {
    let (ec, _) = keys();
    let verifier = builder(&[&ec]).legacy_hs256_secret(SECRET).build().unwrap();
    let verified = verifier.verify(&legacy_hs256(&claims(ISS))).await.unwrap();
    assert_eq!(verified.signed_by, SignedBy::LegacyHs256);
    verifier.verify(&token(&ec, &claims(ISS))).await.unwrap();

    let expired = legacy_hs256(&with(claims(ISS), json!({"exp": T0 - 3600})));
    assert_eq!(reject(&verifier, &expired).await.kind(), "expired");
    let other = builder(&[&ec])
        .legacy_hs256_secret(b"another secret that is long enough!!")
        .build()
        .unwrap();
    assert_eq!(
        reject(&other, &legacy_hs256(&claims(ISS))).await.kind(),
        "invalid_signature"
    );
    let hs384 = legacy_hmac::sign(
        &LegacyHmacKey::new(&[7; 48]).unwrap(),
        HmacAlgorithm::HS384,
        None,
        b"{}",
    )
    .unwrap();
    assert_eq!(
        reject(&verifier, &hs384).await.kind(),
        "algorithm_not_allowed"
    );

    let err = builder(&[&ec])
        .legacy_hs256_secret(b"short")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Token(sigil_jose::Error::InvalidKey(_))),
        "{err}"
    );
}

#[tokio::test]
async fn signatures_and_structure_are_checked() {
    let (ec, ed) = keys();
    let verifier = builder(&[&ec, &ed]).build().unwrap();
    let good = token(&ec, &claims(ISS));

    let (head, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged_body =
        base64url::encode(serde_json::to_vec(&with(claims(ISS), json!({"sub": "root"}))).unwrap());
    let tampered = format!("{head}.{forged_body}.{signature}");
    let err = reject(&verifier, &tampered).await;
    assert_eq!(
        (err.kind(), err.to_string().as_str()),
        ("invalid_signature", "signature verification failed")
    );

    for malformed in ["", "a.b", "a.b.c.d", "!!.e30.AA"] {
        assert_eq!(
            reject(&verifier, malformed).await.kind(),
            "malformed",
            "{malformed}"
        );
    }
    let crit = token_with_header(
        &ec,
        &json!({"alg": "ES256", "kid": "ec-1", "crit": ["exp"], "exp": 1}),
        &claims(ISS),
    );
    assert_eq!(reject(&verifier, &crit).await.kind(), "unknown_critical");
    let hs999 = token_with_header(&ec, &json!({"alg": "HS999"}), &claims(ISS));
    assert_eq!(
        reject(&verifier, &hs999).await.kind(),
        "unsupported_algorithm"
    );
    let bad_claims = token_with_header(
        &ec,
        &json!({"alg": "ES256", "kid": "ec-1"}),
        &json!({"exp": "tomorrow"}),
    );
    assert_eq!(
        reject(&verifier, &bad_claims).await.kind(),
        "invalid_claims"
    );
}

#[tokio::test]
async fn keys_are_chosen_by_kid_or_by_algorithm() {
    let (ec, ed) = keys();
    let verifier = builder(&[&ec, &ed]).build().unwrap();

    // No kid: each key that fits the algorithm is tried (seed 002).
    let verified = verifier
        .verify(&token_without_kid(&ed, &claims(ISS)))
        .await
        .unwrap();
    assert_eq!(
        verified.signed_by,
        SignedBy::Key {
            kid: Some("ed-1".into()),
            alg: Algorithm::EdDSA
        }
    );

    let stranger = key(Algorithm::ES256, "ec-9");
    let err = reject(&verifier, &token(&stranger, &claims(ISS))).await;
    assert_eq!(
        err,
        Error::UnknownKid {
            kid: "ec-9".into(),
            known: vec!["ec-1".into(), "ed-1".into()]
        }
    );
    assert_eq!(
        err.to_string(),
        "kid \"ec-9\" is not among the issuer's keys [ec-1, ed-1]"
    );

    let err = reject(&verifier, &token_without_kid(&stranger, &claims(ISS))).await;
    assert_eq!(err.kind(), "invalid_signature");

    let only_ec = builder(&[&ec]).build().unwrap();
    let err = reject(&only_ec, &token_without_kid(&ed, &claims(ISS))).await;
    assert_eq!(
        err,
        Error::NoMatchingKey {
            alg: "EdDSA".into(),
            known: vec!["ec-1".into()]
        }
    );

    // A kid that names a key of another type: the key's refusal is the answer.
    let impostor = key(Algorithm::EdDSA, "ec-1");
    let err = reject(&verifier, &token(&impostor, &claims(ISS))).await;
    assert_eq!(err.kind(), "key_algorithm_mismatch");
    assert_eq!(err.to_string(), "a P256 key cannot be used with EdDSA");
}

#[tokio::test]
async fn a_key_pinned_to_one_algorithm_refuses_another() {
    let rs = key(Algorithm::RS256, "rsa-1");
    let verifier = builder(&[&rs])
        .allowed_algorithms([Algorithm::RS256, Algorithm::PS256])
        .build()
        .unwrap();
    let ps_header = json!({"alg": "PS256", "kid": "rsa-1"});
    let err = reject(&verifier, &token_with_header(&rs, &ps_header, &claims(ISS))).await;
    assert_eq!(
        err.to_string(),
        "the key is pinned to RS256, the token says PS256"
    );
    assert_eq!(err.kind(), "key_algorithm_mismatch");
}

#[test]
fn the_builder_refuses_what_would_accept_tokens_nobody_chose() {
    let (ec, _) = keys();
    let cases: [(VerifierBuilder, &str); 6] = [
        (
            Verifier::builder()
                .allowed_algorithms([Algorithm::ES256])
                .no_audience_check(),
            "an issuer is required",
        ),
        (
            builder(&[&ec]).allowed_algorithms([]),
            "there is no default",
        ),
        (
            Verifier::builder()
                .issuer(ISS)
                .allowed_algorithms([Algorithm::ES256]),
            "choose an audience rule",
        ),
        (
            builder(&[&ec]).cache_policy(CachePolicy {
                cooldown: std::time::Duration::ZERO,
                ..CachePolicy::default()
            }),
            "cool-down",
        ),
        (
            builder(&[&ec]).jwks_url("http://id.example.com/jwks"),
            "plain http",
        ),
        (
            builder(&[&ec]).jwks_url("file:///etc/jwks.json"),
            "only http(s)",
        ),
    ];
    for (builder, expected) in cases {
        let err = builder.build().unwrap_err();
        assert!(err.to_string().contains(expected), "{err} / {expected}");
    }
    let err = Verifier::builder()
        .issuer("ftp://id.example.com")
        .allowed_algorithms([Algorithm::ES256])
        .no_audience_check()
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_url");
}
