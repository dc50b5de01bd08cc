//! Proof Key for Code Exchange (RFC 7636): S256 only; `plain` would let whoever sees the
//! authorization request redeem the code.

/// Why a PKCE value is refused (the token or authorization endpoint says `invalid_request` /
/// `invalid_grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// `code_challenge_method` other than `S256` (RFC 7636 §4.3; `plain` refused, §7.2).
    #[error("only the S256 code_challenge_method is supported")]
    Method,
    /// A `code_challenge` that is not the base64url of a SHA-256 digest (43 characters).
    #[error("code_challenge must be the base64url SHA-256 of the verifier (43 characters)")]
    Challenge,
    /// A `code_verifier` that is not 43–128 unreserved characters (§4.1).
    #[error("code_verifier must be 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]")]
    Verifier,
    /// The verifier does not hash to the challenge (§4.6).
    #[error("code_verifier does not match the code_challenge")]
    Mismatch,
}

/// Checks an authorization request's challenge: `S256` (the default method is `plain`, so
/// the method must be given) and a well-formed digest.
pub fn check_challenge(challenge: &str, method: Option<&str>) -> Result<(), PkceError> {
    if method != Some("S256") {
        return Err(PkceError::Method);
    }
    let well_formed = challenge.len() == 43
        && sigil_jose::base64url::decode(challenge).is_some_and(|d| d.len() == 32);
    if !well_formed {
        return Err(PkceError::Challenge);
    }
    Ok(())
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge`, compared in
/// constant time.
pub fn verify(verifier: &str, challenge: &str) -> Result<(), PkceError> {
    let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if !(43..=128).contains(&verifier.len()) || !verifier.chars().all(unreserved) {
        return Err(PkceError::Verifier);
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let computed = sigil_jose::base64url::encode(digest.as_ref());
    aws_lc_rs::constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes())
        .map_err(|_| PkceError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_example_verifies() {
        assert_eq!(check_challenge(CHALLENGE, Some("S256")), Ok(()));
        assert_eq!(verify(VERIFIER, CHALLENGE), Ok(()));
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(check_challenge(CHALLENGE, None), Err(PkceError::Method));
        assert_eq!(
            check_challenge(CHALLENGE, Some("plain")),
            Err(PkceError::Method)
        );
        assert_eq!(
            check_challenge("short", Some("S256")),
            Err(PkceError::Challenge)
        );
        assert_eq!(
            check_challenge(&format!("{}!", &CHALLENGE[..42]), Some("S256")),
            Err(PkceError::Challenge)
        );
        assert_eq!(verify(&VERIFIER[..42], CHALLENGE), Err(PkceError::Verifier));
        assert_eq!(
            verify(&format!("{}+", &VERIFIER[..43]), CHALLENGE),
            Err(PkceError::Verifier)
        );
        assert_eq!(
            verify(&"a".repeat(129), CHALLENGE),
            Err(PkceError::Verifier)
        );
        let other = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(verify(other, CHALLENGE), Err(PkceError::Mismatch));
        // The verifier itself is not the challenge (`plain`).
        assert_eq!(verify(VERIFIER, VERIFIER), Err(PkceError::Mismatch));
    }
}
