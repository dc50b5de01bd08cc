//! Every rule of the authorization endpoint that refuses (RFC 6749 §4.1.2.1, RFC 7636 §4.4.1):
//! before the redirect URI is validated a page, never a redirect; after it, the error at the
//! client with `state` and `iss`.

use sigil_server::provision::ClientSpec;
use sigil_store::RealmName;

use crate::browser::{
    Browser, PASSWORD, REDIRECT, add_user, authorize_url, challenge, people_server, submit_login,
};

#[tokio::test]
async fn an_unknown_client_or_an_unregistered_redirect_uri_is_a_page_never_a_redirect() {
    let server = people_server().await;
    let browser = Browser::new();
    let unknown = browser.get(&authorize_url(&server, "nobody", &[])).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("not registered"));
    // The registered one with a suffix (the conformance suite's oidcc-ensure-registered-redirect-uri).
    let url = authorize_url(&server, "portal", &[]).replace(
        &form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        &form_urlencoded::byte_serialize(format!("{REDIRECT}/evil").as_bytes()).collect::<String>(),
    );
    let unregistered = browser.get(&url).await;
    assert_eq!(unregistered.status, 400, "{url}");
    assert!(unregistered.headers.get("location").is_none());
    server.stop().await;
}

#[tokio::test]
async fn pkce_rules_are_errors_at_the_client() {
    let server = people_server().await;
    let browser = Browser::new();
    let c = challenge();
    let cases: [(&str, &[(&str, &str)]); 5] = [
        // A public client without PKCE.
        ("web", &[]),
        // plain is refused, and so is a challenge without a method (RFC 7636 §4.3: plain).
        (
            "web",
            &[("code_challenge", &c), ("code_challenge_method", "plain")],
        ),
        ("web", &[("code_challenge", &c)]),
        // A method without a challenge; a malformed challenge.
        ("portal", &[("code_challenge_method", "S256")]),
        (
            "portal",
            &[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
        ),
    ];
    for (client, extra) in cases {
        let page = browser.get(&authorize_url(&server, client, extra)).await;
        assert_eq!(page.status, 303, "{client} {extra:?}");
        let params = page.redirect_params();
        assert_eq!(params["error"], "invalid_request", "{client} {extra:?}");
        assert_eq!(params["state"], "st");
        assert_eq!(params["iss"], server.base);
    }
    // A confidential client may omit PKCE, unless it or its realm requires it.
    let ok = browser.get(&authorize_url(&server, "portal", &[])).await;
    assert!(ok.is_login_form());
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("strict".into()),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec![REDIRECT.into()],
                scopes: vec!["openid".into()],
                settings: sigil_store::ClientSettings {
                    require_pkce: true,
                    ..Default::default()
                },
                ..ClientSpec::default()
            },
        )
        .await;
    let strict = browser.get(&authorize_url(&server, "strict", &[])).await;
    assert_eq!(strict.redirect_params()["error"], "invalid_request");
    server.stop().await;
}

#[tokio::test]
async fn other_request_errors_go_back_to_the_client() {
    let server = people_server().await;
    let browser = Browser::new();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("scope", "nothing:known")], "invalid_scope"),
        (&[("response_mode", "fragment")], "invalid_request"),
        (&[("prompt", "none login")], "invalid_request"),
        (&[("max_age", "soon")], "invalid_request"),
        (&[("claims", "[1]")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let page = browser.get(&authorize_url(&server, "portal", extra)).await;
        assert_eq!(page.redirect_params()["error"], error, "{extra:?}");
    }
    let url =
        authorize_url(&server, "portal", &[]).replace("response_type=code", "response_type=token");
    let token = browser.get(&url).await;
    assert_eq!(
        token.redirect_params()["error"],
        "unsupported_response_type"
    );
    server.stop().await;
}

#[tokio::test]
async fn accepted_parameters_and_unknown_ones_do_not_disturb_and_post_works() {
    let server = people_server().await;
    let browser = Browser::new();
    let page = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[
                ("scope", "profile openid"),
                ("display", "popup"),
                ("ui_locales", "se"),
                ("claims_locales", "se"),
                ("acr_values", "1 2"),
                ("login_hint", "alice"),
                ("extra", "foobar"),
                ("claims", r#"{"userinfo":{"name":{"essential":true}}}"#),
            ],
        ))
        .await;
    assert!(page.is_login_form());
    assert_eq!(
        page.field("username").as_deref(),
        Some("alice"),
        "login_hint prefills"
    );
    let answer = submit_login(&browser, &page, "alice", PASSWORD).await;
    let code = answer.redirect_params()["code"].clone();
    let sigil_store::TakenCode::Taken(record) = server
        .store
        .take_code(
            &RealmName::default_realm(),
            &sigil_server::random::digest(&code),
            crate::support::START,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(record.scope, "profile openid");
    assert_eq!(
        record.claims.as_deref(),
        Some(r#"{"userinfo":{"name":{"essential":true}}}"#)
    );
    // POST to /authorize (oidcc-ensure-post-request-succeeds).
    let posted = browser
        .post(
            &server.url("/authorize"),
            &[
                ("response_type", "code"),
                ("client_id", "portal"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "SSO");
    assert!(posted.redirect_params().contains_key("code"));
    server.stop().await;
}

#[tokio::test]
async fn a_user_s_allowed_scopes_narrow_the_grant() {
    let server = people_server().await;
    add_user(&server, "default", "bob", Some(vec!["profile".into()])).await;
    let browser = Browser::new();
    let page = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[("scope", "openid profile email")],
        ))
        .await;
    let answer = submit_login(&browser, &page, "bob", PASSWORD).await;
    let code = answer.redirect_params()["code"].clone();
    let sigil_store::TakenCode::Taken(record) = server
        .store
        .take_code(
            &RealmName::default_realm(),
            &sigil_server::random::digest(&code),
            crate::support::START,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(record.scope, "openid profile");
    server.stop().await;
}

#[tokio::test]
async fn request_uri_registration_and_bad_request_objects_are_refused_not_ignored() {
    let server = people_server().await;
    let browser = Browser::new();
    for (name, error) in [
        // Not a JWS, from a client with no keys: refused, never served without it.
        ("request", "invalid_request_object"),
        ("request_uri", "request_uri_not_supported"),
        ("registration", "registration_not_supported"),
    ] {
        let page = browser
            .get(&authorize_url(&server, "portal", &[(name, "x")]))
            .await;
        assert_eq!(page.redirect_params()["error"], error, "{name}");
    }
    server.stop().await;
}
