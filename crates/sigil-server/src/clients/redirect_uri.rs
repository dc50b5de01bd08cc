//! Redirect URIs: which a client may register (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §2.1)
//! and how a requested one matches a registered one (RFC 6749 §3.1.2.3, RFC 8252 §7.3).
//!
//! [`RedirectUri::parse`] is the one validator: `sigil client create` and dynamic client
//! registration (RFC 7591) both go through it, so a URI refused by one is refused by all.

use std::fmt;

use url::{Host, Url};

/// Schemes that run code or read local files in the user agent: never a redirect target,
/// whatever the policy. Listed so the refusal can say why; every other unlisted scheme without
/// a `.` is refused as well.
const DANGEROUS_SCHEMES: [&str; 4] = ["javascript", "data", "file", "vbscript"];

/// What a deployment admits beyond the always-safe URIs; passed in by whoever provisions
/// clients (the CLI knows `--production`), never read from a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectUriPolicy {
    /// `http` only to loopback hosts (RFC 8252 §7.3, §8.3). The default: a caller that does
    /// not say otherwise gets the strict rules.
    #[default]
    Production,
    /// Also `http` to any host, with a warning in the log: for development without TLS.
    Development,
}

/// A redirect URI that passed every rule, kept exactly as registered: RFC 6749 §3.1.2.3 asks
/// for simple string comparison, so what is stored is what the client wrote and what a request
/// must present byte for byte. (The parsed form is used only to check the rules; storing it
/// would make `https://app.example` registered fail against `https://app.example` requested.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

/// Why a redirect URI was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Not an absolute URI (RFC 6749 §3.1.2).
    NotAbsolute,
    /// Holds whitespace or control characters, which a URL parser would silently drop.
    Whitespace,
    /// Has a fragment (RFC 6749 §3.1.2).
    Fragment,
    /// Has user information (`user:pass@`), which only serves to disguise the host.
    UserInfo,
    /// `http(s)` without a host.
    NoHost,
    /// `http` to a host other than loopback, in production (RFC 9700 §2.1; RFC 8252 §8.3).
    HttpNotLoopback,
    /// A scheme that runs code or reads local files.
    Dangerous(String),
    /// A scheme that is neither `http(s)` nor private-use (RFC 8252 §7.1: reverse domain).
    UnknownScheme(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAbsolute => f.write_str("is not an absolute URI"),
            Self::Whitespace => f.write_str("contains whitespace or control characters"),
            Self::Fragment => f.write_str("must not have a fragment"),
            Self::UserInfo => f.write_str("must not have user information (user@host)"),
            Self::NoHost => f.write_str("has no host"),
            Self::HttpNotLoopback => f.write_str(
                "uses http to a host other than loopback; use https (http is allowed only for 127.0.0.1, [::1] and localhost in production)",
            ),
            Self::Dangerous(scheme) => write!(f, "uses the {scheme} scheme, which is never allowed"),
            Self::UnknownScheme(scheme) => write!(
                f,
                "uses the {scheme} scheme; use https, http to a loopback host, or a private-use scheme in reverse-domain form such as com.example.app:/cb"
            ),
        }
    }
}

/// A refused redirect URI: RFC 7591 §3.2.2's `invalid_redirect_uri`, naming the URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: redirect URI {uri:?} {reason}", Self::CODE)]
pub struct RedirectUriError {
    /// The URI as given.
    pub uri: String,
    /// What is wrong with it.
    pub reason: Reason,
}

impl RedirectUriError {
    /// The OAuth error code (RFC 7591 §3.2.2).
    pub const CODE: &'static str = "invalid_redirect_uri";
}

impl RedirectUri {
    /// Checks `uri` against the rules of `policy`:
    /// - `https` with a host;
    /// - `http` with a loopback host (127.0.0.0/8, `[::1]`, `localhost`; RFC 8252 §7.3), or
    ///   under [`RedirectUriPolicy::Development`] any host, logged as a warning;
    /// - a private-use scheme for native apps, in reverse-domain form (RFC 8252 §7.1);
    /// - never a fragment (RFC 6749 §3.1.2) or user information; never `javascript`, `data`,
    ///   `file`, `vbscript` or any other scheme.
    pub fn parse(uri: &str, policy: RedirectUriPolicy) -> Result<Self, RedirectUriError> {
        Self::check(uri, policy, true)
    }

