//! RFC 7592: a registered client reads, replaces (rotating its registration access token) and
//! deletes its registration; and a registered client works at once on another node.

use serde_json::{Value, json};

use crate::browser::{Browser, REDIRECT};
use crate::registration::open_server;
use crate::registration_support::{code_flow, registered};
use crate::support::TestServer;

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = server.http.request(method, uri);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

#[tokio::test]
async fn reg_a_client_reads_replaces_and_deletes_its_registration() {
    let server = open_server().await;
    let client = registered(
        &server,
        json!({"redirect_uris": [REDIRECT], "client_name": "First", "grant_types": ["authorization_code", "refresh_token"], "scope": "openid offline_access"}),
    )
    .await;
    let uri = client["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = client["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let client_id = client["client_id"].as_str().unwrap().to_owned();

    // §2.1 read: the registration, without secrets.
    let (status, read, headers) =
        call(&server, reqwest::Method::GET, &uri, Some(&token), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(read["client_id"], client_id);
    assert_eq!(read["client_name"], "First");
    assert!(read.get("client_secret").is_none());
    assert!(read.get("registration_access_token").is_none());
    // No token, a wrong one, another client's path: 401 with a Bearer challenge.
    for (path, presented) in [
        (uri.clone(), None),
        (uri.clone(), Some("wrong")),
        (server.url("/register/someone-else"), Some(token.as_str())),
    ] {
        let (status, body, headers) =
            call(&server, reqwest::Method::GET, &path, presented, None).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"], "invalid_token");
        assert!(
            headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }

    // A person signs in with it, so that deleting it has something to revoke.
    let browser = Browser::new();
    let tokens = code_flow(&server, &browser, &client, REDIRECT).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();

    // §2.2 update: full replacement; the token rotates.
    let replacement = json!({
        "client_id": client_id,
        "client_secret": client["client_secret"],
        "redirect_uris": ["https://app.example/new-cb"],
        "client_name": "Second",
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": "openid offline_access",
    });
    let (status, updated, _) = call(
        &server,
        reqwest::Method::PUT,
        &uri,
        Some(&token),
        Some(&replacement),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["client_name"], "Second");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://app.example/new-cb"])
    );
    assert!(
        updated.get("client_secret").is_none(),
        "the secret stays the same"
    );
    let rotated = updated["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rotated, token);
    // Members left out take their defaults: no contacts, no logo.
    assert!(updated.get("logo_uri").is_none());
    let (status, _, _) = call(&server, reqwest::Method::GET, &uri, Some(&token), None).await;
    assert_eq!(status, 401, "the old registration access token is dead");
    let (status, read, _) = call(&server, reqwest::Method::GET, &uri, Some(&rotated), None).await;
    assert_eq!(
        (status, read["client_name"].as_str()),
        (200, Some("Second"))
    );
    // The old redirect URI no longer works at once on this node.
    let authorize = format!(
        "{}?response_type=code&client_id={client_id}&redirect_uri={REDIRECT}&scope=openid",
        server.url("/authorize")
    );
    let page = browser.get(&authorize).await;
    assert_eq!(
        page.status, 400,
        "an unregistered redirect is an error page"
    );

    // An update must name the client, and may not carry another secret or bad metadata.
    for (body, error) in [
        (
            json!({"redirect_uris": [REDIRECT]}),
            "invalid_client_metadata",
        ),
        (
            json!({"client_id": client_id, "client_secret": "guess", "redirect_uris": [REDIRECT]}),
            "invalid_client_metadata",
        ),
        (
            json!({"client_id": client_id, "redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
        ),
    ] {
        let (status, refused, _) = call(
            &server,
            reqwest::Method::PUT,
            &uri,
            Some(&rotated),
            Some(&body),
        )
        .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
    }

    // §2.3 delete: 204; the client and what it held are gone.
    let response = server
        .http
        .delete(&uri)
        .bearer_auth(&rotated)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _, _) = call(&server, reqwest::Method::GET, &uri, Some(&rotated), None).await;
    assert_eq!(status, 401);
    let refreshed = server
        .post_form(
            "/token",
            (&client_id, client["client_secret"].as_str().unwrap()),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), 401, "the client is gone");
    server.stop().await;
}

#[tokio::test]
async fn reg_the_keycloak_path_registers_too() {
    let server = open_server().await;
    let response = server
        .http
        .post(server.url("/clients-registrations/openid-connect"))
        .json(&json!({"redirect_uris": [REDIRECT]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let (_, discovery) = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(discovery["registration_endpoint"], server.url("/register"));
    server.stop().await;
}

#[tokio::test]
async fn reg_another_node_serves_a_registered_client_at_once() {
    let server = open_server().await;
    let (other, stop) = server.another_node().await;
    // The other node has served the client's realm (and looked the client up) before.
    // A client the node knows passes authentication; this one has only authorization_code,
    // so its client_credentials request is `unauthorized_client`, not `invalid_client`.
    let client_credentials = |base: String, id: String, secret: String| {
        let http = server.http.clone();
        async move {
            let response = http
                .post(format!("{base}/token"))
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = response.json().await.unwrap();
            body["error"].as_str().unwrap_or_default().to_owned()
        }
    };
    assert_eq!(
        client_credentials(other.clone(), "nobody".into(), "x".into()).await,
        "invalid_client"
    );
    let client = registered(
        &server,
        json!({"redirect_uris": [REDIRECT], "scope": "openid"}),
    )
    .await;
    let id = client["client_id"].as_str().unwrap().to_owned();
    let secret = client["client_secret"].as_str().unwrap().to_owned();
    // No refresh tick is waited for: the client cache never remembers a miss.
    assert_eq!(
        client_credentials(other.clone(), id, secret).await,
        "unauthorized_client"
    );
    let _ = stop.send(());
    server.stop().await;
}
