//! Sigil's own verifier (`sigil-verify`) against the real server: discovery, JWKS, RFC 9068
//! access tokens, and a rotation that brings a new kid.

use std::sync::Arc;

use sigil_jose::Algorithm;
use sigil_store::RealmName;
use sigil_verify::{Error, ManualClock, Verifier};

use crate::support::{START, TestServer};

#[tokio::test]
async fn sigil_verify_accepts_the_servers_tokens_and_follows_a_rotation() {
    let server = TestServer::start_with(&[Algorithm::ES256]).await;
    let (id, secret) = server
        .client_with(
            "default",
            sigil_server::provision::ClientSpec {
                client_id: Some("api-client".into()),
                audiences: vec!["https://api.example".into()],
                signing_alg: Some(Algorithm::ES256),
                ..Default::default()
            },
        )
        .await;
    let verifier_clock = Arc::new(ManualClock::at_unix(START as u64));
    let verifier = Verifier::builder()
        .issuer(server.base.clone())
        .allowed_algorithms([Algorithm::ES256, Algorithm::RS256])
        .audience(["https://api.example"])
        .typ("at+jwt")
        .clock(verifier_clock.clone())
        .build()
        .unwrap();
    let token = server.token("default", (&id, &secret), &[]).await;
    let verified = verifier.verify(&token).await.unwrap();
    assert_eq!(verified.claims.sub.as_deref(), Some("api-client"));

    // The server rotates at once; the verifier meets the new kid and refetches.
    server
        .provisioner
        .rotate(
            &RealmName::default_realm(),
            &[Algorithm::ES256.into()],
            0,
            true,
        )
        .await
        .unwrap();
    // "At once" is at the latest the second after the current key's activation.
    server.clock.advance(1);
    server
        .eventually("tokens carry the new kid", || async {
            let fresh = server.token("default", (&id, &secret), &[]).await;
            crate::support::parts(&fresh).0["kid"] != crate::support::parts(&token).0["kid"]
        })
        .await;
    let fresh = server.token("default", (&id, &secret), &[]).await;
    // A key that signs at once (`--now`) is what pre-publication avoids: within the unknown-kid
    // cool-down of the verifier's last fetch, it is not refetched.
    assert!(matches!(
        verifier.verify(&fresh).await,
        Err(Error::UnknownKid { .. })
    ));
    verifier_clock.advance(std::time::Duration::from_secs(31));
    let verified = verifier.verify(&fresh).await;
    assert!(
        verified.is_ok(),
        "new kid verified after one refetch: {verified:?}"
    );
    assert!(
        verifier.verify(&token).await.is_ok(),
        "the previous key is still published"
    );

    // Wrong audience is refused with the precise reason.
    let strict = Verifier::builder()
        .issuer(server.base.clone())
        .allowed_algorithms([Algorithm::ES256])
        .audience(["https://other.example"])
        .clock(Arc::new(ManualClock::at_unix(START as u64)))
        .build()
        .unwrap();
    assert!(matches!(
        strict.verify(&fresh).await,
        Err(Error::Token(sigil_jose::Error::AudienceMismatch { .. }))
    ));
    server.stop().await;
}
