//! Strict JWK and JWK Set parsing (RFC 7517, RFC 7518 §6, RFC 8037 §2), table-driven.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use serde_json::{Value, json};
use sigil_jose::{Error, JwkSet, KeySpec, PrivateKey, PublicJwk, base64url};

fn rsa_jwk() -> Value {
    let key = PrivateKey::generate(KeySpec::Rsa { bits: 2048 }).unwrap();
    serde_json::from_str(&key.public_jwk().to_json()).unwrap()
}

fn ec_jwk() -> Value {
    serde_json::from_str(
        &PrivateKey::generate(KeySpec::P256)
            .unwrap()
            .public_jwk()
            .to_json(),
    )
    .unwrap()
}

fn with(mut base: Value, member: &str, value: Value) -> Value {
    base[member] = value;
    base
}

#[test]
fn generated_keys_serialise_public_members_only_in_a_fixed_order() {
    for (spec, members) in [
        (KeySpec::Rsa { bits: 2048 }, vec!["kty", "n", "e"]),
        (KeySpec::P256, vec!["kty", "crv", "x", "y"]),
        (KeySpec::P384, vec!["kty", "crv", "x", "y"]),
        (KeySpec::Ed25519, vec!["kty", "crv", "x"]),
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let json = key.public_jwk().to_json();
        let value: Value = serde_json::from_str(&json).unwrap();
        let names: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = members.clone();
        sorted.sort_unstable();
        let mut got = names.clone();
        got.sort_unstable();
        assert_eq!(got, sorted, "{spec:?}: {json}");
        assert!(json.starts_with(r#"{"kty":"#), "{json}");
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(value.get(private).is_none());
        }
        // And it parses back to the same key.
        assert_eq!(PublicJwk::from_json(&json).unwrap(), key.public_jwk());
    }
}

#[test]
fn strict_parsing_table() {
    let rsa = rsa_jwk();
    let n = base64url::decode(rsa["n"].as_str().unwrap()).unwrap();
    let mut leading_zero = vec![0u8];
    leading_zero.extend_from_slice(&n);
    let ec = ec_jwk();
    let x = base64url::decode(ec["x"].as_str().unwrap()).unwrap();
    let mut off_curve = ec.clone();
    off_curve["y"] = json!(base64url::encode(&x)); // (x, x) is not on P-256
    let small_n = base64url::encode(vec![0xc5u8; 128]); // 1024 bits
    let padded = format!("{}=", ec["x"].as_str().unwrap()[..42].to_owned());

    type Check = fn(&Error) -> bool;
    let cases: Vec<(&str, Value, Check)> = vec![
        ("not an object", json!([1]), |e| {
            matches!(e, Error::InvalidJwk(_))
        }),
        (
            "no kty",
            json!({"n": "AQAB"}),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("kty")),
        ),
        (
            "kty oct",
            json!({"kty": "oct", "k": "AAAA"}),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("\"k\"")),
        ),
        ("kty unknown", json!({"kty": "XYZ"}), |e| {
            matches!(e, Error::UnsupportedKey(_))
        }),
        (
            "private d",
            with(rsa.clone(), "d", json!("AQAB")),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("private")),
        ),
        (
            "n leading zero",
            with(rsa.clone(), "n", json!(base64url::encode(&leading_zero))),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("leading zero")),
        ),
        ("n 1024 bits", with(rsa.clone(), "n", json!(small_n)), |e| {
            matches!(
                e,
                Error::KeyTooSmall {
                    bits: 1024,
                    min: 2048
                }
            )
        }),
        (
            "n padded",
            with(
                rsa.clone(),
                "n",
                json!(format!("{}=", rsa["n"].as_str().unwrap())),
            ),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("base64url")),
        ),
        (
            "n standard base64",
            with(
                rsa.clone(),
                "n",
                json!(rsa["n"].as_str().unwrap().replace(['-', '_'], "+")),
            ),
            |e| matches!(e, Error::InvalidJwk(_)),
        ),
        (
            "e number",
            with(rsa.clone(), "e", json!(65537)),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("string")),
        ),
        (
            "alg mismatch",
            with(rsa.clone(), "alg", json!("ES256")),
            |e| matches!(e, Error::KeyAlgorithmMismatch { .. }),
        ),
        ("alg none", with(rsa.clone(), "alg", json!("none")), |e| {
            matches!(e, Error::UnsupportedAlgorithm(_))
        }),
        ("kid number", with(rsa.clone(), "kid", json!(7)), |e| {
            matches!(e, Error::InvalidJwk(_))
        }),
        ("kid empty", with(rsa.clone(), "kid", json!("")), |e| {
            matches!(e, Error::InvalidJwk(_))
        }),
        (
            "key_ops not array",
            with(rsa, "key_ops", json!("verify")),
            |e| matches!(e, Error::InvalidJwk(_)),
        ),
        (
            "EC short x",
            with(ec.clone(), "x", json!(base64url::encode(&x[1..]))),
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("31 octets")),
        ),
        ("EC padded x", with(ec.clone(), "x", json!(padded)), |e| {
            matches!(e, Error::InvalidJwk(_))
        }),
        ("EC off curve", off_curve, |e| {
            matches!(e, Error::InvalidKey(_))
        }),
        ("EC P-521", with(ec.clone(), "crv", json!("P-521")), |e| {
            matches!(e, Error::UnsupportedKey(_))
        }),
        (
            "EC secp256k1",
            with(ec.clone(), "crv", json!("secp256k1")),
            |e| matches!(e, Error::UnsupportedKey(_)),
        ),
        (
            "EC no y",
            {
                let mut v = ec;
                v.as_object_mut().unwrap().remove("y");
                v
            },
            |e| matches!(e, Error::InvalidJwk(m) if m.contains("\"y\"")),
        ),
        (
            "OKP X25519",
            json!({"kty": "OKP", "crv": "X25519", "x": base64url::encode([9u8; 32])}),
            |e| matches!(e, Error::UnsupportedKey(_)),
        ),
        (
            "OKP short",
            json!({"kty": "OKP", "crv": "Ed25519", "x": base64url::encode([9u8; 31])}),
            |e| matches!(e, Error::InvalidJwk(_)),
        ),
    ];
    for (name, value, check) in cases {
        let err = PublicJwk::from_value(&value).expect_err(name);
        assert!(check(&err), "{name}: got {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn a_jwk_set_skips_and_reports_keys_it_cannot_use() {
    let good = rsa_jwk();
    let doc = json!({"keys": [
        good,
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "enc-1", "use": "enc", "alg": "RSA-OAEP", "n": good["n"], "e": "AQAB"},
        with(ec_jwk(), "kid", json!("ec-1")),
    ]});
    let set = JwkSet::from_json(doc.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys.len(), 2);
    assert_eq!(
        set.skipped.iter().map(|s| s.index).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(set.skipped[0].kid.as_deref(), Some("hmac"));
    assert!(set.find("ec-1").is_some());
    assert!(set.find("hmac").is_none());
    // Re-publishing never includes what was skipped.
    assert!(!set.to_json().contains("\"k\""));

    for bad in [&b"{}"[..], b"[]", b"{\"keys\":{}}", b"not json"] {
        assert!(matches!(
            JwkSet::from_json(bad),
            Err(Error::InvalidJwkSet(_))
        ));
    }
}
