//! Wycheproof key-agreement and key-decryption vectors, run through [`decrypt_compact`]: each
//! test becomes a JWE whose `epk` (ECDH-ES) or encrypted key (RSA-OAEP) is the test's input,
//! with content encrypted here, independently of Sigil's code, under the CEK the test says
//! must come out (the Concat KDF of the shared secret; the OAEP message).
//!
//! * ECDH on P-256 and P-384 with points as SEC1 bytes (`ecdh_secp*_ecpoint`), among them
//!   points off the curve (invalid-curve attacks), of other lengths, at infinity: `valid` ⇒
//!   the JWE decrypts; `invalid` ⇒ [`Error::InvalidEphemeralKey`]. Compressed points have no
//!   JWK form (RFC 7518 §6.2.1.2 wants both coordinates) and are counted apart.
//! * RSA-OAEP with SHA-1 (`RSA-OAEP`) and SHA-256 (`RSA-OAEP-256`), 2048 to 4096 bits: `valid`
//!   with an empty label and a message of a CEK's length ⇒ the JWE decrypts; everything else —
//!   invalid ciphertexts and paddings, a label (JWE uses none), a message of no CEK's length —
//!   ⇒ [`Error::DecryptionFailed`], the same error a wrong tag gives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement;
use aws_lc_rs::digest;
use serde_json::json;
use sigil_jose::algorithm::KeyKind;
use sigil_jose::jwe::{
    ContentEncryption, DecryptionKey, DecryptionKeys, JwePolicy, KeyManagement, decrypt_compact,
};
use sigil_jose::{Error, PrivateKey, base64url};
use wycheproof::TestResult;

const PLAINTEXT: &[u8] = b"{\"iss\":\"wycheproof\"}";

fn everything() -> JwePolicy {
    JwePolicy::new(&KeyManagement::ALL, &ContentEncryption::ALL)
}

/// RFC 7518 §4.6.2, written out again here so that the test does not lean on Sigil's.
fn concat_kdf(z: &[u8], algorithm_id: &str, len: usize) -> Vec<u8> {
    let mut other_info = Vec::new();
    other_info.extend_from_slice(&(algorithm_id.len() as u32).to_be_bytes());
    other_info.extend_from_slice(algorithm_id.as_bytes());
    other_info.extend_from_slice(&[0; 8]); // empty apu, apv
    other_info.extend_from_slice(&((len * 8) as u32).to_be_bytes());
    let mut out = Vec::new();
    for counter in 1u32.. {
        if out.len() >= len {
            break;
        }
        let mut round = digest::Context::new(&digest::SHA256);
        round.update(&counter.to_be_bytes());
        round.update(z);
        round.update(&other_info);
        out.extend_from_slice(round.finish().as_ref());
    }
    out.truncate(len);
    out
}

/// A compact JWE with this header, encrypted key and AES-GCM content under `cek`.
fn jwe(header: &serde_json::Value, encrypted_key: &[u8], cek: &[u8]) -> String {
    let header_b64 = base64url::encode(serde_json::to_vec(header).unwrap());
    let algorithm = match cek.len() {
        16 => &aead::AES_128_GCM,
        24 => &aead::AES_192_GCM,
        _ => &aead::AES_256_GCM,
    };
    let key = LessSafeKey::new(UnboundKey::new(algorithm, cek).unwrap());
    let iv = [7u8; 12];
    let mut ciphertext = PLAINTEXT.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header_b64.as_bytes()),
            &mut ciphertext,
        )
        .unwrap();
    [
        header_b64,
        base64url::encode(encrypted_key),
        base64url::encode(iv),
        base64url::encode(&ciphertext),
        base64url::encode(tag.as_ref()),
    ]
    .join(".")
}

#[derive(Debug, Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    not_representable: usize,
    failures: Vec<String>,
}

