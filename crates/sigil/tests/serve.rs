//! `sigil serve` and the store commands, driven as an operator would: the real binary, a data
//! directory, HTTP against the running server, and CLI changes reaching it without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::time::Duration;

use common::{Serve, json, runtime, sigil};
use serde_json::Value;

async fn client_credentials(url: &str, id: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

#[test]
fn dev_mode_bootstraps_once_prints_a_working_curl_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Serve::start(&data);
    assert!(
        first.banner.contains("created the default realm"),
        "{}",
        first.banner
    );
    let curl = first
        .banner
        .lines()
        .find(|l| l.trim_start().starts_with("curl "))
        .expect("a curl line")
        .trim()
        .to_owned();
    // Run what the banner says to run.
    let (credentials, url) = {
        let words: Vec<&str> = curl.split_whitespace().collect();
        let user = words[words.iter().position(|w| *w == "-u").unwrap() + 1];
        (
            user.split_once(':')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .unwrap(),
            (*words.last().unwrap()).to_owned(),
        )
    };
    assert_eq!(url, format!("{}/token", first.issuer));
    let body: Value = runtime().block_on(async {
        client_credentials(&url, &credentials.0, &credentials.1)
            .await
            .json()
            .await
            .unwrap()
    });
    assert!(body["access_token"].is_string(), "{body}");
    let first_issuer = first.issuer.clone();
    assert!(first.stop().success(), "SIGTERM is a clean exit");
    assert!(data.join("master.key").exists() && data.join("sigil.db").exists());

    // A second start reuses everything: same demo client, no new realm.
    let second = Serve::start(&data);
    assert!(
        !second.banner.contains("created the default realm"),
        "{}",
        second.banner
    );
    assert!(
        second
            .banner
            .contains(&curl.replace(&first_issuer, &second.issuer)),
        "same credentials:\n{}",
        second.banner
    );
    assert!(second.stop().success());
}

