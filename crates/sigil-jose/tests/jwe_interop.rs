//! Interoperability: JWEs made by an independent implementation decrypt here. The fixtures
//! were made by jwcrypto (on pyca/cryptography) with `vectors/interop/make_jwcrypto.py`: one
//! token per key management × content encryption pair Sigil supports, with jwcrypto's own
//! keys, header member order, ephemeral keys and (for ECDH-ES with GCM) apu/apv.
//!
//! Why fixtures and not a Rust JOSE crate as a dev-dependency: josekit, the one with JWE,
//! links OpenSSL (a second crypto library and a system package CI would have to install) and
//! turns on serde_json's `preserve_order` for every test build of the workspace, so the
//! tests would no longer run against the serde_json the binaries use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use serde_json::Value;
use sigil_jose::jwe::{
    ContentEncryption, DecryptionKey, DecryptionKeys, JwePolicy, KeyManagement, decrypt_compact,
};

fn fixtures() -> Value {
    let path = format!(
        "{}/tests/vectors/interop/jwcrypto.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_jwcrypto_token_decrypts_and_every_pair_is_covered() {
    let v = fixtures();
    let keys = DecryptionKeys::new(
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|jwk| DecryptionKey::from_jwk_value(jwk).unwrap())
            .collect(),
    )
    .unwrap();
    let policy = JwePolicy::new(&KeyManagement::ALL, &ContentEncryption::ALL);
    let mut covered = BTreeSet::new();
    for token in v["tokens"].as_array().unwrap() {
        let compact = token["compact"].as_str().unwrap();
        let decrypted = decrypt_compact(compact, &keys, &policy)
            .unwrap_or_else(|e| panic!("{} {}: {e}", token["alg"], token["enc"]));
        assert_eq!(
            decrypted.plaintext(),
            token["plaintext"].as_str().unwrap().as_bytes()
        );
        assert_eq!(decrypted.header().alg.as_str(), token["alg"]);
        assert_eq!(decrypted.header().enc.as_str(), token["enc"]);
        covered.insert((decrypted.header().alg, decrypted.header().enc));
    }
    let all: BTreeSet<_> = KeyManagement::ALL
        .into_iter()
        .flat_map(|alg| {
            ContentEncryption::ALL
                .into_iter()
                .map(move |enc| (alg, enc))
        })
        .collect();
    assert_eq!(covered, all);
}
