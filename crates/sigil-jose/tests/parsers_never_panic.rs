//! Property tests: no input makes a parser panic, and no mutation of a genuine token verifies.
//!
//! Covered: [`CompactJws::parse`], [`dangerous::decode_unverified`], [`PublicJwk::from_json`],
//! [`JwkSet::from_json`], [`pem::parse_private_key`] and [`pem::parse_public_key`], each on
//! arbitrary strings and on inputs shaped to get past the first checks (canonical base64url
//! parts, JSON headers and JWKs with plausible members, PEM blocks with the supported labels
//! around random and mutated real DER). Then a real P-256 key signs a token, and every changed
//! token — any character, the signature bytes, the header, the DER form of the signature — must
//! fail verification with an `Err`.
//!
//! Failure persistence is off so that a failing run writes no files into the source tree;
//! proptest prints the minimal failing input instead. `PROPTEST_CASES=N` runs N cases per
//! property instead of the defaults below.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::Engine as _;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use sigil_jose::{
    Algorithm, CompactJws, JwkSet, KeySpec, PrivateKey, PublicJwk, SigningKey, VerifyingKey,
    base64url, dangerous, pem,
};

/// `cases` per property, unless `PROPTEST_CASES` asks for another number (for a longer soak).
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

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

const ALG_NAMES: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    "Ed25519", "HS256", "HS384", "HS512", "none", "None", "NONE", "nOnE", "", "es256", "RSA-OAEP",
    "dir",
];

const KTYS: &[&str] = &[
    "RSA", "EC", "OKP", "oct", "rsa", "ec", "okp", "EC ", "", "AKP",
];

const CURVES: &[&str] = &[
    "P-256",
    "P-384",
    "P-521",
    "Ed25519",
    "Ed448",
    "X25519",
    "secp256k1",
    "p-256",
    "",
];

const JWK_MEMBERS: &[&str] = &[
    "kty", "n", "e", "x", "y", "crv", "kid", "use", "alg", "key_ops", "d", "p", "q", "dp", "dq",
    "qi", "oth", "k", "x5c", "x5t", "ext",
];

const PEM_LABELS: &[&str] = &[
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "CERTIFICATE",
    "ENCRYPTED PRIVATE KEY",
    "X",
    "",
];

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
        select(ALG_NAMES).prop_map(Value::from),
        vec(any::<u8>(), 0..48).prop_map(|b| Value::from(base64url::encode(b))),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(".{0,8}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Objects that look like JOSE headers: `alg` (usually a name), `kid`, `typ`, `cty`, `crit`,
/// each either well-typed or any JSON, plus extra members.
fn header_object() -> impl Strategy<Value = Value> {
    let alg = prop_oneof![
        4 => select(ALG_NAMES).prop_map(Value::from),
        1 => json_value(),
    ];
    let text = prop_oneof![6 => ".{0,16}".prop_map(Value::from), 1 => json_value()];
    let crit = prop_oneof![
        Just(json!([])),
        vec(select(&["b64", "exp", "alg", "kid", ""][..]), 1..3).prop_map(|v| json!(v)),
        json_value(),
    ];
    (
        proptest::option::weighted(0.9, alg),
        proptest::option::of(text.clone()),
        proptest::option::of(text.clone()),
        proptest::option::of(text),
        proptest::option::weighted(0.1, crit),
        btree_map("[a-z]{1,5}", json_value(), 0..3),
    )
        .prop_map(|(alg, kid, typ, cty, crit, extra)| {
            let mut m: serde_json::Map<String, Value> = extra.into_iter().collect();
            for (name, value) in [
                ("alg", alg),
                ("kid", kid),
                ("typ", typ),
                ("cty", cty),
                ("crit", crit),
            ] {
                if let Some(value) = value {
                    m.insert(name.to_owned(), value);
                }
            }
            Value::Object(m)
        })
}

/// A JSON object written by hand, so that member names may repeat (`{"alg":"ES256","alg":"none"}`)
/// and values may be malformed.
fn raw_object() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        select(
            &[
                "alg", "kid", "typ", "cty", "crit", "kty", "crv", "x", "keys"
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z]{0,4}",
    ];
    let value = prop_oneof![
        select(ALG_NAMES).prop_map(|a| format!("{a:?}")),
        json_value().prop_map(|v| v.to_string()),
        "[\\[\\]{}\",:0-9a-z\\\\]{0,12}",
    ];
    vec((name, value), 0..6).prop_map(|members| {
        let body: Vec<String> = members.iter().map(|(n, v)| format!("{n:?}:{v}")).collect();
        format!("{{{}}}", body.join(",")).into_bytes()
    })
}

