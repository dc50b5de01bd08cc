//! OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 metadata, generated from the route table
//! and what the realm can do. Built once per realm version; served as bytes.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;

use super::{RealmRef, public_json};
use crate::app::App;
use crate::keys::RealmKeys;
use crate::routes::{Endpoint, url};

/// Client authentication methods of the token, introspection and revocation endpoints.
pub const CLIENT_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// The OpenID and the OAuth metadata documents of a realm.
pub fn documents(issuer: &str, keys: &RealmKeys) -> (Bytes, Bytes) {
    let oauth = oauth_metadata(issuer, keys);
    let mut openid = oauth.clone();
    if let Value::Object(members) = &mut openid {
        let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
        members.insert("subject_types_supported".into(), json!(["public"]));
        members.insert("id_token_signing_alg_values_supported".into(), json!(algs));
        members.insert("claims_parameter_supported".into(), json!(false));
        members.insert("request_parameter_supported".into(), json!(false));
        members.insert("request_uri_parameter_supported".into(), json!(false));
    }
    (
        Bytes::from(openid.to_string()),
        Bytes::from(oauth.to_string()),
    )
}

fn oauth_metadata(issuer: &str, keys: &RealmKeys) -> Value {
    let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
    json!({
        "issuer": issuer,
        "authorization_endpoint": url(issuer, Endpoint::Authorize),
        "token_endpoint": url(issuer, Endpoint::Token),
        "jwks_uri": url(issuer, Endpoint::Jwks),
        "introspection_endpoint": url(issuer, Endpoint::Introspect),
        "revocation_endpoint": url(issuer, Endpoint::Revoke),
        "scopes_supported": ["openid"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "access_token_signing_alg_values_supported": algs,
        "authorization_response_iss_parameter_supported": true,
    })
}

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
