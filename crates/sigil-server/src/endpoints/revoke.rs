//! Token revocation (RFC 7009): a client revokes an access token issued to it. The answer is
//! 200 whether or not the token was valid (§2.2), so revocation reveals nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::token::client_auth;
use super::{RealmRef, no_store};
use crate::app::App;
use crate::oauth::{ErrorCode, Form, OAuthError};
use crate::realms::RealmState;
use crate::tokens::inspect::{self, Inspection, TOKEN_USE_PAT};

/// `POST /revoke`.
pub async fn revoke(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    // The request whole rather than a `HeaderMap` extractor, which would copy the headers.
    let (parts, body) = request.into_parts();
    match handle(&app, &realm, &parts.headers, body).await {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => e.with_challenge_realm(realm.issuer.clone()).into_response(),
    }
}

async fn handle(
    app: &App,
    realm: &RealmState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), OAuthError> {
    let form = Form::read(headers, body).await?;
    let client = client_auth::authenticate(app, realm, headers, &form).await?;
    let token = form.require("token")?;
    let now = app.clock.now();
    let Inspection::Active { claims, .. } =
        inspect::inspect(&*app.store, realm, token, now).await?
    else {
        return Ok(());
    };
    let token_client = claims.extra.get("client_id").and_then(Value::as_str);
    let is_pat = claims.extra.get("token_use").and_then(Value::as_str) == Some(TOKEN_USE_PAT);
    if is_pat || token_client != Some(client.client_id.as_str()) {
        // §2.1: the server verifies the token was issued to the requesting client.
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the token was not issued to this client",
        ));
    }
    if let (Some(jti), Some(exp)) = (claims.jti.as_deref(), claims.exp) {
        app.store.revoke_token(&realm.name, jti, exp.0).await?;
        realm.revocations.record(jti, exp.0);
        tracing::info!(realm = %realm.name, client = %client.client_id, "access token revoked");
    }
    Ok(())
}
