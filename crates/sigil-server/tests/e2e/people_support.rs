//! People for token tests: a user, a client, a login session and an authorization code made
//! directly through the store, exactly as the authorization side's contract makes them (so
//! the token side is tested without the login pages).

use serde_json::Value;
use sigil_server::clock::Clock;
use sigil_server::provision::{ClientSpec, UserSpec};
use sigil_server::random;
use sigil_store::{ClientSettings, CodeRecord, RealmName, SessionRecord};

use crate::support::TestServer;

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const REDIRECT: &str = "https://app.example.com/callback";
pub const LOGGED_OUT: &str = "https://app.example.com/bye";

pub struct Person {
    pub user_id: String,
    pub session_id: String,
    /// The session cookie's value.
    pub session_secret: String,
}

/// A confidential client for the code flow with refresh tokens.
pub async fn code_client(
    server: &TestServer,
    id: &str,
    settings: ClientSettings,
) -> (String, String) {
    server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some(id.into()),
                grant_types: vec!["authorization_code".into(), "refresh_token".into()],
                redirect_uris: vec![REDIRECT.into()],
                scopes: ["openid", "profile", "email", "offline_access"]
                    .map(String::from)
                    .to_vec(),
                settings: ClientSettings {
                    post_logout_redirect_uris: vec![LOGGED_OUT.into()],
                    ..settings
                },
                ..ClientSpec::default()
            },
        )
        .await
}

/// A user with a profile, signed in (a live session).
pub async fn signed_in(server: &TestServer, username: &str) -> Person {
    let realm = RealmName::default_realm();
    let user = server
        .provisioner
        .create_user_with(
            &realm,
            UserSpec {
                username: username.into(),
                email: Some(format!("{username}@example.com")),
                email_verified: true,
                name: Some("Alice Liddell".into()),
                ..UserSpec::default()
            },
        )
        .await
        .unwrap();
    let now = server.clock.now();
    let secret = random::token(&*server.rng, 32).unwrap();
    let session = SessionRecord {
        id: random::token(&*server.rng, 16).unwrap(),
        secret_hash: random::digest(&secret),
        user_id: user.id.clone(),
        auth_time: now,
        amr: vec!["pwd".into()],
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3600,
        ended_at: None,
    };
    server.store.insert_session(&realm, &session).await.unwrap();
    Person {
        user_id: user.id,
        session_id: session.id,
        session_secret: secret,
    }
}

/// A code for `client_id`, with the S256 challenge of [`VERIFIER`] when `pkce`.
pub async fn code(
    server: &TestServer,
    person: &Person,
    client_id: &str,
    scope: &str,
    pkce: bool,
) -> String {
    code_with_claims(server, person, client_id, scope, pkce, None).await
}

/// [`code`], with the OIDC `claims` request parameter the authorization carried.
pub async fn code_with_claims(
    server: &TestServer,
    person: &Person,
    client_id: &str,
    scope: &str,
    pkce: bool,
    claims: Option<&str>,
) -> String {
    let now = server.clock.now();
    let code = random::token(&*server.rng, 32).unwrap();
    let record = CodeRecord {
        code_hash: random::digest(&code),
        grant_id: random::token(&*server.rng, 16).unwrap(),
        client_id: client_id.into(),
        user_id: person.user_id.clone(),
        session_id: person.session_id.clone(),
        redirect_uri: REDIRECT.into(),
        scope: scope.into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: pkce.then(|| CHALLENGE.into()),
        claims: claims.map(str::to_owned),
        auth_time: now,
        amr: vec!["pwd".into()],
        acr: None,
        created_at: now,
        expires_at: now + 60,
    };
    server
        .store
        .insert_code(&RealmName::default_realm(), &record)
        .await
        .unwrap();
    code
}

/// POSTs to the token endpoint; the status and the JSON body.
pub async fn token(server: &TestServer, auth: (&str, &str), form: &[(&str, &str)]) -> (u16, Value) {
    let response = server.post_form("/token", auth, form).await;
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Redeems a PKCE code.
pub async fn redeem(server: &TestServer, auth: (&str, &str), code: &str) -> (u16, Value) {
    token(
        server,
        auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

pub async fn refresh(server: &TestServer, auth: (&str, &str), refresh_token: &str) -> (u16, Value) {
    token(
        server,
        auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}
