//! The verification rules of RFC 7515 §5.2 as Sigil applies them: pinned algorithms, pinned
//! key algorithms, no `none`, no unknown `crit`, no keys taken from the token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use sigil_jose::jwk::KeyUse;
use sigil_jose::legacy_hmac::{self, HmacAlgorithm, LegacyHmacKey};
use sigil_jose::{
    Algorithm, CompactJws, Error, KeySpec, PrivateKey, SigningKey, VerifyingKey, base64url, jws,
};

fn signing_key(alg: Algorithm) -> SigningKey {
    let spec = KeySpec::for_algorithm(
        alg,
        alg.key_kind()
            .eq(&sigil_jose::algorithm::KeyKind::Rsa)
            .then_some(2048),
    )
    .unwrap();
    SigningKey::new(PrivateKey::generate(spec).unwrap(), alg, None).unwrap()
}

fn verifying_key(signer: &SigningKey) -> VerifyingKey {
    VerifyingKey::from_jwk(signer.public_jwk().clone()).unwrap()
}

/// A token with a hand-written header, signed properly by `signer`.
fn token_with_header(signer: &SigningKey, header_json: &str, payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header_json),
        base64url::encode(payload)
    );
    let signature = signer.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", base64url::encode(signature))
}

#[test]
fn every_algorithm_round_trips_and_carries_alg_and_kid() {
    for alg in Algorithm::ALL {
        let signer = signing_key(alg);
        let token = jws::sign(&signer, Some("JWT"), b"{}").unwrap();
        let parsed = CompactJws::parse(&token).unwrap();
        assert_eq!(
            parsed.header().kid.as_deref(),
            Some(signer.kid().as_str()),
            "{alg}"
        );
        assert_eq!(parsed.header().typ.as_deref(), Some("JWT"));
        let verified = parsed.verify(&verifying_key(&signer), &[alg]).unwrap();
        assert_eq!(verified.payload().unwrap(), b"{}", "{alg}");
        // The default kid is the RFC 7638 thumbprint of the published key.
        assert_eq!(signer.kid().as_str(), signer.public_jwk().thumbprint());
    }
}

#[test]
fn a_tampered_payload_or_signature_fails() {
    let signer = signing_key(Algorithm::ES256);
    let token = jws::sign(&signer, None, br#"{"sub":"alice"}"#).unwrap();
    let [h, _, s] = token.split('.').collect::<Vec<_>>()[..] else {
        unreachable!()
    };
    let forged = format!("{h}.{}.{s}", base64url::encode(br#"{"sub":"admin"}"#));
    let key = verifying_key(&signer);
    assert_eq!(
        CompactJws::parse(&forged)
            .unwrap()
            .verify(&key, &[Algorithm::ES256])
            .unwrap_err(),
        Error::InvalidSignature
    );
    let other = signing_key(Algorithm::ES256);
    assert_eq!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&verifying_key(&other), &[Algorithm::ES256])
            .unwrap_err(),
        Error::InvalidSignature
    );
}

#[test]
fn alg_none_is_never_accepted_in_any_spelling() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let token = format!(
            "{}.{}.",
            base64url::encode(format!(r#"{{"alg":"{alg}"}}"#)),
            base64url::encode("{}")
        );
        assert_eq!(
            CompactJws::parse(&token).unwrap_err(),
            Error::AlgNone,
            "{alg}"
        );
    }
}

#[test]
fn algorithms_are_pinned_by_the_caller() {
    let signer = signing_key(Algorithm::PS256);
    let token = jws::sign(&signer, None, b"{}").unwrap();
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&verifying_key(&signer), &[Algorithm::RS256])
        .unwrap_err();
    assert_eq!(
        err,
        Error::AlgorithmNotAllowed {
            alg: "PS256".into(),
            allowed: vec![Algorithm::RS256]
        }
    );
    // An empty allow-list allows nothing.
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&verifying_key(&signer), &[])
        .unwrap_err();
    assert!(matches!(err, Error::AlgorithmNotAllowed { .. }));
}

#[test]
fn the_keys_own_alg_pins_it() {
    // An RSA key published for RS256 must not verify a PS256 signature made with it.
    let rs256 = signing_key(Algorithm::RS256);
    let ps256_same_key = SigningKey::new(
        sigil_jose::pem::parse_private_key(
            &sigil_jose::pem::private_key_to_pem(rs256.private_key()).unwrap(),
        )
        .unwrap(),
        Algorithm::PS256,
        None,
    )
    .unwrap();
    let token = jws::sign(&ps256_same_key, None, b"{}").unwrap();
    let key = verifying_key(&rs256); // its JWK says alg RS256
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&key, &[Algorithm::RS256, Algorithm::PS256])
        .unwrap_err();
    assert_eq!(
        err,
        Error::KeyPinnedToOtherAlgorithm {
            key_alg: Algorithm::RS256,
            token_alg: Algorithm::PS256
        }
    );
    // Without its alg member the same key admits PS256.
    let mut open = rs256.public_jwk().clone();
    open.alg = None;
    let key = VerifyingKey::from_jwk(open).unwrap();
    assert!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&key, &[Algorithm::PS256])
            .is_ok()
    );
}

