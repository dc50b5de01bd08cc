//! Published JOSE test vectors, every one of them (see `vectors/SOURCES.md` for provenance):
//! RFC 7515 A.2 and A.3, RFC 7520 §4.1–4.8, RFC 7638 §3.1, RFC 8037 A.1–A.5.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use serde_json::Value;
use sigil_jose::algorithm::KeyKind;
use sigil_jose::legacy_hmac::{self, HmacAlgorithm, LegacyHmacKey};
use sigil_jose::{
    Algorithm, CompactJws, Error, PrivateKey, PublicJwk, SigningKey, VerifyingKey, base64url,
};

fn vector(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn b64(jwk: &Value, member: &str) -> Vec<u8> {
    base64url::decode(jwk[member].as_str().unwrap()).unwrap()
}

/// The public half of a private JWK, parsed by the strict public parser.
fn public_jwk(private: &Value) -> PublicJwk {
    let mut public = private.as_object().unwrap().clone();
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        public.remove(member);
    }
    PublicJwk::from_value(&Value::Object(public)).unwrap()
}

fn private_key(jwk: &Value) -> PrivateKey {
    match (jwk["kty"].as_str().unwrap(), jwk["crv"].as_str()) {
        ("RSA", _) => {
            let m = |name| b64(jwk, name);
            PrivateKey::from_rsa_components(
                &m("n"),
                &m("e"),
                &m("d"),
                &m("p"),
                &m("q"),
                &m("dp"),
                &m("dq"),
                &m("qi"),
            )
            .unwrap()
        }
        ("EC", Some("P-256")) => PrivateKey::from_ec_components(
            KeyKind::P256,
            &b64(jwk, "d"),
            &b64(jwk, "x"),
            &b64(jwk, "y"),
        )
        .unwrap(),
        ("OKP", Some("Ed25519")) => PrivateKey::from_ed25519_seed(&b64(jwk, "d")).unwrap(),
        other => panic!("no private key type {other:?} in these vectors"),
    }
}

fn verify(token: &str, jwk: PublicJwk, alg: Algorithm) -> Result<Vec<u8>, Error> {
    let key = VerifyingKey::from_jwk(jwk)?;
    CompactJws::parse(token)?.verify(&key, &[alg])?.payload()
}

/// The signature part of a compact JWS, decoded.
fn signature_of(token: &str) -> Vec<u8> {
    base64url::decode(token.rsplit('.').next().unwrap()).unwrap()
}

fn signing_input_of(token: &str) -> &str {
    &token[..token.rfind('.').unwrap()]
}

#[test]
fn rfc7515_a2_rs256_verifies_and_signing_reproduces_the_signature() {
    let v = vector("rfc7515_a2.json");
    let token = v["jws"].as_str().unwrap();
    let payload = verify(token, public_jwk(&v["jwk"]), Algorithm::RS256).unwrap();
    assert_eq!(payload, v["payload_json"].as_str().unwrap().as_bytes());

    // RSASSA-PKCS1-v1_5 is deterministic: our signer must produce the RFC's exact bytes.
    let signer = SigningKey::new(private_key(&v["jwk"]), Algorithm::RS256, None).unwrap();
    let signature = signer.sign(signing_input_of(token).as_bytes()).unwrap();
    assert_eq!(signature, signature_of(token));
}

#[test]
fn rfc7515_a3_es256_verifies_and_our_signatures_verify_with_its_key() {
    let v = vector("rfc7515_a3.json");
    let token = v["jws"].as_str().unwrap();
    let payload = verify(token, public_jwk(&v["jwk"]), Algorithm::ES256).unwrap();
    assert_eq!(payload, v["payload_json"].as_str().unwrap().as_bytes());

    // ECDSA is randomised; a fresh signature over the same input must verify instead.
    let signer = SigningKey::new(private_key(&v["jwk"]), Algorithm::ES256, None).unwrap();
    let token = sigil_jose::jws::sign(&signer, None, b"payload").unwrap();
    assert_eq!(
        verify(&token, public_jwk(&v["jwk"]), Algorithm::ES256).unwrap(),
        b"payload"
    );
    // A.3's signature is 64 bytes (r || s, RFC 7518 §3.4), as are ours.
    assert_eq!(signature_of(&token).len(), 64);
}

