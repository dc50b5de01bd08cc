//! HTTP-only plumbing shared by every layer that answers requests (`endpoints`, `oauth`'s
//! response rendering, `admin`, `ui`): response headers, the one-`Authorization`-header rule,
//! reading form bodies. Nothing here knows a protocol rule; `op` never imports it.

pub mod cookies;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::{Form, OAuthError};

/// Largest form body accepted on OAuth endpoints.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

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

/// Reads and parses a form body (RFC 6749 §3.2: `application/x-www-form-urlencoded`). Read
/// here, not by a generic extractor, so that a wrong content type or an oversized body gets an
/// RFC-shaped JSON error instead of plain text.
pub async fn read_form(headers: &HeaderMap, body: Body) -> Result<Form, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            OAuthError::invalid_request(format!("the request body exceeds {MAX_FORM_BYTES} bytes"))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        })?;
    Form::parse(&bytes)
}