/// Header bytes: JOSE-like objects, any JSON, hand-written objects, near-JSON text, raw bytes.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => header_object().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        2 => raw_object(),
        1 => "\\{.{0,40}\\}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..64),
    ]
}

/// One dot-free part of a compact token: canonical base64url of anything, or text that may
/// not be base64url at all.
fn token_part() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..128).prop_map(base64url::encode),
        2 => "[A-Za-z0-9_-]{0,64}",
        1 => "[A-Za-z0-9+/=_ -]{0,16}",
        1 => "[^.]{0,32}",
    ]
}

/// Bytes whose base64url is a plausible key parameter: random, or of the sizes keys have.
fn key_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..80),
        select(
            &[
                1usize, 3, 31, 32, 33, 47, 48, 49, 64, 255, 256, 257, 384, 512, 1025
            ][..]
        )
        .prop_flat_map(|n| vec(any::<u8>(), n..=n)),
    ]
}

/// Values a JWK member may hold.
fn jwk_member_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => key_bytes().prop_map(|b| Value::from(base64url::encode(b))),
        2 => select(CURVES).prop_map(Value::from),
        2 => select(ALG_NAMES).prop_map(Value::from),
        1 => select(&["sig", "enc", "", "SIG"][..]).prop_map(Value::from),
        1 => "[A-Za-z0-9_=+/ -]{0,40}".prop_map(Value::from),
        2 => json_value(),
    ]
}

/// JWK-like objects: random members around a `kty`, and well-shaped keys of each type whose
/// parameters are random bytes of the right sizes.
fn jwk_object() -> impl Strategy<Value = Value> {
    let kty = prop_oneof![
        4 => select(KTYS).prop_map(Value::from),
        1 => json_value(),
    ];
    let loose = (
        proptest::option::weighted(0.9, kty),
        btree_map(select(JWK_MEMBERS), jwk_member_value(), 0..8),
    )
        .prop_map(|(kty, members)| {
            let mut m: serde_json::Map<String, Value> = members
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            if let Some(kty) = kty {
                m.insert("kty".to_owned(), kty);
            }
            Value::Object(m)
        });
    let common = (
        proptest::option::of(".{0,12}"),
        proptest::option::of(select(&["sig", "enc", "other"][..])),
        proptest::option::of(select(ALG_NAMES)),
    );
    let rsa = (
        select(&[128usize, 255, 256, 384, 512, 1025][..])
            .prop_flat_map(|n| vec(any::<u8>(), n..=n)),
        prop_oneof![Just(vec![1, 0, 1]), Just(vec![3]), vec(any::<u8>(), 0..8)],
        any::<bool>(),
    )
        .prop_map(|(mut n, e, set_top_bit)| {
            if set_top_bit {
                n[0] |= 0x80;
                if let Some(last) = n.last_mut() {
                    *last |= 1;
                }
            }
            json!({"kty": "RSA", "n": base64url::encode(n), "e": base64url::encode(e)})
        });
    let ec = (
        select(&[("P-256", 32usize), ("P-384", 48), ("P-521", 66)][..]),
        vec(any::<u8>(), 66),
        vec(any::<u8>(), 66),
    )
        .prop_map(|((crv, size), x, y)| {
            json!({"kty": "EC", "crv": crv, "x": base64url::encode(&x[..size]), "y": base64url::encode(&y[..size])})
        });
    // About half of all 32-byte strings are Ed25519 points, so many of these parse.
    let okp = (
        select(&["Ed25519", "X25519", "Ed448"][..]),
        vec(any::<u8>(), 32),
    )
        .prop_map(|(crv, x)| json!({"kty": "OKP", "crv": crv, "x": base64url::encode(x)}));
    let shaped = (prop_oneof![rsa, ec, okp], common).prop_map(|(mut jwk, (kid, key_use, alg))| {
        for (name, value) in [
            ("kid", kid),
            ("use", key_use.map(str::to_owned)),
            ("alg", alg.map(str::to_owned)),
        ] {
            if let Some(value) = value {
                jwk[name] = Value::from(value);
            }
        }
        jwk
    });
    let mutated_real = (
        0..REAL_JWKS.len(),
        select(JWK_MEMBERS),
        proptest::option::weighted(0.8, jwk_member_value()),
    )
        .prop_map(|(which, member, value)| {
            let mut jwk = REAL_JWKS[which].clone();
            let members = jwk.as_object_mut().unwrap();
            match value {
                Some(value) => members.insert(member.to_owned(), value),
                None => members.remove(member),
            };
            jwk
        });
    prop_oneof![3 => loose, 3 => shaped, 2 => mutated_real]
}

