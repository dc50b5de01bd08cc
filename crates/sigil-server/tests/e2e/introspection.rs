//! Introspection (RFC 7662) and revocation (RFC 7009), personal access tokens and legacy HS256.

use serde_json::{Value, json};
use sigil_jose::legacy_hmac::{self, HmacAlgorithm, LegacyHmacKey};
use sigil_server::provision::ClientSpec;
use sigil_server::tokens::pat;
use sigil_store::RealmName;

use crate::support::{START, TestServer, parts};

#[tokio::test]
async fn active_tokens_report_their_claims_until_revoked_or_expired() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "svc").await;
    let token = server
        .token("default", (&id, &secret), &[("scope", "api:read")])
        .await;
    let active = server.introspect("default", (&id, &secret), &token).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], "svc");
    assert_eq!(active["scope"], "api:read");
    assert_eq!(active["token_type"], "Bearer");
    assert_eq!(active["iss"], server.base);
    assert_eq!(active["exp"], START + 600);

    // Revoked: inactive until it would have expired anyway.
    let revoked = server
        .post_form("/revoke", (&id, &secret), &[("token", &token)])
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        server.introspect("default", (&id, &secret), &token).await,
        json!({"active": false})
    );

    // Revoked by another node or the CLI (straight into the store): the server follows the
    // store's revocation feed and sees it within one refresh interval.
    let elsewhere = server.token("default", (&id, &secret), &[]).await;
    assert_eq!(
        server
            .introspect("default", (&id, &secret), &elsewhere)
            .await["active"],
        true
    );
    let (_, claims) = parts(&elsewhere);
    server
        .store
        .revoke_token(
            &RealmName::default_realm(),
            claims["jti"].as_str().unwrap(),
            claims["exp"].as_i64().unwrap(),
        )
        .await
        .unwrap();
    server
        .eventually("a revocation made elsewhere reaches the server", || async {
            server
                .introspect("default", (&id, &secret), &elsewhere)
                .await
                == json!({"active": false})
        })
        .await;

    // Expired: inactive, with nothing else said.
    let fresh = server.token("default", (&id, &secret), &[]).await;
    server.clock.advance(600);
    assert_eq!(
        server.introspect("default", (&id, &secret), &fresh).await,
        json!({"active": false})
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_foreign_and_garbage_tokens_are_inactive() {
    let server = TestServer::start().await;
    server.realm("other", &[]).await;
    let (id, secret) = server.client("default", "svc").await;
    let (other_id, other_secret) = server.client("other", "svc").await;
    let foreign = server.token("other", (&other_id, &other_secret), &[]).await;
    for token in [
        foreign.as_str(),
        "garbage",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.e30.",
    ] {
        assert_eq!(
            server.introspect("default", (&id, &secret), token).await,
            json!({"active": false}),
            "{token}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn revocation_answers_200_and_only_revokes_a_clients_own_tokens() {
    let server = TestServer::start().await;
    let (a, a_secret) = server.client("default", "a").await;
    let (b, b_secret) = server.client("default", "b").await;
    let token_a = server.token("default", (&a, &a_secret), &[]).await;
    // RFC 7009 §2.2: invalid tokens are not an error.
    let garbage = server
        .post_form("/revoke", (&a, &a_secret), &[("token", "not-a-token")])
        .await;
    assert_eq!(garbage.status(), 200);
    // §2.1: b may not revoke a's token.
    let refused = server
        .post_form("/revoke", (&b, &b_secret), &[("token", &token_a)])
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "unauthorized_client"
    );
    assert_eq!(
        server
            .introspect("default", (&a, &a_secret), &token_a)
            .await["active"],
        true,
        "b's attempt left it active"
    );
    server.stop().await;
}

#[tokio::test]
async fn personal_access_tokens_are_active_until_revoked_and_record_their_use() {
    let server = TestServer::start().await;
    // A PAT's audience is the realm's issuer: the resource server that introspects PATs is
    // registered with that audience (RFC 7662 §4).
    let (id, secret) = server
        .client_with(
            "default",
            ClientSpec {
                client_id: Some("api".into()),
                audiences: vec![server.base.clone()],
                ..ClientSpec::default()
            },
        )
        .await;
    let realm = RealmName::default_realm();
    let user = server
        .provisioner
        .create_user(&realm, "alice")
        .await
        .unwrap();
    let state = server
        .provisioner
        .realm_state(&realm, &server.base)
        .await
        .unwrap();
    let issued = pat::create(
        &*server.store,
        &state,
        &user,
        "laptop",
        30 * 86_400,
        START,
        server.provisioner.rng(),
    )
    .await
    .unwrap();
    let over = pat::create(
        &*server.store,
        &state,
        &user,
        "forever",
        91 * 86_400,
        START,
        server.provisioner.rng(),
    )
    .await;
    assert!(over.is_err(), "at most 90 days");

    server.clock.advance(5);
    let active = server
        .introspect("default", (&id, &secret), &issued.token)
        .await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], user.id);
    assert_eq!(active["token_use"], "pat");
    assert_eq!(active["pat_name"], "laptop");
    let record = server
        .store
        .get_pat(&realm, &issued.record.jti)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.last_used_at, Some(START + 5));
    // Uses are written at most once a minute, not on every request.
    let last_used = || async {
        server
            .store
            .get_pat(&realm, &issued.record.jti)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
    };
    server.clock.advance(30);
    let active = server
        .introspect("default", (&id, &secret), &issued.token)
        .await;
    assert_eq!(active["active"], true);
    assert_eq!(last_used().await, Some(START + 5));
    server.clock.advance(30);
    server
        .introspect("default", (&id, &secret), &issued.token)
        .await;
    assert_eq!(last_used().await, Some(START + 65));

    assert!(
        server
            .store
            .revoke_pat(&realm, &issued.record.jti, START + 66)
            .await
            .unwrap()
    );
    server
        .eventually("the PAT revocation reaches the server", || async {
            server
                .introspect("default", (&id, &secret), &issued.token)
                .await
                == json!({"active": false})
        })
        .await;
    server.stop().await;
}

