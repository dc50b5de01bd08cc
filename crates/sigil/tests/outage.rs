//! The database goes away under a running `sigil serve` (issue 11, "Outage"): `/readyz`
//! says so, what needs the database answers 503 `temporarily_unavailable` (JSON on OAuth
//! endpoints), discovery and JWKS go on from memory, and the server recovers by itself when
//! the database is back. Here on SQLite, its file moved away and back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::time::{Duration, Instant};

use common::{Serve, json, runtime};
use serde_json::Value;

/// Polls `check` until it holds: a bound on a failure, not a wait.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn status(url: String) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

/// A client-credentials request for a client the server has not cached yet (so it must read
/// the store): the status and the JSON body.
async fn token(issuer: &str, id: &str, secret: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{issuer}/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[test]
fn a_moved_sqlite_file_is_an_outage_the_server_recovers_from() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Serve::start(&data);
    let created = |id: &str| {
        let client = json(
            &data,
            &[
                "client",
                "create",
                "--client-id",
                id,
                "--grant-type",
                "client_credentials",
            ],
        );
        client["client_secret"].as_str().unwrap().to_owned()
    };
    let before = created("before");
    let after = created("after");
    let file = data.join("sigil.db");
    let moved = data.join("sigil.db.moved");
    let issuer = server.issuer.clone();
    runtime().block_on(async {
        assert_eq!(status(format!("{issuer}/readyz")).await, 200);
        std::fs::rename(&file, &moved).unwrap();

        eventually("/readyz reports the outage", || async {
            status(format!("{issuer}/readyz")).await == 503
        })
        .await;
        let (code, body) = token(&issuer, "before", &before).await;
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        // What is in memory goes on being served.
        for path in ["/.well-known/openid-configuration", "/jwks.json"] {
            assert_eq!(status(format!("{issuer}{path}")).await, 200, "{path}");
        }
        // A person gets a readable page, not JSON and not a 500.
        let page = reqwest::Client::new()
            .post(format!("{issuer}/login"))
            .form(&[("username", "x"), ("password", "y")])
            .send()
            .await
            .unwrap();
        assert_ne!(page.status().as_u16(), 500);
        assert!(
            !file.exists(),
            "no empty database was created in the file's place"
        );

        std::fs::rename(&moved, &file).unwrap();
        eventually("/readyz recovers", || async {
            status(format!("{issuer}/readyz")).await == 200
        })
        .await;
        let (code, body) = token(&issuer, "after", &after).await;
        assert_eq!(code, 200, "{body}");
        let (code, body) = token(&issuer, "before", &before).await;
        assert_eq!(code, 200, "{body}");
    });
    server.stop();
}