// ---------------------------------------------------------------------------------------------
// Real keys, generated once
// ---------------------------------------------------------------------------------------------

/// Public JWKs of real keys, as JSON, for mutation.
static REAL_JWKS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    REAL_KEYS
        .iter()
        .map(|key| serde_json::from_str(&key.public_jwk().to_json()).unwrap())
        .collect()
});

static REAL_KEYS: LazyLock<Vec<PrivateKey>> = LazyLock::new(|| {
    [
        KeySpec::P256,
        KeySpec::P384,
        KeySpec::Ed25519,
        KeySpec::Rsa { bits: 2048 },
    ]
    .into_iter()
    .map(|spec| PrivateKey::generate(spec).unwrap())
    .collect()
});

/// Real DER structures (with the PEM label they belong under), for mutation.
static REAL_DERS: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
    let mut ders = Vec::new();
    for key in REAL_KEYS.iter() {
        let pkcs8 = key.to_pkcs8_der().unwrap().to_vec();
        let spki = key.public_key_spki_der().unwrap();
        // PKCS#8 wraps the SEC1 / PKCS#1 private key in its last OCTET STRING, and SPKI wraps
        // the PKCS#1 public key in its BIT STRING.
        let inner_private = last_tlv_content(&pkcs8, 0x04);
        match key.kind() {
            sigil_jose::algorithm::KeyKind::P256 | sigil_jose::algorithm::KeyKind::P384 => {
                ders.push(("EC PRIVATE KEY", inner_private));
            }
            sigil_jose::algorithm::KeyKind::Rsa => {
                ders.push(("RSA PRIVATE KEY", inner_private));
                // Skip the BIT STRING's leading "unused bits" octet.
                ders.push((
                    "RSA PUBLIC KEY",
                    last_tlv_content(&spki, 0x03)[1..].to_vec(),
                ));
            }
            sigil_jose::algorithm::KeyKind::Ed25519 => {}
        }
        ders.push(("PRIVATE KEY", pkcs8));
        ders.push(("PUBLIC KEY", spki));
    }
    ders
});

/// Reads a DER TLV: (tag, content, rest).
fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, header) = match der[1] {
        short @ 0..=0x7f => (usize::from(short), 2),
        long => {
            let count = usize::from(long & 0x7f);
            let len = der[2..2 + count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, 2 + count)
        }
    };
    (tag, &der[header..header + len], &der[header + len..])
}

