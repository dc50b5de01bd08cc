//! `sigil user …`: every command through the binary, the `--json` shapes, passwords through
//! stdin (hashed with argon2id, verifiable by the server's own verifier, never shown), and
//! refusals as one line on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json, runtime, sigil, with_stdin};
use serde_json::{Value, json};
use sigil_server::users::{Password, PasswordHashing, Verification};
use sigil_store::{RealmName, UserStore as _};

/// A data directory with a realm `acme`.
fn data_with_realm() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    (dir, data)
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The one line of a refusal.
fn refusal(output: &Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} was accepted");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.starts_with("error: "), "{what}: {stderr}");
    stderr
}

/// The stored PHC string of a user, read straight from the store.
fn stored_hash(data: &Path, username: &str) -> Option<String> {
    runtime().block_on(async {
        let store = sigil_store::sqlite::SqliteStore::open(&data.join("sigil.db"))
            .await
            .unwrap();
        let realm = RealmName::new("acme").unwrap();
        let user = store.get_user_by_username(&realm, username).await.unwrap();
        user.unwrap().password_hash
    })
}

/// Whether `password` verifies against the stored hash, with the server's verifier.
fn verifies(stored: &str, password: &str) -> Verification {
    runtime().block_on(async {
        PasswordHashing::owasp()
            .verify(&Password::candidate(password.into()), stored)
            .await
            .unwrap()
    })
}

#[test]
fn create_with_every_option_and_the_json_shapes() {
    let (_dir, data) = data_with_realm();
    let output = with_stdin(
        &data,
        &[
            "user",
            "create",
            "alice",
            "--realm",
            "acme",
            "--password-stdin",
            "--email",
            "alice@example.com",
            "--email-verified",
            "--name",
            "Alice Liddell",
            "--given-name",
            "Alice",
            "--family-name",
            "Liddell",
            "--claim",
            "level=3",
            "--claim",
            "dept=R&D",
            "--claim",
            r#"address={"country":"NZ"}"#,
            "--group",
            "staff",
            "--group",
            "admins",
            "--allowed-scope",
            "openid profile",
            "--allowed-scope",
            "api:read",
            "--json",
        ],
        "correct horse battery\n",
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(!stdout.contains("$argon2"), "no hash in output: {stdout}");
    let created = stdout_json(&output);
    let id = created["id"].as_str().unwrap().to_owned();
    let at = created["created_at"].clone();
    assert_eq!(
        created,
        json!({
            "id": id, "username": "alice", "created_at": at, "updated_at": at,
            "email": "alice@example.com", "email_verified": true, "name": "Alice Liddell",
            "given_name": "Alice", "family_name": "Liddell",
            "claims": { "level": 3, "dept": "R&D", "address": { "country": "NZ" } },
            "groups": ["staff", "admins"],
            "allowed_scopes": ["openid", "profile", "api:read"],
            "has_password": true, "disabled": false,
        })
    );
    assert_eq!(
        json(&data, &["user", "show", "alice", "--realm", "acme"]),
        created
    );
    assert_eq!(
        json(&data, &["user", "list", "--realm", "acme"]),
        json!([created])
    );

    // A bare user: nulls, empties, no narrowing, no password.
    let bare = json(&data, &["user", "create", "bob", "--realm", "acme"]);
    assert_eq!(bare["allowed_scopes"], Value::Null);
    assert_eq!(bare["claims"], json!({}));
    assert_eq!(bare["groups"], json!([]));
    assert_eq!(bare["has_password"], false);
    let names: Vec<_> = json(&data, &["user", "list", "--realm", "acme"])
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["alice", "bob"]);

    // Text output, for people.
    let text = sigil(&data)
        .args(["user", "list", "--realm", "acme"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&id) && text.contains("bob") && text.contains("no password"),
        "{text}"
    );
    let shown = sigil(&data)
        .args(["user", "show", "alice", "--realm", "acme"])
        .output()
        .unwrap();
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(shown.contains("alice@example.com (verified)"), "{shown}");
    assert!(!shown.contains("$argon2"), "{shown}");
}

