//! Bearer authentication in front of HTTP handlers (RFC 6750): the axum extractor and the
//! tower layer, driven in-process through `oneshot`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod support;

use axum::Router;
use axum::body::Body;
use axum::extract::Extension;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use sigil_jose::Algorithm;
use sigil_verify::tower::BearerAuthLayer;
use sigil_verify::{VerifiedToken, Verifier};
use support::{Issuer, claims, clock, key, token};
use tower::ServiceExt as _;

async fn me(token: VerifiedToken) -> String {
    token.claims.sub.unwrap_or_default()
}

async fn maybe(token: Option<VerifiedToken>) -> String {
    token.map_or_else(
        || "anonymous".to_owned(),
        |t| t.claims.sub.unwrap_or_default(),
    )
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .with_state(verifier)
}

async fn call(
    app: Router,
    path: &str,
    authorization: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_extractor_lets_valid_tokens_through_and_challenges_the_rest() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    let verifier = issuer.verifier(&clock()).build().unwrap();
    let good = format!("Bearer {}", token(&signer, &claims(&issuer.url)));

    assert_eq!(
        call(app(verifier.clone()), "/me", Some(&good)).await,
        (StatusCode::OK, None, "alice".into())
    );

    let missing = call(app(verifier.clone()), "/me", None).await;
    assert_eq!(
        (missing.0, missing.1.as_deref()),
        (StatusCode::UNAUTHORIZED, Some("Bearer"))
    );
    let basic = call(app(verifier.clone()), "/me", Some("Basic dXNlcjpwdw==")).await;
    assert_eq!(
        (basic.0, basic.1.as_deref()),
        (StatusCode::UNAUTHORIZED, Some("Bearer"))
    );

    let stranger = format!(
        "Bearer {}",
        token(&key(Algorithm::ES256, "k9"), &claims(&issuer.url))
    );
    let (status, challenge, _) = call(app(verifier.clone()), "/me", Some(&stranger)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.unwrap(),
        "Bearer error=\"invalid_token\", error_description=\"kid 'k9' is not among the issuer's keys [k1]\""
    );

    let (status, challenge, _) = call(app(verifier.clone()), "/me", Some("Bearer a b")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        challenge
            .unwrap()
            .starts_with("Bearer error=\"invalid_request\"")
    );

    assert_eq!(
        call(app(verifier.clone()), "/maybe", None).await.2,
        "anonymous"
    );
    assert_eq!(
        call(app(verifier.clone()), "/maybe", Some(&good)).await.2,
        "alice"
    );
    assert_eq!(
        call(app(verifier), "/maybe", Some(&stranger)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_issuer_that_cannot_be_reached_is_a_503_not_a_401() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    issuer.set_down(true);
    let verifier = issuer.verifier(&clock()).build().unwrap();
    let good = format!("Bearer {}", token(&signer, &claims(&issuer.url)));
    let (status, challenge, _) = call(app(verifier), "/me", Some(&good)).await;
    assert_eq!((status, challenge), (StatusCode::SERVICE_UNAVAILABLE, None));
}

#[tokio::test]
async fn the_tower_layer_guards_a_service_and_hands_it_the_token() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    let verifier = issuer.verifier(&clock()).build().unwrap();
    let guarded = Router::new()
        .route(
            "/whoami",
            get(|Extension(token): Extension<VerifiedToken>| async move {
                token.claims.sub.unwrap_or_default()
            }),
        )
        .layer(BearerAuthLayer::new(verifier));
    let good = format!("Bearer {}", token(&signer, &claims(&issuer.url)));

    assert_eq!(
        call(guarded.clone(), "/whoami", Some(&good)).await,
        (StatusCode::OK, None, "alice".into())
    );
    let expired = support::token(
        &signer,
        &serde_json::json!({"iss": issuer.url, "aud": support::AUDIENCE, "exp": 1}),
    );
    let (status, challenge, body) = call(
        guarded.clone(),
        "/whoami",
        Some(&format!("Bearer {expired}")),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, ""));
    assert!(
        challenge
            .unwrap()
            .contains("token expired at 1 (now 1800000000, leeway 60s)")
    );
    assert_eq!(
        call(guarded, "/whoami", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}