/// The content of the last element with `tag` directly inside the outer SEQUENCE of `der`.
fn last_tlv_content(der: &[u8], tag: u8) -> Vec<u8> {
    let (outer, mut rest, _) = tlv(der);
    assert_eq!(outer, 0x30);
    let mut found = None;
    while !rest.is_empty() {
        let (t, content, next) = tlv(rest);
        if t == tag {
            found = Some(content.to_vec());
        }
        rest = next;
    }
    found.unwrap()
}

/// A P-256 key that signs ES256 tokens, and verifying keys for it: one pinned to ES256 (as
/// published), one without `alg` (admits every algorithm of its type).
struct Es256 {
    signer: SigningKey,
    pinned: VerifyingKey,
    unpinned: VerifyingKey,
}

static ES256: LazyLock<Es256> = LazyLock::new(|| {
    let key = PrivateKey::generate(KeySpec::P256).unwrap();
    let signer = SigningKey::new(key, Algorithm::ES256, None).unwrap();
    let pinned = VerifyingKey::from_jwk(signer.public_jwk().clone()).unwrap();
    let unpinned =
        VerifyingKey::from_jwk(PublicJwk::new(signer.public_jwk().params.clone())).unwrap();
    Es256 {
        signer,
        pinned,
        unpinned,
    }
});

fn sign_es256(payload: &[u8]) -> String {
    sigil_jose::jws::sign(&ES256.signer, Some("JWT"), payload).unwrap()
}

/// Verifies `token` with both ES256 keys, allowing every algorithm and then ES256 only; fails
/// the case if any verification says Ok.
fn assert_rejected(token: &str) -> Result<(), TestCaseError> {
    for key in [&ES256.pinned, &ES256.unpinned] {
        if let Ok(jws) = CompactJws::parse(token) {
            let outcome = jws.verify(key, &Algorithm::ALL);
            prop_assert!(outcome.is_err(), "changed token verified: {token}");
        }
        if let Ok(jws) = CompactJws::parse(token) {
            prop_assert!(jws.verify(key, &[Algorithm::ES256]).is_err(), "{token}");
        }
    }
    Ok(())
}

/// `r || s` to a DER `ECDSA-Sig-Value`.
fn p1363_to_der(sig: &[u8]) -> Vec<u8> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let mut value = bytes[first..].to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(value.len()).unwrap()];
        out.extend(value);
        out
    }
    let (r, s) = sig.split_at(sig.len() / 2);
    let mut body = integer(r);
    body.extend(integer(s));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

// ---------------------------------------------------------------------------------------------
// Sanity checks: the strategies reach past the first checks
// ---------------------------------------------------------------------------------------------

#[test]
fn real_inputs_parse_so_mutations_start_from_valid_ones() {
    for (label, der) in REAL_DERS.iter() {
        let text = ::pem::encode(&::pem::Pem::new(*label, der.clone()));
        let parsed = if label.contains("PRIVATE") {
            pem::parse_private_key(&text).map(|_| ())
        } else {
            pem::parse_public_key(&text).map(|_| ())
        };
        assert!(parsed.is_ok(), "{label}: {parsed:?}");
    }
    for jwk in REAL_JWKS.iter() {
        assert!(PublicJwk::from_json(&jwk.to_string()).is_ok(), "{jwk}");
    }
    let token = sign_es256(b"{\"sub\":\"x\"}");
    let jws = CompactJws::parse(&token).unwrap();
    assert!(jws.verify(&ES256.pinned, &[Algorithm::ES256]).is_ok());
    assert!(dangerous::decode_unverified(&token).is_ok());
}

