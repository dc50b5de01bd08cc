//! A token's signature is checked once per realm version (`tokens::verified`); everything
//! else is checked on every presentation. The same token, presented again after each change,
//! answers what the change says.

use crate::support::TestServer;

#[tokio::test]
async fn a_remembered_signature_does_not_outlive_expiry_revocation_or_realm() {
    let server = TestServer::start().await;
    server.realm("other", &[]).await;
    let (id, secret) = server.client("default", "svc").await;
    let (other_id, other_secret) = server.client("other", "svc").await;
    let token = server.token("default", (&id, &secret), &[]).await;
    for _ in 0..3 {
        assert_eq!(
            server.introspect("default", (&id, &secret), &token).await["active"],
            true
        );
    }
    // Another realm never verified it, and does not now.
    assert_eq!(
        server
            .introspect("other", (&other_id, &other_secret), &token)
            .await["active"],
        false
    );
    // Revoked after it was remembered: inactive at once on this node.
    let revoked = server
        .post_form("/revoke", (&id, &secret), &[("token", token.as_str())])
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        server.introspect("default", (&id, &secret), &token).await["active"],
        false
    );
    // Expired after it was remembered.
    let second = server.token("default", (&id, &secret), &[]).await;
    assert_eq!(
        server.introspect("default", (&id, &secret), &second).await["active"],
        true
    );
    server.clock.advance(600);
    assert_eq!(
        server.introspect("default", (&id, &secret), &second).await["active"],
        false
    );
    // A tampered copy of a remembered token is another token: its signature fails.
    let third = server.token("default", (&id, &secret), &[]).await;
    assert_eq!(
        server.introspect("default", (&id, &secret), &third).await["active"],
        true
    );
    let mut tampered = third.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        server
            .introspect("default", (&id, &secret), &tampered)
            .await["active"],
        false
    );
    server.stop().await;
}
