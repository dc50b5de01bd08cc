//! `sigil bench` through the binary: every scenario against a real dev-mode `sigil serve` (a
//! user and a confidential client made with the CLI), counting only good answers; refusals in
//! the set-up phase as one line; failures during the run counted by kind; and an OP that
//! points elsewhere, served from this test process, never followed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod common;

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use common::{Serve, json, sigil, with_stdin};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1/cb";
const PASSWORD: &str = "correct-horse-battery";

/// A dev-mode server with the user `alice` and the confidential client `bench` (every grant
/// the scenarios use, `offline_access` for refresh).
struct Op {
    _dir: tempfile::TempDir,
    server: Serve,
    secret: String,
}

fn op() -> Op {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Serve::start(&data);
    let client = json(
        &data,
        &[
            "client",
            "create",
            "--client-id",
            "bench",
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--grant-type",
            "client_credentials",
            "--redirect-uri",
            REDIRECT,
            "--scope",
            "openid profile offline_access api:read",
        ],
    );
    let created = with_stdin(
        &data,
        &["user", "create", "alice", "--password-stdin", "--json"],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    Op {
        secret: client["client_secret"].as_str().unwrap().to_owned(),
        _dir: dir,
        server,
    }
}

/// `sigil bench` with the flow arguments and both secrets on stdin.
fn bench(issuer: &str, scenario: &str, secret: &str, password: &str, extra: &[&str]) -> Output {
    let nowhere = tempfile::tempdir().unwrap();
    let data = nowhere.path().join("no-store");
    let mut args = vec![
        "bench",
        "--issuer",
        issuer,
        "--scenario",
        scenario,
        "--client-id",
        "bench",
        "--client-secret-stdin",
        "--username",
        "alice",
        "--password-stdin",
        "--redirect-uri",
        REDIRECT,
    ];
    args.extend_from_slice(extra);
    let output = with_stdin(&data, &args, &format!("{secret}\n{password}\n"));
    assert!(!data.exists(), "sigil bench created a data directory");
    output
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?}, stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The one line of a refusal.
fn one_line(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing is reported before the run"
    );
    stderr
}

