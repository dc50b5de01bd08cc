//! Client authentication (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, and
//! `none` for public clients. One method per request; the registered method must be used.
//!
//! Secrets are 256-bit random values stored as SHA-256 digests and compared in constant time.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use sigil_store::ClientRecord;

use crate::app::App;
use crate::oauth::{ErrorCode, Form, OAuthError};
use crate::realms::RealmState;

/// `client_secret_basic`: id and secret in the `Authorization: Basic` header.
pub const SECRET_BASIC: &str = "client_secret_basic";
/// `client_secret_post`: id and secret in the form.
pub const SECRET_POST: &str = "client_secret_post";
/// `none`: a public client, identified by `client_id` alone; it proves nothing.
pub const NONE: &str = "none";

/// `token_endpoint_auth_method` values Sigil implements: the one list that registration
/// validates against and discovery advertises.
pub const METHODS: [&str; 3] = [SECRET_BASIC, SECRET_POST, NONE];

/// The methods that authenticate a confidential client (all but [`NONE`]).
pub fn confidential_methods() -> impl Iterator<Item = &'static str> {
    METHODS.into_iter().filter(|m| *m != NONE)
}

/// What the request presented.
enum Presented {
    Basic { id: String, secret: String },
    Post { id: String, secret: String },
    Public { id: String },
}

/// Authenticates the client of a token, introspection or revocation request.
pub async fn authenticate(
    app: &App,
    realm: &RealmState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<Arc<ClientRecord>, OAuthError> {
    let presented = presented(headers, form)?;
    let (id, method) = match &presented {
        Presented::Basic { id, .. } => (id, SECRET_BASIC),
        Presented::Post { id, .. } => (id, SECRET_POST),
        Presented::Public { id } => (id, NONE),
    };
    let client = realm
        .client(&*app.store, id)
        .await?
        .ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    if client.auth_method != method {
        return Err(OAuthError::invalid_client(format!(
            "client registered for {}, used {method}",
            client.auth_method
        )));
    }
    match presented {
        Presented::Basic { secret, .. } | Presented::Post { secret, .. } => {
            let expected = client.secret_hash.as_deref().unwrap_or_default();
            if !secret_matches(&secret, expected) {
                return Err(OAuthError::invalid_client("wrong secret"));
            }
        }
        Presented::Public { .. } => {}
    }
    Ok(client)
}

/// The client must be registered for `grant_type`.
pub fn require_grant(client: &ClientRecord, grant_type: &str) -> Result<(), OAuthError> {
    if client.grant_types.iter().any(|g| g == grant_type) {
        Ok(())
    } else {
        Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("this client may not use the {grant_type} grant"),
        ))
    }
}

/// Whether `secret` hashes to `expected`, in time independent of where they differ.
pub fn secret_matches(secret: &str, expected: &[u8]) -> bool {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    expected.len() == digest.as_ref().len()
        && aws_lc_rs::constant_time::verify_slices_are_equal(digest.as_ref(), expected).is_ok()
}

fn presented(headers: &HeaderMap, form: &Form) -> Result<Presented, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let body_secret = form.get("client_secret");
    match (basic, body_secret) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "use one client authentication method per request, not both Basic and client_secret",
        )),
        (Some(credentials), None) => {
            let (id, secret) = decode_basic(credentials)?;
            if form.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the authenticated client",
                ));
            }
            Ok(Presented::Basic { id, secret })
        }
        (None, Some(secret)) => Ok(Presented::Post {
            id: form.require("client_id")?.to_owned(),
            secret: secret.to_owned(),
        }),
        (None, None) => match form.get("client_id") {
            Some(id) => Ok(Presented::Public { id: id.to_owned() }),
            None => Err(OAuthError::invalid_client("no client authentication")),
        },
    }
}

/// RFC 6749 §2.3.1: `base64(urlencode(id) ":" urlencode(secret))`.
fn decode_basic(credentials: &str) -> Result<(String, String), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
            .unwrap_or_default()
    };
    let id = unescape(id);
    if id.is_empty() {
        return Err(bad());
    }
    Ok((id, unescape(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("my%3Aapp:s%2Bcret+x");
        let (id, secret) = decode_basic(&encoded).ok().unwrap();
        assert_eq!((id.as_str(), secret.as_str()), ("my:app", "s+cret x"));
        assert!(decode_basic("!!").is_err());
        let no_colon = base64::engine::general_purpose::STANDARD.encode("nocolon");
        assert!(decode_basic(&no_colon).is_err());
    }

    #[test]
    fn secrets_compare_by_digest() {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"s3cret");
        assert!(secret_matches("s3cret", digest.as_ref()));
        assert!(!secret_matches("s3creT", digest.as_ref()));
        assert!(!secret_matches("s3cret", &[]));
    }
}
