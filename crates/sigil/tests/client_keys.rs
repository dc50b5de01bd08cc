//! `sigil client create --auth-method private_key_jwt`: the client's keys (`--jwks-file` or
//! `--jwks-uri`) and pinned algorithms are registered, and no secret is issued.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use common::{json, sigil};
use serde_json::json;

/// An Ed25519 public key (RFC 8037 §A.2).
fn jwks() -> serde_json::Value {
    json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})
}

#[test]
fn private_key_jwt_clients_register_their_keys_and_get_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, jwks().to_string()).unwrap();
    let by_file = json(
        &data,
        &[
            "client",
            "create",
            "--realm",
            "acme",
            "--client-id",
            "signer",
            "--auth-method",
            "private_key_jwt",
            "--jwks-file",
            file.to_str().unwrap(),
            "--token-endpoint-auth-alg",
            "EdDSA",
            "--request-object-alg",
            "EdDSA",
        ],
    );
    assert_eq!(by_file["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(by_file["client_secret"], serde_json::Value::Null);
    assert_eq!(by_file["settings"]["jwks"], jwks());
    assert_eq!(
        by_file["settings"]["token_endpoint_auth_signing_alg"],
        "EdDSA"
    );
    assert_eq!(by_file["settings"]["request_object_signing_alg"], "EdDSA");
    let by_uri = json(
        &data,
        &[
            "client",
            "create",
            "--realm",
            "acme",
            "--client-id",
            "fetched",
            "--auth-method",
            "private_key_jwt",
            "--jwks-uri",
            "https://app.example/jwks.json",
        ],
    );
    assert_eq!(
        by_uri["settings"]["jwks_uri"],
        "https://app.example/jwks.json"
    );
    assert_eq!(by_uri["client_secret"], serde_json::Value::Null);
    // A secret client still gets its secret.
    let secret = json(&data, &["client", "create", "--realm", "acme"]);
    assert!(secret["client_secret"].is_string());

    // Both sources at once, or a file that is no JSON: refused, nothing registered.
    let both = sigil(&data)
        .args(["client", "create", "--realm", "acme", "--client-id", "both"])
        .args(["--auth-method", "private_key_jwt", "--jwks-file"])
        .arg(&file)
        .args(["--jwks-uri", "https://app.example/jwks.json"])
        .output()
        .unwrap();
    assert!(!both.status.success());
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "not json").unwrap();
    let output = sigil(&data)
        .args([
            "client",
            "create",
            "--realm",
            "acme",
            "--client-id",
            "broken",
        ])
        .args(["--auth-method", "private_key_jwt", "--jwks-file"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is not JSON"), "{stderr}");
    let listed = json(&data, &["client", "list", "--realm", "acme"]);
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"both") && !ids.contains(&"broken"),
        "{ids:?}"
    );
}
