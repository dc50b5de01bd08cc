//! Strict `application/x-www-form-urlencoded` bodies for OAuth endpoints.
//!
//! RFC 6749 §3.1/§3.2: parameters must not be repeated, and a parameter sent without a value is
//! treated as omitted. The body is read here (not by a generic extractor) so that a wrong
//! content type or an oversized body gets an RFC-shaped JSON error instead of plain text.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};

use super::OAuthError;

/// Largest form body accepted on OAuth endpoints.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A parsed form: each parameter at most once.
#[derive(Debug, Default, Clone)]
pub struct Form {
    params: HashMap<String, String>,
}

impl Form {
    /// Reads and parses the request body.
    pub async fn read(headers: &HeaderMap, body: Body) -> Result<Self, OAuthError> {
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
                OAuthError::invalid_request(format!(
                    "the request body exceeds {MAX_FORM_BYTES} bytes"
                ))
                .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            })?;
        Self::parse(&bytes)
    }

    /// Parses an encoded form.
    pub fn parse(bytes: &[u8]) -> Result<Self, OAuthError> {
        let mut params = HashMap::new();
        for (name, value) in form_urlencoded::parse(bytes) {
            if params.contains_key(name.as_ref()) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {name} must not be repeated"
                )));
            }
            params.insert(name.into_owned(), value.into_owned());
        }
        // Insert first, filter after: an empty duplicate is still a duplicate.
        params.retain(|_, v| !v.is_empty());
        Ok(Self { params })
    }

    /// The value of a parameter, if sent with a value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The value of a required parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter {name} is required")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_omitted() {
        assert!(Form::parse(b"a=1&a=2").is_err());
        assert!(Form::parse(b"a=&a=2").is_err());
        let form = Form::parse(b"a=1&b=&c=x%20y+z").unwrap();
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.get("b"), None);
        assert_eq!(form.get("c"), Some("x y z"));
        assert!(form.require("b").is_err());
    }
}