#[test]
fn passwords_come_from_stdin_and_are_stored_as_argon2id() {
    let (_dir, data) = data_with_realm();
    let created = with_stdin(
        &data,
        &[
            "user",
            "create",
            "alice",
            "--realm",
            "acme",
            "--password-stdin",
            "--json",
        ],
        "correct horse battery\r\n",
    );
    stdout_json(&created);
    let stored = stored_hash(&data, "alice").unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert_eq!(
        verifies(&stored, "correct horse battery"),
        Verification::Match {
            needs_rehash: false
        },
        "the line ending is not part of the password"
    );
    assert_eq!(
        verifies(&stored, "correct horse battery\r"),
        Verification::Mismatch
    );
    assert_eq!(
        verifies(&stored, "Correct horse battery"),
        Verification::Mismatch
    );

    let set = with_stdin(
        &data,
        &[
            "user",
            "set-password",
            "alice",
            "--realm",
            "acme",
            "--password-stdin",
            "--json",
        ],
        "tr0ub4dor&3 plus more",
    );
    assert_eq!(stdout_json(&set)["has_password"], true);
    let replaced = stored_hash(&data, "alice").unwrap();
    assert_ne!(replaced, stored);
    assert_eq!(
        verifies(&replaced, "correct horse battery"),
        Verification::Mismatch
    );
    assert_eq!(
        verifies(&replaced, "tr0ub4dor&3 plus more"),
        Verification::Match {
            needs_rehash: false
        }
    );

    // Refused passwords change nothing, and say why in one line.
    for (input, needle) in [
        ("short\n", "at least 8 characters"),
        ("tab\tinside it\n", "no control characters"),
        ("", "stdin is empty"),
    ] {
        let refused = with_stdin(
            &data,
            &[
                "user",
                "set-password",
                "alice",
                "--realm",
                "acme",
                "--password-stdin",
            ],
            input,
        );
        assert!(refusal(&refused, input).contains(needle), "{input:?}");
        let created = with_stdin(
            &data,
            &[
                "user",
                "create",
                "carol",
                "--realm",
                "acme",
                "--password-stdin",
            ],
            input,
        );
        assert!(refusal(&created, input).contains(needle), "{input:?}");
    }
    assert_eq!(stored_hash(&data, "alice").unwrap(), replaced);
    let names = json(&data, &["user", "list", "--realm", "acme"]);
    assert_eq!(
        names.as_array().unwrap().len(),
        1,
        "carol was never created"
    );
    let no_flag = sigil(&data)
        .args(["user", "set-password", "alice", "--realm", "acme"])
        .output()
        .unwrap();
    assert!(refusal(&no_flag, "no --password-stdin").contains("--password-stdin"));
    // A password is never an argument.
    let in_argv = sigil(&data)
        .args([
            "user",
            "create",
            "dave",
            "--realm",
            "acme",
            "--password",
            "hunter2hunter2",
        ])
        .output()
        .unwrap();
    assert!(!in_argv.status.success());
}

