//! The redirect URI check (RFC 6749 §3.1.2.3, RFC 8252 §7.3) and the only way to answer at a
//! client's redirect URI (§4.1.2, §4.1.2.1, RFC 9207).
//!
//! **Architecture invariant:** only [`check_redirect_uri`] makes a [`ValidatedRedirect`] (its
//! fields are private to this module), and only a `ValidatedRedirect` makes a [`Redirect`].
//! So no code path can send a person to a URI that was not matched against the client's
//! registration: before this check, every error is a page.

use crate::oauth::{Form, OAuthError};
use crate::op::clients::ClientMetadata;
use crate::ui::PageError;

/// How the authorization response is returned (OAuth 2.0 Multiple Response Type Encoding
/// Practices §2; Form Post Response Mode is a later step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `response_type=code`).
    Query,
}

/// A redirect URI matched against the client's registration, with what every response to it
/// carries: the request's `state` and the issuer (`iss`, RFC 9207 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedRedirect {
    uri: String,
    state: Option<String>,
    issuer: String,
    mode: ResponseMode,
}

/// Where to send the user agent: a plain value the HTTP layer renders (a `303` today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The full target, parameters included.
    pub location: String,
}

/// Exact match (RFC 6749 §3.1.2.3), except that a loopback redirect may use any port
/// (RFC 8252 §7.3). Without a `redirect_uri`, a client with exactly one registered uses it
/// (§3.1.2.3: "if only one … the redirection URI is optional").
pub fn check_redirect_uri(
    client: &ClientMetadata,
    params: &Form,
    issuer: &str,
) -> Result<ValidatedRedirect, PageError> {
    let refuse = |message| PageError::bad_request("Invalid redirect URI", message);
    let uri = match params.get("redirect_uri") {
        None => match client.redirect_uris.as_slice() {
            [only] => only.as_str().to_owned(),
            _ => {
                return Err(refuse(
                    "The request has no redirect_uri, and the application has several registered.",
                ));
            }
        },
        Some(uri) if client.redirect_uris.iter().any(|r| r.matches(uri)) => uri.to_owned(),
        Some(_) => {
            return Err(refuse(
                "The redirect URI is not registered for this application.",
            ));
        }
    };
    Ok(ValidatedRedirect {
        uri,
        state: params.get("state").map(str::to_owned),
        issuer: issuer.to_owned(),
        mode: ResponseMode::Query,
    })
}

impl ValidatedRedirect {
    /// The matched URI, as the request gave it.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The request's `state`, echoed in every response.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// An error response at the client (RFC 6749 §4.1.2.1): `error`, `error_description`,
    /// `state`, `iss`.
    pub fn error_redirect(&self, error: &OAuthError) -> Redirect {
        self.respond(&[
            ("error", error.code.as_str()),
            ("error_description", &error.description),
        ])
    }

    /// A successful authorization response (RFC 6749 §4.1.2): `code`, `state`, `iss`.
    pub fn code_redirect(&self, code: &str) -> Redirect {
        self.respond(&[("code", code)])
    }

    fn respond(&self, params: &[(&str, &str)]) -> Redirect {
        match self.mode {
            ResponseMode::Query => {
                let mut query = form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(params);
                if let Some(state) = &self.state {
                    query.append_pair("state", state);
                }
                query.append_pair("iss", &self.issuer);
                // §3.1.2: a registered query component is kept; ours is appended to it.
                let separator = if self.uri.contains('?') { '&' } else { '?' };
                Redirect {
                    location: format!("{}{separator}{}", self.uri, query.finish()),
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "redirect_tests.rs"]
mod tests;
