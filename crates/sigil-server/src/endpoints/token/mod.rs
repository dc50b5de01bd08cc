//! The token endpoint (RFC 6749 §3.2): authenticate the client, then dispatch on
//! `grant_type` to one module per grant.

pub mod client_auth;
mod client_credentials;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{RealmRef, no_store};
use crate::app::App;
use crate::oauth::{ErrorCode, Form, OAuthError};

/// The grants the token endpoint implements, one module each. Dispatch matches on this
/// exhaustively and discovery lists [`Grant::ALL`], so a new grant cannot be served without
/// being advertised, or advertised without being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// RFC 6749 §4.4.
    ClientCredentials,
}

impl Grant {
    /// Every implemented grant.
    pub const ALL: [Grant; 1] = [Grant::ClientCredentials];

    /// The `grant_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientCredentials => "client_credentials",
        }
    }

    /// The grant a `grant_type` names, if implemented.
    pub fn parse(grant_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == grant_type)
    }

    /// Whether a public client (auth method `none`) may use it.
    pub fn allows_public_clients(self) -> bool {
        match self {
            // RFC 6749 §4.4: only confidential clients.
            Self::ClientCredentials => false,
        }
    }
}

/// The client authentication methods the token endpoint accepts: the confidential ones, and
/// `none` once a grant admits public clients.
pub fn auth_methods() -> Vec<&'static str> {
    let public = Grant::ALL.into_iter().any(Grant::allows_public_clients);
    client_auth::METHODS
        .into_iter()
        .filter(|m| public || *m != client_auth::NONE)
        .collect()
}

/// A successful token response (RFC 6749 §5.1), serialised straight into the body.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// The granted scope, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `POST /token`.
pub async fn token(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    // The request whole rather than a `HeaderMap` extractor, which would copy the headers.
    let (parts, body) = request.into_parts();
    match handle(&app, &realm, &parts.headers, body).await {
        Ok(response) => response,
        Err(e) => e.with_challenge_realm(realm.issuer.clone()).into_response(),
    }
}

async fn handle(
    app: &App,
    realm: &crate::realms::RealmState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, OAuthError> {
    let form = Form::read(headers, body).await?;
    let client = client_auth::authenticate(app, realm, headers, &form).await?;
    let grant_type = form.require("grant_type")?;
    let Some(grant) = Grant::parse(grant_type) else {
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {} is not supported", printable(grant_type)),
        ));
    };
    client_auth::require_grant(&client, grant_type)?;
    let response = match grant {
        Grant::ClientCredentials => client_credentials::grant(app, realm, &client, &form)?,
    };
    app.metrics
        .token_issued(grant.as_str(), realm.name.as_str());
    let mut response = axum::Json(response).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// A client-supplied value, safe to echo in an error description.
fn printable(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}
