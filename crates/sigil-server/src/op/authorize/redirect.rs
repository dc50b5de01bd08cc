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
/// Practices §2.1; OAuth 2.0 Form Post Response Mode §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `response_type=code`).
    Query,
    /// An auto-submitting HTML form that POSTs the parameters to the redirect URI.
    FormPost,
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

/// Where to send the user agent: a plain value the HTTP layer renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// A `303` to `location`, the parameters in its query.
    Query {
        /// The full target, parameters included.
        location: String,
    },
    /// A page whose form POSTs `fields` to `action` (Form Post Response Mode §2).
    FormPost {
        /// The redirect URI.
        action: String,
        /// The response parameters, in order.
        fields: Vec<(String, String)>,
    },
}

impl Redirect {
    /// The target with the parameters in its query (what `Query` carries; for `FormPost`,
    /// the same parameters as a query, for logs and tests).
    pub fn location(&self) -> String {
        match self {
            Self::Query { location } => location.clone(),
            Self::FormPost { action, fields } => {
                let mut query = form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(fields);
                format!("{action}?{}", query.finish())
            }
        }
    }
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

    /// The same redirect, answering in `mode` (the response-mode check decides it after this
    /// one; errors before it go back in the default mode).
    pub fn with_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = mode;
        self
    }

    /// How responses are sent.
    pub fn mode(&self) -> ResponseMode {
        self.mode
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
        let mut fields: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if let Some(state) = &self.state {
            fields.push(("state".to_owned(), state.clone()));
        }
        fields.push(("iss".to_owned(), self.issuer.clone()));
        match self.mode {
            ResponseMode::Query => {
                let mut query = form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(&fields);
                // §3.1.2: a registered query component is kept; ours is appended to it.
                let separator = if self.uri.contains('?') { '&' } else { '?' };
                Redirect::Query {
                    location: format!("{}{separator}{}", self.uri, query.finish()),
                }
            }
            ResponseMode::FormPost => Redirect::FormPost {
                action: self.uri.clone(),
                fields,
            },
        }
    }
}

#[cfg(test)]
#[path = "redirect_tests.rs"]
mod tests;
