//! The admin REST API (`/admin/v1`), authenticated with admin bearer tokens. Its errors are
//! its own JSON shape (`{"error", "message"}`), not OAuth's.

mod body;
pub mod mint;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigil_store::AdminTokenRecord;

use crate::app::App;
use crate::http::{RepeatedAuthorization, no_store};
use crate::random;

/// Prefix of admin tokens, so secret scanners can recognise them.
pub const TOKEN_PREFIX: &str = "sigil_admin_";

/// An admin API error.
#[derive(Debug)]
pub struct AdminError {
    status: StatusCode,
    error: &'static str,
    message: String,
}

impl AdminError {
    /// An error with a status, a stable code and a message.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }
}

/// What the store says, as the admin API's answer: the caller's mistakes are `4xx` with the
/// store's message (the caller is a trusted operator), an outage is `503`, a bug is a logged
/// `500` that tells nothing.
impl From<sigil_store::StoreError> for AdminError {
    fn from(e: sigil_store::StoreError) -> Self {
        use sigil_store::StoreError as E;
        match e {
            E::UnknownRealm(_) | E::NotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            E::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", e.to_string()),
            E::Constraint(_) => {
                tracing::warn!(error = %e, "admin request refused by the store");
                Self::invalid(e.to_string())
            }
            E::Unavailable(_) => {
                tracing::error!(error = %e, "admin request failed: database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; retry later",
                )
            }
            E::Query(_) | E::Corrupt(_) | E::Config(_) => {
                tracing::error!(error = %e, "admin request failed in the store");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the request could not be completed",
                )
            }
        }
    }
}

impl From<crate::ServerError> for AdminError {
    fn from(e: crate::ServerError) -> Self {
        match e {
            crate::ServerError::Invalid(message) => Self::invalid(message),
            crate::ServerError::Store(e) => e.into(),
            crate::ServerError::Random(e) => {
                tracing::error!(error = %e, "admin request failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is temporarily unavailable; retry later",
                )
            }
            other => {
                tracing::error!(error = %other, "admin request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the request could not be completed",
                )
            }
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.error, "message": self.message });
        let mut response = (self.status, axum::Json(body)).into_response();
        no_store(response.headers_mut());
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sigil-admin\", error=\"invalid_token\""),
            );
        }
        response
    }
}

/// Checks the request's admin bearer token; records its use.
pub async fn authenticate(
    app: &Arc<App>,
    headers: &HeaderMap,
) -> Result<AdminTokenRecord, AdminError> {
    let unauthorized = || {
        AdminError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "a valid admin bearer token is required",
        )
    };
    let token = crate::http::authorization(headers)
        .map_err(|_| AdminError::invalid(RepeatedAuthorization::DESCRIPTION))?
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX))
        .ok_or_else(unauthorized)?;
    // A lookup by SHA-256 of a 256-bit random token reveals nothing through timing.
    let record = app
        .ctx
        .store
        .find_admin_token(&random::digest(token))
        .await?
        .ok_or_else(unauthorized)?;
    let now = app.ctx.now();
    if record.expires_at.is_some_and(|at| at <= now) {
        return Err(unauthorized());
    }
    match app.ctx.store.touch_admin_token(&record.id, now).await {
        // Deleted between the lookup and now: as good as never issued.
        Err(sigil_store::StoreError::NotFound(_)) => return Err(unauthorized()),
        other => other?,
    }
    Ok(record)
}