#[test]
fn rfc7638_3_1_thumbprint() {
    let v = vector("rfc7638.json");
    let jwk = PublicJwk::from_value(&v["jwk"]).unwrap();
    assert_eq!(jwk.thumbprint(), v["thumbprint"].as_str().unwrap());
}

#[test]
fn rfc8037_ed25519_key_thumbprint_signature_and_verification() {
    let v = vector("rfc8037.json");
    // A.1/A.2: the private key's derived public key is A.2's.
    let key = private_key(&v["private_jwk"]);
    let expected_public = PublicJwk::from_value(&v["public_jwk"]).unwrap();
    assert_eq!(key.public_jwk().params, expected_public.params);
    // A.3: thumbprint.
    assert_eq!(
        expected_public.thumbprint(),
        v["thumbprint"].as_str().unwrap()
    );
    // A.4: Ed25519 is deterministic, so the signature is reproduced exactly.
    let token = v["jws"].as_str().unwrap();
    let signer = SigningKey::new(key, Algorithm::EdDSA, None).unwrap();
    assert_eq!(
        signer.sign(signing_input_of(token).as_bytes()).unwrap(),
        signature_of(token)
    );
    // A.5: verification.
    let payload = verify(token, expected_public, Algorithm::EdDSA).unwrap();
    assert_eq!(payload, v["payload"].as_str().unwrap().as_bytes());
}

/// RFC 7520 §4: one payload, three keys, eight ways of signing it.
mod rfc7520 {
    use super::*;

    struct Cookbook {
        v: Value,
    }

    impl Cookbook {
        fn load() -> Self {
            let v = vector("rfc7520_4.json");
            // The payload's base64url form is what gets signed; check it decodes to the text.
            let payload_b64 = v["payload_b64"].as_str().unwrap();
            assert_eq!(
                base64url::decode(payload_b64).unwrap(),
                v["payload"].as_str().unwrap().as_bytes()
            );
            Self { v }
        }

        fn example(&self, section: &str) -> &Value {
            self.v["examples"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["section"] == section)
                .unwrap()
        }

        fn rsa(&self) -> PublicJwk {
            public_jwk(&self.v["keys"]["rsa"])
        }

        fn hmac(&self) -> LegacyHmacKey {
            LegacyHmacKey::new(&b64(&self.v["keys"]["hmac"], "k")).unwrap()
        }

        /// A compact JWS from a protected header and signature, around the payload.
        fn compact(&self, protected_b64: &str, signature_b64: &str) -> String {
            format!(
                "{protected_b64}.{}.{signature_b64}",
                self.v["payload_b64"].as_str().unwrap()
            )
        }

        fn verify_hmac(&self, token: &str) -> Result<Vec<u8>, Error> {
            legacy_hmac::verify(
                CompactJws::parse(token)?,
                &self.hmac(),
                &[HmacAlgorithm::HS256],
            )?
            .payload()
        }
    }

    #[test]
    fn s4_1_rs256_verifies_and_is_reproduced() {
        let c = Cookbook::load();
        let token = c.example("4.1")["compact"].as_str().unwrap();
        assert_eq!(
            verify(token, c.rsa(), Algorithm::RS256).unwrap(),
            c.v["payload"].as_str().unwrap().as_bytes()
        );
        let signer =
            SigningKey::new(private_key(&c.v["keys"]["rsa"]), Algorithm::RS256, None).unwrap();
        assert_eq!(
            signer.sign(signing_input_of(token).as_bytes()).unwrap(),
            signature_of(token)
        );
    }

    #[test]
    fn s4_2_ps384_verifies() {
        let c = Cookbook::load();
        let token = c.example("4.2")["compact"].as_str().unwrap();
        assert!(verify(token, c.rsa(), Algorithm::PS384).is_ok());
        // The key (no `alg` member) also admits PS256, but the token says PS384.
        assert!(matches!(
            verify(token, c.rsa(), Algorithm::PS256),
            Err(Error::AlgorithmNotAllowed { .. })
        ));
    }

