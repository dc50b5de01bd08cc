//! OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 metadata: the documents `op::metadata`
//! built once per realm version, served as bytes.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;

use super::RealmRef;
use crate::app::App;
use crate::http::public_json;

/// `GET /.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
) -> Response {
    serve(&app, realm.openid_configuration.clone())
}

/// `GET /.well-known/oauth-authorization-server` (also at the RFC 8414 §3.1 path-inserted URL).
pub async fn oauth_authorization_server(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
) -> Response {
    serve(&app, realm.oauth_metadata.clone())
}

fn serve(app: &App, body: Bytes) -> Response {
    let mut headers = HeaderMap::new();
    public_json(&mut headers, &app.cache_control);
    (headers, body).into_response()
}
