//! The code flow through the real login and consent pages (OIDC Core §3.1.2, RFC 6749 §4.1,
//! RFC 7636, RFC 9207): the request a real relying party library builds, the forms a browser
//! submits, the code in the store, SSO, `prompt`, `max_age`, form_post, and the headers and
//! cookies of every page.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthUrl, ClientId, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use sigil_server::clock::Clock;
use sigil_server::random;
use sigil_store::{RealmName, TakenCode};

use crate::browser::{
    Browser, PASSWORD, REDIRECT, authorize_url, challenge, people_server, submit_consent,
    submit_login,
};
use crate::support::START;

#[tokio::test]
async fn an_openidconnect_request_signs_in_consents_and_gets_a_stored_code() {
    let server = people_server().await;
    let client = CoreClient::new(
        ClientId::new("web".into()),
        IssuerUrl::new(server.base.clone()).unwrap(),
        openidconnect::JsonWebKeySet::default(),
    )
    .set_auth_uri(AuthUrl::new(server.url("/authorize")).unwrap())
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let verifier = PkceCodeVerifier::new("v".repeat(43));
    let pkce = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("unknown:scope".into()))
        .set_pkce_challenge(pkce.clone())
        .url();
    let browser = Browser::new();
    let login = browser.get(url.as_str()).await;
    assert!(login.is_login_form(), "{}", login.body);
    assert!(login.body.contains("Web App"));
    let consent = submit_login(&browser, &login, "alice", PASSWORD).await;
    assert!(consent.is_consent_form(), "{}", consent.body);
    for shown in [
        "See your email address",
        "https://app.example/privacy",
        "https://app.example/terms",
        "https://app.example/logo.png",
    ] {
        assert!(consent.text().contains(shown), "{shown}");
    }
    assert!(
        !consent.body.contains("unknown:scope"),
        "unknown scopes dropped"
    );
    let answer = submit_consent(&browser, &consent, "approve").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location().starts_with(REDIRECT));
    let params = answer.redirect_params();
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], server.base);
    let code = &params["code"];
    assert!(code.len() >= 43, "256 bits");

    let session_cookie = browser.cookie("sigil-session-default").unwrap();
    let taken = server
        .store
        .take_code(&RealmName::default_realm(), &random::digest(code), START)
        .await
        .unwrap();
    let TakenCode::Taken(record) = taken else {
        panic!("{taken:?}")
    };
    let alice = server
        .provisioner
        .user(&RealmName::default_realm(), "alice")
        .await
        .unwrap();
    assert_eq!(record.client_id, "web");
    assert_eq!(record.user_id, alice.id);
    assert_eq!(record.redirect_uri, REDIRECT);
    assert_eq!(record.scope, "openid email");
    assert_eq!(record.nonce.as_deref(), Some(nonce.secret().as_str()));
    assert_eq!(record.code_challenge.as_deref(), Some(pkce.as_str()));
    assert_eq!(record.auth_time, START);
    assert_eq!(record.amr, vec!["pwd".to_owned()]);
    assert_eq!(record.expires_at, START + 60);
    let session = server
        .store
        .find_session(
            &RealmName::default_realm(),
            &random::digest(&session_cookie),
            START,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.session_id, session.id);
    assert_eq!(session.user_id, alice.id);
    server.stop().await;
}

/// Signs `browser` in to `portal` (first party) and returns the final redirect.
async fn portal_sign_in(server: &crate::support::TestServer, browser: &Browser) {
    let login = browser
        .get(&authorize_url(server, "portal", &[("scope", "openid")]))
        .await;
    let answer = submit_login(browser, &login, "alice", PASSWORD).await;
    assert_eq!(answer.status, 303, "first party: no consent page");
    assert!(answer.redirect_params().contains_key("code"));
}

