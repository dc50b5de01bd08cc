//! Byte-for-byte reproductions of the published examples' deterministic steps, with the
//! examples' own "generated" values (CEK, IV, ephemeral key) put where the RNG would be. The
//! integration tests (`tests/jwe_vectors.rs`) decrypt the same examples through the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use zeroize::Zeroizing;

use super::key_management::testing::{aes_key_unwrap, aes_key_wrap, ec_private};
use super::*;
use crate::algorithm::KeyKind;

fn vector(name: &str) -> Value {
    let text = match name {
        "rfc7516_a.json" => include_str!("../../tests/vectors/rfc7516_a.json"),
        "rfc7520_5.json" => include_str!("../../tests/vectors/rfc7520_5.json"),
        other => panic!("no vector {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn b64(value: &Value) -> Vec<u8> {
    base64url::decode(value.as_str().unwrap()).unwrap()
}

fn parts(compact: &Value) -> Vec<String> {
    compact
        .as_str()
        .unwrap()
        .split('.')
        .map(str::to_owned)
        .collect()
}

fn example<'a>(v: &'a Value, section: &str) -> &'a Value {
    v["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["section"] == section)
        .unwrap()
}

/// The public half of a private JWK from the vectors, as an encryption JWK.
fn public(private: &Value) -> EncryptionJwk {
    let mut members = private.as_object().unwrap().clone();
    members.remove("d");
    EncryptionJwk::from_value(&Value::Object(members)).unwrap()
}

#[test]
fn rfc7516_a3_and_rfc7520_5_9_aes_key_wrap() {
    // RFC 7516 A.3.3 and RFC 7520 §5.9.3: RFC 3394 wrapping is deterministic.
    let a3 = &vector("rfc7516_a.json")["A.3"];
    let s59 = example(&vector("rfc7520_5.json"), "5.9").clone();
    for (kek, cek, compact) in [
        (&a3["jwk"]["k"], &a3["cek"], &a3["compact"]),
        (&s59["k"], &s59["cek"], &s59["compact"]),
    ] {
        let encrypted_key = base64url::decode(&parts(compact)[1]).unwrap();
        assert_eq!(aes_key_wrap(&b64(kek), &b64(cek)).unwrap(), encrypted_key);
        let enc = if b64(cek).len() == 32 {
            ContentEncryption::A128CbcHs256
        } else {
            ContentEncryption::A128Gcm
        };
        let unwrapped = aes_key_unwrap(&b64(kek), &encrypted_key, enc).unwrap();
        assert_eq!(unwrapped.as_slice(), b64(cek));
        // The integrity check of RFC 3394 §2.2.3 catches any change.
        let mut changed = encrypted_key.clone();
        changed[3] ^= 1;
        assert!(aes_key_unwrap(&b64(kek), &changed, enc).is_none());
    }
}

/// RFC 7520 §5.4 (ECDH-ES+A128KW, P-384, A128GCM) and §5.5 (ECDH-ES, P-256, A128CBC-HS256),
/// encrypted again with the examples' ephemeral keys, CEK and IV: the `epk`, the encrypted
/// key and the ciphertext come out as published. (The tag covers the header, whose member
/// order is Sigil's own, so it differs; the output decrypts with the example's key.)
#[test]
fn rfc7520_5_4_and_5_5_key_agreement_reproduced() {
    let v = vector("rfc7520_5.json");
    let cases = [
        ("5.4", "peregrin", KeyKind::P384),
        ("5.5", "meriadoc", KeyKind::P256),
    ];
    for (section, key_name, kind) in cases {
        let e = example(&v, section);
        let rfc = parts(&e["compact"]);
        let alg: KeyManagement = e["alg"].as_str().unwrap().parse().unwrap();
        let enc: ContentEncryption = e["enc"].as_str().unwrap().parse().unwrap();
        let private_jwk = &v["keys"][key_name];
        let recipient = public(private_jwk);
        let generated = Generated {
            // §5.5 has no generated CEK (the agreement makes it); any value serves, unused.
            cek: Zeroizing::new(b64(&e["cek"])),
            iv: base64url::decode(&rfc[2]).unwrap(),
            ephemeral: Some(ec_private(kind, &b64(&e["epk_d"]))),
        };
        let plaintext = v["plaintext"].as_str().unwrap().as_bytes();
        let token = encrypt_with(
            plaintext,
            &recipient,
            alg,
            enc,
            &EncryptOptions::default(),
            generated,
        )
        .unwrap();
        let ours: Vec<&str> = token.split('.').collect();
        let our_header: Value =
            serde_json::from_slice(&base64url::decode(ours[0]).unwrap()).unwrap();
        let rfc_header: Value =
            serde_json::from_slice(&base64url::decode(&rfc[0]).unwrap()).unwrap();
        assert_eq!(our_header, rfc_header, "{section}: same members");
        assert_eq!(ours[1], rfc[1], "{section}: encrypted key");
        assert_eq!(ours[2], rfc[2], "{section}: IV");
        assert_eq!(ours[3], rfc[3], "{section}: ciphertext");

        let mut with_alg = private_jwk.as_object().unwrap().clone();
        with_alg.insert("alg".into(), alg.as_str().into());
        let key = DecryptionKey::from_jwk_value(&Value::Object(with_alg)).unwrap();
        let policy = JwePolicy::new(&[alg], &[enc]);
        let decrypted = decrypt_compact(&token, &key.into(), &policy).unwrap();
        assert_eq!(decrypted.plaintext(), plaintext);
    }
}

/// RFC 7520 §5.5.3: the agreed CEK itself.
#[test]
fn rfc7520_5_5_agreed_cek() {
    let v = vector("rfc7520_5.json");
    let e = example(&v, "5.5");
    let mut jwk = v["keys"]["meriadoc"].as_object().unwrap().clone();
    jwk.insert("alg".into(), "ECDH-ES".into());
    let key = DecryptionKey::from_jwk_value(&Value::Object(jwk)).unwrap();
    let header_b64 = &parts(&e["compact"])[0];
    let header = JweHeader::from_json(&base64url::decode(header_b64).unwrap()).unwrap();
    let rng = SystemRandom::new();
    let cek =
        key_management::decrypt_cek(&key, header.alg, header.enc, &header.agreement, &[], &rng)
            .unwrap();
    assert_eq!(cek.as_slice(), b64(&e["cek"]));
}
