//! `sigil realm update --registration … --registration-limit … --subject-type …`, `sigil
//! client initial-token create` and `sigil client list --registered`, against a running
//! `sigil serve` whose `/register` they govern.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use common::{Serve, eventually, json, runtime, sigil};
use serde_json::{Value, json as j};

const REDIRECT: &str = "https://app.example/cb";

fn refusal(data: &std::path::Path, args: &[&str]) -> String {
    let output = sigil(data).args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} was accepted");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn initial_tokens_admit_registrations_that_the_registered_list_shows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Serve::start(&data);
    let updated = json(
        &data,
        &[
            "realm",
            "update",
            "default",
            "--registration",
            "token",
            "--registration-limit",
            "5",
            "--subject-type",
            "pairwise",
        ],
    );
    assert_eq!(updated["registration"], "token");
    assert_eq!(updated["registrations_per_hour"], 5);
    assert_eq!(updated["default_subject_type"], "pairwise");

    // Text output: the token once, with what it admits.
    let output = sigil(&data)
        .args([
            "client",
            "initial-token",
            "create",
            "--expires-in",
            "1h",
            "--max-uses",
            "1",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("admits 1 registrations"), "{text}");
    assert!(text.contains("shown once"), "{text}");
    let token = text.lines().nth(1).unwrap().trim().to_owned();
    let created = json(
        &data,
        &["client", "initial-token", "create", "--max-uses", "3"],
    );
    assert_eq!(created["max_uses"], 3);
    assert_eq!(created["expires_at"], Value::Null);

    let register = |token: Option<String>| {
        let url = format!("{}/register", server.issuer);
        async move {
            let mut request = reqwest::Client::new()
                .post(url)
                .json(&j!({"redirect_uris": [REDIRECT], "client_name": "Self-made"}));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let registered = runtime().block_on(async {
        // The server picks the new policy up within a refresh interval.
        eventually("the token policy", || async {
            register(None).await.0 == 401
        })
        .await;
        let (status, body) = register(Some(token.clone())).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["subject_type"], "pairwise");
        assert_eq!(
            register(Some(token.clone())).await.0,
            401,
            "its one use is spent"
        );
        body
    });
    let client_id = registered["client_id"].as_str().unwrap();

    json(&data, &["client", "create", "--client-id", "by-hand"]);
    let listed = json(&data, &["client", "list", "--registered"]);
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [client_id]);
    assert_eq!(
        listed[0]["settings"]["registration"]["registered_from"],
        "127.0.0.1"
    );
    let text = sigil(&data)
        .args(["client", "list", "--registered"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(client_id) && text.contains("from 127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("by-hand"), "{text}");
    // The full list has both.
    let all = json(&data, &["client", "list"]);
    let all: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert!(
        all.contains(&client_id) && all.contains(&"by-hand"),
        "{all:?}"
    );
    server.stop();
}

#[test]
fn bad_registration_settings_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    json(&data, &["realm", "create", "acme", "--rsa-bits", "2048"]);
    for (args, expected) in [
        (
            &["realm", "update", "acme", "--registration", "sometimes"][..],
            "sometimes",
        ),
        (
            &["realm", "update", "acme", "--registration-limit", "0"][..],
            "0",
        ),
        (
            &["realm", "update", "acme", "--subject-type", "secret"][..],
            "secret",
        ),
        (
            &[
                "client",
                "initial-token",
                "create",
                "--realm",
                "acme",
                "--max-uses",
                "0",
            ][..],
            "0",
        ),
        (
            &[
                "client",
                "initial-token",
                "create",
                "--realm",
                "acme",
                "--expires-in",
                "0",
            ][..],
            "positive",
        ),
        (
            &[
                "client",
                "initial-token",
                "create",
                "--realm",
                "acme",
                "--expires-in",
                "3w",
            ][..],
            "s, m, h or d",
        ),
        (
            &["client", "initial-token", "create", "--realm", "ghost"][..],
            "ghost",
        ),
        // The one validator: pairwise subjects over two redirect hosts need a sector document.
        (
            &[
                "client",
                "create",
                "--realm",
                "acme",
                "--grant-type",
                "authorization_code",
                "--redirect-uri",
                "https://a.example/cb",
                "--redirect-uri",
                "https://b.example/cb",
                "--subject-type",
                "pairwise",
            ][..],
            "sector_identifier_uri",
        ),
        (
            &[
                "client",
                "create",
                "--realm",
                "acme",
                "--grant-type",
                "authorization_code",
                "--redirect-uri",
                "https://a.example/cb",
                "--subject-type",
                "secret",
            ][..],
            "subject_type",
        ),
    ] {
        let stderr = refusal(&data, args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // Nothing changed.
    let realms = json(&data, &["realm", "list"]);
    assert_eq!(realms[0]["registration"], "closed");
    assert_eq!(realms[0]["registrations_per_hour"], 10);
    assert_eq!(realms[0]["default_subject_type"], "public");
}
