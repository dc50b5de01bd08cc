//! Token introspection (RFC 7662): for confidential clients only (§2.1: the caller must be
//! authorized; a public client id is no credential). Anything not valid now — unknown,
//! expired, revoked, foreign, not an access token, or not meant for the caller (§4) — is
//! `{"active":false}` and nothing more.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::token::client_auth;
use super::{RealmRef, no_store};
use crate::app::App;
use crate::oauth::{Form, OAuthError};
use crate::realms::RealmState;
use crate::tokens::inspect::{self, Inspection};

/// `POST /introspect`.
pub async fn introspect(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    // The request whole rather than a `HeaderMap` extractor, which would copy the headers.
    let (parts, body) = request.into_parts();
    match handle(&app, &realm, &parts.headers, body).await {
        Ok(body) => {
            let mut response = axum::Json(body).into_response();
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
) -> Result<Value, OAuthError> {
    let form = Form::read(headers, body).await?;
    let caller = client_auth::authenticate(app, realm, headers, &form).await?;
    if caller.auth_method == client_auth::NONE {
        return Err(OAuthError::invalid_client(
            "public clients may not introspect tokens",
        ));
    }
    let token = form.require("token")?;
    let reason = match inspect::inspect(&*app.store, realm, token, app.clock.now()).await? {
        Inspection::Active { claims, kind } if inspect::visible_to(&claims, kind, &caller) => {
            return Ok(Value::Object(inspect::introspection_members(&claims, kind)));
        }
        Inspection::Active { .. } => "neither issued to nor meant for the caller",
        Inspection::Inactive(reason) => reason,
    };
    tracing::debug!(reason, "introspection: inactive");
    Ok(json!({ "active": false }))
}
