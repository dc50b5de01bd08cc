//! The route table: every protocol path, declared once. It drives both the router and the
//! discovery documents, so no path string is written twice.
//!
//! Each endpoint answers relative to a realm's issuer: at the root for the `default` realm and
//! under `/realms/{realm}` for the others. The aliases are Keycloak's paths
//! (`/protocol/openid-connect/...`), so a relying party configured for Keycloak works unchanged.

/// A protocol endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// OpenID Connect Discovery 1.0.
    Discovery,
    /// RFC 8414 authorization server metadata.
    OAuthMetadata,
    /// The JWK Set (RFC 7517).
    Jwks,
    /// The authorization endpoint (RFC 6749 §3.1).
    Authorize,
    /// The token endpoint (RFC 6749 §3.2).
    Token,
    /// Token introspection (RFC 7662).
    Introspect,
    /// Token revocation (RFC 7009).
    Revoke,
    /// The login form's target (OIDC Core §3.1.2.3); not advertised.
    Login,
    /// The consent form's target (OIDC Core §3.1.2.4); not advertised.
    Consent,
    /// The UserInfo endpoint (OIDC Core §5.3).
    Userinfo,
    /// RP-Initiated Logout 1.0 §2.
    Logout,
    /// Pushed authorization requests (RFC 9126 §2).
    PushedAuthorization,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The canonical path, relative to the issuer; the one discovery advertises.
    pub path: &'static str,
    /// Other paths that serve the same endpoint.
    pub aliases: &'static [&'static str],
    /// The discovery member (OIDC Discovery §3, RFC 8414 §2) that advertises the canonical
    /// URL; `None` for the metadata documents themselves and for the pages' form targets.
    pub metadata: Option<&'static str>,
}

impl Route {
    /// The canonical path followed by the aliases.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.path).chain(self.aliases.iter().copied())
    }
}

/// Every protocol route.
pub const ROUTES: &[Route] = &[
    Route {
        endpoint: Endpoint::Discovery,
        path: "/.well-known/openid-configuration",
        aliases: &[],
        metadata: None,
    },
    Route {
        endpoint: Endpoint::OAuthMetadata,
        path: "/.well-known/oauth-authorization-server",
        aliases: &[],
        metadata: None,
    },
    Route {
        endpoint: Endpoint::Jwks,
        path: "/jwks.json",
        aliases: &["/.well-known/jwks.json", "/protocol/openid-connect/certs"],
        metadata: Some("jwks_uri"),
    },
    Route {
        endpoint: Endpoint::Authorize,
        path: "/authorize",
        aliases: &["/protocol/openid-connect/auth"],
        metadata: Some("authorization_endpoint"),
    },
    Route {
        endpoint: Endpoint::Token,
        path: "/token",
        aliases: &["/protocol/openid-connect/token"],
        metadata: Some("token_endpoint"),
    },
    Route {
        endpoint: Endpoint::Introspect,
        path: "/introspect",
        aliases: &["/protocol/openid-connect/token/introspect"],
        metadata: Some("introspection_endpoint"),
    },
    Route {
        endpoint: Endpoint::Revoke,
        path: "/revoke",
        aliases: &["/protocol/openid-connect/revoke"],
        metadata: Some("revocation_endpoint"),
    },
    Route {
        endpoint: Endpoint::Login,
        path: "/login",
        aliases: &["/login-actions/authenticate"],
        metadata: None,
    },
    Route {
        endpoint: Endpoint::Consent,
        path: "/consent",
        aliases: &["/login-actions/consent"],
        metadata: None,
    },
    Route {
        endpoint: Endpoint::Userinfo,
        path: "/userinfo",
        aliases: &["/protocol/openid-connect/userinfo"],
        metadata: Some("userinfo_endpoint"),
    },
    Route {
        endpoint: Endpoint::Logout,
        path: "/logout",
        aliases: &["/protocol/openid-connect/logout"],
        metadata: Some("end_session_endpoint"),
    },
    Route {
        endpoint: Endpoint::PushedAuthorization,
        path: "/par",
        aliases: &["/protocol/openid-connect/ext/par/request"],
        metadata: Some("pushed_authorization_request_endpoint"),
    },
];

/// The prefix under which a non-default realm's endpoints live.
pub const REALM_PREFIX: &str = "/realms/{realm}";

/// The absolute URL of `endpoint` for the realm whose issuer is `issuer`.
pub fn url(issuer: &str, endpoint: Endpoint) -> String {
    let path = ROUTES
        .iter()
        .find(|r| r.endpoint == endpoint)
        .map_or("", |r| r.path);
    format!("{issuer}{path}")
}

/// Server-wide paths (not per realm).
pub mod server {
    /// Liveness.
    pub const HEALTHZ: &str = "/healthz";
    /// Readiness.
    pub const READYZ: &str = "/readyz";
    /// Prometheus metrics.
    pub const METRICS: &str = "/metrics";
    /// Trusted minting (seed 000).
    pub const ADMIN_MINT: &str = "/admin/v1/realms/{realm}/tokens";
    /// The dev-mode playground (the code flow in the browser).
    pub const PLAYGROUND: &str = "/playground";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_exactly_one_row_and_paths_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for route in ROUTES {
            assert_eq!(
                ROUTES
                    .iter()
                    .filter(|r| r.endpoint == route.endpoint)
                    .count(),
                1
            );
            for path in route.paths() {
                assert!(seen.insert(path), "{path} twice");
                assert!(path.starts_with('/'));
            }
        }
        assert_eq!(
            url("https://id.example.com/realms/a", Endpoint::Token),
            "https://id.example.com/realms/a/token"
        );
    }
}
