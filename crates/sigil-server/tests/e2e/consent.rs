//! Consent (OIDC Core §3.1.2.4): Deny is `access_denied` at the client; Allow is remembered
//! per user and client, so a request for the same scopes or fewer skips the page, and more
//! (or `prompt=consent`) asks again.

use crate::browser::{
    Browser, PASSWORD, authorize_url, challenge, people_server, submit_consent, submit_login,
};

fn web(scope: &str, extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut params = vec![
        ("scope".to_owned(), scope.to_owned()),
        ("code_challenge".to_owned(), challenge()),
        ("code_challenge_method".to_owned(), "S256".to_owned()),
    ];
    params.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    params
}

fn url(server: &crate::support::TestServer, params: &[(String, String)]) -> String {
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    authorize_url(server, "web", &params)
}

#[tokio::test]
async fn deny_is_access_denied_at_the_client() {
    let server = people_server().await;
    let browser = Browser::new();
    let login = browser.get(&url(&server, &web("openid email", &[]))).await;
    let consent = submit_login(&browser, &login, "alice", PASSWORD).await;
    let denied = submit_consent(&browser, &consent, "deny").await;
    assert_eq!(denied.status, 303);
    let params = denied.redirect_params();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st");
    assert_eq!(params["iss"], server.base);
    assert!(!params.contains_key("code"));
    // Nothing was remembered: the next request asks again.
    let again = browser.get(&url(&server, &web("openid email", &[]))).await;
    assert!(again.is_consent_form());
    server.stop().await;
}

#[tokio::test]
async fn consent_is_remembered_for_the_same_scopes_or_fewer() {
    let server = people_server().await;
    let browser = Browser::new();
    let login = browser
        .get(&url(&server, &web("openid email profile", &[])))
        .await;
    let consent = submit_login(&browser, &login, "alice", PASSWORD).await;
    let allowed = submit_consent(&browser, &consent, "approve").await;
    assert!(allowed.redirect_params().contains_key("code"));
    // Fewer: no page.
    let fewer = browser.get(&url(&server, &web("openid email", &[]))).await;
    assert_eq!(fewer.status, 303, "{}", fewer.body);
    assert!(fewer.redirect_params().contains_key("code"));
    // prompt=none works now.
    let silent = browser
        .get(&url(&server, &web("openid", &[("prompt", "none")])))
        .await;
    assert!(silent.redirect_params().contains_key("code"));
    // More: asked again; prompt=consent: asked again.
    let more = browser
        .get(&url(&server, &web("openid api:read", &[])))
        .await;
    assert!(more.is_consent_form());
    assert!(more.body.contains("api:read"));
    let forced = browser
        .get(&url(&server, &web("openid", &[("prompt", "consent")])))
        .await;
    assert!(forced.is_consent_form());
    // A consent form without the session it was shown to is refused.
    browser.forget_cookie("sigil-session-default");
    let orphan = submit_consent(&browser, &forced, "approve").await;
    assert_eq!(orphan.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn a_first_party_client_is_not_asked_unless_it_asks_with_prompt_consent() {
    let server = people_server().await;
    let browser = Browser::new();
    let login = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[("scope", "openid email")],
        ))
        .await;
    let answer = submit_login(&browser, &login, "alice", PASSWORD).await;
    assert_eq!(answer.status, 303, "no consent page");
    let asked = browser
        .get(&authorize_url(
            &server,
            "portal",
            &[("scope", "openid"), ("prompt", "consent")],
        ))
        .await;
    assert!(asked.is_consent_form());
    let allowed = submit_consent(&browser, &asked, "approve").await;
    assert!(allowed.redirect_params().contains_key("code"));
    server.stop().await;
}
