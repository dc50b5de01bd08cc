//! Every CLI command on PostgreSQL: `sigil migrate`, `sigil serve` answering discovery and a
//! client-credentials request for a client made with `sigil client create`, `sigil realm`,
//! `user`, `token pat`, `admin-token` and `keys` — each test in a fresh schema. Skipped (with a note) without PostgreSQL, except under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::path::Path;
use std::process::Output;

use common::{Serve, runtime, sigil};
use serde_json::Value;
use sigil_store::testing::PgTestDatabase;

fn on(data: &Path, url: &str, args: &[&str]) -> Output {
    sigil(data)
        .args(args)
        .args(["--database-url", url])
        .output()
        .unwrap()
}

fn json_on(data: &Path, url: &str, args: &[&str]) -> Value {
    let output = on(data, url, &[args, &["--json"]].concat());
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_command_works_on_postgres() {
    let rt = runtime();
    let Some(db) = rt.block_on(PgTestDatabase::create()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = db.url();

    for _ in 0..2 {
        let migrated = on(&data, url, &["migrate"]);
        assert!(migrated.status.success(), "{migrated:?}");
        assert_eq!(
            String::from_utf8(migrated.stdout).unwrap(),
            "the postgres database's schema is up to date\n"
        );
    }

    let mut command = sigil(&data);
    command.args(["serve", "--listen", "127.0.0.1:0", "--database-url", url]);
    let server = Serve::spawn(command, &["curl ", "its secret was shown"]);
    assert!(
        server.banner.contains("created the default realm"),
        "{}",
        server.banner
    );

    let discovery: Value = rt.block_on(async {
        let url = format!("{}/.well-known/openid-configuration", server.issuer);
        let response = reqwest::get(url).await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    });
    assert_eq!(discovery["issuer"], server.issuer.as_str());

    let client = json_on(
        &data,
        url,
        &[
            "client",
            "create",
            "--name",
            "Billing",
            "--scope",
            "invoices:read",
        ],
    );
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    let token: Value = rt.block_on(async {
        let response = reqwest::Client::new()
            .post(discovery["token_endpoint"].as_str().unwrap())
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    });
    assert!(token["access_token"].as_str().unwrap().split('.').count() == 3);

    json_on(&data, url, &["realm", "create", "acme"]);
    let realms = json_on(&data, url, &["realm", "list"]);
    let names: Vec<&str> = realms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "default"]);

    // Users, personal access tokens, admin tokens and keys, through the same store.
    json_on(&data, url, &["user", "create", "alice", "--realm", "acme"]);
    let pat = json_on(
        &data,
        url,
        &[
            "token", "pat", "create", "--realm", "acme", "--user", "alice", "--name", "cli",
        ],
    );
    let pat_id = pat["id"].as_str().unwrap();
    let revoked = json_on(
        &data,
        url,
        &["token", "pat", "revoke", pat_id, "--realm", "acme"],
    );
    assert_eq!(revoked["revoked"], pat_id);
    let admin = json_on(&data, url, &["admin-token", "create", "--name", "ci"]);
    json_on(
        &data,
        url,
        &["admin-token", "delete", admin["id"].as_str().unwrap()],
    );
    let before = json_on(&data, url, &["keys", "list", "--realm", "acme"]);
    json_on(&data, url, &["keys", "rotate", "--realm", "acme"]);
    let after = json_on(&data, url, &["keys", "list", "--realm", "acme"]);
    assert!(
        after.as_array().unwrap().len() > before.as_array().unwrap().len(),
        "{after}"
    );
    assert!(server.stop().success());
}

/// With `--skip-migrations`, a schema older than this Sigil's is refused in one line that
/// says what to do; `sigil migrate` then makes it servable.
#[test]
fn skip_migrations_refuses_an_old_schema_and_migrate_fixes_it() {
    let rt = runtime();
    let Some(db) = rt.block_on(PgTestDatabase::create()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let listed = on(
        dir.path(),
        db.url(),
        &["realm", "list", "--skip-migrations"],
    );
    assert!(!listed.status.success());
    let stderr = String::from_utf8(listed.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("run `sigil migrate`"), "{stderr}");

    let migrated = on(dir.path(), db.url(), &["migrate", "--skip-migrations"]);
    assert!(migrated.status.success(), "{migrated:?}");
    let listed = on(
        dir.path(),
        db.url(),
        &["realm", "list", "--skip-migrations"],
    );
    assert!(listed.status.success(), "{listed:?}");
}

/// Zero for a pool size or a timeout is a mistake, refused in one line before any connection.
#[test]
fn zero_pool_sizes_and_timeouts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for flag in [
        "--database-pool-size",
        "--database-connect-timeout",
        "--database-statement-timeout",
    ] {
        let output = sigil(dir.path())
            .args(["realm", "list", flag, "0"])
            .args(["--database-url", "postgres://postgres@127.0.0.1:1/none"])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(flag), "{stderr}");
    }
    // The same from the environment and from the file.
    let config = dir.path().join("sigil.toml");
    std::fs::write(&config, "database_statement_timeout = 0\n").unwrap();
    let from_file = sigil(dir.path())
        .args(["realm", "list", "--config"])
        .arg(&config)
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/none"])
        .output()
        .unwrap();
    let from_env = sigil(dir.path())
        .args(["realm", "list"])
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/none"])
        .env("SIGIL_DATABASE_POOL_SIZE", "0")
        .output()
        .unwrap();
    for (output, flag) in [
        (from_file, "--database-statement-timeout"),
        (from_env, "--database-pool-size"),
    ] {
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(flag), "{stderr}");
    }
}
