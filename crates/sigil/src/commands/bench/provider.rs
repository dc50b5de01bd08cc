//! The OP as its discovery document describes it (OpenID Connect Discovery 1.0 §3, RFC 8414
//! §2): the endpoints a scenario uses, the client authentication methods each accepts, and
//! the origins the bench may talk to. Nothing else is ever contacted: the issuer's origin and
//! those of the endpoints named here form the allow-list every URL is checked against.

use std::net::IpAddr;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use sigil_jose::JwkSet;
use sigil_verify::discovery::discovery_url;
use url::{Origin, Url};

use super::agent::{Agent, Request};

/// The members read from the discovery document.
#[derive(Debug, Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    introspection_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// What the bench knows of the OP.
#[derive(Debug)]
pub struct Provider {
    pub issuer: String,
    pub discovery: Url,
    pub jwks_uri: Url,
    pub keys: JwkSet,
    authorization_endpoint: Option<Url>,
    token_endpoint: Option<Url>,
    userinfo_endpoint: Option<Url>,
    introspection_endpoint: Option<Url>,
    /// RFC 8414 §2: absent means `client_secret_basic`.
    pub token_auth_methods: Vec<String>,
    /// RFC 8414 §2: absent means the token endpoint's.
    pub introspection_auth_methods: Vec<String>,
    origins: Vec<Origin>,
}

/// An endpoint a scenario needs, by its metadata name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Authorization,
    Token,
    Userinfo,
    Introspection,
}

impl Endpoint {
    fn member(self) -> &'static str {
        match self {
            Self::Authorization => "authorization_endpoint",
            Self::Token => "token_endpoint",
            Self::Userinfo => "userinfo_endpoint",
            Self::Introspection => "introspection_endpoint",
        }
    }
}

impl Provider {
    /// Fetches the discovery document and the JWK Set once, with `agent`, and checks them:
    /// the document's `issuer` equals `issuer` exactly (Discovery §4.3) and every URL it names
    /// is http(s) — plain http only to loopback unless `allow_http`.
    pub async fn discover(
        agent: &mut Agent,
        issuer: &str,
        allow_http: bool,
    ) -> anyhow::Result<Self> {
        let issuer_url = checked_url(issuer, allow_http).context("invalid --issuer")?;
        let discovery = Url::parse(&discovery_url(issuer))
            .with_context(|| format!("invalid --issuer {issuer:?}"))?;
        let page = agent
            .send(Request::get(&discovery))
            .await
            .with_context(|| format!("cannot fetch the discovery document {discovery}"))?;
        if page.status != 200 {
            bail!(
                "no discovery document at {discovery}: HTTP {} (is {issuer} an OpenID Provider's issuer?)",
                page.status
            );
        }
        let metadata: Metadata = serde_json::from_str(&page.body)
            .with_context(|| format!("{discovery} is not an OpenID Provider discovery document"))?;
        if metadata.issuer != issuer {
            bail!(
                "the discovery document at {discovery} names the issuer {:?}, not {issuer:?} (they must be equal byte for byte)",
                metadata.issuer
            );
        }
        let url = |name: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| checked_url(v, allow_http).with_context(|| format!("discovery: {name}")))
                .transpose()
        };
        let jwks_uri =
            checked_url(&metadata.jwks_uri, allow_http).context("discovery: jwks_uri")?;
        let mut provider = Self {
            issuer: metadata.issuer.clone(),
            authorization_endpoint: url(
                "authorization_endpoint",
                &metadata.authorization_endpoint,
            )?,
            token_endpoint: url("token_endpoint", &metadata.token_endpoint)?,
            userinfo_endpoint: url("userinfo_endpoint", &metadata.userinfo_endpoint)?,
            introspection_endpoint: url(
                "introspection_endpoint",
                &metadata.introspection_endpoint,
            )?,
            token_auth_methods: metadata
                .token_endpoint_auth_methods_supported
                .clone()
                .unwrap_or_else(|| vec!["client_secret_basic".to_owned()]),
            introspection_auth_methods: Vec::new(),
            origins: vec![issuer_url.origin()],
            keys: JwkSet::default(),
            discovery,
            jwks_uri,
        };
        provider.introspection_auth_methods = metadata
            .introspection_endpoint_auth_methods_supported
            .unwrap_or_else(|| provider.token_auth_methods.clone());
        let named = [
            Some(&provider.jwks_uri),
            provider.authorization_endpoint.as_ref(),
            provider.token_endpoint.as_ref(),
            provider.userinfo_endpoint.as_ref(),
            provider.introspection_endpoint.as_ref(),
        ];
        for origin in named.into_iter().flatten().map(Url::origin) {
            if !provider.origins.contains(&origin) {
                provider.origins.push(origin);
            }
        }
        let page = agent
            .send(Request::get(&provider.jwks_uri))
            .await
            .with_context(|| format!("cannot fetch the JWK Set {}", provider.jwks_uri))?;
        if page.status != 200 {
            bail!(
                "the JWK Set {} answered HTTP {}",
                provider.jwks_uri,
                page.status
            );
        }
        provider.keys = JwkSet::from_json(page.body.as_bytes())
            .with_context(|| format!("{} is not a JWK Set", provider.jwks_uri))?;
        Ok(provider)
    }

    /// The endpoint, or why the scenario cannot run.
    pub fn endpoint(&self, endpoint: Endpoint, scenario: &str) -> anyhow::Result<&Url> {
        let url = match endpoint {
            Endpoint::Authorization => &self.authorization_endpoint,
            Endpoint::Token => &self.token_endpoint,
            Endpoint::Userinfo => &self.userinfo_endpoint,
            Endpoint::Introspection => &self.introspection_endpoint,
        };
        url.as_ref().with_context(|| {
            format!(
                "the discovery document of {} has no {}, which the {scenario} scenario needs",
                self.issuer,
                endpoint.member()
            )
        })
    }

    /// Whether the bench may send a request to `url`.
    pub fn allows(&self, url: &Url) -> bool {
        self.origins.contains(&url.origin())
    }

    /// The origins in the allow-list (for the agent, which checks every request).
    pub fn origins(&self) -> Vec<Origin> {
        self.origins.clone()
    }
}

/// An absolute http(s) URL; plain http only to a loopback host unless allowed, since the
/// bench sends client secrets and passwords.
fn checked_url(text: &str, allow_http: bool) -> anyhow::Result<Url> {
    let url = Url::parse(text).with_context(|| format!("{text:?} is not an absolute URL"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => {
            bail!("{text} is plain http to a host that is not loopback (--allow-http to accept it)")
        }
        other => bail!("{text}: the {other} scheme is not http(s)"),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        for ok in [
            "https://id.example",
            "http://127.0.0.1:8080",
            "http://[::1]/",
            "http://localhost:3000",
        ] {
            assert!(checked_url(ok, false).is_ok(), "{ok}");
        }
        for refused in ["http://id.example", "ftp://127.0.0.1", "/relative"] {
            assert!(checked_url(refused, false).is_err(), "{refused}");
        }
        assert!(checked_url("http://id.example", true).is_ok());
    }
}
