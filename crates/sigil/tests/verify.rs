//! `sigil verify` driven as a user would, against an issuer (discovery + JWKS) served from
//! this test process on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

use std::time::{SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use sigil_jose::jwk::Kid;
use sigil_jose::{Algorithm, JwkSet, KeySpec, PrivateKey, SigningKey, jwt};

const AUDIENCE: &str = "https://api.example.com";

/// An issuer publishing `keys`, alive until the test process ends.
fn issuer(keys: &[&SigningKey]) -> String {
    let jwks = JwkSet::new(keys.iter().map(|k| k.public_jwk().clone()).collect()).to_json();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let discovery = json!({
                "issuer": url,
                "jwks_uri": format!("{url}/jwks"),
                "id_token_signing_alg_values_supported": ["RS256", "ES256", "none"],
            })
            .to_string();
            let app = Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get(move || async move { discovery }),
                )
                .route("/jwks", get(move || async move { jwks }));
            tx.send(url).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn key(alg: Algorithm, kid: &str) -> SigningKey {
    let spec = if alg == Algorithm::ES256 {
        KeySpec::P256
    } else {
        KeySpec::Rsa { bits: 2048 }
    };
    SigningKey::new(
        PrivateKey::generate(spec).unwrap(),
        alg,
        Some(Kid::new(kid).unwrap()),
    )
    .unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn token(key: &SigningKey, iss: &str, exp_in: i64) -> String {
    let claims =
        json!({"iss": iss, "sub": "alice", "aud": AUDIENCE, "iat": now(), "exp": now() + exp_in});
    jwt::sign(key, Some("at+jwt"), &claims).unwrap()
}

fn sigil() -> Command {
    Command::cargo_bin("sigil").unwrap()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_valid_token_prints_header_claims_and_a_verdict() {
    let signer = key(Algorithm::ES256, "k1");
    let url = issuer(&[&signer]);
    let out = sigil()
        .args([
            "verify",
            &token(&signer, &url, 2950),
            "--issuer",
            &url,
            "--aud",
            AUDIENCE,
        ])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(
        text.starts_with("Header\n{\n  \"alg\": \"ES256\""),
        "{text}"
    );
    assert!(text.contains("Claims\n{"), "{text}");
    assert!(text.contains("\"sub\": \"alice\""), "{text}");
    assert!(text.contains("Algorithms: RS256, ES256 (advertised by the issuer's discovery document; pin them with --alg)"), "{text}");
    let verdict = format!("VALID — signature by kid \"k1\" (ES256), issuer {url}, expires in 49m ");
    assert!(text.contains(&verdict), "{text}");
    assert!(!text.contains("Audience: not checked"), "{text}");
}

#[test]
fn an_invalid_token_says_why_in_one_sentence_and_exits_1() {
    let signer = key(Algorithm::ES256, "k1");
    let url = issuer(&[&signer]);
    let out = sigil()
        .args([
            "verify",
            &token(&signer, &url, -7000),
            "--issuer",
            &url,
            "--alg",
            "ES256",
        ])
        .assert()
        .code(1);
    let text = stdout(&out);
    assert!(text.contains("Claims (not verified)"), "{text}");
    assert!(text.contains("Algorithms: ES256 (--alg)"), "{text}");
    assert!(
        text.contains("Audience: not checked (pass --aud to check it)"),
        "{text}"
    );
    assert!(
        text.contains("INVALID — the token expired 1h 56m ago, at 20"),
        "{text}"
    );
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: the token is not valid: the token expired"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);

    let stranger = key(Algorithm::ES256, "k9");
    let out = sigil()
        .args(["verify", &token(&stranger, &url, 60), "--issuer", &url])
        .assert()
        .code(1);
    assert!(stdout(&out).contains("INVALID — kid \"k9\" is not among the issuer's keys [k1]."));

    let rsa = key(Algorithm::RS256, "r1");
    let out = sigil()
        .args([
            "verify",
            &token(&rsa, &url, 60),
            "--issuer",
            &url,
            "--alg",
            "ES256",
        ])
        .assert()
        .code(1);
    assert!(stdout(&out).contains("INVALID — algorithm RS256 is not allowed (allowed: ES256)."));
}

#[test]
fn json_output_is_one_object_with_a_structured_error() {
    let signer = key(Algorithm::ES256, "k1");
    let url = issuer(&[&signer]);
    let good = token(&signer, &url, 600);
    let out = sigil()
        .args([
            "verify", &good, "--issuer", &url, "--aud", AUDIENCE, "--json",
        ])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["claims"]["sub"], "alice");
    assert_eq!(report["header"]["kid"], "k1");
    assert_eq!(report["signed_by"], json!({"kid": "k1", "alg": "ES256"}));
    assert_eq!(report["algorithms_from"], "discovery");
    assert_eq!(report["error"], Value::Null);

    let out = sigil()
        .args([
            "verify", &good, "--issuer", &url, "--aud", "other", "--json",
        ])
        .assert()
        .code(1);
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["error"]["kind"], "audience_mismatch");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not include any of [\"other\"]")
    );
    assert_eq!(report["claims"]["aud"], AUDIENCE);
}

#[test]
fn keys_can_come_from_a_jwks_url_which_needs_an_alg() {
    let signer = key(Algorithm::ES256, "k1");
    let url = issuer(&[&signer]);
    let jwks = format!("{url}/jwks");
    let good = token(&signer, &url, 600);
    sigil()
        .args([
            "verify",
            &good,
            "--issuer",
            &url,
            "--jwks-url",
            &jwks,
            "--alg",
            "ES256",
        ])
        .assert()
        .success();
    sigil()
        .args(["verify", &good, "--issuer", &url, "--jwks-url", &jwks])
        .assert()
        .code(2);
    sigil().args(["verify", &good]).assert().code(2);
    sigil()
        .args(["verify", &good, "--issuer", &url, "--alg", "HS256"])
        .assert()
        .code(2);
    sigil()
        .args(["verify", &good, "--decode", "--issuer", &url])
        .assert()
        .code(2);
    // The token may come on standard input, with its Bearer prefix.
    sigil()
        .args(["verify", "-", "--issuer", &url, "--alg", "ES256"])
        .write_stdin(format!("Bearer {good}\n"))
        .assert()
        .success();
}

#[test]
fn an_unreachable_issuer_is_an_invalid_verdict_with_the_reason() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let signer = key(Algorithm::ES256, "k1");
    let out = sigil()
        .args([
            "verify",
            &token(&signer, &url, 60),
            "--issuer",
            &url,
            "--json",
        ])
        .assert()
        .code(1);
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["error"]["kind"], "issuer_unreachable");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "could not fetch {url}/.well-known/openid-configuration"
            ))
    );
}

#[test]
fn decode_shows_an_unverified_token_clearly_marked() {
    let signer = key(Algorithm::ES256, "k1");
    let token = token(&signer, "https://id.example.com", 60);
    let out = sigil()
        .args(["verify", "--decode", &token])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(
        text.starts_with("UNVERIFIED DECODE — the signature was not checked\nHeader\n"),
        "{text}"
    );
    assert!(
        text.contains("\"iss\": \"https://id.example.com\""),
        "{text}"
    );
    assert!(text.contains("Signature: 64 bytes, not checked"), "{text}");

    let out = sigil()
        .args(["verify", "--decode", "--json", &token])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        (
            report["unverified"].clone(),
            report["payload"]["sub"].clone()
        ),
        (json!(true), json!("alice"))
    );

    sigil()
        .args(["verify", "--decode", "not-a-token"])
        .assert()
        .code(1);
}
