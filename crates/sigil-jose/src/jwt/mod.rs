//! JSON Web Tokens (RFC 7519): claims, their validation, and signing/verifying whole tokens.

mod claims;
mod validation;

pub use claims::{Audience, Claims, NumericDate};
pub use validation::{AudienceCheck, Validation};

use serde::Serialize;

use crate::jws::{self, CompactJws};
use crate::keys::{SigningKey, VerifyingKey};
use crate::{Algorithm, Error};

/// The `typ` of an RFC 9068 access token.
pub const TYP_ACCESS_TOKEN: &str = "at+jwt";
/// The conventional `typ` of other JWTs (RFC 7519 §5.1).
pub const TYP_JWT: &str = "JWT";

/// Serialises `claims` and signs them into a compact JWT.
pub fn sign<C: Serialize>(
    key: &SigningKey,
    typ: Option<&str>,
    claims: &C,
) -> Result<String, Error> {
    let payload = serde_json::to_vec(claims).map_err(|e| Error::InvalidClaims(e.to_string()))?;
    jws::sign(key, typ, &payload)
}

/// Verifies `token` with `key` (its `alg` must be in `allowed`), then validates its claims
/// at `now`.
pub fn verify(
    token: &str,
    key: &VerifyingKey,
    allowed: &[Algorithm],
    validation: &Validation,
    now: NumericDate,
) -> Result<Claims, Error> {
    let verified = CompactJws::parse(token)?.verify(key, allowed)?;
    let claims: Claims = verified.payload_json()?;
    validation.validate(verified.header(), &claims, now)?;
    Ok(claims)
}
