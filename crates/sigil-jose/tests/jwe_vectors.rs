//! The published JWE examples through the public API (see `vectors/SOURCES.md`): RFC 7516
//! Appendix A.1–A.3 and RFC 7520 §5.1–§5.6 and §5.9. Each either decrypts to the published
//! plaintext or is refused with the error its algorithm deserves. The deterministic steps
//! (key wrap, key agreement, content encryption) are reproduced byte for byte in the crate's
//! unit tests, and RFC 7518 Appendix B and C there too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sigil_jose::Error;
use sigil_jose::jwe::{
    ContentEncryption, DecryptionKey, DecryptionKeys, JwePolicy, KeyManagement, decrypt_compact,
};

fn vector(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn example<'a>(v: &'a Value, section: &str) -> &'a Value {
    v["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["section"] == section)
        .unwrap()
}

/// A private JWK from the vectors as a decryption key pinned to `alg` (the RFCs' keys carry
/// no `alg`, or carry it only sometimes; Sigil requires one).
fn key(jwk: &Value, alg: KeyManagement) -> DecryptionKey {
    let mut members = jwk.as_object().unwrap().clone();
    members.insert("alg".into(), alg.as_str().into());
    DecryptionKey::from_jwk_value(&Value::Object(members)).unwrap()
}

/// Everything Sigil supports.
fn everything() -> JwePolicy {
    JwePolicy::new(&KeyManagement::ALL, &ContentEncryption::ALL)
}

/// Some key, for tokens that must be refused before any key is looked at.
fn any_keys() -> DecryptionKeys {
    let v = vector("rfc7520_5.json");
    key(&v["keys"]["meriadoc"], KeyManagement::EcdhEs).into()
}

#[test]
fn rfc7516_a1_rsa_oaep_a256gcm_decrypts() {
    let a1 = &vector("rfc7516_a.json")["A.1"];
    let keys = key(&a1["jwk"], KeyManagement::RsaOaep).into();
    // The example has no `kid`: the one key pinned to RSA-OAEP is tried.
    let decrypted = decrypt_compact(a1["compact"].as_str().unwrap(), &keys, &everything()).unwrap();
    assert_eq!(
        decrypted.plaintext(),
        a1["plaintext"].as_str().unwrap().as_bytes()
    );
    assert_eq!(decrypted.header().alg, KeyManagement::RsaOaep);
    assert_eq!(decrypted.header().enc, ContentEncryption::A256Gcm);
    assert!(!decrypted.is_nested_jwt());
}

#[test]
fn rfc7516_a1_with_the_key_pinned_to_rsa_oaep_256_finds_no_key() {
    let a1 = &vector("rfc7516_a.json")["A.1"];
    let keys = key(&a1["jwk"], KeyManagement::RsaOaep256).into();
    assert_eq!(
        decrypt_compact(a1["compact"].as_str().unwrap(), &keys, &everything()).unwrap_err(),
        Error::NoDecryptionKey {
            kid: None,
            alg: KeyManagement::RsaOaep
        }
    );
}

#[test]
fn rfc7516_a2_rsa1_5_and_a3_a128kw_are_refused() {
    let v = vector("rfc7516_a.json");
    for (example, alg) in [("A.2", "RSA1_5"), ("A.3", "A128KW")] {
        let err = decrypt_compact(
            v[example]["compact"].as_str().unwrap(),
            &any_keys(),
            &everything(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::RefusedAlgorithm { alg: refused, .. } if refused == alg),
            "{example}: {err:?}"
        );
    }
}

#[test]
fn rfc7520_5_2_rsa_oaep_a256gcm_with_a_4096_bit_key() {
    let v = vector("rfc7520_5.json");
    let keys = key(&v["keys"]["samwise"], KeyManagement::RsaOaep).into();
    let token = example(&v, "5.2")["compact"].as_str().unwrap();
    let decrypted = decrypt_compact(token, &keys, &everything()).unwrap();
    assert_eq!(
        decrypted.plaintext(),
        v["plaintext"].as_str().unwrap().as_bytes()
    );
    assert_eq!(
        decrypted.header().kid.as_deref(),
        Some("samwise.gamgee@hobbiton.example")
    );
}

#[test]
fn rfc7520_5_4_ecdh_es_a128kw_on_p384_and_5_5_ecdh_es_direct_on_p256() {
    let v = vector("rfc7520_5.json");
    for (section, key_name, alg) in [
        ("5.4", "peregrin", KeyManagement::EcdhEsA128Kw),
        ("5.5", "meriadoc", KeyManagement::EcdhEs),
    ] {
        let keys = key(&v["keys"][key_name], alg).into();
        let token = example(&v, section)["compact"].as_str().unwrap();
        let decrypted = decrypt_compact(token, &keys, &everything()).unwrap();
        assert_eq!(
            decrypted.plaintext(),
            v["plaintext"].as_str().unwrap().as_bytes(),
            "{section}"
        );
        assert_eq!(decrypted.header().alg, alg);
    }
}

#[test]
fn rfc7520_refusals_rsa1_5_pbes2_dir_and_zip() {
    let v = vector("rfc7520_5.json");
    for (section, expected) in [
        ("5.1", "RSA1_5"),
        ("5.3", "PBES2-HS512+A256KW"),
        ("5.6", "dir"),
    ] {
        let token = example(&v, section)["compact"].as_str().unwrap();
        let err = decrypt_compact(token, &any_keys(), &everything()).unwrap_err();
        assert!(
            matches!(&err, Error::RefusedAlgorithm { alg, .. } if alg == expected),
            "{section}: {err:?}"
        );
    }
    // §5.9 compresses with DEFLATE: refused for its `zip` before its (also refused) alg.
    let token = example(&v, "5.9")["compact"].as_str().unwrap();
    assert_eq!(
        decrypt_compact(token, &any_keys(), &everything()).unwrap_err(),
        Error::CompressionRefused("DEF".into())
    );
}

#[test]
fn rfc7520_5_2_is_refused_by_a_policy_without_rsa_oaep() {
    let v = vector("rfc7520_5.json");
    let keys = key(&v["keys"]["samwise"], KeyManagement::RsaOaep).into();
    let token = example(&v, "5.2")["compact"].as_str().unwrap();
    let policy = JwePolicy::new(&[KeyManagement::RsaOaep256], &ContentEncryption::ALL);
    assert_eq!(
        decrypt_compact(token, &keys, &policy).unwrap_err(),
        Error::JweNotAllowed {
            param: "alg",
            value: "RSA-OAEP".into()
        }
    );
    let policy = JwePolicy::new(&KeyManagement::ALL, &[ContentEncryption::A128CbcHs256]);
    assert_eq!(
        decrypt_compact(token, &keys, &policy).unwrap_err(),
        Error::JweNotAllowed {
            param: "enc",
            value: "A256GCM".into()
        }
    );
}
