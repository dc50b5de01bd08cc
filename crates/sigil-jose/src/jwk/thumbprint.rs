//! JWK thumbprints (RFC 7638): SHA-256 over the required members in lexicographic order,
//! with no whitespace. Sigil uses them as default key ids.

use super::PublicKeyParams;
use crate::base64url;

/// The canonical JSON of RFC 7638 §3.2 for these parameters.
pub fn canonical_json(params: &PublicKeyParams) -> String {
    let b = base64url::encode;
    // Member names and the values (base64url, curve names) need no JSON escaping.
    match params {
        PublicKeyParams::Rsa { n, e } => {
            format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b(e), b(n))
        }
        PublicKeyParams::P256 { x, y } | PublicKeyParams::P384 { x, y } => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            params.crv().unwrap_or_default(),
            b(x),
            b(y)
        ),
        PublicKeyParams::Ed25519 { x } => {
            format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b(x))
        }
    }
}

/// The base64url SHA-256 thumbprint (RFC 7638 §3).
pub fn sha256(params: &PublicKeyParams) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        canonical_json(params).as_bytes(),
    );
    base64url::encode(digest.as_ref())
}
