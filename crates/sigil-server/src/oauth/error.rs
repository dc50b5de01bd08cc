//! The one OAuth error type: RFC 6749 §5.2 JSON with the status its code implies.
//!
//! The `description` is public and goes to the client; the `debug` detail is private: it is
//! logged with the request id and never sent.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::no_store;

/// Error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, OIDC Core §3.1.2.6, RFC 7009
/// §2.2.1, RFC 7591 §3.2.2-adjacent discovery errors, and RFC 8707 §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client`: always 401 with `WWW-Authenticate: Basic`.
    InvalidClient,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_response_type` (RFC 6749 §4.1.2.1).
    UnsupportedResponseType,
    /// `access_denied` (RFC 6749 §4.1.2.1): the person or the server said no.
    AccessDenied,
    /// `invalid_scope`.
    InvalidScope,
    /// `invalid_target` (RFC 8707).
    InvalidTarget,
    /// `invalid_token` (RFC 6750 §3.1): 401 with a `Bearer` challenge.
    InvalidToken,
    /// `insufficient_scope` (RFC 6750 §3.1): 403 with a `Bearer` challenge.
    InsufficientScope,
    /// `unsupported_token_type` (RFC 7009).
    UnsupportedTokenType,
    /// `interaction_required` (OIDC Core §3.1.2.6): `prompt=none` and the person must act.
    InteractionRequired,
    /// `login_required` (OIDC Core §3.1.2.6): `prompt=none` without a usable session.
    LoginRequired,
    /// `account_selection_required` (OIDC Core §3.1.2.6).
    AccountSelectionRequired,
    /// `consent_required` (OIDC Core §3.1.2.6): `prompt=none` without consent on record.
    ConsentRequired,
    /// `invalid_request_uri` (OIDC Core §3.1.2.6).
    InvalidRequestUri,
    /// `invalid_request_object` (OIDC Core §3.1.2.6).
    InvalidRequestObject,
    /// `request_not_supported` (OIDC Core §3.1.2.6): the `request` parameter.
    RequestNotSupported,
    /// `request_uri_not_supported` (OIDC Core §3.1.2.6): the `request_uri` parameter.
    RequestUriNotSupported,
    /// `registration_not_supported` (OIDC Core §3.1.2.6): the `registration` parameter.
    RegistrationNotSupported,
    /// `invalid_redirect_uri` (RFC 7591 §3.2.2): a registration's redirect URI is refused.
    InvalidRedirectUri,
    /// `invalid_client_metadata` (RFC 7591 §3.2.2): another metadata member is refused.
    InvalidClientMetadata,
    /// `server_error`.
    ServerError,
    /// `temporarily_unavailable` (the database is down).
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [Self; 25] = [
        Self::InvalidRequest,
        Self::InvalidClient,
        Self::InvalidGrant,
        Self::UnauthorizedClient,
        Self::UnsupportedGrantType,
        Self::UnsupportedResponseType,
        Self::AccessDenied,
        Self::InvalidScope,
        Self::InvalidTarget,
        Self::InvalidToken,
        Self::InsufficientScope,
        Self::UnsupportedTokenType,
        Self::InteractionRequired,
        Self::LoginRequired,
        Self::AccountSelectionRequired,
        Self::ConsentRequired,
        Self::InvalidRequestUri,
        Self::InvalidRequestObject,
        Self::RequestNotSupported,
        Self::RequestUriNotSupported,
        Self::RegistrationNotSupported,
        Self::InvalidRedirectUri,
        Self::InvalidClientMetadata,
        Self::ServerError,
        Self::TemporarilyUnavailable,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::AccessDenied => "access_denied",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::ConsentRequired => "consent_required",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    /// The HTTP status of a direct (JSON) response: RFC 6749 §5.2 (400, `invalid_client`
    /// 401), RFC 6750 §3.1 (`invalid_token` 401, `insufficient_scope` 403). Errors that
    /// normally travel in a redirect (§4.1.2.1, OIDC Core §3.1.2.6) are 400 when rendered
    /// directly.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            // Listed, not `_`: a new code must be given its status on purpose.
            Self::InvalidRequest
            | Self::InvalidGrant
            | Self::UnauthorizedClient
            | Self::UnsupportedGrantType
            | Self::UnsupportedResponseType
            | Self::AccessDenied
            | Self::InvalidScope
            | Self::InvalidTarget
            | Self::UnsupportedTokenType
            | Self::InteractionRequired
            | Self::LoginRequired
            | Self::AccountSelectionRequired
            | Self::ConsentRequired
            | Self::InvalidRequestUri
            | Self::InvalidRequestObject
            | Self::RequestNotSupported
            | Self::RequestUriNotSupported
            | Self::RegistrationNotSupported
            | Self::InvalidRedirectUri
            | Self::InvalidClientMetadata => StatusCode::BAD_REQUEST,
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

    /// `access_denied` with `403`: the realm's registration policy is `closed` (RFC 7591
    /// defines no code for a server that registers nobody).
    pub fn registration_closed() -> Self {
        Self::new(
            ErrorCode::AccessDenied,
            "this realm does not accept client registrations",
        )
        .with_status(StatusCode::FORBIDDEN)
    }

    /// `access_denied` with `429` (RFC 6585 §4): the address's hourly registrations are spent.
    pub fn too_many_registrations() -> Self {
        Self::new(
            ErrorCode::AccessDenied,
            "too many registrations from this address; retry later",
        )
        .with_status(StatusCode::TOO_MANY_REQUESTS)
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
        let realm = sanitize(self.challenge_realm.as_deref().unwrap_or("sigil"));
        let challenge = match self.code {
            // RFC 6749 §5.2: the scheme the client tried; Basic is the one Sigil offers.
            ErrorCode::InvalidClient => Some(format!("Basic realm=\"{realm}\"")),
            // RFC 6750 §3: a bearer token was refused.
            ErrorCode::InvalidToken | ErrorCode::InsufficientScope => Some(format!(
                "Bearer realm=\"{realm}\", error=\"{}\"",
                self.code.as_str()
            )),
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// A client-supplied value, safe to echo in an error description: printable ASCII, at most
/// 64 characters.
pub fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
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

    /// The status table: RFC 6749 §5.2, RFC 6750 §3.1, OIDC Core §3.1.2.6.
    #[test]
    fn every_code_has_its_status_and_wire_value() {
        let table = [
            ("invalid_request", 400),
            ("invalid_client", 401),
            ("invalid_grant", 400),
            ("unauthorized_client", 400),
            ("unsupported_grant_type", 400),
            ("unsupported_response_type", 400),
            ("access_denied", 400),
            ("invalid_scope", 400),
            ("invalid_target", 400),
            ("invalid_token", 401),
            ("insufficient_scope", 403),
            ("unsupported_token_type", 400),
            ("interaction_required", 400),
            ("login_required", 400),
            ("account_selection_required", 400),
            ("consent_required", 400),
            ("invalid_request_uri", 400),
            ("invalid_request_object", 400),
            ("request_not_supported", 400),
            ("request_uri_not_supported", 400),
            ("registration_not_supported", 400),
            ("invalid_redirect_uri", 400),
            ("invalid_client_metadata", 400),
            ("server_error", 500),
            ("temporarily_unavailable", 503),
        ];
        assert_eq!(table.len(), ErrorCode::ALL.len());
        for (code, (wire, status)) in ErrorCode::ALL.into_iter().zip(table) {
            assert_eq!(code.as_str(), wire);
            assert_eq!(code.status().as_u16(), status, "{wire}");
        }
    }

    #[test]
    fn bearer_errors_carry_a_bearer_challenge_and_client_errors_a_basic_one() {
        let cases = [
            (ErrorCode::InvalidClient, Some("Basic realm=\"https://op\"")),
            (
                ErrorCode::InvalidToken,
                Some("Bearer realm=\"https://op\", error=\"invalid_token\""),
            ),
            (
                ErrorCode::InsufficientScope,
                Some("Bearer realm=\"https://op\", error=\"insufficient_scope\""),
            ),
            (ErrorCode::InvalidRequest, None),
        ];
        for (code, expected) in cases {
            let response = OAuthError::new(code, "x")
                .with_challenge_realm("https://op")
                .into_response();
            let got = response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(got.as_deref(), expected, "{code:?}");
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        }
    }

    #[test]
    fn descriptions_stay_within_the_allowed_characters() {
        assert_eq!(sanitize("bad \"scope\" \\ é\n"), "bad 'scope' ' ??");
    }
}