#[test]
fn update_changes_only_what_it_names() {
    let (_dir, data) = data_with_realm();
    json(
        &data,
        &[
            "user",
            "create",
            "alice",
            "--realm",
            "acme",
            "--email",
            "alice@example.com",
            "--email-verified",
            "--name",
            "Alice",
            "--claim",
            "level=3",
            "--claim",
            "team=blue",
            "--group",
            "staff",
        ],
    );
    let update = |args: &[&str]| {
        let mut all = vec!["user", "update", "alice", "--realm", "acme"];
        all.extend_from_slice(args);
        json(&data, &all)
    };
    let u = update(&["--family-name", "Liddell"]);
    assert_eq!(
        (u["family_name"].clone(), u["name"].clone()),
        (json!("Liddell"), json!("Alice"))
    );
    assert_eq!(u["email_verified"], true, "untouched");

    let u = update(&["--email", "alice@new.example"]);
    assert_eq!(u["email"], "alice@new.example");
    assert_eq!(u["email_verified"], false, "a new address is not verified");
    let u = update(&["--email-verified"]);
    assert_eq!(u["email_verified"], true);
    let u = update(&["--email-verified=false"]);
    assert_eq!(u["email_verified"], false);

    let u = update(&[
        "--claim",
        "level=4",
        "--claim",
        "tags=[1,2]",
        "--remove-claim",
        "team",
    ]);
    assert_eq!(u["claims"], json!({ "level": 4, "tags": [1, 2] }));
    let u = update(&["--group", "admins", "--group", "ops"]);
    assert_eq!(u["groups"], json!(["admins", "ops"]), "replaced");
    let u = update(&["--clear-groups"]);
    assert_eq!(u["groups"], json!([]));

    let u = update(&["--allowed-scope", ""]);
    assert_eq!(
        u["allowed_scopes"],
        json!([]),
        "nothing allowed, unlike no narrowing"
    );
    let u = update(&["--allowed-scope", "openid email"]);
    assert_eq!(u["allowed_scopes"], json!(["openid", "email"]));
    let u = update(&["--clear-allowed-scopes"]);
    assert_eq!(u["allowed_scopes"], Value::Null);

    let u = update(&["--email", "", "--name", ""]);
    assert_eq!(
        (u["email"].clone(), u["name"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(u["family_name"], "Liddell");
    assert_eq!(
        json(&data, &["user", "show", "alice", "--realm", "acme"]),
        u
    );
}

#[test]
fn disable_enable_and_delete() {
    let (_dir, data) = data_with_realm();
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
            "--issuer",
            "http://127.0.0.1:8080",
        ],
    );
    let pat_id = pat["id"].as_str().unwrap().to_owned();

    let disabled = json(&data, &["user", "disable", "alice", "--realm", "acme"]);
    assert_eq!(disabled["disabled"], true);
    let pats = json(
        &data,
        &["token", "pat", "list", "--realm", "acme", "--user", "alice"],
    );
    assert_eq!(pats[0]["id"], pat_id.as_str());
    assert!(
        pats[0]["revoked_at"].is_i64(),
        "disabling revokes its PATs: {pats}"
    );
    let refused = sigil(&data)
        .args([
            "token",
            "pat",
            "create",
            "--realm",
            "acme",
            "--user",
            "alice",
            "--name",
            "x",
            "--issuer",
            "http://127.0.0.1:8080",
        ])
        .output()
        .unwrap();
    assert!(refusal(&refused, "a PAT for a disabled user").contains("disabled"));
    // Disabling twice is fine (and finishes what a failed first attempt left).
    json(&data, &["user", "disable", "alice", "--realm", "acme"]);
    let listed = sigil(&data)
        .args(["user", "list", "--realm", "acme"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(listed.stdout)
            .unwrap()
            .contains("disabled")
    );

    let enabled = json(&data, &["user", "enable", "alice", "--realm", "acme"]);
    assert_eq!(enabled["disabled"], false);
    assert_eq!(enabled["id"], disabled["id"]);

    let deleted = json(&data, &["user", "delete", "alice", "--realm", "acme"]);
    assert_eq!(
        deleted,
        json!({ "id": disabled["id"], "username": "alice", "deleted": true })
    );
    assert_eq!(json(&data, &["user", "list", "--realm", "acme"]), json!([]));
    for command in ["delete", "show", "disable", "enable"] {
        let again = sigil(&data)
            .args(["user", command, "alice", "--realm", "acme"])
            .output()
            .unwrap();
        assert!(refusal(&again, command).contains("no user alice in realm acme"));
    }
    // The name is free again, for a new user with a new sub.
    let new = json(&data, &["user", "create", "alice", "--realm", "acme"]);
    assert_ne!(new["id"], deleted["id"]);
}

#[test]
fn bad_input_is_one_line() {
    let (_dir, data) = data_with_realm();
    json(&data, &["user", "create", "alice", "--realm", "acme"]);
    for (args, needle) in [
        (
            vec!["user", "create", "alice", "--realm", "acme"],
            "already exists",
        ),
        (vec!["user", "create", " ", "--realm", "acme"], "username"),
        (
            vec!["user", "create", "bob", "--realm", "nowhere"],
            "realm nowhere does not exist",
        ),
        (
            vec!["user", "create", "bob", "--realm", "acme", "--email", "bob"],
            "not an email",
        ),
        (
            vec![
                "user",
                "create",
                "bob",
                "--realm",
                "acme",
                "--email-verified",
            ],
            "email_verified needs an email",
        ),
        (
            vec![
                "user", "create", "bob", "--realm", "acme", "--claim", "sub=x",
            ],
            "reserved",
        ),
        (
            vec![
                "user", "create", "bob", "--realm", "acme", "--claim", "nonce=1",
            ],
            "reserved",
        ),
        (
            vec![
                "user", "create", "bob", "--realm", "acme", "--claim", "email=x",
            ],
            "field",
        ),
        (
            vec![
                "user", "create", "bob", "--realm", "acme", "--claim", "novalue",
            ],
            "NAME=VALUE",
        ),
        (
            vec![
                "user",
                "create",
                "bob",
                "--realm",
                "acme",
                "--allowed-scope",
                "a\"b",
            ],
            "RFC 6749",
        ),
        (
            vec!["user", "create", "bob", "--realm", "acme", "--group", " "],
            "group",
        ),
        (
            vec!["user", "update", "ghost", "--realm", "acme", "--name", "G"],
            "no user ghost",
        ),
        (
            vec![
                "user",
                "update",
                "alice",
                "--realm",
                "acme",
                "--remove-claim",
                "nope",
            ],
            "no claim",
        ),
        (
            vec![
                "user", "update", "alice", "--realm", "acme", "--claim", "iss=x",
            ],
            "reserved",
        ),
        (
            vec![
                "user",
                "update",
                "alice",
                "--realm",
                "acme",
                "--clear-groups",
                "--group",
                "a",
            ],
            "cannot be used with",
        ),
    ] {
        let output = sigil(&data).args(&args).output().unwrap();
        let stderr = String::from_utf8(output.stderr.clone()).unwrap();
        assert!(!output.status.success(), "{args:?} was accepted");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let names = json(&data, &["user", "list", "--realm", "acme"]);
    assert_eq!(
        names.as_array().unwrap().len(),
        1,
        "nothing else was created"
    );
}
