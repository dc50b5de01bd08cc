//! Pushed authorization requests (RFC 9126) over HTTP: a client pushes, the browser carries
//! only `client_id` and the `request_uri`, the person signs in and consents through the real
//! pages, the code is redeemed; single use, expiry, the client binding, validation as
//! `/authorize` would validate, and the realm's and the client's requirement.

use serde_json::Value;
use sigil_server::provision::ClientSpec;
use sigil_store::{ClientSettings, RealmName};

use crate::browser::{
    Browser, PASSWORD, REDIRECT, VERIFIER, authorize_url, challenge, people_server, submit_consent,
    submit_login,
};
use crate::support::TestServer;

const PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// A confidential client of the code flow; `require_par` sets its RFC 9126 §6 member.
async fn pusher(server: &TestServer, id: &str, require_par: bool) -> (String, String) {
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some(id.into()),
                name: "Pusher".into(),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec![REDIRECT.into()],
                scopes: vec!["openid".into(), "profile".into()],
                settings: ClientSettings {
                    require_pushed_authorization_requests: require_par,
                    ..ClientSettings::default()
                },
                ..ClientSpec::default()
            },
        )
        .await
}

/// An authorization request's parameters, as a form.
type Params = Vec<(&'static str, String)>;

fn request(extra: &[(&'static str, String)]) -> Params {
    let mut form = vec![
        ("response_type", "code".to_owned()),
        ("redirect_uri", REDIRECT.to_owned()),
        ("scope", "openid profile".to_owned()),
        ("state", "pushed-state".to_owned()),
        ("nonce", "pushed-nonce".to_owned()),
        ("code_challenge", challenge()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    // `extra` replaces what it names.
    form.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
    form.extend_from_slice(extra);
    form
}

async fn push(
    server: &TestServer,
    auth: (&str, &str),
    form: &[(&'static str, String)],
) -> (u16, Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = server.post_form("/par", auth, &form).await;
    let status = response.status().as_u16();
    if status == 201 {
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    (status, response.json().await.unwrap())
}

fn carry(server: &TestServer, client_id: &str, request_uri: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([("client_id", client_id), ("request_uri", request_uri)]);
    format!("{}?{}", server.url("/authorize"), query.finish())
}

#[tokio::test]
async fn a_pushed_request_signs_in_consents_and_its_code_is_redeemed() {
    let server = people_server().await;
    let (id, secret) = pusher(&server, "pusher", false).await;
    let (status, body) = push(&server, (&id, &secret), &request(&[])).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["expires_in"], 60);
    let request_uri = body["request_uri"].as_str().unwrap();
    let value = request_uri
        .strip_prefix(PREFIX)
        .expect("RFC 9126 §2.2 form");
    assert!(value.len() >= 43, "256 bits");

    // The browser carries only client_id and request_uri; other query parameters do not
    // change what was pushed.
    let browser = Browser::new();
    let url = format!(
        "{}&state=changed&scope=openid",
        carry(&server, &id, request_uri)
    );
    let login = browser.get(&url).await;
    assert!(login.is_login_form(), "{}", login.body);
    let consent = submit_login(&browser, &login, "alice", PASSWORD).await;
    assert!(consent.is_consent_form(), "{}", consent.body);
    let answer = submit_consent(&browser, &consent, "approve").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let params = answer.redirect_params();
    assert_eq!(params["state"], "pushed-state");
    let response = server
        .post_form(
            "/token",
            (&id, &secret),
            &[
                ("grant_type", "authorization_code"),
                ("code", &params["code"]),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let (_, claims) = crate::support::parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["nonce"], "pushed-nonce");
    assert_eq!(tokens["scope"], "openid profile");

    // Single use (§4): the same request_uri again is an error page, not a sign-in.
    let again = Browser::new().get(&carry(&server, &id, request_uri)).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.text().contains("expired or was already used"));
    server.stop().await;
}

#[tokio::test]
async fn a_request_uri_expires_after_60_seconds_and_belongs_to_its_client() {
    let server = people_server().await;
    let (id, secret) = pusher(&server, "pusher", false).await;
    let (_, first) = push(&server, (&id, &secret), &request(&[])).await;
    let (_, second) = push(&server, (&id, &secret), &request(&[])).await;
    assert_ne!(first["request_uri"], second["request_uri"]);
    server.clock.advance(60);
    let late = Browser::new()
        .get(&carry(&server, &id, first["request_uri"].as_str().unwrap()))
        .await;
    assert_eq!(late.status, 400, "{}", late.body);
    assert!(late.text().contains("expired"));
    // Another client cannot use it (§4: client_id must match the pusher's).
    let (_, third) = push(&server, (&id, &secret), &request(&[])).await;
    let stolen = Browser::new()
        .get(&carry(
            &server,
            "web",
            third["request_uri"].as_str().unwrap(),
        ))
        .await;
    assert_eq!(stolen.status, 400, "{}", stolen.body);
    assert!(stolen.text().contains("another application"));
    // A request_uri Sigil did not issue in that form is refused, never fetched.
    let foreign = Browser::new()
        .get(&authorize_url(
            &server,
            "pusher",
            &[("request_uri", "https://attacker.example/request.jwt")],
        ))
        .await;
    assert_eq!(foreign.status, 303);
    assert_eq!(
        foreign.redirect_params()["error"],
        "request_uri_not_supported"
    );
    server.stop().await;
}

#[tokio::test]
async fn pushed_requests_are_validated_as_the_authorization_endpoint_would() {
    let server = people_server().await;
    let (id, secret) = pusher(&server, "pusher", false).await;
    let auth = (id.as_str(), secret.as_str());
    let cases: Vec<(Params, u16, &str)> = vec![
        (
            request(&[("redirect_uri", "https://evil.example/cb".into())]),
            400,
            "invalid_request",
        ),
        (
            request(&[("response_type", "token".into())]),
            400,
            "unsupported_response_type",
        ),
        (
            request(&[("code_challenge_method", "plain".into())]),
            400,
            "invalid_request",
        ),
        (
            request(&[("request_uri", format!("{PREFIX}abc"))]),
            400,
            "invalid_request",
        ),
        (
            request(&[("client_id", "web".into())]),
            400,
            "invalid_request",
        ),
        (
            request(&[("prompt", "sideways".into())]),
            400,
            "invalid_request",
        ),
    ];
    for (form, status, error) in cases {
        let shown = format!("{form:?}");
        let (got, body) = push(&server, auth, &form).await;
        assert_eq!(
            (got, body["error"].as_str().unwrap()),
            (status, error),
            "{shown}: {body}"
        );
    }
    // Wrong credentials, and a public client's own push with PKCE.
    let (status, body) = push(&server, (&id, "wrong"), &request(&[])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let response = server
        .http
        .post(server.url("/par"))
        .form(&[
            ("client_id", "web"),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // A client registered for Basic cannot authenticate with its secret in the form.
    let only_form: Vec<(&str, String)> =
        request(&[("client_id", id.clone()), ("client_secret", secret.clone())]);
    let form: Vec<(&str, &str)> = only_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = server
        .http
        .post(server.url("/par"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "the client is registered for Basic");
    server.stop().await;
}

#[tokio::test]
async fn a_client_or_a_realm_can_require_pushed_requests() {
    let server = people_server().await;
    let (id, secret) = pusher(&server, "strict", true).await;
    let direct = Browser::new()
        .get(&authorize_url(
            &server,
            &id,
            &[
                ("scope", "openid"),
                ("code_challenge", &challenge()),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    assert_eq!(direct.status, 303, "{}", direct.body);
    let params = direct.redirect_params();
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "st");
    let (_, body) = push(&server, (&id, &secret), &request(&[])).await;
    let pushed = Browser::new()
        .get(&carry(&server, &id, body["request_uri"].as_str().unwrap()))
        .await;
    assert!(pushed.is_login_form(), "{}", pushed.body);

    // The realm's requirement covers every client, and discovery says so.
    let (_, before) = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(before["require_pushed_authorization_requests"], false);
    assert_eq!(
        before["pushed_authorization_request_endpoint"],
        server.url("/par")
    );
    server
        .provisioner
        .set_require_pushed_authorization_requests(&RealmName::default_realm(), true)
        .await
        .unwrap();
    server
        .eventually("the realm requires PAR", || async {
            let (_, doc) = server.get_json("/.well-known/openid-configuration").await;
            doc["require_pushed_authorization_requests"] == true
        })
        .await;
    let web = Browser::new()
        .get(&authorize_url(
            &server,
            "web",
            &[
                ("scope", "openid"),
                ("code_challenge", &challenge()),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    assert_eq!(web.redirect_params()["error"], "invalid_request");
    // Keycloak's path serves the same endpoint.
    let form: Vec<(&str, String)> = request(&[]);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = server
        .post_form(
            "/protocol/openid-connect/ext/par/request",
            (&id, &secret),
            &form,
        )
        .await;
    assert_eq!(response.status(), 201);
    server.stop().await;
}