impl Tally {
    fn finish(&self, set: &str, total: usize) {
        println!(
            "{set}: {total} tests: {} valid, {} invalid, {} acceptable, {} with no JWK form",
            self.valid, self.invalid, self.acceptable, self.not_representable
        );
        assert_eq!(
            self.valid + self.invalid + self.acceptable + self.not_representable,
            total,
            "{set}: every test accounted for"
        );
        assert!(
            self.failures.is_empty(),
            "{set}:\n{}",
            self.failures.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ECDH-ES
// ---------------------------------------------------------------------------------------------

fn ecdh_set(name: wycheproof::ecdh::TestName, kind: KeyKind) {
    let set = wycheproof::ecdh::TestSet::load(name).unwrap();
    let (size, curve, crv) = match kind {
        KeyKind::P256 => (32, &agreement::ECDH_P256, "P-256"),
        _ => (48, &agreement::ECDH_P384, "P-384"),
    };
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for test in &group.tests {
            // The recipient's key, from the test's scalar (left-padded to the curve's size).
            let scalar: &[u8] = &test.private_key;
            let scalar = &scalar[scalar.len().saturating_sub(size)..];
            let mut d = vec![0; size - scalar.len()];
            d.extend_from_slice(scalar);
            let public = agreement::PrivateKey::from_private_key(curve, &d)
                .unwrap()
                .compute_public_key()
                .unwrap();
            let (x, y) = public.as_ref()[1..].split_at(size);
            let key = PrivateKey::from_ec_components(kind, &d, x, y).unwrap();
            let keys: DecryptionKeys = DecryptionKey::new(key, KeyManagement::EcdhEs, None)
                .unwrap()
                .into();

            let point: &[u8] = &test.public_key;
            if point.len() != 1 + 2 * size || point[0] != 0x04 {
                // Compressed, hybrid or truncated encodings: a JWK cannot carry them.
                tally.not_representable += 1;
                continue;
            }
            let (px, py) = point[1..].split_at(size);
            let header = json!({
                "alg": "ECDH-ES",
                "enc": "A128GCM",
                "epk": {"kty": "EC", "crv": crv, "x": base64url::encode(px), "y": base64url::encode(py)},
            });
            let cek = concat_kdf(&test.shared_secret, "A128GCM", 16);
            let token = jwe(&header, &[], &cek);
            let result = decrypt_compact(&token, &keys, &everything());
            let describe = || format!("tcId {} {:?} {:?}", test.tc_id, test.comment, test.flags);
            match test.result {
                TestResult::Valid => {
                    tally.valid += 1;
                    match result {
                        Ok(d) if d.plaintext() == PLAINTEXT => {}
                        other => tally.failures.push(format!("{}: {other:?}", describe())),
                    }
                }
                TestResult::Invalid => {
                    tally.invalid += 1;
                    if !matches!(result, Err(Error::InvalidEphemeralKey(_))) {
                        tally.failures.push(format!("{}: {result:?}", describe()));
                    }
                }
                TestResult::Acceptable => tally.acceptable += 1,
            }
        }
    }
    tally.finish(&format!("{name:?}"), set.number_of_tests);
}

#[test]
fn ecdh_es_p256_points() {
    ecdh_set(
        wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint,
        KeyKind::P256,
    );
}

#[test]
fn ecdh_es_p384_points() {
    ecdh_set(
        wycheproof::ecdh::TestName::EcdhSecp384r1Ecpoint,
        KeyKind::P384,
    );
}

// ---------------------------------------------------------------------------------------------
// RSA-OAEP
// ---------------------------------------------------------------------------------------------

fn rsa_oaep_set(name: wycheproof::rsa_oaep::TestName, alg: KeyManagement) {
    let set = wycheproof::rsa_oaep::TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let keys: DecryptionKeys = DecryptionKey::from_pkcs8_der(&group.pkcs8, alg, None)
            .unwrap()
            .into();
        for test in &group.tests {
            let msg: &[u8] = &test.pt;
            let fits = matches!(msg.len(), 16 | 24 | 32);
            let enc = match msg.len() {
                16 => "A128GCM",
                24 => "A192GCM",
                _ => "A256GCM",
            };
            // Content under the message when it can be a CEK, under zeros otherwise.
            let cek = if fits { msg.to_vec() } else { vec![0; 32] };
            let header = json!({"alg": alg.as_str(), "enc": enc});
            let token = jwe(&header, &test.ct, &cek);
            let result = decrypt_compact(&token, &keys, &everything());
            let describe = || format!("tcId {} {:?} {:?}", test.tc_id, test.comment, test.flags);
            let should_decrypt = test.result == TestResult::Valid && test.label.is_empty() && fits;
            match test.result {
                TestResult::Valid => tally.valid += 1,
                TestResult::Invalid => tally.invalid += 1,
                TestResult::Acceptable => tally.acceptable += 1,
            }
            match (should_decrypt, result) {
                (true, Ok(d)) if d.plaintext() == PLAINTEXT => {}
                (false, Err(Error::DecryptionFailed)) => {}
                (_, other) => tally.failures.push(format!("{}: {other:?}", describe())),
            }
        }
    }
    tally.finish(&format!("{name:?}"), set.number_of_tests);
}

#[test]
fn rsa_oaep_sha1() {
    use wycheproof::rsa_oaep::TestName as T;
    rsa_oaep_set(T::Rsa2048Sha1Mgf1Sha1, KeyManagement::RsaOaep);
    // OAEP with SHA-512 is no JWE algorithm: such ciphertexts never decrypt as RSA-OAEP.
    wrong_hash_never_decrypts(T::Rsa3072Sha512Mgf1Sha1, KeyManagement::RsaOaep);
}

#[test]
fn rsa_oaep_256() {
    use wycheproof::rsa_oaep::TestName as T;
    for name in [
        T::Rsa2048Sha256Mgf1Sha256,
        T::Rsa3072Sha256Mgf1Sha256,
        T::Rsa4096Sha256Mgf1Sha256,
    ] {
        rsa_oaep_set(name, KeyManagement::RsaOaep256);
    }
    // SHA-256 with MGF1-SHA-1 is not RSA-OAEP-256 (RFC 7518 §4.3 pairs the hashes).
    wrong_hash_never_decrypts(T::Rsa2048Sha256Mgf1Sha1, KeyManagement::RsaOaep256);
}

/// Ciphertexts made with another OAEP hash than `alg`'s must not decrypt, whatever their result.
fn wrong_hash_never_decrypts(name: wycheproof::rsa_oaep::TestName, alg: KeyManagement) {
    let set = wycheproof::rsa_oaep::TestSet::load(name).unwrap();
    let mut checked = 0;
    for group in &set.test_groups {
        let keys: DecryptionKeys = DecryptionKey::from_pkcs8_der(&group.pkcs8, alg, None)
            .unwrap()
            .into();
        for test in &group.tests {
            let msg: &[u8] = &test.pt;
            let cek = if msg.len() == 32 {
                msg.to_vec()
            } else {
                vec![0; 32]
            };
            let header = json!({"alg": alg.as_str(), "enc": "A256GCM"});
            let token = jwe(&header, &test.ct, &cek);
            assert_eq!(
                decrypt_compact(&token, &keys, &everything()).unwrap_err(),
                Error::DecryptionFailed,
                "{name:?} tcId {}",
                test.tc_id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, set.number_of_tests);
}
