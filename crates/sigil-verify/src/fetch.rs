//! Bounded HTTP GETs for discovery documents and key sets.
//!
//! Only `https` URLs are fetched, plus `http` to loopback addresses (a local issuer, tests)
//! unless plain HTTP is explicitly allowed. Every request has a timeout, every body a size
//! limit, and redirects are followed at most three times and only to URLs that pass the
//! same check.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL, ETAG, IF_NONE_MATCH, USER_AGENT};
use reqwest::{StatusCode, Url, redirect};

use crate::Error;
use crate::cache_control::CacheControl;
use crate::public_addresses::{PublicOnly, is_public};

/// How the verifier talks HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// The whole request, connection to last byte (default 10 s).
    pub timeout: Duration,
    /// The largest response body accepted (default 1 MiB).
    pub max_response_bytes: usize,
    /// Fetch `http://` URLs on non-loopback hosts too (default: no; a key set fetched in
    /// the clear can be swapped by anyone on the path).
    pub allow_plain_http: bool,
    /// Connect only to public addresses (default: no). For URLs an untrusted party chose: a
    /// name that resolves to a loopback, private or link-local address, or such an address
    /// in the URL, is refused, on every redirect hop (see [`crate::public_addresses`]); no
    /// proxy is used, since a proxy would resolve names itself.
    pub public_addresses_only: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            allow_plain_http: false,
            public_addresses_only: false,
        }
    }
}

/// An HTTP client for discovery and JWKS fetches. Cheap to clone (it shares a pool).
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    options: HttpOptions,
}

/// The outcome of a conditional GET.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// `304 Not Modified`: the cached copy is still good.
    NotModified { cache_control: CacheControl },
    /// `200 OK`.
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        cache_control: CacheControl,
    },
}

impl HttpClient {
    /// A client with these options.
    pub fn new(options: HttpOptions) -> Result<Self, Error> {
        let redirects = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                attempt.error("more than 3 redirects")
            } else if let Err(e) = check_url(attempt.url(), &options) {
                attempt.error(e.to_string())
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .redirect(redirects);
        if options.public_addresses_only {
            builder = builder.dns_resolver(Arc::new(PublicOnly)).no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, options })
    }

    /// Parses `url` and checks it is one this client will fetch.
    pub fn url(&self, url: &str) -> Result<Url, Error> {
        let parsed = Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        check_url(&parsed, &self.options)?;
        Ok(parsed)
    }

    /// GETs `url` once and returns the body, under the same rules as the verifier's own
    /// fetches (the URL check, the timeout, the size limit, checked redirects). For callers
    /// that keep their own cache: an OpenID provider fetching a client's `jwks_uri`.
    pub async fn get_body(&self, url: &Url) -> Result<Vec<u8>, Error> {
        check_url(url, &self.options)?;
        match self.get(url, None).await? {
            Fetched::Body { bytes, .. } => Ok(bytes),
            // Only a conditional GET is answered 304; this one is not conditional.
            Fetched::NotModified { .. } => Err(Error::IssuerUnreachable {
                url: url.to_string(),
                reason: "the server answered 304 to an unconditional GET".to_owned(),
            }),
        }
    }

    /// GETs `url`, sending `If-None-Match` when an entity tag is known.
    pub(crate) async fn get(
        &self,
        url: &Url,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, Error> {
        let unreachable = |reason: String| Error::IssuerUnreachable {
            url: url.to_string(),
            reason,
        };
        let mut request = self
            .client
            .get(url.clone())
            .header(ACCEPT, "application/json, application/jwk-set+json")
            .header(
                USER_AGENT,
                concat!("sigil-verify/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(etag) = if_none_match {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| unreachable(describe(&e)))?;
        let cache_control = CacheControl::parse(
            response
                .headers()
                .get_all(CACHE_CONTROL)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        match response.status() {
            StatusCode::NOT_MODIFIED if if_none_match.is_some() => {
                return Ok(Fetched::NotModified { cache_control });
            }
            StatusCode::OK => {}
            status => return Err(unreachable(format!("the server answered HTTP {status}"))),
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let limit = self.options.max_response_bytes;
        let too_large = || unreachable(format!("the response exceeds the {limit}-byte limit"));
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(describe(&e)))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            cache_control,
        })
    }
}

fn check_url(url: &Url, options: &HttpOptions) -> Result<(), Error> {
    let refuse = |reason: &str| {
        Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_owned(),
        })
    };
    if options.public_addresses_only && literal_address(url).is_some_and(|ip| !is_public(ip)) {
        return refuse("only public addresses are fetched");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http"
            if options.allow_plain_http || (is_loopback(url) && !options.public_addresses_only) =>
        {
            Ok(())
        }
        "http" => {
            refuse("plain http is fetched only from loopback addresses unless explicitly allowed")
        }
        _ => refuse("only http(s) URLs are fetched"),
    }
}

fn is_loopback(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|host| host.eq_ignore_ascii_case("localhost"))
        || literal_address(url).is_some_and(|ip| ip.is_loopback())
}

/// The address a URL's host names literally (`127.0.0.1`, `[::1]`), if it is one.
fn literal_address(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// reqwest's own message plus its cause, which says what actually happened ("connection
/// refused", "operation timed out").
fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "the request timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_loopback_http_are_fetched() {
        let strict = HttpClient::new(HttpOptions::default()).unwrap();
        for ok in [
            "https://id.example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://[::1]/jwks",
            "http://localhost/realms/a",
        ] {
            assert!(strict.url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://id.example.com/jwks",
            "file:///etc/passwd",
            "ftp://id.example.com/jwks",
            "not a url",
        ] {
            assert!(
                matches!(strict.url(bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
        let lax = HttpClient::new(HttpOptions {
            allow_plain_http: true,
            ..HttpOptions::default()
        })
        .unwrap();
        assert!(lax.url("http://id.example.com/jwks").is_ok());
        assert!(lax.url("file:///etc/passwd").is_err());
    }

    #[tokio::test]
    async fn public_addresses_only_never_reaches_this_machines_network() {
        let strict = HttpClient::new(HttpOptions {
            public_addresses_only: true,
            ..HttpOptions::default()
        })
        .unwrap();
        assert!(strict.url("https://id.example.com/jwks").is_ok());
        for bad in [
            "https://127.0.0.1/jwks",
            "https://[::1]/jwks",
            "https://10.0.0.5:8443/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:192.168.0.1]/",
            "http://localhost/jwks",
        ] {
            assert!(
                matches!(strict.url(bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
        // A name is resolved before connecting, and a private answer is no answer: a server
        // listening on loopback is never reached.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = strict
            .url(&format!("https://localhost:{port}/jwks"))
            .unwrap();
        let error = strict.get_body(&url).await.unwrap_err().to_string();
        assert!(error.contains("no public address"), "{error}");
    }
}
