//! The JWK Set: same bytes on all three paths, cache headers, ETag revalidation.

use openidconnect::core::CoreJsonWebKeySet;
use sigil_jose::Algorithm;

use crate::support::TestServer;

#[tokio::test]
async fn three_paths_serve_the_same_bytes_with_cache_headers() {
    let server = TestServer::start_with(&[Algorithm::ES256, Algorithm::EdDSA]).await;
    let mut bodies = Vec::new();
    for path in [
        "/jwks.json",
        "/.well-known/jwks.json",
        "/protocol/openid-connect/certs",
    ] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers["cache-control"], "public, max-age=900");
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert!(headers.contains_key("etag"));
        bodies.push((headers["etag"].clone(), response.bytes().await.unwrap()));
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "identical bytes and ETag on every path"
    );
    // The openidconnect crate parses it (its three signing keys); every key has a distinct
    // kid, an alg, and use sig — or enc for the encryption key (`encryption_keys.rs`).
    let set: CoreJsonWebKeySet = serde_json::from_slice(&bodies[0].1).unwrap();
    assert_eq!(set.keys().len(), 3);
    let doc: serde_json::Value = serde_json::from_slice(&bodies[0].1).unwrap();
    let mut kids: Vec<&str> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    kids.sort_unstable();
    kids.dedup();
    assert_eq!(kids.len(), 4);
    let uses = |u: &str| {
        doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["use"] == u)
            .count()
    };
    assert_eq!((uses("sig"), uses("enc")), (3, 1));
    for key in doc["keys"].as_array().unwrap() {
        assert!(key["alg"].is_string());
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(key.get(private).is_none(), "no private member {private}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn etag_revalidation_answers_304() {
    let server = TestServer::start().await;
    let first = server
        .http
        .get(server.url("/jwks.json"))
        .send()
        .await
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = server
        .http
        .get(server.url("/jwks.json"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert_eq!(again.headers()["cache-control"], "public, max-age=900");
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = server
        .http
        .get(server.url("/jwks.json"))
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    // A new key changes the bytes and the ETag.
    server
        .provisioner
        .enable_algorithms(
            &sigil_store::RealmName::default_realm(),
            &[Algorithm::ES256],
        )
        .await
        .unwrap();
    server
        .eventually("the new key is published", || async {
            let r = server
                .http
                .get(server.url("/jwks.json"))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            r.status() == 200
        })
        .await;
    server.stop().await;
}
