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

/// Room for a typical access token's claims (~300 bytes), kept under glibc's large-request
/// threshold (~1 KiB; see [`jws::signing_input`]). Larger claims grow the buffer.
const CLAIMS_CAPACITY: usize = 512;

/// Serialises `claims` and signs them into a compact JWT.
pub fn sign<C: Serialize>(
    key: &SigningKey,
    typ: Option<&str>,
    claims: &C,
) -> Result<String, Error> {
    let header = key.encoded_header(typ)?;
    // Pre-sized: `serde_json::to_vec` would start at 128 bytes and grow twice.
    let mut payload = Vec::with_capacity(CLAIMS_CAPACITY);
    serde_json::to_writer(&mut payload, claims).map_err(|e| Error::InvalidClaims(e.to_string()))?;
    jws::sign_with_header(key, &header, &payload)
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