    /// A URI read back from a stored registration: the same rules under the widest policy
    /// (the one that admitted it is not recorded), without the development warning, which
    /// was given when it was registered. A stored URI that fails is a corrupted row.
    pub fn parse_stored(uri: &str) -> Result<Self, RedirectUriError> {
        Self::check(uri, RedirectUriPolicy::Development, false)
    }

    /// Whether a requested `redirect_uri` matches this registered one (see [`matches`]).
    pub fn matches(&self, requested: &str) -> bool {
        matches(&self.0, requested)
    }

    fn check(uri: &str, policy: RedirectUriPolicy, warn: bool) -> Result<Self, RedirectUriError> {
        let refuse = |reason| RedirectUriError {
            uri: uri.to_owned(),
            reason,
        };
        if uri.is_empty() || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse(Reason::Whitespace));
        }
        let url = Url::parse(uri).map_err(|_| refuse(Reason::NotAbsolute))?;
        if url.fragment().is_some() {
            return Err(refuse(Reason::Fragment));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(Reason::UserInfo));
        }
        match url.scheme() {
            scheme @ ("https" | "http") => {
                // The URL parser repairs `https:host` and `https:///host`; a registration
                // must say what it means, so the authority has to be written out.
                let written_out = uri
                    .get(scheme.len()..)
                    .and_then(|rest| rest.strip_prefix("://"))
                    .is_some_and(|authority| !authority.starts_with('/'));
                let host = url.host().filter(|_| written_out);
                let Some(host) = host else {
                    return Err(refuse(Reason::NoHost));
                };
                if scheme == "http" && !is_loopback(&host) {
                    match policy {
                        RedirectUriPolicy::Production => {
                            return Err(refuse(Reason::HttpNotLoopback));
                        }
                        RedirectUriPolicy::Development if !warn => {}
                        RedirectUriPolicy::Development => tracing::warn!(
                            redirect_uri = uri,
                            "accepted an http redirect URI to a non-loopback host (not in production); codes would travel in clear"
                        ),
                    }
                }
            }
            scheme if DANGEROUS_SCHEMES.contains(&scheme) => {
                return Err(refuse(Reason::Dangerous(scheme.to_owned())));
            }
            // RFC 8252 §7.1: a private-use scheme is a reverse domain name the app controls.
            scheme if scheme.contains('.') => {}
            scheme => return Err(refuse(Reason::UnknownScheme(scheme.to_owned()))),
        }
        Ok(Self(uri.to_owned()))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> Self {
        uri.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        // The parser lowercases domains; `localhost.` and `*.localhost` are not admitted.
        Host::Domain(name) => *name == "localhost",
    }
}

/// Whether a requested `redirect_uri` matches a registered one: simple string comparison
/// (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3), except that a loopback IP redirect may use any port
/// (RFC 8252 §7.3).
pub fn matches(registered: &str, requested: &str) -> bool {
    registered == requested || loopback_any_port(registered, requested)
}

/// `http://127.0.0.1:PORT/path` (or `[::1]`) matches the registered loopback URI on any port.
/// Compared as text, not re-parsed, so that nothing a parser would repair can match.
fn loopback_any_port(registered: &str, requested: &str) -> bool {
    let strip_port = |uri: &str| -> Option<String> {
        for host in ["http://127.0.0.1", "http://[::1]"] {
            if let Some(rest) = uri.strip_prefix(host) {
                let rest = match rest.strip_prefix(':') {
                    Some(with_port) => {
                        let digits = with_port.chars().take_while(char::is_ascii_digit).count();
                        if digits == 0 {
                            return None;
                        }
                        &with_port[digits..]
                    }
                    None => rest,
                };
                return Some(format!("{host}{rest}"));
            }
        }
        None
    };
    matches!((strip_port(registered), strip_port(requested)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
#[path = "redirect_uri_tests.rs"]
mod tests;
