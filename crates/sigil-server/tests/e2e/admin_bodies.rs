//! The admin API's answers to bodies it cannot use (found by a hostile probe of `sigil
//! serve`): its own `{"error", "message"}` shape and its own words — `413` past the limit,
//! `415` for another media type, `400` naming the expected members — never the text of axum's
//! or serde's parsers. And trusted minting refuses control characters in `sub` and `aud`.

use serde_json::{Value, json};

use crate::support::TestServer;

/// Fragments of the parsers' own messages, which must never reach a caller.
const PARSER_TEXT: [&str; 7] = [
    "Failed to",
    "line 1",
    "column",
    "EOF",
    "invalid type",
    "expected",
    "Expected request",
];

async fn admin(server: &TestServer) -> String {
    server
        .provisioner
        .create_admin_token("probe", None)
        .await
        .unwrap()
        .0
}

/// Posts `body` with `content_type`; returns the status and the admin error body, after
/// checking that it is the admin shape without parser text.
async fn post(
    server: &TestServer,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{status}"
    );
    let body: Value = response.json().await.unwrap();
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(members, ["error", "message"], "{body}");
    let message = body["message"].as_str().unwrap().to_owned();
    for text in PARSER_TEXT {
        assert!(
            !message.contains(text),
            "parser text {text:?} in {message:?}"
        );
    }
    (status, message)
}

#[tokio::test]
async fn an_oversized_admin_body_is_413_in_the_admin_shape() {
    let server = TestServer::start().await;
    let token = admin(&server).await;
    let big = json!({"sub": "u", "claims": {"pad": "x".repeat(70 * 1024)}}).to_string();
    let (status, message) = post(&server, &token, "application/json", big).await;
    assert_eq!(status, 413);
    assert!(message.contains("65536 bytes"), "{message}");
    server.stop().await;
}

#[tokio::test]
async fn malformed_or_misshapen_admin_bodies_get_sigils_own_messages() {
    let server = TestServer::start().await;
    let token = admin(&server).await;
    let json_type = "application/json";
    for (content_type, body, status, needle) in [
        (
            "text/plain",
            r#"{"sub": "u"}"#,
            415,
            "must be application/json",
        ),
        (
            "application/x-www-form-urlencoded",
            "sub=u",
            415,
            "must be application/json",
        ),
        (json_type, r#"{"sub": "u""#, 400, "not valid JSON"),
        (json_type, "", 400, "not valid JSON"),
        (json_type, r#"["u"]"#, 400, "must be a JSON object"),
        (json_type, r#"{"sub": 5}"#, 400, "sub has the wrong type"),
        (json_type, r#"{"aud": "x"}"#, 400, "sub is required"),
        (
            json_type,
            r#"{"sub": "u", "aud": [1]}"#,
            400,
            "aud has the wrong type",
        ),
        (
            json_type,
            r#"{"sub": "u", "ttl": "60"}"#,
            400,
            "ttl has the wrong type",
        ),
        (
            json_type,
            r#"{"sub": "u", "ttl": -1}"#,
            400,
            "whole number of seconds",
        ),
        (
            json_type,
            r#"{"sub": "u", "claims": []}"#,
            400,
            "claims has the wrong type",
        ),
        (
            json_type,
            r#"{"sub": "u", "surprise": 1}"#,
            400,
            r#"unknown member "surprise""#,
        ),
    ] {
        let (got, message) = post(&server, &token, content_type, body).await;
        assert_eq!(got, status, "{body}: {message}");
        assert!(message.contains(needle), "{body}: {message}");
    }
    // The shape errors name what is expected.
    let (_, message) = post(&server, &token, json_type, r#"{"sub": 5}"#).await;
    assert!(message.contains(r#""sub": string"#), "{message}");
    // `application/json; charset=utf-8` is JSON.
    let (status, _) = post(
        &server,
        &token,
        "application/json; charset=utf-8",
        r#"{"sub": "u", "claims": {"k": 1}, "ttl": 0}"#,
    )
    .await;
    assert_eq!(status, 400, "reaches the mint checks (ttl 0)");
    server.stop().await;
}

#[tokio::test]
async fn minting_refuses_control_characters_in_sub_and_aud() {
    let server = TestServer::start().await;
    let token = admin(&server).await;
    for (body, claim, code) in [
        (json!({"sub": "alice\u{0}admin"}), "sub", "U+0000"),
        (json!({"sub": "alice\n"}), "sub", "U+000A"),
        (json!({"sub": "a\u{7f}"}), "sub", "U+007F"),
        (json!({"sub": "u", "aud": "api\u{0}"}), "aud", "U+0000"),
        (
            json!({"sub": "u", "aud": ["ok", "x\u{1b}[31m"]}),
            "aud",
            "U+001B",
        ),
    ] {
        let (status, message) = post(&server, &token, "application/json", body.to_string()).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            message.starts_with(&format!("{claim} must not contain control characters"))
                && message.contains(code),
            "{body}: {message}"
        );
    }
    // Printable non-ASCII stays allowed.
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .bearer_auth(&token)
        .json(&json!({"sub": "zoë", "aud": "ünï"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    server.stop().await;
}

#[tokio::test]
async fn an_admin_token_with_a_zero_ttl_is_refused() {
    let server = TestServer::start().await;
    let refused = server.provisioner.create_admin_token("x", Some(0)).await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("at least 1 second"),
        "a token expired when printed is never made"
    );
    assert!(server.store.list_admin_tokens().await.unwrap().is_empty());
    server.stop().await;
}
