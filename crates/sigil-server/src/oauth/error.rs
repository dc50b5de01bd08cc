//! The one OAuth error type: RFC 6749 §5.2 JSON with the status its code implies.
//!
//! The `description` is public and goes to the client; the `debug` detail is private: it is
//! logged with the request id and never sent.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::endpoints::no_store;

/// Error codes of RFC 6749 §5.2, RFC 7009 §2.2.1 and RFC 8707 §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client`: always 401 with `WWW-Authenticate`.
    InvalidClient,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// `invalid_target` (RFC 8707).
    InvalidTarget,
    /// `unsupported_token_type` (RFC 7009).
    UnsupportedTokenType,
    /// `server_error`.
    ServerError,
    /// `temporarily_unavailable` (the database is down).
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    /// The HTTP status RFC 6749 §5.2 implies.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An OAuth error response.
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// The code.
    pub code: ErrorCode,
    /// Human-readable, sent as `error_description` (ASCII, no quotes or backslashes).
    pub description: Cow<'static, str>,
    /// Private detail for the log.
    pub debug: Option<String>,
    /// Overrides the status the code implies (413 for an oversized body).
    pub status: Option<StatusCode>,
    /// The `realm` of the `WWW-Authenticate` challenge for `invalid_client`.
    pub challenge_realm: Option<String>,
}

impl OAuthError {
    /// An error with a public description.
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            debug: None,
            status: None,
            challenge_realm: None,
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client`, with the generic description that reveals nothing about which part
    /// of the credentials was wrong.
    pub fn invalid_client(debug: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, "client authentication failed").with_debug(debug)
    }

    /// `server_error` with a private cause.
    pub fn server_error(debug: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::ServerError,
            "the server could not complete the request",
        )
        .with_debug(debug)
    }

    /// Attaches a private detail.
    pub fn with_debug(mut self, debug: impl Into<String>) -> Self {
        self.debug = Some(debug.into());
        self
    }

    /// Overrides the status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the `WWW-Authenticate` realm (the issuer).
    pub fn with_challenge_realm(mut self, realm: impl Into<String>) -> Self {
        self.challenge_realm = Some(realm.into());
        self
    }
}

/// A store failure on an OAuth endpoint: `503 temporarily_unavailable` only when the database
/// is down or busy (RFC 6749 §5.2 via §4.1.2.1: "temporarily unable to handle the request");
/// anything else the store says at this point is a bug — endpoints look records up and treat
/// absence themselves — so a `500 server_error` whose detail is logged, never sent.
impl From<sigil_store::StoreError> for OAuthError {
    fn from(e: sigil_store::StoreError) -> Self {
        use sigil_store::StoreError as E;
        match e {
            E::Unavailable(_) => Self::new(
                ErrorCode::TemporarilyUnavailable,
                "the service is temporarily unavailable; retry later",
            )
            .with_debug(e.to_string()),
            // Listed, not `_`: a new variant must be placed here on purpose.
            E::Conflict(_)
            | E::UnknownRealm(_)
            | E::NotFound(_)
            | E::Constraint(_)
            | E::Query(_)
            | E::Corrupt(_)
            | E::Config(_) => Self::server_error(e.to_string()),
        }
    }
}

/// A secret that cannot be made is a transient failure of this server, never a weak value.
impl From<crate::random::RandomError> for OAuthError {
    fn from(e: crate::random::RandomError) -> Self {
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the service is temporarily unavailable; retry later",
        )
        .with_debug(e.to_string())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| self.code.status());
        if status.is_server_error() {
            tracing::error!(
                error = self.code.as_str(),
                debug = self.debug.as_deref(),
                "request failed"
            );
        } else {
            tracing::debug!(
                error = self.code.as_str(),
                debug = self.debug.as_deref(),
                "request refused"
            );
        }
        let body = serde_json::json!({
            "error": self.code.as_str(),
            "error_description": sanitize(&self.description),
        });
        let mut response = (status, axum::Json(body)).into_response();
        no_store(response.headers_mut());
        if self.code == ErrorCode::InvalidClient {
            let realm = sanitize(self.challenge_realm.as_deref().unwrap_or("sigil"));
            if let Ok(value) = HeaderValue::from_str(&format!("Basic realm=\"{realm}\"")) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// RFC 6749 §5.2: `error_description` may hold only `%x20-21 / %x23-5B / %x5D-7E`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only an unavailable database is worth a retry; a store bug is a plain 500 whose detail
    /// stays in the log.
    #[test]
    fn store_errors_map_to_their_status() {
        use sigil_store::StoreError as E;
        let unavailable = OAuthError::from(E::Unavailable("pool timed out".into()));
        assert_eq!(unavailable.code, ErrorCode::TemporarilyUnavailable);
        for bug in [
            E::Constraint("FOREIGN KEY constraint failed".into()),
            E::NotFound("client \"x\"".into()),
            E::Query("no such table: clients".into()),
            E::Corrupt("bad json".into()),
        ] {
            let detail = bug.to_string();
            let error = OAuthError::from(bug);
            assert_eq!(error.code, ErrorCode::ServerError);
            assert_eq!(error.code.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(error.debug.as_deref(), Some(detail.as_str()));
            assert!(!error.description.contains(&detail));
        }
    }

    #[test]
    fn descriptions_stay_within_the_allowed_characters() {
        assert_eq!(sanitize("bad \"scope\" \\ é\n"), "bad 'scope' ' ??");
    }
}