/// Guards against vacuous fuzzing: a fair share of the generated inputs must get past the
/// first checks, so the properties below exercise the deep paths too.
#[test]
fn strategies_reach_past_the_first_checks() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut sample = |strategy: &dyn Fn(&mut TestRunner) -> bool| {
        (0..400).filter(|_| strategy(&mut runner)).count()
    };
    let jwks = sample(&|r| {
        let jwk = jwk_object().new_tree(r).unwrap().current();
        PublicJwk::from_json(&jwk.to_string()).is_ok()
    });
    let headers = sample(&|r| {
        let header = header_bytes().new_tree(r).unwrap().current();
        sigil_jose::Header::from_json(&header).is_ok()
    });
    let tokens = sample(&|r| {
        let (h, p, s) = (header_bytes(), token_part(), token_part())
            .new_tree(r)
            .unwrap()
            .current();
        CompactJws::parse(&format!("{}.{p}.{s}", base64url::encode(h))).is_ok()
    });
    println!("of 400 generated: {jwks} JWKs, {headers} headers, {tokens} tokens parsed");
    assert!(jwks >= 20 && headers >= 20 && tokens >= 10);
}

#[test]
fn edge_case_tokens_are_errors() {
    let long = "a".repeat(sigil_jose::jws::MAX_TOKEN_LEN + 1);
    let long_three = format!("{long}.{long}.{long}");
    for token in [
        "",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJub25lIn0..",
        "eyJhbGciOiJub25lIn0.e30.",
        "\u{0}.\u{0}.\u{0}",
        "é.é.é",
        long.as_str(),
        long_three.as_str(),
    ] {
        assert!(CompactJws::parse(token).is_err(), "{token:.40}");
        let _ = dangerous::decode_unverified(token);
    }
}