    #[test]
    fn s4_3_es512_is_refused_as_unsupported() {
        let c = Cookbook::load();
        let token = c.example("4.3")["compact"].as_str().unwrap();
        assert_eq!(
            CompactJws::parse(token).unwrap_err(),
            Error::UnsupportedAlgorithm("ES512".into())
        );
        // Its P-521 key is refused just as clearly.
        assert!(matches!(
            public_jwk_result(&c.v["keys"]["ec_p521"]),
            Err(Error::UnsupportedKey(_))
        ));
    }

    fn public_jwk_result(private: &Value) -> Result<PublicJwk, Error> {
        let mut public = private.as_object().unwrap().clone();
        public.remove("d");
        PublicJwk::from_value(&Value::Object(public))
    }

    #[test]
    fn s4_4_hs256_verifies_only_through_the_legacy_api() {
        let c = Cookbook::load();
        let token = c.example("4.4")["compact"].as_str().unwrap();
        assert!(c.verify_hmac(token).is_ok());
        // The asymmetric API refuses it whatever key it is given.
        let rsa = VerifyingKey::from_jwk(c.rsa()).unwrap();
        let refused = CompactJws::parse(token)
            .unwrap()
            .verify(&rsa, &Algorithm::ALL);
        assert!(matches!(refused, Err(Error::AlgorithmNotAllowed { .. })));
    }

    #[test]
    fn s4_5_detached_payload_verifies_once_reattached() {
        let c = Cookbook::load();
        let e = c.example("4.5");
        let detached = e["compact"].as_str().unwrap();
        assert!(detached.contains(".."), "the payload is detached");
        // Without the payload the signature does not match.
        assert_eq!(
            c.verify_hmac(detached).unwrap_err(),
            Error::InvalidSignature
        );
        let attached = c.compact(
            e["protected_b64"].as_str().unwrap(),
            e["signature_b64"].as_str().unwrap(),
        );
        assert!(c.verify_hmac(&attached).is_ok());
    }

    #[test]
    fn s4_6_protected_alg_with_unprotected_kid_verifies_over_the_protected_part() {
        let c = Cookbook::load();
        let e = c.example("4.6");
        let token = c.compact(
            e["protected_b64"].as_str().unwrap(),
            e["signature_b64"].as_str().unwrap(),
        );
        assert!(c.verify_hmac(&token).is_ok());
    }

    #[test]
    fn s4_7_no_protected_header_cannot_be_a_compact_jws() {
        let c = Cookbook::load();
        let e = c.example("4.7");
        assert!(e["protected_b64"].is_null());
        // The compact form has only the protected header, so `alg` would be missing.
        let token = c.compact("", e["signature_b64"].as_str().unwrap());
        assert!(matches!(
            CompactJws::parse(&token),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn s4_8_each_signature_of_the_multi_signature_example() {
        let c = Cookbook::load();
        let signatures = c.example("4.8")["signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), 3);
        let mut checked = 0;
        for s in signatures {
            let alg = s["alg"].as_str().unwrap();
            let Some(protected) = s["protected_b64"].as_str() else {
                // ES512 with only an unprotected header: no compact form, unsupported anyway.
                assert_eq!(alg, "ES512");
                continue;
            };
            let token = c.compact(protected, s["signature_b64"].as_str().unwrap());
            match alg {
                "RS256" => assert!(verify(&token, c.rsa(), Algorithm::RS256).is_ok()),
                "HS256" => assert!(c.verify_hmac(&token).is_ok()),
                other => panic!("unexpected {other}"),
            }
            checked += 1;
        }
        assert_eq!(checked, 2);
    }
}

#[test]
fn private_jwk_export_reproduces_the_rfc_keys() {
    // Importing the RFC's private keys and exporting them again gives back every member.
    for (file, member) in [
        ("rfc7515_a2.json", "jwk"),
        ("rfc7515_a3.json", "jwk"),
        ("rfc8037.json", "private_jwk"),
    ] {
        let v = vector(file);
        let jwk = &v[member];
        let key = private_key(jwk);
        let exported: Value =
            serde_json::from_str(&key.to_private_jwk_json(&key.public_jwk()).unwrap()).unwrap();
        for (name, value) in jwk.as_object().unwrap() {
            if !["kid", "alg", "use"].contains(&name.as_str()) {
                assert_eq!(&exported[name], value, "{file}: {name}");
            }
        }
    }
}
