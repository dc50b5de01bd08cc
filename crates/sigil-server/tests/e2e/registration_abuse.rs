//! What an anonymous registrant cannot get (review findings of issue 10): tokens with no
//! person behind them or scopes of the realm's APIs under the `open` policy (an initial access
//! token admits them), and a fetch into this server's own network through a
//! `sector_identifier_uri` it names.

use serde_json::json;
use sigil_store::{RealmName, RegistrationPolicy};

use crate::browser::REDIRECT;
use crate::registration::open_server;
use crate::registration_support::{register, set_policy};

#[tokio::test]
async fn open_registration_admits_only_people_facing_clients() {
    let server = open_server().await;
    for (metadata, member) in [
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["client_credentials"]}),
            "grant_types",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "scope": "openid payments:write"}),
            "scope",
        ),
    ] {
        let (status, body) = register(&server, None, &metadata).await;
        assert_eq!(status, 400, "{metadata}: {body}");
        assert_eq!(body["error"], "invalid_client_metadata");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.starts_with(member), "{description}");
    }
    let (status, ok) = register(
        &server,
        None,
        &json!({"redirect_uris": [REDIRECT], "scope": "openid email offline_access"}),
    )
    .await;
    assert_eq!(status, 201, "{ok}");
    // Updating the registration cannot widen it either.
    let widened = server
        .http
        .put(ok["registration_client_uri"].as_str().unwrap())
        .bearer_auth(ok["registration_access_token"].as_str().unwrap())
        .json(&json!({
            "client_id": ok["client_id"],
            "redirect_uris": [REDIRECT],
            "scope": "openid admin",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(widened.status(), 400);

    // With an initial access token the operator vouches: both are admitted.
    set_policy(&server, RegistrationPolicy::Token, None, None).await;
    let (token, _) = server
        .provisioner
        .create_initial_access_token(&RealmName::default_realm(), None, Some(2))
        .await
        .unwrap();
    let (status, body) = register(
        &server,
        Some(&token),
        &json!({"grant_types": ["client_credentials"], "scope": "payments:write"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_sector_identifier_uri_never_reaches_this_servers_network() {
    // Production rules (the test server's default): the document is fetched from public
    // addresses only, and why a fetch failed is not told.
    let server = open_server().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    for uri in [
        format!("https://127.0.0.1:{port}/sector.json"),
        format!("https://localhost:{port}/sector.json"),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://10.0.0.5:8443/".to_owned(),
    ] {
        let (status, body) = register(
            &server,
            None,
            &json!({
                "redirect_uris": ["https://one.example/cb", "https://two.example/cb"],
                "subject_type": "pairwise",
                "sector_identifier_uri": uri,
            }),
        )
        .await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert_eq!(body["error"], "invalid_client_metadata");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.contains("sector_identifier_uri"),
            "{description}"
        );
        assert!(!description.contains("connect"), "{description}");
    }
    server.stop().await;
}