// ---------------------------------------------------------------------------------------------
// Parsers never panic
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn compact_parse_arbitrary_strings(token in any::<String>()) {
        let _ = CompactJws::parse(&token);
        let _ = dangerous::decode_unverified(&token);
    }

    #[test]
    fn compact_parse_token_alphabet(token in "[A-Za-z0-9_=+/. -]{0,200}") {
        let _ = CompactJws::parse(&token);
        let _ = dangerous::decode_unverified(&token);
    }

    #[test]
    fn compact_parse_three_parts(
        header in prop_oneof![
            3 => header_bytes().prop_map(base64url::encode),
            1 => token_part(),
        ],
        payload in token_part(),
        signature in token_part(),
        extra in proptest::option::weighted(0.1, token_part()),
    ) {
        let mut token = format!("{header}.{payload}.{signature}");
        if let Some(extra) = extra {
            token.push('.');
            token.push_str(&extra);
        }
        if let Ok(jws) = CompactJws::parse(&token) {
            // Whatever parsed must be self-consistent, and must not verify under a real key.
            let expected_input = format!("{header}.{payload}");
            prop_assert_eq!(jws.signing_input(), expected_input.as_str());
            prop_assert!(jws.verify(&ES256.unpinned, &Algorithm::ALL).is_err());
        }
        let _ = dangerous::decode_unverified(&token);
    }

    #[test]
    fn header_from_json_arbitrary(header in header_bytes()) {
        let _ = sigil_jose::Header::from_json(&header);
    }

    #[test]
    fn jwk_from_json_arbitrary_strings(text in any::<String>()) {
        let _ = PublicJwk::from_json(&text);
    }

    #[test]
    fn jwk_from_json_objects(jwk in jwk_object()) {
        let text = jwk.to_string();
        if let Ok(parsed) = PublicJwk::from_json(&text) {
            // A JWK that parsed can be used and republished, and reads back the same.
            let _ = parsed.thumbprint();
            let reparsed = PublicJwk::from_json(&parsed.to_json());
            prop_assert_eq!(reparsed.as_ref(), Ok(&parsed), "{}", text);
            let key = VerifyingKey::from_jwk(parsed);
            prop_assert!(key.is_ok(), "{} parsed but makes no VerifyingKey: {:?}", text, key);
        }
        let _ = PublicJwk::from_value(&jwk);
    }

    #[test]
    fn jwk_set_from_json_arbitrary(bytes in vec(any::<u8>(), 0..256), text in any::<String>()) {
        let _ = JwkSet::from_json(&bytes);
        let _ = JwkSet::from_json(text.as_bytes());
    }

    #[test]
    fn jwk_set_from_json_sets(
        keys in vec(prop_oneof![4 => jwk_object(), 1 => json_value()], 0..6),
        extra in btree_map("[a-z]{1,6}", json_value(), 0..3),
        raw in raw_object(),
    ) {
        let mut doc: BTreeMap<String, Value> = extra;
        doc.insert("keys".to_owned(), Value::Array(keys.clone()));
        let text = serde_json::to_vec(&doc).unwrap();
        let set = JwkSet::from_json(&text);
        prop_assert!(set.is_ok(), "{:?}", set);
        let set = set.unwrap();
        // Every member is either kept or reported as skipped, in order.
        prop_assert_eq!(set.keys.len() + set.skipped.len(), keys.len());
        let indices: Vec<usize> = set.skipped.iter().map(|s| s.index).collect();
        prop_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(indices.iter().all(|&i| i < keys.len()));
        let _ = JwkSet::from_json(&raw);
        let _ = JwkSet::from_json(set.to_json().as_bytes());
    }

    #[test]
    fn pem_arbitrary_strings(text in any::<String>()) {
        let _ = pem::parse_private_key(&text);
        let _ = pem::parse_public_key(&text);
    }

    #[test]
    fn pem_blocks_of_arbitrary_bytes(
        label in select(PEM_LABELS),
        end_label in proptest::option::weighted(0.1, select(PEM_LABELS)),
        body in vec(any::<u8>(), 0..400),
        envelope in 0..6u8,
        second in proptest::option::weighted(0.2, (select(PEM_LABELS), vec(any::<u8>(), 0..64))),
    ) {
        let mut text = pem_text(label, end_label.unwrap_or(label), &body, envelope);
        if let Some((label, body)) = second {
            text.push('\n');
            text.push_str(&pem_text(label, label, &body, 0));
        }
        let _ = pem::parse_private_key(&text);
        let _ = pem::parse_public_key(&text);
    }

    #[test]
    fn pem_blocks_of_mutated_real_keys(
        which in 0..8usize,
        label in proptest::option::weighted(0.3, select(PEM_LABELS)),
        flips in vec((any::<usize>(), 1..=255u8), 0..4),
        truncate in proptest::option::weighted(0.3, any::<usize>()),
        append in vec(any::<u8>(), 0..4),
        envelope in 0..6u8,
    ) {
        let (real_label, der) = &REAL_DERS[which % REAL_DERS.len()];
        let mut der = der.clone();
        for (at, mask) in flips {
            let at = at % der.len();
            der[at] ^= mask;
        }
        if let Some(len) = truncate {
            der.truncate(len % (der.len() + 1));
        }
        der.extend(append);
        let label = label.unwrap_or(real_label);
        let text = pem_text(label, label, &der, envelope);
        if let Ok(jwk) = pem::parse_public_key(&text) {
            prop_assert!(VerifyingKey::from_jwk(jwk).is_ok());
        }
        if let Ok(key) = pem::parse_private_key(&text) {
            // A key that parsed can be exported again.
            prop_assert!(key.to_pkcs8_der().is_ok());
            prop_assert!(key.public_key_spki_der().is_ok());
        }
    }
}

/// A PEM block, in one of the shapes keys arrive in (see `pem::normalize`).
fn pem_text(label: &str, end_label: &str, body: &[u8], envelope: u8) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(body);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let block = |nl: &str| {
        format!(
            "-----BEGIN {label}-----{nl}{}{nl}-----END {end_label}-----",
            lines.join(nl)
        )
    };
    match envelope {
        0 => block("\n"),
        1 => block("\\n"),
        2 => format!("\"{}\"", block("\\n")),
        3 => block("\r\n"),
        4 => format!("  junk before\n{}\n junk after ", block("\n")),
        _ => block("\n").replace("-----\n", "-----"),
    }
}

