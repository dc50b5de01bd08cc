//! PEM import for every form the product accepts, and clear refusals for the rest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use sigil_jose::algorithm::KeyKind;
use sigil_jose::pem::{self, parse_private_key, parse_public_key};
use sigil_jose::{
    Algorithm, CompactJws, Error, KeySpec, PrivateKey, SigningKey, VerifyingKey, jws,
};
use spki::der::Decode as _;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn armor(tag: &str, der: &[u8]) -> String {
    ::pem::encode(&::pem::Pem::new(tag, der))
}

/// The inner key of a PKCS#8 document: PKCS#1 for RSA, SEC1 for EC (RFC 5208, RFC 5915).
fn pkcs8_inner(key: &PrivateKey) -> Vec<u8> {
    let der = key.to_pkcs8_der().unwrap();
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
    info.private_key.as_bytes().to_vec()
}

fn spki_bits(key: &PrivateKey) -> Vec<u8> {
    let der = key.public_key_spki_der().unwrap();
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&der).unwrap();
    spki.subject_public_key.raw_bytes().to_vec()
}

/// Parsing `pem_text` yields a key that signs tokens `original`'s public key verifies.
fn assert_same_key(original: &PrivateKey, imported: PrivateKey, alg: Algorithm) {
    assert_eq!(imported.public_jwk(), original.public_jwk());
    let signer = SigningKey::new(imported, alg, None).unwrap();
    let token = jws::sign(&signer, None, b"{}").unwrap();
    let verifier = VerifyingKey::from_jwk(original.public_jwk()).unwrap();
    assert!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&verifier, &[alg])
            .is_ok()
    );
}

#[test]
fn pkcs8_for_every_key_type_round_trips() {
    for (spec, alg) in [
        (KeySpec::Rsa { bits: 2048 }, Algorithm::RS256),
        (KeySpec::P256, Algorithm::ES256),
        (KeySpec::P384, Algorithm::ES384),
        (KeySpec::Ed25519, Algorithm::EdDSA),
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let text = pem::private_key_to_pem(&key).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_same_key(&key, parse_private_key(&text).unwrap(), alg);
        // SPKI export and import give the same public key.
        let public = pem::public_key_to_pem(&key).unwrap();
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(parse_public_key(&public).unwrap(), key.public_jwk());
    }
}

#[test]
fn pkcs1_rsa_private_and_public_keys() {
    let key = PrivateKey::generate(KeySpec::Rsa { bits: 2048 }).unwrap();
    let text = armor("RSA PRIVATE KEY", &pkcs8_inner(&key));
    assert_same_key(&key, parse_private_key(&text).unwrap(), Algorithm::PS256);
    let public = armor("RSA PUBLIC KEY", &spki_bits(&key));
    assert_eq!(parse_public_key(&public).unwrap(), key.public_jwk());
}

#[test]
fn sec1_ec_private_keys() {
    for (spec, alg) in [
        (KeySpec::P256, Algorithm::ES256),
        (KeySpec::P384, Algorithm::ES384),
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let text = armor("EC PRIVATE KEY", &pkcs8_inner(&key));
        let imported = parse_private_key(&text).unwrap();
        assert_eq!(imported.kind(), key.kind());
        assert_same_key(&key, imported, alg);
    }
}

#[test]
fn environment_variable_forms_are_accepted() {
    let key = PrivateKey::generate(KeySpec::P256).unwrap();
    let text = pem::private_key_to_pem(&key).unwrap();
    let one_line = text.trim_end().replace('\n', "\\n");
    assert!(!one_line.contains('\n'));
    for variant in [
        one_line.clone(),
        format!("\"{one_line}\""),
        format!("  {one_line}\n"),
    ] {
        assert_eq!(
            parse_private_key(&variant).unwrap().public_jwk(),
            key.public_jwk()
        );
    }
    // A file with a certificate before the key still yields the key.
    let bundle = format!("{}{}", fixture("p256_cert.pem"), text.as_str());
    assert_eq!(parse_private_key(&bundle).unwrap().kind(), KeyKind::P256);
}

#[test]
fn wrong_pem_is_refused_naming_what_was_found() {
    let refuse = |text: &str| parse_private_key(text).unwrap_err().to_string();

    let msg = refuse(&fixture("p256_cert.pem"));
    assert!(
        msg.contains("\"CERTIFICATE\"") && msg.contains("certificate"),
        "{msg}"
    );
    let msg = refuse(&fixture("rsa2048_encrypted.pem"));
    assert!(
        msg.contains("\"ENCRYPTED PRIVATE KEY\"") && msg.contains("decrypt"),
        "{msg}"
    );
    let public = pem::public_key_to_pem(&PrivateKey::generate(KeySpec::Ed25519).unwrap()).unwrap();
    let msg = refuse(&public);
    assert!(msg.contains("found \"PUBLIC KEY\""), "{msg}");
    let msg = refuse("hello");
    assert!(msg.contains("not PEM"), "{msg}");
    let msg = refuse("-----BEGIN PRIVATE KEY-----\nAAAA\n");
    assert!(
        msg.contains("malformed PEM") || msg.contains("no complete"),
        "{msg}"
    );
    let msg = refuse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assert!(msg.contains("PKCS#8"), "{msg}");

    let private = pem::private_key_to_pem(&PrivateKey::generate(KeySpec::P256).unwrap()).unwrap();
    let msg = parse_public_key(&private).unwrap_err().to_string();
    assert!(msg.contains("found \"PRIVATE KEY\""), "{msg}");
    // Error messages never contain key material.
    let body_line = private.lines().nth(1).unwrap();
    assert!(!msg.contains(body_line));
}

#[test]
fn unsupported_keys_are_refused_with_the_reason() {
    assert_eq!(
        parse_private_key(&fixture("rsa1024_pkcs1.pem")).unwrap_err(),
        Error::KeyTooSmall {
            bits: 1024,
            min: 2048
        }
    );
    assert_eq!(
        parse_private_key(&fixture("rsa1024_pkcs8.pem")).unwrap_err(),
        Error::KeyTooSmall {
            bits: 1024,
            min: 2048
        }
    );
    assert!(
        matches!(parse_private_key(&fixture("p521_sec1.pem")), Err(Error::UnsupportedKey(m)) if m.contains("P-521"))
    );
    assert!(
        matches!(parse_private_key(&fixture("ed448_pkcs8.pem")), Err(Error::UnsupportedKey(m)) if m.contains("Ed448"))
    );
    // Generation refuses small or odd RSA sizes with a clear message.
    assert_eq!(
        PrivateKey::generate(KeySpec::Rsa { bits: 1024 }).unwrap_err(),
        Error::KeyTooSmall {
            bits: 1024,
            min: 2048
        }
    );
    assert!(matches!(
        PrivateKey::generate(KeySpec::Rsa { bits: 2500 }),
        Err(Error::UnsupportedKey(_))
    ));
}
