//! OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 metadata, generated from the route table
//! and what the realm can do. Built once per realm version; served as bytes.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::{RealmRef, public_json};
use crate::app::App;
use crate::endpoints::token::{self, Grant, client_auth};
use crate::keys::RealmKeys;
use crate::routes::{ROUTES, url};

/// The OpenID and the OAuth metadata documents of a realm.
pub fn documents(issuer: &str, keys: &RealmKeys) -> (Bytes, Bytes) {
    let oauth = oauth_metadata(issuer, keys);
    let mut openid = oauth.clone();
    let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
    openid.insert("subject_types_supported".into(), json!(["public"]));
    openid.insert("id_token_signing_alg_values_supported".into(), json!(algs));
    openid.insert("claims_parameter_supported".into(), json!(false));
    openid.insert("request_parameter_supported".into(), json!(false));
    openid.insert("request_uri_parameter_supported".into(), json!(false));
    (
        Bytes::from(Value::Object(openid).to_string()),
        Bytes::from(Value::Object(oauth).to_string()),
    )
}

/// RFC 8414 §2 members, from what is registered: an endpoint member for every row of the
/// route table, `grant_types_supported` from the token endpoint's grants, and each
/// endpoint's client authentication methods from the one list of them.
fn oauth_metadata(issuer: &str, keys: &RealmKeys) -> Map<String, Value> {
    let mut members = Map::new();
    members.insert("issuer".into(), json!(issuer));
    for route in ROUTES {
        if let Some(member) = route.metadata {
            members.insert(member.into(), json!(url(issuer, route.endpoint)));
        }
    }
    let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
    let grants: Vec<&str> = Grant::ALL.into_iter().map(Grant::as_str).collect();
    let confidential: Vec<&str> = client_auth::confidential_methods().collect();
    let more = json!({
        "scopes_supported": ["openid"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": token::auth_methods(),
        // RFC 7662 §2.1: the caller must be authorized; public clients cannot be.
        "introspection_endpoint_auth_methods_supported": confidential,
        // RFC 7009 §2.1: a public client may revoke its own tokens with its client_id.
        "revocation_endpoint_auth_methods_supported": client_auth::METHODS,
        "access_token_signing_alg_values_supported": algs,
        "authorization_response_iss_parameter_supported": true,
    });
    if let Value::Object(more) = more {
        members.extend(more);
    }
    members
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
