//! `--require-par`: a realm, or one client, takes authorization requests only through the PAR
//! endpoint (RFC 9126 §5, §6). The server side is tested in sigil-server's e2e `par` tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use common::{json, sigil};

#[test]
fn realms_and_clients_can_require_pushed_requests() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let created = json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    assert_eq!(created["require_pushed_authorization_requests"], false);
    let on = json(&data, &["realm", "update", "acme", "--require-par", "true"]);
    assert_eq!(on["require_pushed_authorization_requests"], true);
    let off = json(
        &data,
        &["realm", "update", "acme", "--require-par", "false"],
    );
    assert_eq!(off["require_pushed_authorization_requests"], false);

    let output = sigil(&data)
        .args(["realm", "update", "acme", "--require-par", "maybe"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--require-par"), "{stderr}");

    let client = json(
        &data,
        &[
            "client",
            "create",
            "--realm",
            "acme",
            "--grant-type",
            "authorization_code",
            "--redirect-uri",
            "https://app.example/cb",
            "--require-par",
        ],
    );
    assert_eq!(
        client["settings"]["require_pushed_authorization_requests"],
        true
    );
}
