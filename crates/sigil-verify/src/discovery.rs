//! OpenID Connect Discovery 1.0: from an issuer URL to its `jwks_uri`.
//!
//! The document is fetched from `{issuer}/.well-known/openid-configuration` (§4, with a
//! terminating `/` of the issuer removed first), its `issuer` must equal the configured one
//! exactly (§4.3: no normalisation), and its `jwks_uri` is used as it stands.

use serde::Deserialize;
use sigil_jose::Algorithm;

use crate::Error;
use crate::fetch::{Fetched, HttpClient};

/// The path appended to the issuer (§4.1).
pub const WELL_KNOWN_PATH: &str = "/.well-known/openid-configuration";

/// The members of an OpenID Provider Metadata document (§3) that a verifier reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// `issuer`: the exact value tokens carry in `iss`.
    pub issuer: String,
    /// `jwks_uri`: where the signing keys are published.
    pub jwks_uri: String,
    /// `id_token_signing_alg_values_supported`, as advertised (may include `none` or HMAC).
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
}

impl ProviderMetadata {
    /// The advertised signing algorithms that Sigil verifies, in the document's order;
    /// `none` and HMAC are never among them.
    pub fn asymmetric_signing_algorithms(&self) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = Vec::new();
        for name in &self.id_token_signing_alg_values_supported {
            if let Ok(alg) = name.parse::<Algorithm>()
                && !algs.contains(&alg)
            {
                algs.push(alg);
            }
        }
        algs
    }
}

/// The discovery URL of `issuer` (§4.1).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}{WELL_KNOWN_PATH}",
        issuer.strip_suffix('/').unwrap_or(issuer)
    )
}

/// Fetches and checks the discovery document of `issuer`.
pub async fn discover(client: &HttpClient, issuer: &str) -> Result<ProviderMetadata, Error> {
    client.url(issuer)?;
    let url = client.url(&discovery_url(issuer))?;
    let bytes = match client.get(&url, None).await? {
        Fetched::Body { bytes, .. } => bytes,
        // Not sent without If-None-Match; treat a stray 304 as the server's error.
        Fetched::NotModified { .. } => {
            return Err(Error::IssuerUnreachable {
                url: url.to_string(),
                reason: "the server answered 304 to an unconditional request".to_owned(),
            });
        }
    };
    parse(&bytes, url.as_str(), issuer, client)
}

/// Parses a discovery document fetched from `url` and checks it against `issuer`.
pub(crate) fn parse(
    bytes: &[u8],
    url: &str,
    issuer: &str,
    client: &HttpClient,
) -> Result<ProviderMetadata, Error> {
    let metadata: ProviderMetadata =
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidDiscovery {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    check(&metadata, issuer, client)?;
    Ok(metadata)
}

/// §4.3: the document's `issuer` is the configured one, byte for byte; its `jwks_uri` is a
/// URL this client fetches.
pub(crate) fn check(
    metadata: &ProviderMetadata,
    issuer: &str,
    client: &HttpClient,
) -> Result<(), Error> {
    if metadata.issuer != issuer {
        return Err(Error::DiscoveryIssuerMismatch {
            configured: issuer.to_owned(),
            found: metadata.issuer.clone(),
        });
    }
    client.url(&metadata.jwks_uri)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::HttpOptions;

    #[test]
    fn the_well_known_path_replaces_a_terminating_slash() {
        let cases = [
            (
                "https://id.example.com",
                "https://id.example.com/.well-known/openid-configuration",
            ),
            (
                "https://id.example.com/",
                "https://id.example.com/.well-known/openid-configuration",
            ),
            (
                "https://id.example.com/realms/acme",
                "https://id.example.com/realms/acme/.well-known/openid-configuration",
            ),
        ];
        for (issuer, url) in cases {
            assert_eq!(discovery_url(issuer), url);
        }
    }

    #[test]
    fn the_document_must_name_the_configured_issuer_exactly() {
        let client = HttpClient::new(HttpOptions::default()).unwrap();
        let doc = br#"{"issuer":"https://id.example.com/","jwks_uri":"https://id.example.com/jwks",
            "id_token_signing_alg_values_supported":["none","HS256","ES256","RS256","ES256"]}"#;
        let err = parse(doc, "u", "https://id.example.com", &client).unwrap_err();
        assert!(
            matches!(err, Error::DiscoveryIssuerMismatch { .. }),
            "{err}"
        );
        let ok = parse(doc, "u", "https://id.example.com/", &client).unwrap();
        assert_eq!(
            ok.asymmetric_signing_algorithms(),
            [Algorithm::ES256, Algorithm::RS256]
        );
        let bad_jwks = br#"{"issuer":"https://a.example","jwks_uri":"http://a.example/jwks"}"#;
        let err = parse(bad_jwks, "u", "https://a.example", &client).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{err}");
        let err = parse(b"{\"issuer\":1}", "u", "https://a.example", &client).unwrap_err();
        assert!(matches!(err, Error::InvalidDiscovery { .. }), "{err}");
    }
}
