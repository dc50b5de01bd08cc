//! Regressions found by a hostile probe of `sigil serve`, driven through the binary: two
//! servers on one SQLite database, tokens signed for an issuer no server uses, admin tokens
//! that never work, control characters in minted claims, and what `pat revoke` promises.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;

use common::{BANNER_TIMEOUT, Serve, json, runtime, sigil};
use serde_json::Value;

/// Runs a command that must fail; returns its single stderr line.
fn refused(data: &Path, args: &[&str]) -> String {
    let output = sigil(data).args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} succeeded");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    stderr
}

/// Runs a `sigil serve` that must refuse to start; returns its single stderr line. One that
/// starts anyway (the old behaviour) prints its banner, is killed and fails the test; the
/// wait is bounded by [`BANNER_TIMEOUT`], so nothing hangs.
fn refused_serve(data: &Path, args: &[&str]) -> String {
    let mut child = sigil(data)
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line of stdout, or end of file when the process exits without one.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = tx.send(stdout.read_line(&mut line).map(|_| line));
    });
    match rx.recv_timeout(BANNER_TIMEOUT) {
        Ok(Ok(line)) if line.is_empty() => {}
        other => {
            let _ = child.kill();
            panic!("a second `sigil serve {args:?}` started on a served database: {other:?}");
        }
    }
    assert!(!child.wait().unwrap().success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

fn claims(token: &str) -> Value {
    sigil_jose::dangerous::decode_unverified(token)
        .unwrap()
        .payload
        .unwrap()
}

#[test]
fn a_second_serve_on_one_data_dir_is_refused_unless_sharing_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Serve::start(&data);
    let line = refused_serve(&data, &["--listen", "127.0.0.1:0"]);
    assert!(
        line.contains(&format!("data directory {}", data.display()))
            && line.contains("PostgreSQL")
            && line.contains("--allow-shared-sqlite"),
        "{line}"
    );
    // Store commands do not lock: they run beside the server.
    json(&data, &["client", "list"]);
    // The explicit opt-out starts a second node.
    let mut shared = sigil(&data);
    shared.args(["serve", "--listen", "127.0.0.1:0", "--allow-shared-sqlite"]);
    let second = Serve::spawn(shared, &["curl ", "its secret was shown"]);
    assert!(second.stop().success());
    assert!(first.stop().success());
    // The lock dies with its holder.
    assert!(Serve::start(&data).stop().success());
}

#[test]
fn a_second_serve_on_one_sqlite_url_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", db.display());
    let mut command = sigil(&data);
    command.args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url]);
    let first = Serve::spawn(command, &["curl ", "its secret was shown"]);
    let line = refused_serve(&data, &["--listen", "127.0.0.1:0", "--database-url", &url]);
    assert!(
        line.contains(&format!("database {}", db.display())) && line.contains("PostgreSQL"),
        "{line}"
    );
    assert!(dir.path().join("elsewhere.db.lock").exists());
    assert!(first.stop().success());
}

#[test]
fn token_commands_sign_for_the_issuer_serve_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    // No server has ever run here and no issuer is configured: no token is guessed.
    for args in [
        vec!["token", "mint", "--realm", "acme", "--sub", "u"],
        vec![
            "token", "pat", "create", "--realm", "acme", "--user", "x", "--name", "n",
        ],
    ] {
        let line = refused(&data, &args);
        assert!(
            line.contains("no issuer known: pass --issuer or start `sigil serve` once"),
            "{line}"
        );
    }

    let server = Serve::start(&data);
    json(&data, &["user", "create", "alice"]);
    let pat = json(
        &data,
        &[
            "token", "pat", "create", "--user", "alice", "--name", "laptop",
        ],
    );
    let pat_token = pat["token"].as_str().unwrap();
    assert_eq!(claims(pat_token)["iss"], server.issuer.as_str());
    // A resource server for PATs names the realm's issuer as its audience.
    let rs = json(
        &data,
        &[
            "client",
            "create",
            "--name",
            "rs",
            "--audience",
            &server.issuer,
        ],
    );
    let (id, secret) = (
        rs["client_id"].as_str().unwrap(),
        rs["client_secret"].as_str().unwrap(),
    );
    let introspect = |token: &str| -> Value {
        runtime().block_on(async {
            reqwest::Client::new()
                .post(format!("{}/introspect", server.issuer))
                .basic_auth(id, Some(secret))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    };
    let answer = introspect(pat_token);
    assert_eq!(answer["active"], true, "{answer}");

    // A minted token carries the served issuer (per realm) and verifies against its keys.
    for (realm, iss) in [
        ("default", server.issuer.clone()),
        ("acme", format!("{}/realms/acme", server.issuer)),
    ] {
        let minted = json(&data, &["token", "mint", "--realm", realm, "--sub", "u1"]);
        let token = minted["token"].as_str().unwrap();
        assert_eq!(claims(token)["iss"], iss.as_str());
        let output = sigil(&data)
            .args(["verify", token, "--issuer", &iss])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    // A configured issuer still comes first.
    let minted = json(
        &data,
        &[
            "token",
            "mint",
            "--sub",
            "u1",
            "--issuer",
            "https://id.example.com",
        ],
    );
    assert_eq!(
        claims(minted["token"].as_str().unwrap())["iss"],
        "https://id.example.com"
    );

    // Revocation says when it takes effect, as README documents.
    let output = sigil(&data)
        .args(["token", "pat", "revoke", pat["id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "in effect on running servers within their refresh interval (about a second)"
        ),
        "{text}"
    );
    assert!(server.stop().success());
}

#[test]
fn admin_tokens_need_a_lifetime_of_at_least_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (ttl, needle) in [("0", "at least 1 second"), ("-5", "cannot be negative")] {
        let line = refused(&data, &["admin-token", "create", "--ttl", ttl]);
        assert!(line.contains(needle), "{ttl}: {line}");
    }
    assert_eq!(json(&data, &["admin-token", "list"]), serde_json::json!([]));
    let made = json(&data, &["admin-token", "create", "--ttl", "60"]);
    assert!(made["expires_at"].is_i64());
}

#[test]
fn minted_sub_and_aud_refuse_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    let mint = [
        "token",
        "mint",
        "--realm",
        "acme",
        "--issuer",
        "http://127.0.0.1:8080",
    ];
    // A NUL cannot travel in argv; the same check refuses it over HTTP (e2e `admin_bodies`).
    for (extra, needle) in [
        (
            ["--sub", "alice\nadmin"],
            "sub must not contain control characters (found U+000A)",
        ),
        (
            ["--sub", "a\u{1}"],
            "sub must not contain control characters (found U+0001)",
        ),
        (
            ["--sub", "u\u{7f}"],
            "sub must not contain control characters (found U+007F)",
        ),
    ] {
        let args: Vec<&str> = mint.iter().chain(extra.iter()).copied().collect();
        let line = refused(&data, &args);
        assert!(line.contains(needle), "{line}");
    }
    let args: Vec<&str> = mint
        .iter()
        .copied()
        .chain(["--sub", "u", "--aud", "ok", "--aud", "x\u{1b}[31m"])
        .collect();
    let line = refused(&data, &args);
    assert!(
        line.contains("aud must not contain control characters (found U+001B)"),
        "{line}"
    );
}
