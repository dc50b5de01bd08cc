//! The JWKS cache against a throwaway issuer that counts its requests: single flight,
//! the unknown-kid cool-down, rotation, max-age, ETag revalidation and stale-if-error.
//! Time moves with a manual clock; nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod support;

use std::time::Duration;

use sigil_jose::Algorithm;
use sigil_verify::{CachePolicy, Error, SignedBy, Verifier};
use support::{Issuer, claims, clock, key, token};
use tokio::task::JoinSet;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

async fn verify_all(verifier: &Verifier, tokens: Vec<String>) -> Vec<Result<(), Error>> {
    let mut set = JoinSet::new();
    for token in tokens {
        let verifier = verifier.clone();
        set.spawn(async move { verifier.verify(&token).await.map(|_| ()) });
    }
    set.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_cache_makes_one_fetch_for_1000_concurrent_verifications() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    issuer
        .served
        .jwks_delay_ms
        .store(50, std::sync::atomic::Ordering::SeqCst);
    let verifier = issuer.verifier(&clock()).build().unwrap();
    let token = token(&signer, &claims(&issuer.url));

    let results = verify_all(&verifier, vec![token; 1000]).await;

    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(issuer.discovery_requests(), 1);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_costs_at_most_one_fetch_per_cooldown() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    let clock = clock();
    let verifier = issuer.verifier(&clock).build().unwrap();
    verifier.warm_up().await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    let forged = |round: usize| -> Vec<String> {
        (0..1000)
            .map(|i| {
                token(
                    &key(Algorithm::ES256, &format!("made-up-{round}-{i}")),
                    &claims(&issuer.url),
                )
            })
            .collect()
    };

    // Right after a fetch, the cool-down is running: no fetch at all.
    for result in verify_all(&verifier, forged(0)).await {
        assert!(
            matches!(result, Err(Error::UnknownKid { ref known, .. }) if known == &["k1"]),
            "{result:?}"
        );
    }
    assert_eq!(issuer.jwks_requests(), 1);

    // Past it: one refetch for the whole flood, then quiet again until the next cool-down.
    clock.advance(secs(31));
    for result in verify_all(&verifier, forged(1)).await {
        assert!(
            matches!(result, Err(Error::UnknownKid { .. })),
            "{result:?}"
        );
    }
    assert_eq!(issuer.jwks_requests(), 2);
    clock.advance(secs(29));
    verify_all(&verifier, forged(2)).await;
    assert_eq!(issuer.jwks_requests(), 2);
    clock.advance(secs(2));
    verify_all(&verifier, forged(3)).await;
    assert_eq!(issuer.jwks_requests(), 3);
    // The real key still verifies throughout, without a fetch.
    verifier
        .verify(&token(&signer, &claims(&issuer.url)))
        .await
        .unwrap();
    assert_eq!(issuer.jwks_requests(), 3);
}