#[test]
fn every_scenario_counts_twenty_good_answers_against_sigil() {
    let op = op();
    for (scenario, http_per_iteration) in [
        ("discovery", 1),
        ("jwks", 1),
        ("client-credentials", 1),
        ("introspect", 1),
        ("code-flow", 3),
        ("sso-flow", 2),
        ("refresh", 1),
        ("userinfo", 1),
    ] {
        let output = bench(
            &op.server.issuer,
            scenario,
            &op.secret,
            PASSWORD,
            &["--requests", "20", "--connections", "3", "--json"],
        );
        let report = report(&output);
        assert!(output.status.success(), "{scenario}: {report}");
        assert_eq!(report["scenario"], scenario);
        assert_eq!(report["requests"], 20, "{report}");
        assert_eq!(report["ok"], 20, "{report}");
        assert_eq!(report["failed"], 0, "{report}");
        assert_eq!(report["errors"], json!({}), "{report}");
        // At least: consent is remembered after the probe, so later flows may be shorter
        // than the first; never fewer requests than the scenario's own.
        assert!(
            report["http_requests"].as_u64().unwrap() >= 20 * http_per_iteration,
            "{report}"
        );
        for percentile in ["p50", "p90", "p99", "p99_9", "max"] {
            assert!(
                report["latency_us"][percentile].as_u64().unwrap() > 0,
                "{report}"
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains(&op.secret) && !stdout.contains(PASSWORD));
    }
    // The open model: twenty iterations due at 400/s, however long each takes.
    let output = bench(
        &op.server.issuer,
        "client-credentials",
        &op.secret,
        PASSWORD,
        &["--rate", "400", "--requests", "20", "--json"],
    );
    let report = report(&output);
    assert!(output.status.success(), "{report}");
    assert_eq!(
        (report["ok"].as_u64(), report["rate"].as_f64()),
        (Some(20), Some(400.0))
    );
    // The text report, for people: the figures and no secret.
    let output = bench(
        &op.server.issuer,
        "sso-flow",
        &op.secret,
        PASSWORD,
        &["--requests", "5"],
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{text}");
    for shown in ["sso-flow", "5 ok, 0 failed", "p99.9", "errors      none"] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    assert!(
        !text.contains(&op.secret) && !text.contains(PASSWORD),
        "{text}"
    );
}

#[test]
fn wrong_credentials_stop_the_run_in_its_set_up_with_one_line() {
    let op = op();
    let issuer = &op.server.issuer;
    // One user each: Sigil throttles an address after 5 failed logins (`login_failures_allowed`),
    // and these make 4.
    let args = ["--requests", "5", "--connections", "1", "--json"];
    for scenario in ["code-flow", "sso-flow", "refresh", "userinfo"] {
        let line = one_line(&bench(
            issuer,
            scenario,
            &op.secret,
            "not-the-password",
            &args,
        ));
        assert!(line.contains("set-up"), "{scenario}: {line}");
        assert!(
            line.contains("refused the username or password"),
            "{scenario}: {line}"
        );
    }
    for scenario in ["client-credentials", "introspect", "code-flow"] {
        let line = one_line(&bench(issuer, scenario, "not-the-secret", PASSWORD, &args));
        assert!(line.contains("set-up"), "{scenario}: {line}");
        assert!(
            line.contains("refused the client credentials"),
            "{scenario}: {line}"
        );
        assert!(line.contains("invalid_client"), "{scenario}: {line}");
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    let op = op();
    let issuer = &op.server.issuer;
    let line = one_line(&bench(
        &format!("{issuer}/nowhere"),
        "discovery",
        "s",
        "p",
        &[],
    ));
    assert!(line.contains("no discovery document at"), "{line}");
    assert!(line.contains("HTTP 404"), "{line}");
    // A port nobody listens on: bound, then released.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let line = one_line(&bench(&closed, "jwks", "s", "p", &[]));
    assert!(
        line.contains("cannot fetch the discovery document"),
        "{line}"
    );
    let line = one_line(&bench("http://op.example", "jwks", "s", "p", &[]));
    assert!(line.contains("not loopback"), "{line}");
    let nowhere = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["--scenario", "introspect"], "needs --client-id"),
        (
            &["--scenario", "code-flow", "--client-id", "bench"],
            "needs --redirect-uri",
        ),
        (&["--scenario", "discovery", "--rate", "0"], "--rate"),
        (
            &["--scenario", "discovery", "--client-secret", "x"],
            "--client-secret",
        ),
    ];
    for (args, says) in cases {
        let output = sigil(&nowhere.path().join("data"))
            .args(["bench", "--issuer", issuer])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            !output.status.success() && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// A fake OP on 127.0.0.1:0: discovery, an empty JWK Set, and an authorization endpoint that
/// redirects to `elsewhere`. Its discovery document fails every other time from the third
/// request on (after bench's discovery and probe); `count` counts them.
fn fake_op(elsewhere: String, count: Arc<AtomicUsize>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let discovery = json!({
                "issuer": url,
                "jwks_uri": format!("{url}/jwks"),
                "authorization_endpoint": format!("{url}/authorize"),
                "token_endpoint": format!("{url}/token"),
            })
            .to_string();
            let app = Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get(move || {
                        let n = count.fetch_add(1, Ordering::Relaxed);
                        let answer = if n >= 2 && n.is_multiple_of(2) {
                            (StatusCode::SERVICE_UNAVAILABLE, "busy".to_owned()).into_response()
                        } else {
                            discovery.clone().into_response()
                        };
                        async move { answer }
                    }),
                )
                .route("/jwks", get(|| async { r#"{"keys":[]}"# }))
                .route(
                    "/authorize",
                    get(move || {
                        let to = format!("{elsewhere}/steal");
                        async move { Redirect::to(&to) }
                    }),
                );
            tx.send(url).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Counts what reaches it: it must be nothing.
fn elsewhere(hits: Arc<AtomicUsize>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.2:0")
        .or_else(|_| std::net::TcpListener::bind("[::1]:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            hits.fetch_add(1, Ordering::Relaxed);
            drop(stream);
        }
    });
    url
}

#[test]
fn redirects_off_the_ops_origins_are_refused_and_failures_during_the_run_are_counted() {
    let hits = Arc::new(AtomicUsize::new(0));
    let other = elsewhere(hits.clone());
    let count = Arc::new(AtomicUsize::new(0));
    let issuer = fake_op(other.clone(), count.clone());
    let line = one_line(&bench(&issuer, "code-flow", "s", "p", &[]));
    assert!(
        line.contains(&format!("refused to follow {other}/steal")),
        "{line}"
    );
    assert_eq!(
        hits.load(Ordering::Relaxed),
        0,
        "the other origin was contacted"
    );

    // Its discovery document names no userinfo or introspection endpoint.
    for (scenario, member) in [
        ("userinfo", "userinfo_endpoint"),
        ("introspect", "introspection_endpoint"),
    ] {
        count.store(0, Ordering::Relaxed);
        let line = one_line(&bench(&issuer, scenario, "s", "p", &[]));
        assert!(
            line.contains(&format!(
                "has no {member}, which the {scenario} scenario needs"
            )),
            "{line}"
        );
    }

    count.store(0, Ordering::Relaxed);
    let output = bench(
        &issuer,
        "discovery",
        "s",
        "p",
        &["--requests", "10", "--connections", "1", "--json"],
    );
    let report = report(&output);
    assert_eq!(report["requests"], 10, "{report}");
    assert_eq!(report["ok"], 5, "{report}");
    assert_eq!(report["errors"], json!({"http_503": 5}), "{report}");
    assert_eq!(
        report["error_examples"]["http_503"], "HTTP 503: busy",
        "{report}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim(), "error: 5 of 10 iterations failed");
}
