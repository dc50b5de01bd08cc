//! A certified-grade relying party library, unchanged, against Sigil: the `openidconnect` crate
//! discovers the provider, builds the authorization request (PKCE S256, nonce, state), a
//! cookie-keeping client signs in and consents through the real pages, and the library then
//! redeems the code, verifies the ID token (signature against the published keys, `iss`,
//! `aud`, `exp`, the nonce, `at_hash`) and fetches userinfo.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use sigil_server::clock::Clock;

use crate::browser::{Browser, PASSWORD, REDIRECT, people_server, submit_consent, submit_login};

fn http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_openidconnect_crate_signs_a_person_in_end_to_end() {
    let server = people_server().await;
    let http = http();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new("web".into()), None)
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    // What a browser does: the login form, the consent form, the redirect.
    let browser = Browser::new();
    let login = browser.get(url.as_str()).await;
    let consent = submit_login(&browser, &login, "alice", PASSWORD).await;
    let back = submit_consent(&browser, &consent, "approve").await;
    let params = back.redirect_params();
    assert_eq!(params.get("state"), Some(state.secret()));
    assert_eq!(params.get("iss"), Some(&server.base), "RFC 9207");
    let code = params.get("code").expect("a code").clone();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let now = server.clock.now();
    let verifier = client
        .id_token_verifier()
        .set_time_fn(move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default());
    let id_token = tokens.id_token().expect("an ID token for openid");
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(claims.issuer().as_str(), server.base);
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("alice")
    );
    let expected_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));
    assert!(claims.auth_time().is_some());
    let granted: Vec<String> = tokens
        .scopes()
        .expect("the response says what was granted")
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(granted, ["openid", "profile", "email"]);

    let userinfo: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(userinfo.subject(), claims.subject());
    assert_eq!(
        userinfo.preferred_username().map(|u| u.as_str()),
        Some("alice")
    );

    // The library's second try with the same code is refused (single use).
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .request_async(&http)
        .await;
    assert!(replay.is_err(), "a code works once");
    server.stop().await;
}
