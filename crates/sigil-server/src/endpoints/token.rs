//! The token endpoint (RFC 6749 §3.2): reads the form and the client's credentials,
//! authenticates the client and runs the grant through `op`, and renders the answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use super::client_auth;
use crate::app::App;
use crate::http::{no_store, read_form};
use crate::oauth::OAuthError;
use crate::op;
use crate::realms::RealmState;
use crate::routes::Endpoint;

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
    realm: &RealmState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, OAuthError> {
    let form = read_form(headers, body).await?;
    let credentials = client_auth::credentials(headers, &form)?;
    let client = op::clients::authenticate(&app.ctx, realm, &credentials, Endpoint::Token).await?;
    let (grant, response) =
        op::grants::exchange(&app.ctx, realm, app.realms.master(), &client, &form).await?;
    app.metrics
        .token_issued(grant.as_str(), realm.name.as_str());
    let mut response = axum::Json(response).into_response();
    no_store(response.headers_mut());
    Ok(response)
}
