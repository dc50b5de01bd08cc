//! `sigil keys generate` driven as a user would: the real binary, its stdout and exit code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use assert_cmd::Command;
use serde_json::Value;
use sigil_jose::{Algorithm, CompactJws, PublicJwk, SigningKey, VerifyingKey, jws, pem};

fn sigil() -> Command {
    Command::cargo_bin("sigil").unwrap()
}

fn generate_json(args: &[&str]) -> Value {
    let out = sigil()
        .args(["keys", "generate", "--json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// The printed private key signs tokens that the printed public JWK verifies.
fn assert_key_pair_works(private_pem: &str, public_jwk: &Value, alg: Algorithm) {
    let jwk = PublicJwk::from_value(public_jwk).unwrap();
    let key = pem::parse_private_key(private_pem).unwrap();
    let signer = SigningKey::new(key, alg, Some(jwk.kid.clone().unwrap())).unwrap();
    let token = jws::sign(&signer, None, b"{}").unwrap();
    let verifier = VerifyingKey::from_jwk(jwk).unwrap();
    assert!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&verifier, &[alg])
            .is_ok()
    );
}

#[test]
fn every_algorithm_prints_a_working_key_with_a_thumbprint_kid() {
    for (alg, key) in [
        ("RS256", "RSA-3072"),
        ("PS256", "RSA-3072"),
        ("ES256", "EC P-256"),
        ("ES384", "EC P-384"),
        ("EdDSA", "Ed25519"),
    ] {
        let doc = generate_json(&["--alg", alg]);
        assert_eq!(doc["alg"], alg);
        assert_eq!(doc["key"], key);
        let jwk = &doc["public_jwk"];
        assert_eq!(jwk["alg"], alg);
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], doc["kid"]);
        let parsed = PublicJwk::from_value(jwk).unwrap();
        assert_eq!(
            doc["kid"].as_str().unwrap(),
            parsed.thumbprint(),
            "kid is the RFC 7638 thumbprint"
        );
        assert!(jwk.get("d").is_none());
        let public = pem::parse_public_key(doc["public_key_pem"].as_str().unwrap()).unwrap();
        assert_eq!(public.params, parsed.params);
        assert_key_pair_works(
            doc["private_key_pem"].as_str().unwrap(),
            jwk,
            alg.parse().unwrap(),
        );
    }
}

#[test]
fn bits_and_kid_are_honoured() {
    let doc = generate_json(&["--alg", "RS256", "--bits", "2048", "--kid", "my-key-1"]);
    assert_eq!(doc["key"], "RSA-2048");
    assert_eq!(doc["kid"], "my-key-1");
    assert_eq!(doc["public_jwk"]["kid"], "my-key-1");
    let jwk = PublicJwk::from_value(&doc["public_jwk"]).unwrap();
    assert_eq!(jwk.params.rsa_bits(), Some(2048));
}

#[test]
fn text_output_is_a_pem_file_and_a_jwk() {
    let out = sigil()
        .args(["keys", "generate", "--alg", "ES256"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // The whole output can be saved as a file and imported: comments are outside the blocks.
    let key = pem::parse_private_key(&text).unwrap();
    let jwk_line = text.lines().last().unwrap();
    let jwk: Value = serde_json::from_str(jwk_line).unwrap();
    assert_eq!(
        PublicJwk::from_value(&jwk).unwrap().params,
        key.public_jwk().params
    );
    assert!(text.contains("-----BEGIN PUBLIC KEY-----"));
}

#[test]
fn env_format_survives_a_dotenv_round_trip() {
    let out = sigil()
        .args(["keys", "generate", "--alg", "EdDSA", "--format", "env"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let var = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
            .to_owned()
    };
    let value = var("SIGIL_SIGNING_KEY");
    assert!(
        !value.contains('\n') && value.contains("\\n"),
        "one line with escaped newlines"
    );
    // A .env loader hands the quoted value over verbatim; Sigil's PEM import undoes the rest.
    let jwk: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(var("SIGIL_SIGNING_KEY_ID"), jwk["kid"].as_str().unwrap());
    assert_eq!(var("SIGIL_SIGNING_ALG"), "EdDSA");
    assert_key_pair_works(&value, &jwk, Algorithm::EdDSA);
}

#[test]
fn jwk_format_prints_a_private_jwk_matching_the_public_one() {
    let doc = generate_json(&["--alg", "ES384", "--format", "jwk"]);
    let private = &doc["private_jwk"];
    assert!(private["d"].is_string());
    for member in ["kty", "crv", "x", "y", "kid", "alg"] {
        assert_eq!(private[member], doc["public_jwk"][member], "{member}");
    }
}

#[test]
fn bad_input_exits_non_zero_with_one_line() {
    for (args, code, needle) in [
        (vec!["--bits", "1024"], 1, "at least 2048 bits"),
        (vec!["--bits", "2500"], 1, "2048, 3072 or 4096"),
        (vec!["--alg", "HS256"], 2, "HMAC"),
        (vec!["--alg", "none"], 2, "unknown algorithm"),
        (
            vec!["--alg", "ES256", "--bits", "2048"],
            1,
            "RSA algorithms only",
        ),
        (vec!["--kid", ""], 1, "kid"),
        (vec!["--format", "xml"], 2, "xml"),
    ] {
        let out = sigil()
            .args(["keys", "generate"])
            .args(&args)
            .assert()
            .code(code);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{args:?}: {stderr:?}"
        );
        assert!(
            out.get_output().stdout.is_empty(),
            "{args:?}: nothing on stdout"
        );
    }
}
