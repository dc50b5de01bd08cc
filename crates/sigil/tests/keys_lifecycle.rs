//! `sigil keys list|rotate|import|retire`, production mode, and keys configured through the
//! environment as seed 002 deploys them — driven through the binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{Serve, json, runtime, sigil};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Runs a command expected to fail; returns its one stderr line.
fn refused(data: &Path, args: &[&str]) -> String {
    let output = sigil(data).args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} should fail");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    stderr
}

fn states(data: &Path, realm: &str) -> Vec<(String, String)> {
    json(data, &["keys", "list", "--realm", realm])
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn realm_update_sets_the_brand_and_theme_and_refuses_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    let theme = dir.path().join("theme");
    std::fs::create_dir(&theme).unwrap();
    std::fs::write(
        theme.join("error.html"),
        "{% extends \"layout.html\" %}{% block main %}<p>{{ message }}</p>{% endblock %}",
    )
    .unwrap();
    let theme_dir = theme.to_str().unwrap();
    let updated = json(
        &data,
        &[
            "realm",
            "update",
            "acme",
            "--brand-name",
            "Acme ID",
            "--brand-colour",
            "#c0ffee",
            "--brand-logo",
            "https://acme.example/logo.svg",
            "--theme-dir",
            theme_dir,
        ],
    );
    assert_eq!(updated["brand"]["name"], "Acme ID");
    assert_eq!(updated["brand"]["colour"], "#c0ffee");
    assert_eq!(updated["theme"], serde_json::json!(["error.html"]));
    std::fs::write(theme.join("login.html"), "{% if %}").unwrap();
    for args in [
        &["realm", "update", "acme", "--theme-dir", theme_dir][..],
        &["realm", "update", "acme", "--brand-colour", "red;}"][..],
    ] {
        let output = sigil(&data).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("login.html") || stderr.contains("colour"),
            "{stderr}"
        );
    }
}

#[test]
fn rotate_schedules_with_prepublication_and_retire_guards_the_signer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let realm = json(
        &data,
        &[
            "realm",
            "create",
            "acme",
            "--rsa-bits",
            "2048",
            "--rotation-period-days",
            "7",
            // The signing keys' walk; `encryption_keys_are_listed_…` has the others.
            "--no-encryption-keys",
        ],
    );
    assert_eq!(realm["rotation_period_days"], 7);
    let updated = json(
        &data,
        &["realm", "update", "acme", "--rotation-period-days", "14"],
    );
    assert_eq!(updated["rotation_period_days"], 14);
    let initial = states(&data, "acme");
    assert_eq!(initial.len(), 1);
    assert_eq!(initial[0].1, "current");

    let rotated = json(
        &data,
        &["keys", "rotate", "--realm", "acme", "--jwks-max-age", "600"],
    );
    let activates = rotated[0]["activates_at"].as_i64().unwrap();
    let lead = activates - now();
    assert!(
        (899..=901).contains(&lead),
        "max-age 600 + 300 s margin, got {lead}"
    );
    let after = states(&data, "acme");
    assert_eq!(
        after.iter().filter(|(_, s)| s == "next").count(),
        1,
        "{after:?}"
    );
    assert_eq!(
        json(&data, &["keys", "rotate", "--realm", "acme"])[0]["already_scheduled"],
        true
    );

    // --now signs at once, with a warning about caching verifiers.
    let output = sigil(&data)
        .args(["keys", "rotate", "--realm", "acme", "--now", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("cached the JWKS")
    );
    // "At once" means at the latest one second after the newest key's activation.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let listed = json(&data, &["keys", "list", "--realm", "acme"]);
    let current: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["state"] == "current")
        .collect();
    assert_eq!(current.len(), 1);
    let first = &initial[0].0;
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == first.as_str())
            .unwrap()["state"],
        "previous"
    );
    // Each transition's time is listed.
    let old = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == first.as_str())
        .unwrap();
    assert!(old["superseded_at"].is_i64() && old["removed_at"].is_i64());

    let line = refused(
        &data,
        &[
            "keys",
            "retire",
            current[0]["kid"].as_str().unwrap(),
            "--realm",
            "acme",
        ],
    );
    assert!(
        line.contains("current") && line.contains("rotate --now"),
        "{line}"
    );
    let output = sigil(&data)
        .args(["keys", "retire", first, "--realm", "acme", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("stop verifying")
    );
    assert!(states(&data, "acme").contains(&(first.clone(), "removed".to_owned())));
}

