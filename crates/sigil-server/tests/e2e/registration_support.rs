//! Dynamic registration for tests: the realm's policy set (and waited for, since a policy
//! change reaches the server by the realm's reload), registration requests, and the whole code
//! flow of a registered client through the real login and consent pages.

use std::net::IpAddr;

use serde_json::{Value, json};
use sigil_server::op::clients::SubjectType;
use sigil_server::provision::RegistrationChanges;
use sigil_store::{RealmName, RegistrationPolicy};

use crate::browser::{Browser, PASSWORD, VERIFIER, challenge, submit_consent, submit_login};
use crate::support::TestServer;

/// The address the policy probe registers from, so that it never counts against the
/// addresses a test limits.
const PROBE: &str = "127.0.0.250";

/// An HTTP client whose connections come from `address`.
pub fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Sets the default realm's registration policy and waits until the server applies it.
pub async fn set_policy(
    server: &TestServer,
    policy: RegistrationPolicy,
    per_hour: Option<u32>,
    default_subject_type: Option<SubjectType>,
) {
    server
        .provisioner
        .set_registration(
            &RealmName::default_realm(),
            RegistrationChanges {
                policy: Some(policy),
                per_hour,
                default_subject_type,
            },
        )
        .await
        .unwrap();
    // Metadata anyone may send but only an operator-vouched client may register tells the
    // policies apart without registering anything: closed refuses first (403), token wants a
    // token (401), open refuses `client_credentials` to anonymous registrants (400).
    let expected = match policy {
        RegistrationPolicy::Closed => 403,
        RegistrationPolicy::Token => 401,
        RegistrationPolicy::Open => 400,
    };
    let probe = client_from(PROBE);
    server
        .eventually("the registration policy", || {
            let probe = probe.clone();
            let url = server.url("/register");
            async move {
                let response = probe
                    .post(url)
                    .json(&json!({ "grant_types": ["client_credentials"] }))
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16() == expected
            }
        })
        .await;
}

/// POSTs `metadata` to `/register` (with an initial access token, if given); status and body.
pub async fn register(server: &TestServer, token: Option<&str>, metadata: &Value) -> (u16, Value) {
    let mut request = server.http.post(server.url("/register")).json(metadata);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Registers `metadata` and expects success: the registration response.
pub async fn registered(server: &TestServer, metadata: Value) -> Value {
    let (status, body) = register(server, None, &metadata).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// The code flow of `client` (from its registration response) for `alice`, through the pages
/// (signing in if the browser has no session, consenting if asked), redeemed at the token
/// endpoint with the client's own authentication: the token response.
pub async fn code_flow(
    server: &TestServer,
    browser: &Browser,
    client: &Value,
    redirect_uri: &str,
) -> Value {
    let client_id = client["client_id"].as_str().unwrap();
    let code = authorization_code(server, browser, client_id, redirect_uri).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", VERIFIER),
        ("client_id", client_id),
    ];
    let mut request = server.http.post(server.url("/token"));
    if let Some(secret) = client["client_secret"].as_str() {
        request = request.basic_auth(client_id, Some(secret));
    }
    let response = request.form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// The code the pages give `client_id` for `alice` (PKCE with [`VERIFIER`]).
pub async fn authorization_code(
    server: &TestServer,
    browser: &Browser,
    client_id: &str,
    redirect_uri: &str,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid profile email offline_access"),
        ("state", "st"),
        ("nonce", "n-1"),
        ("code_challenge", &challenge()),
        ("code_challenge_method", "S256"),
    ]);
    let mut page = browser
        .get(&format!("{}?{}", server.url("/authorize"), query.finish()))
        .await;
    if page.is_login_form() {
        page = submit_login(browser, &page, "alice", PASSWORD).await;
    }
    if page.is_consent_form() {
        page = submit_consent(browser, &page, "approve").await;
    }
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.location().starts_with(redirect_uri),
        "{}",
        page.location()
    );
    page.redirect_params()["code"].clone()
}
