//! One module per protocol endpoint, named after its specification. Shared here: the realm
//! extractor and the response headers several endpoints set.

pub mod authorize;
pub mod discovery;
pub mod introspect;
pub mod jwks;
pub mod revoke;
pub mod token;

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigil_store::RealmName;

use crate::app::App;
use crate::realms::RealmState;

/// Marks a response as never to be cached (RFC 6749 §5.1).
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// `Cache-Control` of public, cacheable documents, formatted once per server.
pub fn public_cache_control(max_age: u64) -> HeaderValue {
    HeaderValue::try_from(format!("public, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("public"))
}

/// Public, cacheable JSON for anyone (discovery, JWKS): `max-age` and CORS `*`.
pub fn public_json(headers: &mut HeaderMap, cache_control: &HeaderValue) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// A request with more than one `Authorization` header: which credential did it mean?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatedAuthorization;

impl RepeatedAuthorization {
    /// The public description of the refusal.
    pub const DESCRIPTION: &'static str = "the request has more than one Authorization header";
}

/// The request's one `Authorization` header, if any. RFC 9110 §11.6.2 defines it as a single
/// credential, not a list: a second one is refused rather than ignored, since a server that
/// reads the first while a proxy or library reads the last authenticates someone else.
pub fn authorization(headers: &HeaderMap) -> Result<Option<&HeaderValue>, RepeatedAuthorization> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(RepeatedAuthorization);
    }
    Ok(first)
}

/// A JSON error for requests that never reach an OAuth handler (unknown realm, outage).
pub fn json_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut response = (status, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

/// The realm a request addresses: `/realms/{realm}/…`, or `default` at the root.
#[derive(Debug, Clone)]
pub struct RealmRef(pub Arc<RealmState>);

impl FromRequestParts<Arc<App>> for RealmRef {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        // Raw parameters: no map or owned strings per request. A segment that does not
        // percent-decode to UTF-8 names no realm (never the default one).
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(|_| unknown_realm("(not UTF-8)"))?;
        let raw = params
            .iter()
            .find_map(|(key, value)| (key == "realm").then_some(value));
        let found = match raw {
            None => app.realms.get_default().await,
            Some(raw) => match RealmName::new(raw) {
                // The default realm lives at the root; its issuer has no /realms path.
                Ok(name) if !name.is_default() => app.realms.get(&name).await,
                _ => return Err(unknown_realm(raw)),
            },
        };
        let name = raw.unwrap_or(RealmName::DEFAULT);
        match found {
            Ok(Some(state)) => Ok(Self(state)),
            Ok(None) => Err(unknown_realm(name)),
            Err(e) if e.is_unavailable() => {
                tracing::error!(error = %e, realm = %name, "realm unavailable");
                Err(json_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the service is temporarily unavailable; retry later",
                ))
            }
            // The realm exists but cannot be built (a key that does not parse, a store bug):
            // retrying will not help, and the detail is for the log only.
            Err(e) => {
                tracing::error!(error = %e, realm = %name, "realm cannot be loaded");
                Err(json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request",
                ))
            }
        }
    }
}

fn unknown_realm(name: &str) -> Response {
    let printable: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(63)
        .collect();
    json_error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("realm '{printable}' does not exist"),
    )
}
