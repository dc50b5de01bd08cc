//! `sigil client …` and the other store commands that change things: redirect URIs checked by
//! the one validator with the deployment's policy, and every change made through the
//! library's provisioning layer (one line on stderr when refused).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::path::Path;
use std::process::Output;

use common::{json, sigil};

/// A data directory with a realm `acme`.
fn data_with_realm() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    (dir, data)
}

/// `sigil client create --realm acme --grant-type authorization_code --redirect-uri URI …`.
fn create_with_redirect(data: &Path, uri: &str, extra: &[&str]) -> Output {
    sigil(data)
        .args(["client", "create", "--realm", "acme"])
        .args(["--grant-type", "authorization_code", "--redirect-uri", uri])
        .args(extra)
        .arg("--json")
        .output()
        .unwrap()
}

/// The one line of a refusal.
fn refusal(output: &Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} was accepted");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    stderr
}

#[test]
fn dangerous_redirect_uris_are_refused_with_invalid_redirect_uri() {
    let (_dir, data) = data_with_realm();
    for uri in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "myapp:/cb",
        "https://app.example/cb#frag",
        "https://user@app.example/cb",
        "/relative/cb",
    ] {
        let stderr = refusal(&create_with_redirect(&data, uri, &[]), uri);
        assert!(stderr.contains("invalid_redirect_uri"), "{uri}: {stderr}");
        assert!(stderr.contains(&format!("{uri:?}")), "{uri}: {stderr}");
    }
    let listed = json(&data, &["client", "list", "--realm", "acme"]);
    assert_eq!(listed, serde_json::json!([]), "nothing was registered");
}

#[test]
fn private_use_schemes_and_loopback_http_are_accepted_and_stored_as_written() {
    let (_dir, data) = data_with_realm();
    for (uri, stored, extra) in [
        // A native app (RFC 8252 §7.1): a public client with a reverse-domain scheme.
        (
            "com.example.app:/oauth2redirect",
            "com.example.app:/oauth2redirect",
            &["--auth-method", "none"][..],
        ),
        (
            "http://127.0.0.1:8765/cb",
            "http://127.0.0.1:8765/cb",
            &[][..],
        ),
        ("http://[::1]/cb", "http://[::1]/cb", &[][..]),
        (
            "http://localhost:3000/cb",
            "http://localhost:3000/cb",
            &[][..],
        ),
        (
            "HTTPS://App.Example:443/cb",
            "HTTPS://App.Example:443/cb",
            &[][..],
        ),
    ] {
        let output = create_with_redirect(&data, uri, extra);
        assert!(
            output.status.success(),
            "{uri}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let created: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            created["redirect_uris"],
            serde_json::json!([stored]),
            "{uri}"
        );
    }
}

