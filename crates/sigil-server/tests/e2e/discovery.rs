//! Discovery (OIDC Discovery 1.0, RFC 8414) per realm, at the issuer's and Keycloak's paths.

use openidconnect::core::CoreProviderMetadata;
use openidconnect::{IssuerUrl, reqwest as oidc_reqwest};
use serde_json::Value;
use sigil_jose::Algorithm;

use crate::support::TestServer;

fn oidc_http() -> oidc_reqwest::Client {
    oidc_reqwest::ClientBuilder::new()
        .redirect(oidc_reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_openidconnect_crate_discovers_every_realm_and_its_keys() {
    let server = TestServer::start().await;
    server
        .realm("acme", &[Algorithm::ES256, Algorithm::EdDSA])
        .await;
    for (realm, kids) in [("default", 1), ("acme", 3)] {
        let issuer = server.issuer(realm);
        let metadata = CoreProviderMetadata::discover_async(
            IssuerUrl::new(issuer.clone()).unwrap(),
            &oidc_http(),
        )
        .await
        .unwrap_or_else(|e| panic!("{realm}: {e:?}"));
        assert_eq!(metadata.issuer().as_str(), issuer);
        assert_eq!(
            metadata.token_endpoint().unwrap().as_str(),
            format!("{issuer}/token")
        );
        assert_eq!(metadata.jwks().keys().len(), kids, "{realm}");
        let algs: Vec<String> = metadata
            .id_token_signing_alg_values_supported()
            .iter()
            .map(|a| {
                serde_json::to_value(a)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert!(
            algs.contains(&"RS256".to_owned()),
            "RS256 is mandatory for OPs"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn every_advertised_endpoint_exists_and_paths_are_consistent() {
    let server = TestServer::start().await;
    server.realm("acme", &[]).await;
    let (status, doc) = server
        .get_json("/realms/acme/.well-known/openid-configuration")
        .await;
    assert_eq!(status, 200);
    let issuer = doc["issuer"].as_str().unwrap();
    assert_eq!(issuer, server.issuer("acme"));
    for member in [
        "token_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "authorization_endpoint",
        "userinfo_endpoint",
        "end_session_endpoint",
    ] {
        let url = doc[member].as_str().unwrap();
        assert!(url.starts_with(issuer), "{member}: {url}");
        let response = server.http.get(url).send().await.unwrap();
        assert_ne!(response.status(), 404, "{member} {url} must exist");
    }
    // RFC 8414: the same at /.well-known/oauth-authorization-server, in both URL forms.
    let (_, oauth) = server
        .get_json("/realms/acme/.well-known/oauth-authorization-server")
        .await;
    let (_, inserted) = server
        .get_json("/.well-known/oauth-authorization-server/realms/acme")
        .await;
    assert_eq!(oauth, inserted);
    assert_eq!(oauth["issuer"], doc["issuer"]);
    assert_eq!(
        oauth["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    server.stop().await;
}

#[tokio::test]
async fn keycloak_paths_answer_like_the_native_ones() {
    let server = TestServer::start().await;
    server.realm("acme", &[]).await;
    let (client_id, secret) = server.client("acme", "svc").await;
    // Keycloak's token endpoint, with a Keycloak-style client.
    let response = server
        .post_form(
            "/realms/acme/protocol/openid-connect/token",
            (&client_id, &secret),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let token = response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let introspected = server
        .post_form(
            "/realms/acme/protocol/openid-connect/token/introspect",
            (&client_id, &secret),
            &[("token", &token)],
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true);
    let revoke = server
        .post_form(
            "/realms/acme/protocol/openid-connect/revoke",
            (&client_id, &secret),
            &[("token", &token)],
        )
        .await;
    assert_eq!(revoke.status(), 200);
    // Any token gets 200 at a revocation endpoint (RFC 7009 §2.2): what proves the alias
    // reached it is that the token is inactive afterwards, on the native path too.
    for path in [
        "/realms/acme/protocol/openid-connect/token/introspect",
        "/realms/acme/introspect",
    ] {
        assert_eq!(
            server
                .post_form(path, (&client_id, &secret), &[("token", &token)])
                .await
                .json::<Value>()
                .await
                .unwrap(),
            serde_json::json!({"active": false}),
            "{path}"
        );
    }
    // The default realm's equivalents at the root.
    let (status, _) = server.get_json("/protocol/openid-connect/certs").await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn discovery_is_public_cacheable_and_cors_enabled() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(headers["cache-control"], "public, max-age=900");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_realms_are_404_json() {
    let server = TestServer::start().await;
    for path in [
        "/realms/nope/.well-known/openid-configuration",
        "/realms/nope/jwks.json",
        "/realms/NOT_VALID/jwks.json",
        // Not UTF-8 once percent-decoded: no realm at all, and certainly not the default.
        "/realms/%FF/jwks.json",
        // The default realm lives at the root only: its issuer has no /realms path.
        "/realms/default/.well-known/openid-configuration",
    ] {
        let (status, body) = server.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "not_found", "{path}");
    }
    let response = server
        .post_form(
            "/realms/nope/token",
            ("a", "b"),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(response.status(), 404);
    server.stop().await;
}

/// Discovery is derived from what is registered: every row of the route table is advertised
/// (and reachable at the advertised URL), every grant of the token endpoint is listed, and
/// each endpoint's authentication methods come from the one list of them.
#[tokio::test]
async fn discovery_advertises_every_route_grant_and_auth_method_there_is() {
    use sigil_server::op::clients::TokenEndpointAuthMethod;
    use sigil_server::op::grants::Grant;
    use sigil_server::routes::{Endpoint, ROUTES, url};

    let server = TestServer::start().await;
    server.realm("acme", &[]).await;
    for realm in ["default", "acme"] {
        let issuer = server.issuer(realm);
        for document in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ] {
            let path = format!("{}{document}", crate::support::realm_path(realm));
            let (status, metadata) = server.get_json(&path).await;
            assert_eq!(status, 200, "{path}");
            for route in ROUTES {
                match route.metadata {
                    Some(member) => {
                        let advertised = metadata[member].as_str().unwrap_or_else(|| {
                            panic!("{path}: {member} missing for {:?}", route.endpoint)
                        });
                        assert_eq!(advertised, url(&issuer, route.endpoint));
                        // The advertised URL is served (any answer but the router's 404).
                        let response = server.http.get(advertised).send().await.unwrap();
                        assert_ne!(response.status(), 404, "{advertised}");
                    }
                    None => assert!(
                        matches!(
                            route.endpoint,
                            Endpoint::Discovery
                                | Endpoint::OAuthMetadata
                                | Endpoint::Login
                                | Endpoint::Consent
                                // RFC 7592: each client learns its own URI at registration.
                                | Endpoint::RegisteredClient
                        ),
                        "{:?} has no discovery member",
                        route.endpoint
                    ),
                }
            }
            let grants: Vec<&str> = Grant::ALL.into_iter().map(Grant::as_str).collect();
            assert_eq!(metadata["grant_types_supported"], serde_json::json!(grants));
            let methods = |member: &str| -> Vec<String> {
                metadata[member]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap().to_owned())
                    .collect()
            };
            for member in [
                "token_endpoint_auth_methods_supported",
                "introspection_endpoint_auth_methods_supported",
                "revocation_endpoint_auth_methods_supported",
            ] {
                let listed = methods(member);
                assert!(!listed.is_empty(), "{member}");
                assert!(
                    listed
                        .iter()
                        .all(|m| TokenEndpointAuthMethod::parse(m).is_some()),
                    "{member}: {listed:?}"
                );
            }
            assert!(
                !methods("introspection_endpoint_auth_methods_supported")
                    .contains(&TokenEndpointAuthMethod::None.as_str().to_owned()),
                "public clients cannot introspect"
            );
        }
    }
    server.stop().await;
}