#[tokio::test]
async fn a_rotated_key_verifies_after_one_refetch() {
    let old = key(Algorithm::ES256, "2026-01");
    let new = key(Algorithm::RS256, "2026-07");
    let issuer = Issuer::start(&[&old]).await;
    let clock = clock();
    let verifier = issuer.verifier(&clock).build().unwrap();
    verifier
        .verify(&token(&old, &claims(&issuer.url)))
        .await
        .unwrap();
    clock.advance(secs(31));

    issuer.publish(&[&new, &old]);
    let verified = verifier
        .verify(&token(&new, &claims(&issuer.url)))
        .await
        .unwrap();

    assert_eq!(
        verified.signed_by,
        SignedBy::Key {
            kid: Some("2026-07".into()),
            alg: Algorithm::RS256
        }
    );
    assert_eq!(issuer.jwks_requests(), 2);
    verifier
        .verify(&token(&old, &claims(&issuer.url)))
        .await
        .unwrap();
    assert_eq!(issuer.jwks_requests(), 2);

    // A key the issuer stops publishing stops verifying at the next fetch.
    issuer.publish(&[&new]);
    clock.advance(secs(15 * 60));
    let err = verifier
        .verify(&token(&old, &claims(&issuer.url)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnknownKid { ref kid, .. } if kid == "2026-01"),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_without_kid_finds_its_key_after_a_rotation() {
    let old = key(Algorithm::ES256, "old");
    let new = key(Algorithm::ES256, "new");
    let issuer = Issuer::start(&[&old]).await;
    let clock = clock();
    let verifier = issuer.verifier(&clock).build().unwrap();
    verifier.warm_up().await.unwrap();
    clock.advance(secs(31));
    issuer.publish(&[&old, &new]);
    let no_kid = support::token_without_kid(&new, &claims(&issuer.url));

    let verified = verifier.verify(&no_kid).await.unwrap();

    assert_eq!(
        verified.signed_by,
        SignedBy::Key {
            kid: Some("new".into()),
            alg: Algorithm::ES256
        }
    );
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn max_age_is_honoured_within_the_policy_bounds() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    issuer.set_cache_control("public, max-age=300");
    let clock = clock();
    let verifier = issuer.verifier(&clock).build().unwrap();
    let token = token(&signer, &claims(&issuer.url));

    verifier.verify(&token).await.unwrap();
    clock.advance(secs(299));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    clock.advance(secs(1));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);

    // max-age=0 is clamped up to min_ttl: no fetch per token.
    issuer.set_cache_control("max-age=0");
    clock.advance(secs(300));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 3);
    clock.advance(secs(59));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 3);

    // A huge max-age is clamped down to max_ttl.
    let policy = CachePolicy {
        max_ttl: secs(600),
        ..CachePolicy::default()
    };
    let verifier = issuer
        .verifier(&clock)
        .cache_policy(policy)
        .build()
        .unwrap();
    issuer.set_cache_control("max-age=31536000");
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 4);
    clock.advance(secs(600));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 5);
}

#[tokio::test]
async fn a_stale_set_is_revalidated_with_its_etag() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    issuer.set_cache_control("max-age=120");
    issuer.set_etag("\"v1\"");
    let clock = clock();
    let verifier = issuer.verifier(&clock).build().unwrap();
    let token = token(&signer, &claims(&issuer.url));
    verifier.verify(&token).await.unwrap();

    clock.advance(secs(120));
    verifier.verify(&token).await.unwrap();
    assert_eq!((issuer.jwks_requests(), issuer.not_modified()), (2, 1));
    // The 304 renewed freshness for the stored max-age.
    clock.advance(secs(119));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);

    // A new entity tag means a new body.
    let next = key(Algorithm::ES256, "k2");
    issuer.publish(&[&next]);
    issuer.set_etag("\"v2\"");
    clock.advance(secs(1));
    verifier
        .verify(&support::token(&next, &claims(&issuer.url)))
        .await
        .unwrap();
    assert_eq!((issuer.jwks_requests(), issuer.not_modified()), (3, 1));
}

