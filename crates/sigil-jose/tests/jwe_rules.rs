//! JWE rules: round trips for every key management × content encryption pair, the classic
//! attacks and what each is refused with, key selection, and the keys themselves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;

use serde_json::{Map, Value, json};
use sigil_jose::jwe::{
    ContentEncryption, DecryptionKey, DecryptionKeys, EncryptOptions, EncryptionJwk, JwePolicy,
    KeyManagement, decrypt_compact, encrypt_compact,
};
use sigil_jose::jwk::Kid;
use sigil_jose::{
    Algorithm, CompactJws, Error, JwkSet, KeySpec, PrivateKey, SigningKey, base64url,
};

/// One key per supported algorithm (RSA keys take a while to generate, so once).
static KEYS: LazyLock<Vec<DecryptionKey>> = LazyLock::new(|| {
    let rsa = |alg| {
        let key = PrivateKey::generate(KeySpec::Rsa { bits: 2048 }).unwrap();
        DecryptionKey::new(key, alg, Some(Kid::new(format!("rsa-{alg}")).unwrap())).unwrap()
    };
    let ec = |alg, spec, name: &str| {
        let key = PrivateKey::generate(spec).unwrap();
        DecryptionKey::new(key, alg, Some(Kid::new(format!("{name}-{alg}")).unwrap())).unwrap()
    };
    vec![
        rsa(KeyManagement::RsaOaep),
        rsa(KeyManagement::RsaOaep256),
        ec(KeyManagement::EcdhEs, KeySpec::P256, "p256"),
        ec(KeyManagement::EcdhEsA128Kw, KeySpec::P256, "p256"),
        ec(KeyManagement::EcdhEsA256Kw, KeySpec::P256, "p256"),
        ec(KeyManagement::EcdhEs, KeySpec::P384, "p384"),
        ec(KeyManagement::EcdhEsA256Kw, KeySpec::P384, "p384"),
    ]
});

fn key(kid: &str) -> &'static DecryptionKey {
    KEYS.iter().find(|k| k.kid().as_str() == kid).unwrap()
}

/// A set holding a fresh copy of one key (through PKCS#8, the form keys are stored in).
fn set_of(key: &DecryptionKey) -> DecryptionKeys {
    let der = key.private_key().to_pkcs8_der().unwrap();
    DecryptionKey::from_pkcs8_der(&der, key.alg(), Some(key.kid().clone()))
        .unwrap()
        .into()
}

fn everything() -> JwePolicy {
    JwePolicy::new(&KeyManagement::ALL, &ContentEncryption::ALL)
}

fn encrypt(key: &DecryptionKey, enc: ContentEncryption, plaintext: &[u8]) -> String {
    encrypt_compact(
        plaintext,
        key.public_jwk(),
        key.alg(),
        enc,
        &EncryptOptions::default(),
    )
    .unwrap()
}

fn decrypt(token: &str, keys: &DecryptionKeys) -> Result<Vec<u8>, Error> {
    decrypt_compact(token, keys, &everything()).map(|d| d.into_plaintext())
}

/// `token` with its header changed by `edit` (the tag no longer matches, but every check
/// that comes before the tag sees the new header).
fn with_header(token: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let (header_b64, rest) = token.split_once('.').unwrap();
    let mut header: Map<String, Value> =
        serde_json::from_slice(&base64url::decode(header_b64).unwrap()).unwrap();
    edit(&mut header);
    format!(
        "{}.{rest}",
        base64url::encode(serde_json::to_vec(&header).unwrap())
    )
}

/// `token` with part `index` (0–4) replaced.
fn with_part(token: &str, index: usize, part: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = part;
    parts.join(".")
}

fn part(token: &str, index: usize) -> Vec<u8> {
    base64url::decode(token.split('.').nth(index).unwrap()).unwrap()
}

