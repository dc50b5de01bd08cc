//! Bounded HTTP GETs for discovery documents and key sets.
//!
//! Only `https` URLs are fetched, plus `http` to loopback addresses (a local issuer, tests)
//! unless plain HTTP is explicitly allowed. Every request has a timeout, every body a size
//! limit, and redirects are followed at most three times and only to URLs that pass the
//! same check.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL, ETAG, IF_NONE_MATCH, USER_AGENT};
use reqwest::{StatusCode, Url, redirect};

use crate::Error;
use crate::cache_control::CacheControl;

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
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            allow_plain_http: false,
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
            } else if let Err(e) = check_url(attempt.url(), options.allow_plain_http) {
                attempt.error(e.to_string())
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .redirect(redirects)
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
        check_url(&parsed, self.options.allow_plain_http)?;
        Ok(parsed)
    }

    /// GETs `url` once and returns the body, under the same rules as the verifier's own
    /// fetches (the URL check, the timeout, the size limit, checked redirects). For callers
    /// that keep their own cache: an OpenID provider fetching a client's `jwks_uri`.
    pub async fn get_body(&self, url: &Url) -> Result<Vec<u8>, Error> {
        check_url(url, self.options.allow_plain_http)?;
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

fn check_url(url: &Url, allow_plain_http: bool) -> Result<(), Error> {
    let refuse = |reason: &str| {
        Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_owned(),
        })
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_plain_http || is_loopback(url) => Ok(()),
        "http" => {
            refuse("plain http is fetched only from loopback addresses unless explicitly allowed")
        }
        _ => refuse("only http(s) URLs are fetched"),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
}
