//! Token introspection (RFC 7662 §2): reads the form and the caller's credentials, asks
//! `op::introspection`, renders the JSON (`{"active":false}` for anything not active).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{RealmRef, client_auth};
use crate::app::App;
use crate::http::{no_store, read_form};
use crate::oauth::OAuthError;
use crate::op;
use crate::op::introspection::Introspection;
use crate::realms::RealmState;
use crate::routes::Endpoint;

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
    let form = read_form(headers, body).await?;
    let credentials = client_auth::credentials(headers, &form)?;
    let caller =
        op::clients::authenticate(&app.ctx, realm, &credentials, Endpoint::Introspect).await?;
    let token = form.require("token")?;
    Ok(
        match op::introspection::introspect(&app.ctx, realm, &caller, token).await? {
            Introspection::Active(members) => Value::Object(members),
            Introspection::Inactive => json!({ "active": false }),
        },
    )
}
