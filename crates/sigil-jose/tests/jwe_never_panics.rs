//! Property tests for JWE decryption: no input makes it panic, and no changed byte of a
//! genuine token decrypts.
//!
//! Inputs: arbitrary strings; five canonical base64url parts around JOSE-like JWE headers
//! (every `alg`/`enc` name, registered or not, `epk` of any shape, `zip`, `crit`, `apu`);
//! genuine tokens with one character or one decoded byte changed. Failure persistence is off
//! (no files in the source tree); `PROPTEST_CASES=N` runs N cases per property.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use sigil_jose::base64url;
use sigil_jose::jwe::{
    ContentEncryption, DecryptionKey, DecryptionKeys, EncryptOptions, JwePolicy, KeyManagement,
    decrypt_compact, encrypt_compact,
};
use sigil_jose::{Error, KeySpec};

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const ALGS: &[&str] = &[
    "RSA-OAEP",
    "RSA-OAEP-256",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A256KW",
    "ECDH-ES+A192KW",
    "RSA1_5",
    "dir",
    "A128KW",
    "PBES2-HS256+A128KW",
    "none",
    "",
];
const ENCS: &[&str] = &[
    "A128CBC-HS256",
    "A192CBC-HS384",
    "A256CBC-HS512",
    "A128GCM",
    "A192GCM",
    "A256GCM",
    "A128CBC",
    "",
];

/// An ECDH-ES key and an RSA-OAEP-256 key, and a policy allowing everything.
static KEYS: LazyLock<DecryptionKeys> = LazyLock::new(|| {
    DecryptionKeys::new(vec![
        DecryptionKey::generate(KeyManagement::EcdhEs, KeySpec::P256).unwrap(),
        DecryptionKey::generate(KeyManagement::EcdhEsA128Kw, KeySpec::P384).unwrap(),
        DecryptionKey::generate_rsa_oaep_256(2048).unwrap(),
    ])
    .unwrap()
});

fn policy() -> JwePolicy {
    JwePolicy::new(&KeyManagement::ALL, &ContentEncryption::ALL)
}

/// Genuine tokens, one per key and a couple of encs.
static TOKENS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut tokens = Vec::new();
    for key in KEYS.iter() {
        for enc in [ContentEncryption::A128CbcHs256, ContentEncryption::A256Gcm] {
            tokens.push(
                encrypt_compact(
                    b"{\"iss\":\"client\",\"aud\":\"sigil\"}",
                    key.public_jwk(),
                    key.alg(),
                    enc,
                    &EncryptOptions::nested_jwt(),
                )
                .unwrap(),
            );
        }
    }
    tokens
});

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
        vec(any::<u8>(), 0..49).prop_map(|b| Value::from(base64url::encode(b))),
    ]
}

/// `epk` values: EC JWKs with coordinates of every plausible size (mostly off any curve),
/// other key types, private members, or any JSON.
fn epk() -> impl Strategy<Value = Value> {
    let coord = prop_oneof![
        select(&[31usize, 32, 33, 47, 48, 49][..]).prop_flat_map(|n| vec(any::<u8>(), n..=n)),
        vec(any::<u8>(), 0..8),
    ]
    .prop_map(base64url::encode);
    prop_oneof![
        (
            select(&["EC", "OKP", "RSA", ""][..]),
            select(&["P-256", "P-384", "P-521", "X25519", ""][..]),
            coord.clone(),
            coord.clone(),
            proptest::option::weighted(0.1, coord),
        )
            .prop_map(|(kty, crv, x, y, d)| {
                let mut epk = json!({"kty": kty, "crv": crv, "x": x, "y": y});
                if let Some(d) = d {
                    epk["d"] = json!(d);
                }
                epk
            }),
        json_leaf(),
    ]
}

fn header() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::option::weighted(0.95, select(ALGS)),
        proptest::option::weighted(0.95, select(ENCS)),
        proptest::option::weighted(0.5, epk()),
        proptest::option::weighted(0.05, json_leaf()),
        proptest::option::weighted(0.05, json_leaf()),
        proptest::option::weighted(0.2, json_leaf()),
        btree_map(
            select(&["kid", "cty", "typ", "apv", "x"][..]),
            json_leaf(),
            0..3,
        ),
    )
        .prop_map(|(alg, enc, epk, zip, crit, apu, extra)| {
            let mut h: serde_json::Map<String, Value> =
                extra.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            for (name, value) in [
                ("alg", alg.map(Value::from)),
                ("enc", enc.map(Value::from)),
                ("epk", epk),
                ("zip", zip),
                ("crit", crit),
                ("apu", apu),
            ] {
                if let Some(value) = value {
                    h.insert(name.to_owned(), value);
                }
            }
            serde_json::to_vec(&Value::Object(h)).unwrap()
        })
}

fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&[0usize, 12, 16, 24, 32, 40, 256][..])
            .prop_flat_map(|n| vec(any::<u8>(), n..=n))
            .prop_map(base64url::encode),
        2 => vec(any::<u8>(), 0..96).prop_map(base64url::encode),
        1 => "[^.]{0,24}",
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_strings_never_panic(input in ".{0,256}") {
        let _ = decrypt_compact(&input, &KEYS, &policy());
    }

    #[test]
    fn jwe_shaped_inputs_never_panic_nor_decrypt(
        header in header(),
        parts in vec(part(), 4..=4),
    ) {
        let token = format!("{}.{}", base64url::encode(header), parts.join("."));
        let result = decrypt_compact(&token, &KEYS, &policy());
        prop_assert!(result.is_err(), "a random JWE decrypted: {token}");
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn a_changed_character_never_decrypts(
        which in 0usize..6,
        at in any::<prop::sample::Index>(),
        replacement in select(&b"AQgw_-.Z9="[..]),
    ) {
        let token = &TOKENS[which];
        let mut bytes = token.as_bytes().to_vec();
        let at = at.index(bytes.len());
        prop_assume!(bytes[at] != replacement);
        bytes[at] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        let result = decrypt_compact(&changed, &KEYS, &policy());
        // A change that keeps the same decoded bytes (a non-canonical base64url tail) is
        // refused as malformed, never decrypted.
        prop_assert!(result.is_err(), "{changed}");
    }

    #[test]
    fn a_changed_byte_in_any_part_fails_as_a_forgery_or_earlier(
        which in 0usize..6,
        index in 0usize..5,
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let token = &TOKENS[which];
        let mut parts: Vec<Vec<u8>> =
            token.split('.').map(|p| base64url::decode(p).unwrap()).collect();
        prop_assume!(!parts[index].is_empty());
        let at = at.index(parts[index].len());
        parts[index][at] ^= 1 << bit;
        let changed: Vec<String> = parts.iter().map(base64url::encode).collect();
        let result = decrypt_compact(&changed.join("."), &KEYS, &policy());
        match index {
            // Outside the header, the change is a secret-dependent failure.
            1..=4 => prop_assert_eq!(result.unwrap_err(), Error::DecryptionFailed),
            _ => prop_assert!(result.is_err()),
        }
    }
}