#[tokio::test]
async fn a_second_request_with_the_session_gets_a_code_without_a_page() {
    let server = people_server().await;
    let browser = Browser::new();
    portal_sign_in(&server, &browser).await;
    server.clock.advance(30);
    let url = authorize_url(&server, "portal", &[("scope", "openid profile")]);
    let again = browser.get(&url).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let code = again.redirect_params()["code"].clone();
    let TakenCode::Taken(record) = server
        .store
        .take_code(
            &RealmName::default_realm(),
            &random::digest(&code),
            START + 30,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(record.auth_time, START, "the session's auth_time");
    // prompt=none with the session: silent too.
    let silent = browser
        .get(&authorize_url(&server, "portal", &[("prompt", "none")]))
        .await;
    assert!(silent.redirect_params().contains_key("code"));
    server.stop().await;
}

#[tokio::test]
async fn prompt_login_and_an_exceeded_max_age_ask_for_the_password_again() {
    let server = people_server().await;
    let browser = Browser::new();
    portal_sign_in(&server, &browser).await;
    server.clock.advance(10);
    for extra in [
        &[("prompt", "login")][..],
        &[("prompt", "select_account")][..],
        &[("max_age", "0")][..],
        &[("max_age", "5")][..],
    ] {
        let mut params = vec![("scope", "openid")];
        params.extend_from_slice(extra);
        let page = browser
            .get(&authorize_url(&server, "portal", &params))
            .await;
        assert!(page.is_login_form(), "{extra:?}");
        server.clock.advance(1);
        let answer = submit_login(&browser, &page, "alice", PASSWORD).await;
        let code = answer.redirect_params()["code"].clone();
        let TakenCode::Taken(record) = server
            .store
            .take_code(
                &RealmName::default_realm(),
                &random::digest(&code),
                server.clock.now(),
            )
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(record.auth_time, server.clock.now(), "re-authenticated now");
        server.clock.advance(10);
    }
    // A max_age the session satisfies: no page.
    let page = browser
        .get(&authorize_url(&server, "portal", &[("max_age", "3600")]))
        .await;
    assert_eq!(page.status, 303);
    server.stop().await;
}

#[tokio::test]
async fn prompt_none_without_a_session_or_consent_is_an_error_at_the_client() {
    let server = people_server().await;
    let browser = Browser::new();
    let c = challenge();
    let none = browser
        .get(&authorize_url(
            &server,
            "web",
            &[
                ("prompt", "none"),
                ("code_challenge", &c),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    assert_eq!(none.status, 303);
    let params = none.redirect_params();
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "st");
    assert_eq!(params["iss"], server.base);
    assert!(!params.contains_key("code"));
    // Signed in (to the first-party portal), but `web` has no consent on record.
    portal_sign_in(&server, &browser).await;
    let needs_consent = browser
        .get(&authorize_url(
            &server,
            "web",
            &[
                ("prompt", "none"),
                ("scope", "openid"),
                ("code_challenge", &c),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    assert_eq!(needs_consent.redirect_params()["error"], "consent_required");
    server.stop().await;
}

#[tokio::test]
async fn form_post_answers_with_an_auto_submitting_form() {
    let server = people_server().await;
    let browser = Browser::new();
    let login = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[("scope", "openid"), ("response_mode", "form_post")],
        ))
        .await;
    let answer = submit_login(&browser, &login, "alice", PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.action(), REDIRECT);
    assert!(answer.body.contains(r#"method="post""#));
    assert!(answer.field("code").is_some());
    assert_eq!(answer.field("state").as_deref(), Some("st"));
    assert_eq!(answer.field("iss").as_deref(), Some(server.base.as_str()));
    assert!(answer.body.contains(".submit()"));
    let csp = answer.header("content-security-policy");
    assert!(csp.contains("form-action https://app.example"), "{csp}");
    server.stop().await;
}

#[tokio::test]
async fn every_page_has_the_security_headers_and_cookies_are_http_only_and_lax() {
    let server = people_server().await;
    let browser = Browser::new();
    let url = authorize_url(&server, "web", &[("scope", "openid")]);
    let c = challenge();
    let url = format!("{url}&code_challenge={c}&code_challenge_method=S256");
    let login = browser.get(&url).await;
    let wrong = submit_login(&browser, &login, "alice", "not-the-password").await;
    let consent = submit_login(&browser, &wrong, "alice", PASSWORD).await;
    let error_page = browser
        .get(&server.url("/authorize?client_id=nobody"))
        .await;
    for page in [&login, &wrong, &consent, &error_page] {
        let csp = page.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(page.header("x-frame-options"), "DENY");
        assert_eq!(page.header("cache-control"), "no-store");
    }
    let set_cookies = browser.set_cookies.lock().unwrap().clone();
    assert!(
        set_cookies
            .iter()
            .any(|c| c.starts_with("sigil-csrf-default="))
    );
    assert!(
        set_cookies
            .iter()
            .any(|c| c.starts_with("sigil-session-default="))
    );
    for cookie in &set_cookies {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
    }
    server.stop().await;
}

/// An ID token of the default realm for `sub`, long expired (a hint may be expired).
async fn id_token_for(server: &crate::support::TestServer, sub: &str) -> String {
    let realm = server
        .provisioner
        .realm_state(&RealmName::default_realm(), &server.base)
        .await
        .unwrap();
    let signer = realm.keys.signer(sigil_jose::Algorithm::RS256).unwrap();
    let claims = serde_json::json!({
        "iss": server.base, "sub": sub, "aud": "portal", "iat": START - 7200, "exp": START - 3600,
    });
    sigil_jose::jws::sign(signer, Some("JWT"), &serde_json::to_vec(&claims).unwrap()).unwrap()
}

#[tokio::test]
async fn an_id_token_hint_for_someone_else_needs_a_new_sign_in() {
    let server = people_server().await;
    let alice = server
        .provisioner
        .user(&RealmName::default_realm(), "alice")
        .await
        .unwrap();
    let browser = Browser::new();
    portal_sign_in(&server, &browser).await;
    let own = id_token_for(&server, &alice.id).await;
    let other = id_token_for(&server, "someone-else").await;
    let with_hint = |hint: &str, prompt: Option<&'static str>| {
        let mut params = vec![("scope", "openid"), ("id_token_hint", hint)];
        params.extend(prompt.map(|p| ("prompt", p)));
        authorize_url(&server, "portal", &params)
    };
    // Her own (expired) token: silent success.
    let silent = browser.get(&with_hint(&own, Some("none"))).await;
    assert!(silent.redirect_params().contains_key("code"));
    // Someone else's: login_required with prompt=none, the login page without.
    let refused = browser.get(&with_hint(&other, Some("none"))).await;
    assert_eq!(refused.redirect_params()["error"], "login_required");
    assert!(browser.get(&with_hint(&other, None)).await.is_login_form());
    server.stop().await;
}

/// A sign-in replaces the browser's previous session: the old one ends (in the store, and its
/// access tokens with it), and the cookie names the new one.
#[tokio::test]
async fn signing_in_again_ends_the_previous_session() {
    let server = people_server().await;
    let browser = Browser::new();
    portal_sign_in(&server, &browser).await;
    let realm = RealmName::default_realm();
    let first_secret = browser.cookie("sigil-session-default").unwrap();
    let first = server
        .store
        .find_session(&realm, &random::digest(&first_secret), server.clock.now())
        .await
        .unwrap()
        .expect("the first session is live");
    server.clock.advance(5);
    let page = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[("scope", "openid"), ("prompt", "login")],
        ))
        .await;
    let answer = submit_login(&browser, &page, "alice", PASSWORD).await;
    assert_eq!(answer.status, 303);
    let second_secret = browser.cookie("sigil-session-default").unwrap();
    assert_ne!(first_secret, second_secret, "a new session, a new secret");
    let ended = server
        .store
        .get_session(&realm, &first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ended.ended_at,
        Some(server.clock.now()),
        "the old session ended"
    );
    assert!(
        server
            .store
            .find_session(&realm, &random::digest(&second_secret), server.clock.now())
            .await
            .unwrap()
            .is_some()
    );
    server.stop().await;
}
