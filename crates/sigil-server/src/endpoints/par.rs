//! The pushed authorization request endpoint (RFC 9126 §2): reads the form and the client's
//! credentials, asks `op::pushed_authorization`, answers `201` with the `request_uri`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{RealmRef, client_auth};
use crate::app::App;
use crate::http::{no_store, read_form};
use crate::oauth::OAuthError;
use crate::op;
use crate::realms::RealmState;
use crate::routes::Endpoint;

/// `POST /par`.
pub async fn par(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    match handle(&app, &realm, &parts.headers, body).await {
        Ok(body) => {
            // §2.2: 201 Created.
            let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
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
    let form = read_form(headers, body).await?;
    let credentials = client_auth::credentials(headers, &form)?;
    let client =
        op::clients::authenticate(&app.ctx, realm, &credentials, Endpoint::PushedAuthorization)
            .await?;
    let pushed = op::pushed_authorization::push(&app.ctx, realm, &client, form).await?;
    Ok(json!({
        "request_uri": pushed.request_uri,
        "expires_in": pushed.expires_in,
    }))
}