#[test]
fn a_key_of_the_wrong_type_or_use_is_refused() {
    let ec = signing_key(Algorithm::ES256);
    let rsa = signing_key(Algorithm::RS256);
    let token = jws::sign(&rsa, None, b"{}").unwrap();
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&verifying_key(&ec), &[Algorithm::RS256])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::KeyAlgorithmMismatch {
            alg: Algorithm::RS256,
            ..
        }
    ));

    let mut enc = rsa.public_jwk().clone();
    enc.key_use = Some(KeyUse::Encryption);
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&VerifyingKey::from_jwk(enc).unwrap(), &[Algorithm::RS256])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidKey(m) if m.contains("enc")));

    // Binding a key to an algorithm it cannot sign with is refused up front.
    let err = SigningKey::new(
        PrivateKey::generate(KeySpec::P256).unwrap(),
        Algorithm::ES384,
        None,
    )
    .unwrap_err();
    assert!(matches!(err, Error::KeyAlgorithmMismatch { .. }));
}

#[test]
fn unknown_critical_extensions_are_refused() {
    let signer = signing_key(Algorithm::EdDSA);
    let key = verifying_key(&signer);
    let token = token_with_header(&signer, r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#, b"{}");
    assert_eq!(
        CompactJws::parse(&token).unwrap_err(),
        Error::UnknownCritical(vec!["exp".into()])
    );
    // RFC 7797 unencoded payloads are an extension too.
    let token = token_with_header(
        &signer,
        r#"{"alg":"EdDSA","b64":false,"crit":["b64"]}"#,
        b"{}",
    );
    assert!(matches!(
        CompactJws::parse(&token),
        Err(Error::UnknownCritical(_))
    ));
    let token = token_with_header(&signer, r#"{"alg":"EdDSA","crit":[]}"#, b"{}");
    assert!(matches!(
        CompactJws::parse(&token),
        Err(Error::Malformed(_))
    ));
    // Unknown non-critical members are ignored.
    let token = token_with_header(&signer, r#"{"alg":"EdDSA","x-extra":{"a":1}}"#, b"{}");
    assert!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&key, &[Algorithm::EdDSA])
            .is_ok()
    );
}

#[test]
fn keys_carried_in_the_token_are_never_used() {
    // An attacker signs with their own key and ships it (jwk), or points at it (jku, x5u).
    let attacker = signing_key(Algorithm::ES256);
    let victim = signing_key(Algorithm::ES256);
    let header = format!(
        r#"{{"alg":"ES256","kid":"{}","jwk":{},"jku":"https://evil.example/jwks","x5u":"https://evil.example/cert"}}"#,
        victim.kid(),
        attacker.public_jwk().to_json()
    );
    let token = token_with_header(&attacker, &header, br#"{"sub":"admin"}"#);
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&verifying_key(&victim), &[Algorithm::ES256])
        .unwrap_err();
    assert_eq!(err, Error::InvalidSignature);
}

#[test]
fn hmac_signed_with_a_public_key_cannot_pass_the_asymmetric_api() {
    // The classic confusion: HS256 keyed with the issuer's public key bytes.
    let rsa = signing_key(Algorithm::RS256);
    let secret = rsa.public_jwk().to_json();
    let hmac = LegacyHmacKey::new(secret.as_bytes()).unwrap();
    let token = legacy_hmac::sign(&hmac, HmacAlgorithm::HS256, None, b"{}").unwrap();
    let err = CompactJws::parse(&token)
        .unwrap()
        .verify(&verifying_key(&rsa), &Algorithm::ALL)
        .unwrap_err();
    assert_eq!(
        err,
        Error::AlgorithmNotAllowed {
            alg: "HS256".into(),
            allowed: Algorithm::ALL.to_vec()
        }
    );
    // The legacy API accepts it only with the secret and an explicit HS256 allowance.
    assert!(
        legacy_hmac::verify(
            CompactJws::parse(&token).unwrap(),
            &hmac,
            &[HmacAlgorithm::HS256]
        )
        .is_ok()
    );
    assert!(
        legacy_hmac::verify(
            CompactJws::parse(&token).unwrap(),
            &hmac,
            &[HmacAlgorithm::HS512]
        )
        .is_err()
    );
    let wrong = LegacyHmacKey::new(&[7u8; 32]).unwrap();
    assert_eq!(
        legacy_hmac::verify(
            CompactJws::parse(&token).unwrap(),
            &wrong,
            &[HmacAlgorithm::HS256]
        )
        .unwrap_err(),
        Error::InvalidSignature
    );
    // Secrets shorter than the hash are refused (RFC 7518 §3.2).
    assert!(LegacyHmacKey::new(b"short").is_err());
}

#[test]
fn malformed_tokens_say_what_is_wrong() {
    let long = "a".repeat(jws::MAX_TOKEN_LEN + 1);
    let cases: &[&str] = &[
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.",
        "e30.e30.",
        "eyJhbGciOjF9.e30.",
        &long,
    ];
    for token in cases {
        match CompactJws::parse(token) {
            Err(Error::Malformed(_)) => {}
            other => panic!("{token:.20}: {other:?}"),
        }
    }
    // A header with a duplicated member is refused rather than resolved either way.
    let dup = format!(
        "{}.e30.",
        base64url::encode(r#"{"alg":"ES256","alg":"none"}"#)
    );
    assert!(matches!(CompactJws::parse(&dup), Err(Error::Malformed(_))));
}

#[test]
fn errors_keep_their_order_part_count_then_header_then_signature() {
    let none_header = base64url::encode(r#"{"alg":"none"}"#);
    let es256_header = base64url::encode(r#"{"alg":"ES256"}"#);
    let message = |token: &str| match CompactJws::parse(token) {
        Err(Error::Malformed(m)) => m,
        other => panic!("{token}: {other:?}"),
    };
    // A fourth part is reported before anything in the header or the signature.
    for token in [
        format!("{none_header}.e30.AAAA.AAAA"),
        format!("{none_header}.e30.!!.x"),
        "!!!.e30.AAAA.".to_owned(),
    ] {
        assert!(message(&token).contains("three"), "{token}");
    }
    // The header's rules come before the signature's encoding.
    assert_eq!(
        CompactJws::parse(&format!("{none_header}.e30.!!")).unwrap_err(),
        Error::AlgNone
    );
    assert!(message(&format!("{es256_header}.e30.!!")).contains("signature"));
    assert!(message(&format!("{es256_header}.e30.AAAA=")).contains("signature"));
}

#[test]
fn signatures_of_any_length_are_decoded_and_checked() {
    // Up to 512 bytes the signature is kept inline, beyond on the heap; both verify the same.
    let signer = signing_key(Algorithm::ES256);
    let key = verifying_key(&signer);
    let token = jws::sign(&signer, None, b"{}").unwrap();
    let input = &token[..token.rfind('.').unwrap()];
    for len in [0, 1, 64, 512, 513, 2000] {
        let forged = format!("{input}.{}", base64url::encode(vec![7; len]));
        let parsed = CompactJws::parse(&forged).unwrap();
        assert_eq!(parsed.signature(), vec![7; len].as_slice(), "{len}");
        assert_eq!(
            parsed.verify(&key, &[Algorithm::ES256]).unwrap_err(),
            Error::InvalidSignature,
            "{len}"
        );
    }
}

#[test]
fn signing_headers_are_alg_kid_and_typ_whatever_the_typ() {
    // Headers of the common `typ`s are made once per key; any other is made per token. Both
    // must be the same JSON, escapes included.
    let kid = sigil_jose::Kid::new(r#"key "1" \ é"#).unwrap();
    let signer = SigningKey::new(
        PrivateKey::generate(KeySpec::Ed25519).unwrap(),
        Algorithm::EdDSA,
        Some(kid),
    )
    .unwrap();
    let header_of = |typ: Option<&str>| {
        let token = jws::sign(&signer, typ, b"{}").unwrap();
        let header = token.split('.').next().unwrap().to_owned();
        String::from_utf8(base64url::decode(header).unwrap()).unwrap()
    };
    let kid_json = r#""key \"1\" \\ é""#;
    assert_eq!(
        header_of(None),
        format!(r#"{{"alg":"EdDSA","kid":{kid_json}}}"#)
    );
    for typ in ["JWT", "at+jwt", "jwt", "secevent+jwt", "a\"b"] {
        let typ_json = serde_json::to_string(typ).unwrap();
        assert_eq!(
            header_of(Some(typ)),
            format!(r#"{{"alg":"EdDSA","kid":{kid_json},"typ":{typ_json}}}"#),
            "{typ}"
        );
    }
}
