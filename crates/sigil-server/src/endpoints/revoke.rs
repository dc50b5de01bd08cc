//! Token revocation (RFC 7009 §2.1): reads the form and the client's credentials, asks
//! `op::revocation`, answers 200 whether or not the token was valid (§2.2).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{RealmRef, client_auth};
use crate::app::App;
use crate::http::{no_store, read_form};
use crate::oauth::OAuthError;
use crate::op;
use crate::realms::RealmState;
use crate::routes::Endpoint;

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
    let form = read_form(headers, body).await?;
    let credentials = client_auth::credentials(headers, &form)?;
    let client = op::clients::authenticate(&app.ctx, realm, &credentials, Endpoint::Revoke).await?;
    let token = form.require("token")?;
    op::revocation::revoke(&app.ctx, realm, &client, token).await
}