// ---------------------------------------------------------------------------------------------
// No changed token verifies
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_changed_character_fails_verification(
        payload in vec(any::<u8>(), 0..64),
        edits in vec((any::<usize>(), select(&b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/"[..])), 1..4),
        cut in proptest::option::weighted(0.1, any::<usize>()),
    ) {
        let token = sign_es256(&payload);
        let mut changed = token.clone().into_bytes();
        for (at, ch) in edits {
            let at = at % changed.len();
            changed[at] = ch;
        }
        if let Some(cut) = cut {
            changed.truncate(cut % changed.len());
        }
        let changed = String::from_utf8(changed).unwrap();
        prop_assume!(changed != token);
        assert_rejected(&changed)?;
    }

    #[test]
    fn mutated_signature_fails_verification(
        payload in vec(any::<u8>(), 0..64),
        flips in vec((any::<usize>(), 1..=255u8), 1..4),
        resize in prop_oneof![
            3 => Just(None),
            1 => (0..64usize).prop_map(Some),
            1 => (65..200usize).prop_map(Some),
        ],
    ) {
        let token = sign_es256(&payload);
        let (input, sig_b64) = token.rsplit_once('.').unwrap();
        let original = base64url::decode(sig_b64).unwrap();
        prop_assert_eq!(original.len(), 64);
        let mut sig = original.clone();
        for (at, mask) in flips {
            let at = at % sig.len();
            sig[at] ^= mask;
        }
        if let Some(len) = resize {
            sig.resize(len, 0x5a);
        }
        prop_assume!(sig != original);
        let changed = format!("{input}.{}", base64url::encode(&sig));
        // The signature is canonical base64url, so parsing must succeed and verifying fail.
        prop_assert!(CompactJws::parse(&changed).is_ok());
        assert_rejected(&changed)?;
        // The raw verifier agrees.
        prop_assert!(ES256.unpinned.verify(Algorithm::ES256, input.as_bytes(), &sig).is_err());
    }

    #[test]
    fn der_encoded_signature_fails_verification(payload in vec(any::<u8>(), 0..64)) {
        let token = sign_es256(&payload);
        let (input, sig_b64) = token.rsplit_once('.').unwrap();
        let der = p1363_to_der(&base64url::decode(sig_b64).unwrap());
        assert_rejected(&format!("{input}.{}", base64url::encode(&der)))?;
        prop_assert!(ES256.unpinned.verify(Algorithm::ES256, input.as_bytes(), &der).is_err());
    }

    #[test]
    fn changed_header_fails_verification(
        payload in vec(any::<u8>(), 0..64),
        header in prop_oneof![
            3 => header_bytes(),
            2 => (select(ALG_NAMES), proptest::option::of(".{0,8}")).prop_map(|(alg, kid)| {
                serde_json::to_vec(&json!({"alg": alg, "kid": kid})).unwrap()
            }),
        ],
    ) {
        let token = sign_es256(&payload);
        let mut parts = token.splitn(3, '.');
        let (original, payload_b64, sig_b64) =
            (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let header_b64 = base64url::encode(&header);
        prop_assume!(header_b64 != original);
        assert_rejected(&format!("{header_b64}.{payload_b64}.{sig_b64}"))?;
    }

    #[test]
    fn signature_from_another_key_fails_verification(payload in vec(any::<u8>(), 0..64)) {
        // A genuine ES256 signature by a different key over the same input.
        let other = SigningKey::new(
            PrivateKey::generate(KeySpec::P256).unwrap(),
            Algorithm::ES256,
            Some(ES256.signer.kid().clone()),
        )
        .unwrap();
        let forged = sigil_jose::jws::sign(&other, Some("JWT"), &payload).unwrap();
        let genuine = sign_es256(&payload);
        prop_assert_eq!(
            forged.rsplit_once('.').unwrap().0,
            genuine.rsplit_once('.').unwrap().0
        );
        assert_rejected(&forged)?;
    }
}
