//! The token side of People: the code grant, refresh rotation, userinfo, logout, discovery.

use serde_json::Value;
use sigil_store::ClientSettings;

use crate::people_support::{
    LOGGED_OUT, REDIRECT, VERIFIER, code, code_client, code_with_claims, redeem, refresh,
    signed_in, token,
};
use crate::support::{START, TestServer, verify_with_jsonwebtoken};

const SCOPE: &str = "openid profile email offline_access";

#[tokio::test]
async fn the_code_grant_issues_an_id_token_an_access_token_and_a_refresh_token() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let code = code(&server, &alice, &id, SCOPE, true).await;
    let (status, body) = redeem(&server, (&id, &secret), &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], SCOPE);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    let jwks = server.url("/jwks.json");
    let id_token = verify_with_jsonwebtoken(
        &server.http,
        &jwks,
        body["id_token"].as_str().unwrap(),
        &server.base,
        Some(&id),
        START,
    )
    .await;
    assert_eq!(id_token["sub"], alice.user_id.as_str());
    assert_eq!(id_token["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id_token["sid"], alice.session_id.as_str());
    assert_eq!(id_token["azp"], id.as_str());
    assert_eq!(id_token["email"], "alice@example.com");
    assert_eq!(id_token["amr"], serde_json::json!(["pwd"]));
    assert!(id_token["at_hash"].is_string());
    let access = body["access_token"].as_str().unwrap();
    let claims =
        verify_with_jsonwebtoken(&server.http, &jwks, access, &server.base, None, START).await;
    assert_eq!(claims["sub"], alice.user_id.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(claims["sid"], alice.session_id.as_str());
    assert!(claims["gid"].is_string() && claims["auth_time"].is_i64());

    // Userinfo: header (GET and POST), body; never both.
    let userinfo = |req: reqwest::RequestBuilder| async move {
        let r = req.send().await.unwrap();
        (
            r.status().as_u16(),
            r.headers().get("www-authenticate").cloned(),
            r.text().await.unwrap(),
        )
    };
    let (status, _, text) =
        userinfo(server.http.get(server.url("/userinfo")).bearer_auth(access)).await;
    assert_eq!(status, 200, "{text}");
    let info: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(info["sub"], alice.user_id.as_str());
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["name"], "Alice Liddell");
    let (status, _, _) = userinfo(
        server
            .http
            .post(server.url("/protocol/openid-connect/userinfo"))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = userinfo(
        server
            .http
            .post(server.url("/userinfo"))
            .form(&[("access_token", access)]),
    )
    .await;
    assert_eq!(status, 200);
    let (status, challenge, _) = userinfo(
        server
            .http
            .post(server.url("/userinfo"))
            .bearer_auth(access)
            .form(&[("access_token", access)]),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        challenge
            .unwrap()
            .to_str()
            .unwrap()
            .contains("invalid_request")
    );
    let (status, challenge, _) = userinfo(
        server
            .http
            .get(server.url("/userinfo"))
            .bearer_auth("garbage"),
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        challenge
            .unwrap()
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    server.stop().await;
}

#[tokio::test]
async fn a_client_credentials_token_or_one_without_openid_gets_no_userinfo() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let (cc, cc_secret) = server.client("default", "service").await;
    let service_token = server.token("default", (&cc, &cc_secret), &[]).await;
    let status = server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(&service_token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    let alice = signed_in(&server, "alice").await;
    let code = code(&server, &alice, &id, "profile", true).await;
    let (status, body) = redeem(&server, (&id, &secret), &code).await;
    assert_eq!(status, 200);
    assert!(body.get("id_token").is_none(), "no openid, no ID token");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let response = server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    server.stop().await;
}

#[tokio::test]
async fn userinfo_is_a_signed_jwt_when_the_client_registered_an_algorithm() {
    let server = TestServer::start().await;
    let settings = ClientSettings {
        userinfo_signed_response_alg: Some("RS256".into()),
        ..ClientSettings::default()
    };
    let (id, secret) = code_client(&server, "app", settings).await;
    let alice = signed_in(&server, "alice").await;
    let code = code(&server, &alice, &id, "openid email", true).await;
    let (_, body) = redeem(&server, (&id, &secret), &code).await;
    let response = server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/jwt");
    let jwt = response.text().await.unwrap();
    // No `exp` in a userinfo JWT (OIDC Core §5.3.2), so checked by hand after the signature.
    let (header, claims) = crate::support::parts(&jwt);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], server.base.as_str());
    assert_eq!(claims["aud"], id.as_str());
    assert_eq!(claims["email"], "alice@example.com");
    server.stop().await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_its_first_use_issued() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let code = code(&server, &alice, &id, SCOPE, true).await;
    let (_, first) = redeem(&server, (&id, &secret), &code).await;
    let (status, again) = redeem(&server, (&id, &secret), &code).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        server.introspect("default", (&id, &secret), access).await["active"],
        false
    );
    let (status, body) = refresh(
        &server,
        (&id, &secret),
        first["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    server.stop().await;
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_redirect_uri_verifier_and_lifetime() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let (other, other_secret) = code_client(&server, "other", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let wrong_verifier = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    type Case<'a> = (&'a str, bool, (&'a str, &'a str), Vec<(&'a str, &'a str)>);
    let cases: [Case<'_>; 5] = [
        (
            "another client",
            true,
            (&other, &other_secret),
            vec![("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)],
        ),
        (
            "another redirect_uri",
            true,
            (&id, &secret),
            vec![
                ("redirect_uri", "https://app.example.com/other"),
                ("code_verifier", VERIFIER),
            ],
        ),
        (
            "a wrong verifier",
            true,
            (&id, &secret),
            vec![
                ("redirect_uri", REDIRECT),
                ("code_verifier", wrong_verifier),
            ],
        ),
        (
            "no verifier",
            true,
            (&id, &secret),
            vec![("redirect_uri", REDIRECT)],
        ),
        (
            "a verifier without a challenge",
            false,
            (&id, &secret),
            vec![("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)],
        ),
    ];
    for (what, pkce, auth, extra) in cases {
        let code = code(&server, &alice, &id, SCOPE, pkce).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        form.extend(extra);
        let (status, body) = token(&server, auth, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{what}: {body}"
        );
    }
    let code = code(&server, &alice, &id, SCOPE, true).await;
    server.clock.advance(61);
    let (status, body) = redeem(&server, (&id, &secret), &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "expired"
    );
    server.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_concurrent_duplicate_gets_the_same_successor() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let code = code(&server, &alice, &id, SCOPE, true).await;
    let (_, first) = redeem(&server, (&id, &secret), &code).await;
    let original = first["refresh_token"].as_str().unwrap().to_owned();
    server.clock.advance(5);
    // A real race: both requests in flight at once.
    let (a, b) = tokio::join!(
        refresh(&server, (&id, &secret), &original),
        refresh(&server, (&id, &secret), &original)
    );
    assert_eq!((a.0, b.0), (200, 200), "{} {}", a.1, b.1);
    let successor = a.1["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        b.1["refresh_token"].as_str().unwrap(),
        successor,
        "one successor"
    );
    assert_ne!(successor, original);
    let id_token = crate::support::parts(a.1["id_token"].as_str().unwrap()).1;
    assert_eq!(id_token["sub"], alice.user_id.as_str());
    assert_eq!(id_token["iat"], START + 5);
    assert_eq!(id_token["auth_time"], START);
    assert!(id_token.get("nonce").is_none());
    // After the grace window, the spent token is a reuse: the whole grant dies.
    server.clock.advance(60);
    let (status, body) = refresh(&server, (&id, &secret), &original).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = refresh(&server, (&id, &secret), &successor).await;
    assert_eq!(status, 400, "the successor died with the grant");
    let access = a.1["access_token"].as_str().unwrap();
    assert_eq!(
        server.introspect("default", (&id, &secret), access).await["active"],
        false
    );
    server.stop().await;
}

#[tokio::test]
async fn refresh_may_narrow_scope_but_not_widen_it_nor_serve_another_client_or_a_disabled_user() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let (other, other_secret) = code_client(&server, "other", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let c = code(&server, &alice, &id, "openid email offline_access", true).await;
    let (_, first) = redeem(&server, (&id, &secret), &c).await;
    let rt = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, wide) = token(
        &server,
        (&id, &secret),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("scope", "openid profile"),
        ],
    )
    .await;
    assert_eq!(
        (status, wide["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    // The refusal spent nothing: a corrected retry works even after the grace window.
    server.clock.advance(60);
    let (status, narrow) = token(
        &server,
        (&id, &secret),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{narrow}");
    assert_eq!(narrow["scope"], "openid");
    let rt = narrow["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&server, (&other, &other_secret), &rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "another client's token"
    );
    // A second grant, for a user who is then disabled.
    let bob = signed_in(&server, "bob").await;
    let c = code(&server, &bob, &id, SCOPE, true).await;
    let (_, first) = redeem(&server, (&id, &secret), &c).await;
    server
        .provisioner
        .disable_user(&sigil_store::RealmName::default_realm(), "bob")
        .await
        .unwrap();
    let (status, body) = refresh(
        &server,
        (&id, &secret),
        first["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "disabled user"
    );
    server.stop().await;
}

#[tokio::test]
async fn logout_with_a_hint_ends_the_session_and_returns_with_state() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let c = code(&server, &alice, &id, SCOPE, true).await;
    let (_, tokens) = redeem(&server, (&id, &secret), &c).await;
    let hint = tokens["id_token"].as_str().unwrap();
    let cookie = format!("sigil-session-default={}", alice.session_secret);
    // An unregistered return address: a page, never a redirect.
    let response = server
        .http
        .get(with_query(
            &server.url("/logout"),
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", "https://evil.example/"),
            ],
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    let response = server
        .http
        .get(with_query(
            &server.url("/protocol/openid-connect/logout"),
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", LOGGED_OUT),
                ("state", "s 1"),
            ],
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("{LOGGED_OUT}?state=s+1")
    );
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        server.introspect("default", (&id, &secret), access).await["active"],
        false,
        "the session's tokens end with it"
    );
    server.stop().await;
}

#[tokio::test]
async fn logout_without_a_hint_asks_first() {
    let server = TestServer::start().await;
    let alice = signed_in(&server, "alice").await;
    let cookie = format!("sigil-session-default={}", alice.session_secret);
    let response = server
        .http
        .get(server.url("/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csrf_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sigil-csrf-default="))
        .unwrap();
    let csrf = csrf_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sigil-csrf-default=")
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("Sign out?"));
    let interaction = html
        .split("name=\"interaction\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // A forged submission (no CSRF cookie) ends nothing.
    let forged = server
        .http
        .post(server.url("/logout"))
        .header("cookie", &cookie)
        .form(&[
            ("decision", "logout"),
            ("csrf", csrf.as_str()),
            ("interaction", interaction.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let both = format!("{cookie}; sigil-csrf-default={csrf}");
    let done = server
        .http
        .post(server.url("/logout"))
        .header("cookie", &both)
        .form(&[
            ("decision", "logout"),
            ("csrf", csrf.as_str()),
            ("interaction", interaction.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("signed out"));
    let session = server
        .store
        .get_session(&sigil_store::RealmName::default_realm(), &alice.session_id)
        .await
        .unwrap()
        .unwrap();
    assert!(session.ended_at.is_some());
    server.stop().await;
}

#[tokio::test]
async fn discovery_lists_the_people_endpoints_and_vocabulary() {
    let server = TestServer::start().await;
    let (_, doc) = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(doc["userinfo_endpoint"], server.url("/userinfo"));
    assert_eq!(doc["end_session_endpoint"], server.url("/logout"));
    for grant in ["authorization_code", "refresh_token", "client_credentials"] {
        assert!(
            doc["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&Value::from(grant))
        );
    }
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("none"))
    );
    assert!(
        doc["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("offline_access"))
    );
    assert!(
        doc["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("email"))
    );
    assert_eq!(doc["claims_parameter_supported"], true);
    assert_eq!(doc["request_parameter_supported"], true);
    assert!(
        doc["userinfo_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("RS256"))
    );
    server.stop().await;
}

fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{url}?{query}")
}

/// The `claims` request parameter (OIDC Core §5.5) outlives the code: userinfo releases what it
/// asked for there, and a refreshed ID token keeps the original `amr` and its ID-token claims.
#[tokio::test]
async fn the_claims_request_and_amr_outlive_the_code() {
    let server = TestServer::start().await;
    let (id, secret) = code_client(&server, "app", ClientSettings::default()).await;
    let alice = signed_in(&server, "alice").await;
    let claims = r#"{"userinfo": {"email": null}, "id_token": {"name": null}}"#;
    let c = code_with_claims(
        &server,
        &alice,
        &id,
        "openid offline_access",
        true,
        Some(claims),
    )
    .await;
    let (status, first) = redeem(&server, (&id, &secret), &c).await;
    assert_eq!(status, 200, "{first}");
    let access = first["access_token"].as_str().unwrap();
    let info: Value = server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["email"], "alice@example.com",
        "asked for in claims.userinfo"
    );
    assert!(info.get("name").is_none(), "asked for in the ID token only");
    let (status, refreshed) = refresh(
        &server,
        (&id, &secret),
        first["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let (_, id_token) = crate::support::parts(refreshed["id_token"].as_str().unwrap());
    assert_eq!(id_token["amr"], serde_json::json!(["pwd"]));
    assert_eq!(id_token["name"], "Alice Liddell");
    assert!(id_token.get("nonce").is_none(), "OIDC Core §12.2");
    server.stop().await;
}