#[test]
fn cli_changes_reach_a_running_server_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Serve::start(&data);
    let realm = json(
        &data,
        &[
            "realm",
            "create",
            "acme",
            "--alg",
            "ES256",
            "--rsa-bits",
            "2048",
        ],
    );
    assert_eq!(realm["signing_algs"], serde_json::json!(["RS256", "ES256"]));
    let listed = json(&data, &["realm", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // Page by page: names in order, the next page after the last name of the previous one.
    let names = |page: Value| -> Vec<String> {
        let page = page.as_array().unwrap().iter();
        page.map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(json(&data, &["realm", "list", "--limit", "1"])),
        ["acme"]
    );
    let next = json(&data, &["realm", "list", "--limit", "1", "--after", "acme"]);
    assert_eq!(names(next), ["default"]);
    let past = json(&data, &["realm", "list", "--after", "default"]);
    assert!(names(past).is_empty());

    let client = json(
        &data,
        &[
            "client",
            "create",
            "--realm",
            "acme",
            "--name",
            "Billing",
            "--scope",
            "invoices:read",
            "--signing-alg",
            "ES256",
        ],
    );
    let id = client["client_id"].as_str().unwrap().to_owned();
    let secret = client["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "256-bit secret");
    let shown = json(&data, &["client", "show", &id, "--realm", "acme"]);
    assert!(shown.get("client_secret").is_none() && shown["scope"] == "invoices:read");

    let token_url = format!("{}/realms/acme/token", server.issuer);
    let rt = runtime();
    let response = rt.block_on(client_credentials(&token_url, &id, &secret));
    assert_eq!(response.status(), 200);
    let token: Value = rt.block_on(response.json()).unwrap();
    let header = sigil_jose::dangerous::decode_unverified(token["access_token"].as_str().unwrap())
        .unwrap()
        .header;
    assert_eq!(header["alg"], "ES256");

    json(&data, &["client", "delete", &id, "--realm", "acme"]);
    let mut refused = false;
    for _ in 0..40 {
        if rt
            .block_on(client_credentials(&token_url, &id, &secret))
            .status()
            == 401
        {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(refused, "a deleted client stops working without a restart");

    // Trusted minting from the CLI: the token verifies with the server's published keys.
    let minted = json(
        &data,
        &[
            "token",
            "mint",
            "--realm",
            "acme",
            "--sub",
            // Generated user ids are base64url and may begin with '-'.
            "-u1",
            "--aud",
            "agent77",
            "--claim",
            "email=a@b.c",
            "--claim",
            "level=3",
            "--issuer",
            &server.issuer,
        ],
    );
    let jwks = rt.block_on(async {
        reqwest::get(format!("{}/realms/acme/jwks.json", server.issuer))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let set = sigil_jose::JwkSet::from_json(&jwks).unwrap();
    let token = minted["token"].as_str().unwrap();
    let parsed = sigil_jose::CompactJws::parse(token).unwrap();
    let key = sigil_jose::VerifyingKey::from_jwk(
        set.find(parsed.header().kid.as_deref().unwrap())
            .unwrap()
            .clone(),
    )
    .unwrap();
    let claims: Value = parsed
        .verify(&key, &[sigil_jose::Algorithm::RS256])
        .unwrap()
        .payload_json()
        .unwrap();
    assert_eq!(
        (
            claims["sub"].as_str(),
            claims["level"].as_i64(),
            claims["email"].as_str()
        ),
        (Some("-u1"), Some(3), Some("a@b.c"))
    );
    assert_eq!(claims["iss"], format!("{}/realms/acme", server.issuer));

    // Personal access tokens: created for a user, listed, revoked.
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
            "laptop",
            "--ttl-days",
            "7",
            "--issuer",
            &server.issuer,
        ],
    );
    let listed = json(
        &data,
        &["token", "pat", "list", "--realm", "acme", "--user", "alice"],
    );
    assert_eq!(listed[0]["id"], pat["id"]);
    json(
        &data,
        &[
            "token",
            "pat",
            "revoke",
            pat["id"].as_str().unwrap(),
            "--realm",
            "acme",
        ],
    );
    let listed = json(&data, &["token", "pat", "list", "--realm", "acme"]);
    assert!(listed[0]["revoked_at"].is_i64());

    let admin = json(&data, &["admin-token", "create", "--name", "ci"]);
    assert!(admin["token"].as_str().unwrap().starts_with("sigil_admin_"));
    assert!(server.stop().success());
}

#[test]
fn store_commands_refuse_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    for (args, needle) in [
        (vec!["realm", "create", "Bad_Name"], "invalid realm name"),
        (
            vec!["realm", "create", "acme", "--rsa-bits", "2048"],
            "already exists",
        ),
        (
            vec!["realm", "create", "x", "--rsa-bits", "1024"],
            "2048, 3072 or 4096",
        ),
        (
            vec!["client", "create", "--realm", "ghost"],
            "does not exist",
        ),
        (
            vec![
                "client",
                "create",
                "--realm",
                "acme",
                "--auth-method",
                "magic",
            ],
            "auth method",
        ),
        (
            vec![
                "client",
                "create",
                "--realm",
                "acme",
                "--grant-type",
                "password",
            ],
            "grant type",
        ),
        (
            vec![
                "client",
                "create",
                "--realm",
                "acme",
                "--signing-alg",
                "EdDSA",
            ],
            "no EdDSA key",
        ),
        (
            vec![
                "client",
                "create",
                "--realm",
                "acme",
                "--grant-type",
                "authorization_code",
            ],
            "redirect-uri",
        ),
        (
            vec![
                "client",
                "create",
                "--realm",
                "acme",
                "--grant-type",
                "authorization_code",
                "--redirect-uri",
                "https://a/cb#frag",
            ],
            "fragment",
        ),
        (
            vec!["client", "delete", "nope", "--realm", "acme"],
            "no client",
        ),
        (
            vec![
                "token",
                "mint",
                "--realm",
                "acme",
                "--sub",
                "u",
                "--claim",
                "exp=1",
                "--issuer",
                "http://127.0.0.1:8080",
            ],
            "reserved",
        ),
        (
            vec![
                "token", "mint", "--realm", "acme", "--sub", "u", "--claim", "noequals",
            ],
            "NAME=VALUE",
        ),
        (
            vec![
                "token",
                "pat",
                "create",
                "--realm",
                "acme",
                "--user",
                "ghost",
                "--name",
                "n",
                "--issuer",
                "http://127.0.0.1:8080",
            ],
            "no user",
        ),
        (vec!["serve", "--listen", "nonsense"], "--listen"),
    ] {
        let output = sigil(&data).args(&args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // A different master key is refused rather than silently producing unusable keys.
    let output = sigil(&data)
        .args(["realm", "list"])
        .env("SIGIL_MASTER_KEY", "A".repeat(43))
        .output()
        .unwrap();
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("master key does not match")
    );
}