#[test]
fn production_reaches_the_redirect_uri_validator() {
    let (dir, data) = data_with_realm();
    let uri = "http://intranet.example/cb";
    // Outside production, http to any host is allowed (with a warning in the log).
    let output = create_with_redirect(&data, uri, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // In production, only to loopback: by flag, by environment and by configuration file.
    let config = dir.path().join("sigil.toml");
    std::fs::write(&config, "production = true\n").unwrap();
    let by_flag = create_with_redirect(&data, uri, &["--production"]);
    let by_env = sigil(&data)
        .env("SIGIL_PRODUCTION", "true")
        .args(["client", "create", "--realm", "acme"])
        .args(["--grant-type", "authorization_code", "--redirect-uri", uri])
        .output()
        .unwrap();
    let by_file = sigil(&data)
        .arg("--config")
        .arg(&config)
        .args(["client", "create", "--realm", "acme"])
        .args(["--grant-type", "authorization_code", "--redirect-uri", uri])
        .output()
        .unwrap();
    for (how, output) in [("flag", by_flag), ("env", by_env), ("file", by_file)] {
        let stderr = refusal(&output, how);
        assert!(
            stderr.contains("invalid_redirect_uri") && stderr.contains("loopback"),
            "{how}: {stderr}"
        );
    }
    // Loopback http stays fine in production.
    let output = create_with_redirect(&data, "http://127.0.0.1/cb", &["--production"]);
    assert!(output.status.success());
}

#[test]
fn changes_go_through_provisioning_and_refusals_are_one_line() {
    let (_dir, data) = data_with_realm();
    let client = json(
        &data,
        &["client", "create", "--realm", "acme", "--client-id=-svc"],
    );
    assert_eq!(client["client_id"], "-svc");
    let deleted = json(&data, &["client", "delete", "-svc", "--realm", "acme"]);
    assert_eq!(deleted["deleted"], "-svc");
    assert_eq!(
        json(&data, &["client", "list", "--realm", "acme"]),
        serde_json::json!([])
    );
    for (args, needle) in [
        (
            vec!["client", "delete", "-svc", "--realm", "acme"],
            "no client -svc in realm acme",
        ),
        (
            vec!["client", "show", "-svc", "--realm", "acme"],
            "no client -svc in realm acme",
        ),
        (
            vec!["client", "list", "--realm", "ghost"],
            "realm ghost does not exist",
        ),
        (
            vec!["token", "pat", "revoke", "nope", "--realm", "acme"],
            "no active personal access token nope",
        ),
        (
            vec!["token", "pat", "list", "--realm", "acme", "--user", "ghost"],
            "no user ghost",
        ),
        (vec!["admin-token", "delete", "nope"], "no admin token nope"),
    ] {
        let output = sigil(&data).args(&args).output().unwrap();
        let stderr = refusal(&output, &format!("{args:?}"));
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // Revoking a PAT and deleting an admin token through the same layer.
    json(&data, &["user", "create", "alice", "--realm", "acme"]);
    let pat = json(
        &data,
        &[
            "token",
            "pat",
            "create",
            "--realm",
            "acme",
            "--user",
            "alice",
            "--name",
            "cli",
            // No server has run on this data dir, so no issuer was recorded.
            "--issuer",
            "http://127.0.0.1:8080",
        ],
    );
    let id = pat["id"].as_str().unwrap();
    let revoked = json(&data, &["token", "pat", "revoke", id, "--realm", "acme"]);
    assert_eq!(revoked["revoked"], id);
    let again = sigil(&data)
        .args(["token", "pat", "revoke", id, "--realm", "acme"])
        .output()
        .unwrap();
    assert!(refusal(&again, "second revoke").contains("no active personal access token"));
    let admin = json(&data, &["admin-token", "create", "--name", "ci"]);
    let admin_id = admin["id"].as_str().unwrap();
    json(&data, &["admin-token", "delete", admin_id]);
    assert_eq!(json(&data, &["admin-token", "list"]), serde_json::json!([]));
}

#[test]
fn openid_connect_metadata_is_registered_and_checked() {
    let (_dir, data) = data_with_realm();
    let created = create_with_redirect(
        &data,
        "https://app.example/cb",
        &[
            "--client-id",
            "web",
            "--post-logout-redirect-uri",
            "https://app.example/bye",
            "--logo-uri",
            "https://app.example/logo.png",
            "--policy-uri",
            "https://app.example/policy",
            "--first-party",
            "--require-pkce",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let shown = json(&data, &["client", "show", "web", "--realm", "acme"]);
    let settings = &shown["settings"];
    assert_eq!(
        settings["post_logout_redirect_uris"],
        serde_json::json!(["https://app.example/bye"])
    );
    assert_eq!(settings["logo_uri"], "https://app.example/logo.png");
    assert_eq!(settings["first_party"], true);
    assert_eq!(settings["require_pkce"], true);
    assert_eq!(settings["refresh_without_offline_access"], false);

    for (extra, needle) in [
        (
            &["--post-logout-redirect-uri", "javascript:alert(1)"][..],
            "invalid_redirect_uri",
        ),
        (
            &["--id-token-alg", "none"][..],
            "id_token_signed_response_alg",
        ),
        (&["--userinfo-alg", "ES256"][..], "no ES256 key"),
        (
            &["--logo-uri", "http://app.example/logo.png"][..],
            "logo_uri",
        ),
    ] {
        let stderr = refusal(
            &create_with_redirect(&data, "https://app.example/cb", extra),
            &format!("{extra:?}"),
        );
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
    }
}
