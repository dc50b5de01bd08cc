//! Admin API request bodies: JSON objects (RFC 8259) read here rather than by axum's `Json`
//! extractor, so that a wrong content type, an oversized body or malformed JSON is answered in
//! the admin API's own shape with Sigil's own words — never the parser's text, which would
//! tell a caller about our dependencies and is not written for them.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value};

use super::AdminError;

/// Largest body the admin API reads: the OAuth endpoints' limit, ample for a mint request.
pub const MAX_BODY_BYTES: usize = crate::http::MAX_FORM_BYTES;

/// Reads the request body as one JSON object: `415` for a media type other than
/// `application/json` (RFC 9110 §15.5.16), `413` past [`MAX_BODY_BYTES`] (§15.5.14), `400`
/// for anything that is not a JSON object.
pub async fn json_object(
    headers: &HeaderMap,
    body: Body,
) -> Result<Map<String, Value>, AdminError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(AdminError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "the request body must be application/json",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            AdminError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                format!("the request body exceeds {MAX_BODY_BYTES} bytes"),
            )
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(_) => Err(AdminError::invalid(
            "the request body must be a JSON object",
        )),
        Err(_) => Err(AdminError::invalid("the request body is not valid JSON")),
    }
}
