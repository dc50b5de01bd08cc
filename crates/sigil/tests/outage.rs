//! The database goes away under a running `sigil serve` (issue 11, "Outage"): `/readyz`
//! says so, what needs the database answers 503 `temporarily_unavailable` (JSON on OAuth
//! endpoints), discovery and JWKS go on from memory, and the server recovers by itself when
//! the database is back. Here on SQLite, its file moved away and back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::time::{Duration, Instant};

use common::{Serve, eventually, json, runtime};
use serde_json::Value;

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

/// A TCP relay to PostgreSQL that a test can cut (every relayed connection dropped, new ones
/// closed as soon as they open) and restore: the database unreachable and back, without
/// stopping the machine's PostgreSQL. It runs on a thread of its own, so that it relays
/// while the test blocks on a CLI command.
struct Relay {
    address: std::net::SocketAddr,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    fn to(upstream: std::net::SocketAddr) -> Self {
        let (cut, watching) = tokio::sync::watch::channel(false);
        let (ready, bound) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            runtime().block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    if *watching.borrow() {
                        continue; // dropped: closed at once
                    }
                    let mut cut = watching.clone();
                    tokio::spawn(async move {
                        let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                            return;
                        };
                        let (mut client, mut server) = (client, server);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.wait_for(|cut| *cut) => {}
                        }
                    });
                }
            });
        });
        Self {
            address: bound.recv().unwrap(),
            cut,
        }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

#[test]
fn an_unreachable_postgresql_is_an_outage_the_server_recovers_from() {
    let Some(db) = runtime().block_on(sigil_store::testing::PgTestDatabase::create()) else {
        return;
    };
    let mut direct = url::Url::parse(db.url()).unwrap();
    let upstream = (
        direct.host_str().unwrap().to_owned(),
        direct.port().unwrap_or(5432),
    );
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&upstream)
        .unwrap()
        .next()
        .unwrap();
    let relay = Relay::to(upstream);
    direct.set_port(Some(relay.address.port())).unwrap();
    direct.set_host(Some("127.0.0.1")).unwrap();
    let relayed = direct.to_string();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let on_db = |args: &[&str]| {
        let mut all = vec!["--database-url", db.url()];
        all.extend_from_slice(args);
        json(&data, &all)
    };
    on_db(&["realm", "create", "default", "--rsa-bits", "2048"]);
    let secret = |id: &str| {
        let client = on_db(&[
            "client",
            "create",
            "--client-id",
            id,
            "--grant-type",
            "client_credentials",
        ]);
        client["client_secret"].as_str().unwrap().to_owned()
    };
    let (before, after) = (secret("before"), secret("after"));
    let mut command = common::sigil(&data);
    command.args([
        "--database-url",
        &relayed,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--database-connect-timeout",
        "2",
    ]);
    let server = Serve::spawn(command, &["discovery:"]);
    let issuer = server.issuer.clone();
    runtime().block_on(async {
        assert_eq!(status(format!("{issuer}/readyz")).await, 200);
        relay.set_cut(true);
        eventually("/readyz reports the outage", || async {
            status(format!("{issuer}/readyz")).await == 503
        })
        .await;
        let started = Instant::now();
        let (code, body) = token(&issuer, "before", &before).await;
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(20), // a hang would outlast every timeout
            "answered after {:?}",
            started.elapsed()
        );
        for path in ["/.well-known/openid-configuration", "/jwks.json"] {
            assert_eq!(status(format!("{issuer}{path}")).await, 200, "{path}");
        }
        // A person asking to sign in gets a readable page.
        let page = reqwest::get(format!(
            "{issuer}/authorize?response_type=code&client_id=after&redirect_uri=https%3A%2F%2Fx.example%2Fcb&scope=openid"
        ))
        .await
        .unwrap();
        assert_eq!(page.status().as_u16(), 503);
        let kind = page.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/html"), "{kind}");

        relay.set_cut(false);
        eventually("/readyz recovers", || async {
            status(format!("{issuer}/readyz")).await == 200
        })
        .await;
        for (id, secret) in [("before", &before), ("after", &after)] {
            let (code, body) = token(&issuer, id, secret).await;
            assert_eq!(code, 200, "{id}: {body}");
        }
    });
    server.stop();
}