#[tokio::test]
async fn known_keys_outlive_an_issuer_outage_for_the_stale_limit_only() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    issuer.set_cache_control("max-age=60");
    let clock = clock();
    let policy = CachePolicy {
        stale_limit: secs(600),
        ..CachePolicy::default()
    };
    let verifier = issuer
        .verifier(&clock)
        .cache_policy(policy)
        .build()
        .unwrap();
    let token = token(&signer, &claims(&issuer.url));
    verifier.verify(&token).await.unwrap();
    issuer.set_down(true);

    // Stale: one refresh attempt fails, the known key keeps verifying.
    clock.advance(secs(61));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
    // Failed fetches are not retried within the cool-down.
    clock.advance(secs(20));
    verifier.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
    // Up to the stale limit (fresh until T0+60, stale limit 600 s)...
    clock.set(secs(support::T0 + 60 + 599));
    verifier.verify(&token).await.unwrap();
    // ...and not past it.
    clock.advance(secs(1));
    let err = verifier.verify(&token).await.unwrap_err();
    let Error::StaleKeysExpired {
        stale_for_secs,
        limit_secs,
        ref cause,
    } = err
    else {
        panic!("{err}");
    };
    assert_eq!((stale_for_secs, limit_secs), (600, 600));
    assert!(
        matches!(**cause, Error::IssuerUnreachable { ref reason, .. } if reason.contains("503")),
        "{cause}"
    );
    assert!(
        err.to_string().contains("past the 600s stale limit"),
        "{err}"
    );

    // Back up: the next attempt after the cool-down restores service.
    issuer.set_down(false);
    clock.advance(secs(30));
    verifier.verify(&token).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_issuer_is_reported_and_not_hammered() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let clock = clock();
    let verifier = Verifier::builder()
        .issuer(&url)
        .allowed_algorithms([Algorithm::ES256])
        .no_audience_check()
        .clock(clock.clone())
        .build()
        .unwrap();
    let signer = key(Algorithm::ES256, "k1");
    let err = verifier
        .verify(&token(&signer, &claims(&url)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::IssuerUnreachable { ref url, .. } if url.ends_with("/.well-known/openid-configuration")),
        "{err}"
    );
    assert_eq!(err.kind(), "issuer_unreachable");

    // A cold cache whose issuer is down fails fast within the cool-down.
    let issuer = Issuer::start(&[&signer]).await;
    issuer.set_down(true);
    let verifier = issuer.verifier(&clock).build().unwrap();
    let token = token(&signer, &claims(&issuer.url));
    for _ in 0..10 {
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(matches!(err, Error::IssuerUnreachable { .. }), "{err}");
    }
    assert_eq!(issuer.discovery_requests(), 1);
    clock.advance(secs(30));
    issuer.set_down(false);
    verifier.verify(&token).await.unwrap();
    assert_eq!(
        (issuer.discovery_requests(), issuer.jwks_requests()),
        (2, 1)
    );
}

#[tokio::test]
async fn discovery_must_name_the_configured_issuer() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    *issuer.served.discovery_issuer.lock().unwrap() = Some("https://evil.example".into());
    let verifier = issuer.verifier(&clock()).build().unwrap();

    let err = verifier
        .verify(&token(&signer, &claims(&issuer.url)))
        .await
        .unwrap_err();

    assert_eq!(
        err,
        Error::DiscoveryIssuerMismatch {
            configured: issuer.url.clone(),
            found: "https://evil.example".into()
        }
    );
    assert_eq!(issuer.jwks_requests(), 0);
}

#[tokio::test]
async fn a_jwks_url_skips_discovery_and_bad_documents_are_refused() {
    let signer = key(Algorithm::ES256, "k1");
    let issuer = Issuer::start(&[&signer]).await;
    let clock = clock();
    let verifier = issuer
        .verifier(&clock)
        .jwks_url(format!("{}/jwks", issuer.url))
        .build()
        .unwrap();
    verifier
        .verify(&token(&signer, &claims(&issuer.url)))
        .await
        .unwrap();
    assert_eq!(
        (issuer.discovery_requests(), issuer.jwks_requests()),
        (0, 1)
    );

    *issuer.served.jwks.lock().unwrap() = "{\"keys\": 7}".into();
    let verifier = issuer.verifier(&clock).build().unwrap();
    let err = verifier.warm_up().await.unwrap_err();
    assert!(matches!(err, Error::InvalidJwks { .. }), "{err}");

    *issuer.served.jwks.lock().unwrap() =
        format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    let verifier = issuer.verifier(&clock).build().unwrap();
    let err = verifier.warm_up().await.unwrap_err();
    assert!(
        matches!(err, Error::IssuerUnreachable { ref reason, .. } if reason.contains("exceeds")),
        "{err}"
    );
}
