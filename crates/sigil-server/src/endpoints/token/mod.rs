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
    let response = match grant_type {
        "client_credentials" => {
            client_auth::require_grant(&client, grant_type)?;
            client_credentials::grant(app, realm, &client, &form)?
        }
        other => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {} is not supported", printable(other)),
            ));
        }
    };
    app.metrics.token_issued(grant_type, realm.name.as_str());
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
