//! Bad input on the OAuth endpoints: each case gets the RFC error with 400/401 (or 404/405/413
//! where HTTP says so) and JSON — never a 500, never a panic.

use serde_json::Value;

use crate::support::TestServer;

struct Case {
    name: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    basic: bool,
    status: u16,
    error: &'static str,
}

fn case(
    name: &'static str,
    path: &'static str,
    body: &str,
    status: u16,
    error: &'static str,
) -> Case {
    Case {
        name,
        path,
        content_type: Some("application/x-www-form-urlencoded"),
        body: body.as_bytes().to_vec(),
        basic: true,
        status,
        error,
    }
}

#[tokio::test]
async fn every_bad_request_gets_a_spec_shaped_error() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let mut cases = vec![
        Case {
            content_type: Some("application/json"),
            ..case(
                "json body",
                "/token",
                r#"{"grant_type":"client_credentials"}"#,
                400,
                "invalid_request",
            )
        },
        Case {
            content_type: None,
            ..case(
                "no content type",
                "/token",
                "grant_type=client_credentials",
                400,
                "invalid_request",
            )
        },
        Case {
            content_type: Some("text/plain"),
            ..case(
                "text body",
                "/introspect",
                "token=x",
                400,
                "invalid_request",
            )
        },
        case(
            "repeated grant_type",
            "/token",
            "grant_type=client_credentials&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
        case(
            "repeated scope",
            "/token",
            "grant_type=client_credentials&scope=a&scope=b",
            400,
            "invalid_request",
        ),
        case(
            "no grant_type",
            "/token",
            "scope=api:read",
            400,
            "invalid_request",
        ),
        case(
            "empty grant_type",
            "/token",
            "grant_type=",
            400,
            "invalid_request",
        ),
        case(
            "unknown grant",
            "/token",
            "grant_type=urn:example:magic",
            400,
            "unsupported_grant_type",
        ),
        case(
            "binary garbage",
            "/token",
            "\u{0}\u{1}%ZZ&&==",
            400,
            "invalid_request",
        ),
        case(
            "introspect without token",
            "/introspect",
            "token_type_hint=access_token",
            400,
            "invalid_request",
        ),
        case(
            "revoke without token",
            "/revoke",
            "",
            400,
            "invalid_request",
        ),
        Case {
            basic: false,
            ..case(
                "no client authentication",
                "/token",
                "grant_type=client_credentials",
                401,
                "invalid_client",
            )
        },
        Case {
            basic: false,
            ..case(
                "introspect unauthenticated",
                "/introspect",
                "token=abc",
                401,
                "invalid_client",
            )
        },
        case(
            "Basic and client_secret together",
            "/token",
            "grant_type=client_credentials&client_secret=x",
            400,
            "invalid_request",
        ),
        Case {
            body: vec![b'a'; 70 * 1024],
            ..case("oversized body", "/token", "", 413, "invalid_request")
        },
    ];
    cases.push(Case {
        basic: false,
        ..case(
            "public client id only",
            "/token",
            "grant_type=client_credentials&client_id=svc",
            401,
            "invalid_client",
        )
    });
    for c in cases {
        let mut request = server.http.post(server.url(c.path)).body(c.body);
        if let Some(ct) = c.content_type {
            request = request.header("content-type", ct);
        }
        if c.basic {
            request = request.basic_auth(&id, Some(&secret));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), c.status, "{}", c.name);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{}",
            c.name
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], c.error, "{}: {body}", c.name);
    }
    server.stop().await;
}

#[tokio::test]
async fn malformed_authorization_headers_are_invalid_client() {
    let server = TestServer::start().await;
    for header in [
        "Basic !!!",
        "Basic bm9jb2xvbg==",
        "Basic Og==",
        "Bearer abc",
    ] {
        let response = server
            .http
            .post(server.url("/token"))
            .header("authorization", header)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "invalid_client",
            "{header}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn wrong_methods_and_paths_are_json() {
    let server = TestServer::start().await;
    let get_token = server.http.get(server.url("/token")).send().await.unwrap();
    assert_eq!(get_token.status(), 405);
    assert_eq!(
        get_token.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let post_jwks = server
        .http
        .post(server.url("/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(post_jwks.status(), 405);
    let (status, body) = server.get_json("/no/such/thing").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    server.stop().await;
}

#[tokio::test]
async fn the_authorization_endpoint_never_redirects_to_an_unvalidated_uri() {
    let server = TestServer::start().await;
    server
        .client_with(
            "default",
            sigil_server::provision::ClientSpec {
                client_id: Some("web".into()),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec!["https://app.example/cb".into()],
                ..Default::default()
            },
        )
        .await;
    for (query, status) in [
        (
            "response_type=code&redirect_uri=https://app.example/cb",
            400,
        ),
        (
            "client_id=ghost&response_type=code&redirect_uri=https://app.example/cb",
            400,
        ),
        (
            "client_id=web&response_type=code&redirect_uri=https://evil.example/cb",
            400,
        ),
        (
            "client_id=web&response_type=code&redirect_uri=https://app.example/cb/extra",
            400,
        ),
        ("client_id=web&client_id=web&response_type=code", 400),
    ] {
        let response = server
            .http
            .get(format!("{}?{query}", server.url("/authorize")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{query}");
        assert!(
            response.headers().get("location").is_none(),
            "{query}: no redirect"
        );
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
    }
    // Valid client and redirect URI: errors go back to the client, with state and iss.
    let response = server
        .http
        .get(format!(
            "{}?client_id=web&response_type=token&redirect_uri=https://app.example/cb&state=s1",
            server.url("/authorize")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://app.example/cb?error=unsupported_response_type"),
        "{location}"
    );
    assert!(
        location.contains("state=s1") && location.contains("iss="),
        "{location}"
    );
    server.stop().await;
}

/// Two `Authorization` headers are refused, not resolved by reading the first: a proxy or
/// library that reads the last would authenticate someone else.
#[tokio::test]
async fn two_authorization_headers_are_refused() {
    use base64::Engine as _;
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let (_, other_secret) = server.client("default", "other").await;
    let basic = |id: &str, secret: &str| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        format!("Basic {encoded}")
    };
    for (path, form) in [
        ("/token", vec![("grant_type", "client_credentials")]),
        ("/introspect", vec![("token", "x")]),
        ("/revoke", vec![("token", "x")]),
    ] {
        let response = server
            .http
            .post(server.url(path))
            .header("authorization", basic(&id, &secret))
            .header("authorization", basic("other", &other_secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{path}");
    }
    let (admin, _) = server
        .provisioner
        .create_admin_token("backend", None)
        .await
        .unwrap();
    let response = server
        .http
        .post(server.url("/admin/v1/realms/default/tokens"))
        .header("authorization", format!("Bearer {admin}"))
        .header("authorization", "Bearer sigil_admin_forged")
        .json(&serde_json::json!({"sub": "u1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    server.stop().await;
}
