//! Bearer tokens in HTTP (RFC 6750): reading `Authorization: Bearer …` (§2.1) and
//! answering a failure with `WWW-Authenticate` (§3). Shared by the axum extractor and the
//! tower layer.

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::Error;

/// Why a request was not let through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `Authorization: Bearer` header (§3.1: the challenge then carries no error code).
    #[error("the request carries no bearer token")]
    Missing,
    /// The header is there but not a well-formed bearer credential (`invalid_request`).
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    /// The token did not verify (`invalid_token`), or the keys could not be had.
    #[error(transparent)]
    Invalid(#[from] Error),
}

/// The token of an `Authorization: Bearer <token>` header. The scheme is matched
/// case-insensitively (RFC 9110 §11.1); another scheme counts as no bearer token.
pub fn token_from(headers: &HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::Malformed("more than one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| BearerError::Malformed("the header is not ASCII"))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return Err(BearerError::Malformed("expected \"Bearer <token>\""));
    }
    Ok(token)
}

/// The response for a failure: `401` with a challenge for a missing or invalid token, `400`
/// for a malformed request (§3.1), `503` when the issuer's keys cannot be had (that is not
/// the client's fault, and a 401 would send it to fetch a new token in vain).
pub fn response<B: Default>(error: &BearerError) -> Response<B> {
    let (status, challenge) = match error {
        BearerError::Missing => (StatusCode::UNAUTHORIZED, Some("Bearer".to_owned())),
        BearerError::Malformed(why) => (
            StatusCode::BAD_REQUEST,
            Some(challenge("invalid_request", why)),
        ),
        BearerError::Invalid(e) if e.is_token_error() => (
            StatusCode::UNAUTHORIZED,
            Some(challenge("invalid_token", &e.to_string())),
        ),
        BearerError::Invalid(_) => (StatusCode::SERVICE_UNAVAILABLE, None),
    };
    let mut response = Response::new(B::default());
    *response.status_mut() = status;
    if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// `Bearer error="…", error_description="…"`; the description is cut down to the
/// characters §3 allows (`%x20-21 / %x23-5B / %x5D-7E`).
fn challenge(code: &str, description: &str) -> String {
    let description: String = description
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect();
    format!("Bearer error=\"{code}\", error_description=\"{description}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn the_bearer_token_is_read_from_the_authorization_header() {
        assert_eq!(
            token_from(&headers(&["Bearer abc.def.ghi"])),
            Ok("abc.def.ghi")
        );
        assert_eq!(token_from(&headers(&["bearer  abc"])), Ok("abc"));
        assert_eq!(token_from(&headers(&[])), Err(BearerError::Missing));
        assert_eq!(
            token_from(&headers(&["Basic dXNlcjpwdw=="])),
            Err(BearerError::Missing)
        );
        for bad in [&["Bearer"][..], &["Bearer a b"], &["Bearer a", "Bearer b"]] {
            assert!(
                matches!(token_from(&headers(bad)), Err(BearerError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn failures_become_rfc_6750_challenges() {
        let missing: Response<()> = response(&BearerError::Missing);
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(missing.headers()[WWW_AUTHENTICATE], "Bearer");
        let invalid: Response<()> = response(&BearerError::Invalid(Error::UnknownKid {
            kid: "k\"1".into(),
            known: vec!["é".into()],
        }));
        assert_eq!(invalid.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            invalid.headers()[WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\", error_description=\"kid 'k/'1' is not among the issuer's keys [?]\""
        );
        let down: Response<()> = response(&BearerError::Invalid(Error::IssuerUnreachable {
            url: "https://id.example.com/jwks".into(),
            reason: "timeout".into(),
        }));
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(down.headers().get(WWW_AUTHENTICATE).is_none());
    }
}