#[tokio::test]
async fn legacy_hs256_is_accepted_only_while_the_realm_allows_it() {
    let server = TestServer::start().await;
    let (id, secret) = server.client("default", "api").await;
    let legacy_secret = b"django-insecure-0123456789abcdefghijklmnopqrstuvwxyz";
    let key = LegacyHmacKey::new(legacy_secret).unwrap();
    let claims = json!({"sub": "42", "exp": START + 3600, "iat": START, "user_id": 42});
    let token = legacy_hmac::sign(
        &key,
        HmacAlgorithm::HS256,
        Some("JWT"),
        claims.to_string().as_bytes(),
    )
    .unwrap();

    // Off by default.
    assert_eq!(
        server.introspect("default", (&id, &secret), &token).await,
        json!({"active": false})
    );

    let realm = RealmName::default_realm();
    server
        .provisioner
        .set_legacy_hs256(&realm, Some(legacy_secret))
        .await
        .unwrap();
    server
        .eventually("legacy acceptance reaches the server", || async {
            server.introspect("default", (&id, &secret), &token).await["active"] == true
        })
        .await;
    let active = server.introspect("default", (&id, &secret), &token).await;
    assert_eq!(active["legacy_alg"], "HS256");
    assert_eq!(active["user_id"], 42);
    // A wrong secret still fails.
    let forged = legacy_hmac::sign(
        &LegacyHmacKey::new(&[1; 32]).unwrap(),
        HmacAlgorithm::HS256,
        None,
        claims.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(
        server.introspect("default", (&id, &secret), &forged).await["active"],
        false
    );

    server
        .provisioner
        .set_legacy_hs256(&realm, None)
        .await
        .unwrap();
    server
        .eventually("legacy acceptance is switched off", || async {
            server.introspect("default", (&id, &secret), &token).await["active"] == false
        })
        .await;
    server.stop().await;
}