fn flip_last_byte(token: &str, index: usize) -> String {
    let mut bytes = part(token, index);
    *bytes.last_mut().unwrap() ^= 1;
    with_part(token, index, &base64url::encode(&bytes))
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn every_alg_and_enc_round_trips_and_every_token_is_fresh() {
    for key in KEYS.iter() {
        let keys = set_of(key);
        for enc in ContentEncryption::ALL {
            for plaintext in [&b""[..], b"x", b"exactly sixteen!", &[0xa5; 1000]] {
                let token = encrypt(key, enc, plaintext);
                let decrypted = decrypt_compact(&token, &keys, &everything()).unwrap();
                assert_eq!(decrypted.plaintext(), plaintext, "{} {enc}", key.alg());
                assert_eq!(decrypted.header().alg, key.alg());
                assert_eq!(decrypted.header().enc, enc);
                assert_eq!(decrypted.header().kid.as_deref(), Some(key.kid().as_str()));
                // A new CEK and IV (and ephemeral key) every time.
                assert_ne!(token, encrypt(key, enc, plaintext));
            }
        }
    }
}

#[test]
fn the_header_carries_what_was_asked_and_ecdh_tokens_carry_an_epk() {
    let key = key("p256-ECDH-ES+A256KW");
    let options = EncryptOptions {
        typ: Some("oauth-authz-req+jwt".into()),
        cty: Some("JWT".into()),
        apu: b"Alice".to_vec(),
        apv: b"Bob".to_vec(),
    };
    let token = encrypt_compact(
        b"x",
        key.public_jwk(),
        key.alg(),
        ContentEncryption::A256Gcm,
        &options,
    )
    .unwrap();
    let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap();
    assert_eq!(header["alg"], "ECDH-ES+A256KW");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["kid"], key.kid().as_str());
    assert_eq!(header["typ"], "oauth-authz-req+jwt");
    assert_eq!(header["apu"], "QWxpY2U");
    assert_eq!(header["apv"], "Qm9i");
    assert_eq!(
        header["epk"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["crv", "kty", "x", "y"],
        "epk is a bare public key"
    );
    assert_eq!(part(&token, 1).len(), 40, "a wrapped 32-byte CEK");
    let decrypted = decrypt_compact(&token, &set_of(key), &everything()).unwrap();
    assert!(decrypted.is_nested_jwt());
    assert_eq!(
        decrypted.header().typ.as_deref(),
        Some("oauth-authz-req+jwt")
    );

    // apu/apv enter the key derivation: changing them breaks decryption.
    let changed = with_header(&token, |h| {
        h.insert("apu".into(), json!("QWxpY2Y"));
    });
    assert_eq!(
        decrypt(&changed, &set_of(key)),
        Err(Error::DecryptionFailed)
    );

    // RSA-OAEP has no use for them and does not send them.
    let rsa = self::key("rsa-RSA-OAEP-256");
    let token = encrypt_compact(
        b"x",
        rsa.public_jwk(),
        rsa.alg(),
        ContentEncryption::A128Gcm,
        &options,
    )
    .unwrap();
    let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap();
    assert!(header.get("apu").is_none() && header.get("epk").is_none());
}

#[test]
fn a_nested_jwt_is_signed_then_encrypted_and_verified_after_decryption() {
    let signer = SigningKey::new(
        PrivateKey::generate(KeySpec::P256).unwrap(),
        Algorithm::ES256,
        None,
    )
    .unwrap();
    let jws = sigil_jose::jws::sign(&signer, Some("JWT"), br#"{"sub":"alice"}"#).unwrap();
    let key = key("rsa-RSA-OAEP-256");
    let token = encrypt_compact(
        jws.as_bytes(),
        key.public_jwk(),
        key.alg(),
        ContentEncryption::A256Gcm,
        &EncryptOptions::nested_jwt(),
    )
    .unwrap();
    let decrypted = decrypt_compact(&token, &set_of(key), &everything()).unwrap();
    assert!(decrypted.is_nested_jwt());
    let inner = std::str::from_utf8(decrypted.plaintext()).unwrap();
    let verifier = sigil_jose::VerifyingKey::from_jwk(signer.public_jwk().clone()).unwrap();
    let verified = CompactJws::parse(inner)
        .unwrap()
        .verify(&verifier, &[Algorithm::ES256])
        .unwrap();
    assert_eq!(verified.payload().unwrap(), br#"{"sub":"alice"}"#);
}

// ---------------------------------------------------------------------------------------------
// Refused algorithms and header members
// ---------------------------------------------------------------------------------------------

#[test]
fn refused_algorithms_are_refused_whatever_the_keys() {
    let key = key("rsa-RSA-OAEP-256");
    let token = encrypt(key, ContentEncryption::A128CbcHs256, b"x");
    let keys = set_of(key);
    for alg in [
        "RSA1_5",
        "dir",
        "A128KW",
        "A256KW",
        "A128GCMKW",
        "PBES2-HS256+A128KW",
    ] {
        let token = with_header(&token, |h| {
            h.insert("alg".into(), json!(alg));
        });
        assert!(
            matches!(decrypt(&token, &keys), Err(Error::RefusedAlgorithm { alg: a, .. }) if a == alg),
            "{alg}"
        );
    }
    for alg in ["none", "RSA-OAEP-384", "ECDH-ES+A192KW", "rsa-oaep-256"] {
        let token = with_header(&token, |h| {
            h.insert("alg".into(), json!(alg));
        });
        assert_eq!(
            decrypt(&token, &keys),
            Err(Error::UnsupportedAlgorithm(alg.into())),
            "{alg}"
        );
    }
    let token = with_header(&token, |h| {
        h.insert("enc".into(), json!("A128CBC"));
    });
    assert_eq!(
        decrypt(&token, &keys),
        Err(Error::UnsupportedAlgorithm("A128CBC".into()))
    );
}

#[test]
fn zip_and_crit_are_refused() {
    let key = key("p256-ECDH-ES");
    let token = encrypt(key, ContentEncryption::A128Gcm, b"x");
    let keys = set_of(key);
    let zipped = with_header(&token, |h| {
        h.insert("zip".into(), json!("DEF"));
    });
    assert_eq!(
        decrypt(&zipped, &keys),
        Err(Error::CompressionRefused("DEF".into()))
    );
    for crit in [json!(["exp"]), json!(["b64"]), json!(["epk"])] {
        let critical = with_header(&token, |h| {
            h.insert("crit".into(), crit.clone());
        });
        assert!(
            matches!(decrypt(&critical, &keys), Err(Error::UnknownCritical(_))),
            "{crit}"
        );
    }
    let empty = with_header(&token, |h| {
        h.insert("crit".into(), json!([]));
    });
    assert!(matches!(decrypt(&empty, &keys), Err(Error::Malformed(_))));
}

// ---------------------------------------------------------------------------------------------
// Invalid-curve and other ephemeral-key attacks
// ---------------------------------------------------------------------------------------------

#[test]
fn an_epk_off_the_curve_or_on_another_curve_is_refused_before_any_agreement() {
    let p256 = key("p256-ECDH-ES");
    let token = encrypt(p256, ContentEncryption::A128Gcm, b"x");
    let keys = set_of(p256);
    let epk = |token: &str| -> Map<String, Value> {
        let header: Value = serde_json::from_slice(&part(token, 0)).unwrap();
        header["epk"].as_object().unwrap().clone()
    };
    let good = epk(&token);
    let mut y = base64url::decode(good["y"].as_str().unwrap()).unwrap();
    *y.last_mut().unwrap() ^= 1;
    let off_curve = json!({"kty":"EC","crv":"P-256","x":good["x"],"y":base64url::encode(&y)});
    let zero = json!({"kty":"EC","crv":"P-256","x":base64url::encode([0u8; 32]),"y":base64url::encode([0u8; 32])});
    let p384 = epk(&encrypt(
        key("p384-ECDH-ES"),
        ContentEncryption::A128Gcm,
        b"x",
    ));
    let mut with_private = good.clone();
    with_private.insert("d".into(), json!(base64url::encode([1u8; 32])));
    let short = json!({"kty":"EC","crv":"P-256","x":good["x"],"y":base64url::encode(&y[1..])});
    let rsa = serde_json::to_value(key("rsa-RSA-OAEP").public_jwk()).unwrap();
    for bad in [
        off_curve,
        zero,
        Value::Object(p384),
        Value::Object(with_private),
        short,
        rsa,
        json!("not a key"),
    ] {
        let forged = with_header(&token, |h| {
            h.insert("epk".into(), bad.clone());
        });
        assert!(
            matches!(decrypt(&forged, &keys), Err(Error::InvalidEphemeralKey(_))),
            "{bad}"
        );
    }
    let missing = with_header(&token, |h| {
        h.remove("epk");
    });
    assert!(matches!(
        decrypt(&missing, &keys),
        Err(Error::InvalidEphemeralKey(_))
    ));
}

#[test]
fn ecdh_es_direct_refuses_an_encrypted_key() {
    let key = key("p256-ECDH-ES");
    let token = encrypt(key, ContentEncryption::A128Gcm, b"x");
    let forged = with_part(&token, 1, &base64url::encode([7u8; 24]));
    assert!(matches!(
        decrypt(&forged, &set_of(key)),
        Err(Error::Malformed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// No oracle: every secret-dependent failure is the same error
// ---------------------------------------------------------------------------------------------

#[test]
fn tampering_with_any_part_fails_alike() {
    for key in KEYS.iter() {
        let keys = set_of(key);
        for enc in [ContentEncryption::A128CbcHs256, ContentEncryption::A256Gcm] {
            let token = encrypt(key, enc, b"attack at dawn, or at dusk");
            let mut forgeries = vec![
                flip_last_byte(&token, 3), // ciphertext
                flip_last_byte(&token, 4), // tag
                flip_last_byte(&token, 2), // IV
                with_header(&token, |h| {
                    h.insert("typ".into(), json!("JWT"));
                }), // AAD
            ];
            if !part(&token, 1).is_empty() {
                forgeries.push(flip_last_byte(&token, 1)); // encrypted key
            }
            for (i, forged) in forgeries.iter().enumerate() {
                assert_eq!(
                    decrypt(forged, &keys),
                    Err(Error::DecryptionFailed),
                    "{} {enc} forgery {i}",
                    key.alg()
                );
            }
        }
    }
}

#[test]
fn an_rsa_encrypted_key_that_does_not_decrypt_or_has_the_wrong_length_fails_like_a_bad_tag() {
    // Manger's and Bleichenbacher's attacks need the recipient to tell "bad key encryption"
    // from "bad content"; RFC 7516 §11.5 says not to, and Sigil goes on with a random CEK.
    let key = key("rsa-RSA-OAEP-256");
    let keys = set_of(key);
    let token = encrypt(key, ContentEncryption::A256Gcm, b"x");
    // A well-formed RSA-OAEP encryption of a 16-byte CEK where A256GCM needs 32.
    let short_cek = {
        let other = encrypt(key, ContentEncryption::A128Gcm, b"x");
        with_part(&token, 1, other.split('.').nth(1).unwrap())
    };
    let candidates = [
        short_cek,
        with_part(&token, 1, &base64url::encode([0u8; 256])),
        with_part(&token, 1, &base64url::encode([0xff; 256])),
        with_part(&token, 1, &base64url::encode([1u8; 255])),
        with_part(&token, 1, &base64url::encode([1u8; 300])),
        with_part(&token, 1, ""),
    ];
    for (i, forged) in candidates.iter().enumerate() {
        assert_eq!(
            decrypt(forged, &keys),
            Err(Error::DecryptionFailed),
            "case {i}"
        );
    }
}

#[test]
fn a_wrapped_key_that_does_not_unwrap_fails_like_a_bad_tag() {
    let key = key("p256-ECDH-ES+A128KW");
    let keys = set_of(key);
    let token = encrypt(key, ContentEncryption::A128CbcHs256, b"x");
    for wrapped in [vec![0u8; 40], vec![0u8; 24], vec![0u8; 8], vec![]] {
        let forged = with_part(&token, 1, &base64url::encode(&wrapped));
        assert_eq!(decrypt(&forged, &keys), Err(Error::DecryptionFailed));
    }
}

// ---------------------------------------------------------------------------------------------
// Structure and size
// ---------------------------------------------------------------------------------------------

#[test]
fn oversized_input_is_refused_before_decoding() {
    let key = key("p256-ECDH-ES");
    let keys = set_of(key);
    let token = encrypt(key, ContentEncryption::A128Gcm, &[b'x'; 5000]);
    let policy = everything().with_max_input_len(token.len());
    assert!(decrypt_compact(&token, &keys, &policy).is_ok());
    let policy = everything().with_max_input_len(token.len() - 1);
    assert_eq!(
        decrypt_compact(&token, &keys, &policy).unwrap_err(),
        Error::TooLarge {
            len: token.len(),
            max: token.len() - 1
        }
    );
    // Even garbage of that size is refused for its size, not parsed.
    let garbage = "!".repeat(JwePolicy::DEFAULT_MAX_INPUT_LEN + 1);
    assert!(matches!(
        decrypt(&garbage, &keys),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn malformed_structure_base64_and_json_are_malformed() {
    let key = key("rsa-RSA-OAEP-256");
    let keys = set_of(key);
    let token = encrypt(key, ContentEncryption::A128Gcm, b"x");
    let not_json = base64url::encode(b"{not json");
    let not_object = base64url::encode(b"[1,2]");
    let mut cases = vec![
        String::new(),
        "a.b.c".to_owned(),
        format!("{token}."),
        token.split('.').take(4).collect::<Vec<_>>().join("."),
        format!("{token}.AAAA"),
        with_part(&token, 0, &not_json),
        with_part(&token, 0, &not_object),
        with_part(&token, 0, ""),
        // The IV and tag lengths A128GCM needs.
        with_part(&token, 2, &base64url::encode([0u8; 16])),
        with_part(&token, 4, &base64url::encode([0u8; 12])),
    ];
    for index in 0..5 {
        cases.push(with_part(&token, index, "a+b/"));
        cases.push(with_part(&token, index, "AAA="));
    }
    for forged in &cases {
        assert!(
            matches!(decrypt(forged, &keys), Err(Error::Malformed(_))),
            "{forged:.80}: {:?}",
            decrypt(forged, &keys)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Key selection
// ---------------------------------------------------------------------------------------------

#[test]
fn the_kid_picks_the_key_and_the_key_pins_the_alg() {
    let key = key("rsa-RSA-OAEP-256");
    let keys = set_of(key);
    // Encrypted with RSA-OAEP to the same RSA key, its pin removed on the sender's side.
    let mut unpinned = key.public_jwk().clone();
    unpinned.alg = None;
    let token = encrypt_compact(
        b"x",
        &unpinned,
        KeyManagement::RsaOaep,
        ContentEncryption::A128Gcm,
        &EncryptOptions::default(),
    )
    .unwrap();
    assert_eq!(
        decrypt(&token, &keys),
        Err(Error::EncryptionKeyPinned {
            kid: Some(key.kid().as_str().into()),
            key_alg: KeyManagement::RsaOaep256,
            token_alg: KeyManagement::RsaOaep
        })
    );
    let unknown = with_header(&encrypt(key, ContentEncryption::A128Gcm, b"x"), |h| {
        h.insert("kid".into(), json!("someone-else"));
    });
    assert_eq!(
        decrypt(&unknown, &keys),
        Err(Error::NoDecryptionKey {
            kid: Some("someone-else".into()),
            alg: KeyManagement::RsaOaep256
        })
    );
}

#[test]
fn without_a_kid_every_key_of_the_alg_is_tried_in_order() {
    let old = DecryptionKey::generate(KeyManagement::EcdhEsA256Kw, KeySpec::P256).unwrap();
    let new = DecryptionKey::generate(KeyManagement::EcdhEsA256Kw, KeySpec::P256).unwrap();
    let rsa = key("rsa-RSA-OAEP-256");
    let der = rsa.private_key().to_pkcs8_der().unwrap();
    let rsa = DecryptionKey::from_pkcs8_der(&der, rsa.alg(), None).unwrap();
    let mut anonymous = old.public_jwk().clone();
    anonymous.kid = None;
    let token = encrypt_compact(
        b"for the old key",
        &anonymous,
        KeyManagement::EcdhEsA256Kw,
        ContentEncryption::A256Gcm,
        &EncryptOptions::default(),
    )
    .unwrap();
    let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap();
    assert!(header.get("kid").is_none());
    let keys = DecryptionKeys::new(vec![rsa, new, old]).unwrap();
    assert_eq!(decrypt(&token, &keys).unwrap(), b"for the old key");

    // No key of that alg at all.
    let only_rsa = set_of(key("rsa-RSA-OAEP-256"));
    assert_eq!(
        decrypt(&token, &only_rsa),
        Err(Error::NoDecryptionKey {
            kid: None,
            alg: KeyManagement::EcdhEsA256Kw
        })
    );
    // Keys of the alg, none of them the one: the error of a forgery.
    let others: DecryptionKeys = DecryptionKey::generate_ecdh_es_p256().unwrap().into();
    assert_eq!(decrypt(&token, &others), Err(Error::DecryptionFailed));
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

#[test]
fn generated_keys_publish_use_enc_alg_and_kid_and_nothing_private() {
    let rsa = DecryptionKey::generate_rsa_oaep_256(2048).unwrap();
    let ec = DecryptionKey::generate_ecdh_es_p256().unwrap();
    for (key, kty, alg) in [(&rsa, "RSA", "RSA-OAEP-256"), (&ec, "EC", "ECDH-ES+A256KW")] {
        let json = key.public_jwk().to_json();
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["kty"], kty);
        assert_eq!(value["use"], "enc");
        assert_eq!(value["alg"], alg);
        // The kid defaults to the RFC 7638 thumbprint.
        assert_eq!(value["kid"], key.public_jwk().thumbprint().as_str());
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(value.get(private).is_none(), "{private}");
        }
        assert!(json.starts_with(&format!(
            r#"{{"kty":"{kty}","use":"enc","alg":"{alg}","kid":"#
        )));
        assert_eq!(&EncryptionJwk::from_json(&json).unwrap(), key.public_jwk());
        assert!(format!("{key:?}").contains("redacted"));
    }
    // A JWK Set holding both kinds: the signature-key parser skips the encryption keys
    // (RFC 7517 §5) and reports why.
    let set = format!(
        r#"{{"keys":[{},{}]}}"#,
        rsa.public_jwk().to_json(),
        ec.public_jwk().to_json()
    );
    let parsed = JwkSet::from_json(set.as_bytes()).unwrap();
    assert!(parsed.keys.is_empty());
    assert_eq!(parsed.skipped.len(), 2);
}

#[test]
fn private_jwks_need_an_alg_a_matching_public_half_and_use_enc() {
    let key = DecryptionKey::generate(KeyManagement::EcdhEs, KeySpec::P256).unwrap();
    let private: Value = serde_json::from_str(
        &key.private_key()
            .to_private_jwk_json(&sigil_jose::PublicJwk::new(
                key.private_key().public_params(),
            ))
            .unwrap(),
    )
    .unwrap();
    let with = |changes: &[(&str, Value)], removed: &[&str]| {
        let mut members = private.as_object().unwrap().clone();
        for (name, value) in changes {
            members.insert((*name).into(), value.clone());
        }
        for name in removed {
            members.remove(*name);
        }
        DecryptionKey::from_jwk_value(&Value::Object(members))
    };
    let loaded = with(&[("alg", json!("ECDH-ES")), ("kid", json!("k1"))], &[]).unwrap();
    assert_eq!(loaded.kid().as_str(), "k1");
    assert_eq!(loaded.public_jwk().params, key.public_jwk().params);

    assert!(
        matches!(with(&[], &[]), Err(Error::InvalidJwk(_))),
        "no alg"
    );
    assert!(matches!(
        with(&[("alg", json!("RSA1_5"))], &[]),
        Err(Error::RefusedAlgorithm { .. })
    ));
    assert!(matches!(
        with(&[("alg", json!("RSA-OAEP-256"))], &[]),
        Err(Error::JweKeyMismatch { .. })
    ));
    assert!(matches!(
        with(&[("alg", json!("ECDH-ES")), ("use", json!("sig"))], &[]),
        Err(Error::InvalidJwk(_))
    ));
    assert!(matches!(
        with(&[("alg", json!("ECDH-ES"))], &["d"]),
        Err(Error::InvalidJwk(_))
    ));
    let other = DecryptionKey::generate_ecdh_es_p256().unwrap();
    let other_x = serde_json::to_value(other.public_jwk()).unwrap()["x"].clone();
    assert!(
        with(&[("alg", json!("ECDH-ES")), ("x", other_x)], &[]).is_err(),
        "d does not match x, y"
    );

    let ed25519 = PrivateKey::generate(KeySpec::Ed25519).unwrap();
    assert!(matches!(
        DecryptionKey::new(ed25519, KeyManagement::EcdhEs, None),
        Err(Error::JweKeyMismatch { .. })
    ));
}

#[test]
fn key_sets_refuse_duplicate_kids_and_recipients_refuse_unfit_algorithms() {
    let a = key("rsa-RSA-OAEP-256");
    let der = a.private_key().to_pkcs8_der().unwrap();
    let twin = || DecryptionKey::from_pkcs8_der(&der, a.alg(), Some(a.kid().clone())).unwrap();
    assert!(matches!(
        DecryptionKeys::new(vec![twin(), twin()]),
        Err(Error::InvalidJwkSet(_))
    ));
    assert!(matches!(
        encrypt_compact(
            b"x",
            a.public_jwk(),
            KeyManagement::EcdhEs,
            ContentEncryption::A128Gcm,
            &EncryptOptions::default()
        ),
        Err(Error::JweKeyMismatch { .. })
    ));
    assert!(matches!(
        encrypt_compact(
            b"x",
            a.public_jwk(),
            KeyManagement::RsaOaep,
            ContentEncryption::A128Gcm,
            &EncryptOptions::default()
        ),
        Err(Error::EncryptionKeyPinned { .. })
    ));
    // A recipient JWK for signatures is not an encryption key.
    let mut sig = serde_json::to_value(a.public_jwk()).unwrap();
    sig["use"] = json!("sig");
    assert!(EncryptionJwk::from_value(&sig).is_err());
    // Nor is one under 2048 bits, by the rules every public JWK follows.
    let mut small = serde_json::to_value(a.public_jwk()).unwrap();
    small["n"] = json!(base64url::encode([0xc5; 128]));
    assert!(matches!(
        EncryptionJwk::from_value(&small),
        Err(Error::KeyTooSmall { .. })
    ));
}

#[test]
fn decrypted_debug_shows_the_plaintext_length_only() {
    let key = key("p256-ECDH-ES");
    let token = encrypt(key, ContentEncryption::A128Gcm, b"the secret");
    let decrypted = decrypt_compact(&token, &set_of(key), &everything()).unwrap();
    let debug = format!("{decrypted:?}");
    assert!(!debug.contains("the secret") && debug.contains("plaintext_len: 10"));
}