#[test]
fn import_accepts_every_pem_form_and_refuses_the_wrong_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    // PKCS#8 from `sigil keys generate`, through an environment variable with literal \n.
    let generated = json(
        &data,
        &["keys", "generate", "--alg", "EdDSA", "--format", "env"],
    );
    let env_line = generated["env"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let value = env_line
        .strip_prefix("SIGIL_SIGNING_KEY=")
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let output = sigil(&data)
        .args([
            "keys",
            "import",
            "--realm",
            "acme",
            "--key-env",
            "MY_KEY",
            "--json",
        ])
        .env("MY_KEY", &value)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let imported: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(imported["key"]["alg"], "EdDSA");
    assert_eq!(
        imported["key"]["kid"], generated["kid"],
        "kid defaults to the thumbprint"
    );

    for (file, alg, kid) in [
        ("rsa2048_pkcs1.pem", "RS256", "rsa-pkcs1"),
        ("p256_sec1.pem", "ES256", "ec-sec1"),
        // Thumbprint kids are base64url and may begin with '-': the CLI must take them.
        ("p384_sec1.pem", "ES384", "-ec384"),
    ] {
        let path = fixture(file);
        let doc = json(
            &data,
            &[
                "keys",
                "import",
                "--realm",
                "acme",
                "--key-file",
                path.to_str().unwrap(),
                "--kid",
                kid,
            ],
        );
        assert_eq!(
            (doc["key"]["alg"].as_str(), doc["key"]["kid"].as_str()),
            (Some(alg), Some(kid)),
            "{file}"
        );
    }
    let listed = json(&data, &["keys", "list", "--realm", "acme"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["origin"] == "imported")
            .all(|k| k["state"] == "next"),
        "imports respect pre-publication"
    );

    let output = sigil(&data)
        .args(["keys", "retire", "-ec384", "--realm", "acme"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(states(&data, "acme").contains(&("-ec384".to_owned(), "removed".to_owned())));

    // A previous public key, published for verification only.
    let public = fixture("rsa2048_public.pem");
    let doc = json(
        &data,
        &[
            "keys",
            "import",
            "--realm",
            "acme",
            "--previous-public-key-file",
            public.to_str().unwrap(),
            "--previous-kid",
            "old-1",
        ],
    );
    assert_eq!(doc["previous"]["kid"], "old-1");
    assert!(states(&data, "acme").contains(&("old-1".to_owned(), "previous".to_owned())));

    for (file, needle) in [
        ("rsa1024_pkcs1.pem", "at least 2048 bits"),
        ("p256_cert.pem", "found \"CERTIFICATE\""),
        ("rsa2048_public.pem", "found \"PUBLIC KEY\""),
    ] {
        let line = refused(
            &data,
            &[
                "keys",
                "import",
                "--realm",
                "acme",
                "--key-file",
                fixture(file).to_str().unwrap(),
            ],
        );
        assert!(line.contains(needle), "{file}: {line}");
    }
    let line = refused(&data, &["keys", "import", "--realm", "acme"]);
    assert!(line.contains("nothing to import"), "{line}");
}

#[test]
fn production_mode_refuses_to_start_without_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let inside = data.join("master.key");
    std::fs::write(&inside, "A".repeat(43)).unwrap();
    let key = format!("{}A", "Q".repeat(42)); // 32 bytes, base64url
    for (env_key, file, issuer, needle) in [
        (
            None,
            None,
            Some("https://id.example.com"),
            "master key from outside the data directory",
        ),
        (
            None,
            Some(inside.to_str().unwrap()),
            Some("https://id.example.com"),
            "master key from outside the data directory",
        ),
        (Some(key.as_str()), None, None, "https issuer"),
        (
            Some(key.as_str()),
            None,
            Some("http://id.example.com"),
            "https issuer, not http://id.example.com",
        ),
    ] {
        let mut command = sigil(&data);
        command.args(["serve", "--production", "--listen", "127.0.0.1:0"]);
        if let Some(k) = env_key {
            command.env("SIGIL_MASTER_KEY", k);
        }
        if let Some(f) = file {
            command.args(["--master-key-file", f]);
        }
        if let Some(i) = issuer {
            command.args(["--issuer", i]);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    // With both, it starts, and creates no demo client.
    let mut command = sigil(&data);
    command
        .args([
            "serve",
            "--production",
            "--listen",
            "127.0.0.1:0",
            "--issuer",
            "https://id.example.com",
        ])
        .env("SIGIL_MASTER_KEY", &key);
    let server = Serve::spawn(command, &["discovery:"]);
    assert!(!server.banner.contains("demo client"), "{}", server.banner);
    assert!(server.stop().success());
}

#[test]
fn keys_configured_in_the_environment_sign_and_rotate_as_seed_002_describes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = json(
        &data,
        &["keys", "generate", "--alg", "RS256", "--bits", "2048"],
    );
    let start = |private: &str, kid: &str, previous: Option<(&str, &str)>| {
        let mut command = sigil(&data);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SIGIL_SIGNING_KEY", private.replace('\n', "\\n"))
            .env("SIGIL_SIGNING_KEY_ID", kid);
        if let Some((public, old_kid)) = previous {
            command
                .env("SIGIL_PREVIOUS_PUBLIC_KEY", public)
                .env("SIGIL_PREVIOUS_KEY_ID", old_kid);
        }
        Serve::spawn(command, &["curl ", "its secret was shown"])
    };
    let rt = runtime();
    let kids = |issuer: &str| -> Vec<String> {
        let jwks: Value = rt.block_on(async {
            reqwest::get(format!("{issuer}/jwks.json"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["use"] == "sig")
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let signed_kid = |issuer: &str, banner: &str| -> String {
        let words: Vec<&str> = banner
            .lines()
            .find(|l| l.trim_start().starts_with("curl "))
            .unwrap()
            .split_whitespace()
            .collect();
        let (id, secret) = words[words.iter().position(|w| *w == "-u").unwrap() + 1]
            .split_once(':')
            .unwrap();
        let body: Value = rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{issuer}/token"))
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        sigil_jose::dangerous::decode_unverified(body["access_token"].as_str().unwrap())
            .unwrap()
            .header["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let server = start(
        first["private_key_pem"].as_str().unwrap(),
        "key-2026-01",
        None,
    );
    assert_eq!(
        kids(&server.issuer),
        vec!["key-2026-01"],
        "only the configured signing key: none was generated"
    );
    assert_eq!(signed_kid(&server.issuer, &server.banner), "key-2026-01");
    assert!(server.stop().success());

    // Rotation, seed 002 style: new private key, the old public key as previous.
    let second = json(
        &data,
        &["keys", "generate", "--alg", "RS256", "--bits", "2048"],
    );
    // A configured key signs at once: at the latest the second after the newest key did.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let server = start(
        second["private_key_pem"].as_str().unwrap(),
        "key-2026-02",
        Some((first["public_key_pem"].as_str().unwrap(), "key-2026-01")),
    );
    let mut published = kids(&server.issuer);
    published.sort();
    assert_eq!(
        published,
        vec!["key-2026-01", "key-2026-02"],
        "JWKS lists both keys"
    );
    assert_eq!(
        signed_kid(&server.issuer, &server.banner),
        "key-2026-02",
        "new tokens use the new key"
    );
    assert!(server.stop().success());

    // A configured key below policy stops the start with one line.
    let small = std::fs::read_to_string(fixture("rsa1024_pkcs1.pem")).unwrap();
    let output = sigil(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SIGIL_SIGNING_KEY", small)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("at least 2048 bits") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// The `use: enc` rows of `sigil keys list --json`: (alg, state).
fn encryption_keys(data: &Path, realm: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = json(data, &["keys", "list", "--realm", realm])
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "enc")
        .map(|k| {
            (
                k["alg"].as_str().unwrap().to_owned(),
                k["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn pair(alg: &str, state: &str) -> (String, String) {
    (alg.to_owned(), state.to_owned())
}

#[test]
fn encryption_keys_are_listed_with_their_use_and_follow_realm_update() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let realm = json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    assert_eq!(
        realm["encryption_algs"],
        serde_json::json!(["RSA-OAEP-256", "ECDH-ES+A256KW"])
    );
    assert_eq!(
        encryption_keys(&data, "acme"),
        [
            pair("ECDH-ES+A256KW", "current"),
            pair("RSA-OAEP-256", "current")
        ]
    );
    let listed = sigil(&data)
        .args(["keys", "list", "--realm", "acme"])
        .output()
        .unwrap();
    let text = String::from_utf8(listed.stdout).unwrap();
    assert!(text.lines().next().unwrap().contains(" USE "), "{text}");
    let use_of = |alg: &str| -> String {
        let line = text.lines().find(|l| l.contains(alg)).unwrap();
        line.split_whitespace().nth(2).unwrap().to_owned()
    };
    assert_eq!(
        (
            use_of("RS256"),
            use_of("RSA-OAEP-256"),
            use_of("ECDH-ES+A256KW")
        ),
        ("sig".into(), "enc".into(), "enc".into())
    );

    // The current encryption key is guarded like a signer.
    let ec_kid = json(&data, &["keys", "list", "--realm", "acme"])
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["alg"] == "ECDH-ES+A256KW")
        .unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let line = refused(&data, &["keys", "retire", &ec_kid, "--realm", "acme"]);
    assert!(
        line.contains("current ECDH-ES+A256KW encryption key"),
        "{line}"
    );

    // Only RSA-OAEP-256: the EC key is retired now.
    let updated = json(
        &data,
        &[
            "realm",
            "update",
            "acme",
            "--encryption-alg",
            "RSA-OAEP-256",
        ],
    );
    assert_eq!(
        updated["encryption_algs"],
        serde_json::json!(["RSA-OAEP-256"])
    );
    assert_eq!(
        encryption_keys(&data, "acme"),
        [
            pair("ECDH-ES+A256KW", "removed"),
            pair("RSA-OAEP-256", "current")
        ]
    );
    // Back to both: a new EC key, current at once; the RSA one is kept.
    json(
        &data,
        &[
            "realm",
            "update",
            "acme",
            "--encryption-alg",
            "RSA-OAEP-256",
            "--encryption-alg",
            "ECDH-ES+A256KW",
        ],
    );
    assert_eq!(
        encryption_keys(&data, "acme"),
        [
            pair("ECDH-ES+A256KW", "current"),
            pair("ECDH-ES+A256KW", "removed"),
            pair("RSA-OAEP-256", "current")
        ]
    );
    // `keys rotate --alg` takes an encryption algorithm: a next key, published now.
    let rotated = json(
        &data,
        &[
            "keys",
            "rotate",
            "--realm",
            "acme",
            "--alg",
            "ECDH-ES+A256KW",
        ],
    );
    assert_eq!(rotated[0]["alg"], "ECDH-ES+A256KW");
    assert!(rotated[0]["activates_at"].is_i64(), "{rotated}");
    assert!(encryption_keys(&data, "acme").contains(&pair("ECDH-ES+A256KW", "next")));

    for refused_alg in ["RSA1_5", "RSA-OAEP", "dir"] {
        let line = refused(
            &data,
            &["realm", "update", "acme", "--encryption-alg", refused_alg],
        );
        assert!(line.contains("RSA-OAEP-256"), "{refused_alg}: {line}");
    }
    let none = json(&data, &["realm", "update", "acme", "--no-encryption-keys"]);
    assert_eq!(none["encryption_algs"], serde_json::json!([]));
    assert!(
        encryption_keys(&data, "acme")
            .iter()
            .all(|(_, state)| state == "removed")
    );
    // A realm can be made without them (each RSA one is a key generation).
    let bare = json(
        &data,
        &[
            "realm",
            "create",
            "bare",
            "--rsa-bits",
            "2048",
            "--no-encryption-keys",
        ],
    );
    assert_eq!(bare["encryption_algs"], serde_json::json!([]));
    assert!(encryption_keys(&data, "bare").is_empty());
}
