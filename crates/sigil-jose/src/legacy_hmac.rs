//! HS256/HS384/HS512 (RFC 7518 §3.2), kept apart for one purpose: accepting tokens signed
//! with a legacy shared secret while a deployment migrates to asymmetric keys (seed 002,
//! `JWT_ACCEPT_HS256_LEGACY`).
//!
//! Nothing else in the crate reaches this module: [`crate::Algorithm`] has no HMAC variant,
//! so a verifier that pins asymmetric algorithms cannot be tricked into an HMAC check with
//! a public key as the secret.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::hmac;

use crate::Error;
use crate::jws::{self, CompactJws, HeaderAlg, VerifiedJws};
use crate::jwt::{Claims, NumericDate, Validation};

/// An HMAC JWS algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacAlgorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
}

impl HmacAlgorithm {
    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
        }
    }

    /// RFC 7518 §3.2: the key must be at least as long as the hash output.
    pub fn min_key_len(self) -> usize {
        match self {
            Self::HS256 => 32,
            Self::HS384 => 48,
            Self::HS512 => 64,
        }
    }

    fn aws(self) -> hmac::Algorithm {
        match self {
            Self::HS256 => hmac::HMAC_SHA256,
            Self::HS384 => hmac::HMAC_SHA384,
            Self::HS512 => hmac::HMAC_SHA512,
        }
    }
}

impl FromStr for HmacAlgorithm {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "HS256" => Ok(Self::HS256),
            "HS384" => Ok(Self::HS384),
            "HS512" => Ok(Self::HS512),
            other => Err(Error::UnsupportedAlgorithm(other.to_owned())),
        }
    }
}

/// A legacy shared secret. `Debug` never shows it.
pub struct LegacyHmacKey {
    secret_len: usize,
    keys: [hmac::Key; 3],
}

impl LegacyHmacKey {
    /// Wraps a shared secret; it must be long enough for HS256 (32 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < HmacAlgorithm::HS256.min_key_len() {
            return Err(Error::InvalidKey(format!(
                "an HMAC secret must be at least 32 bytes, this one has {}",
                secret.len()
            )));
        }
        Ok(Self {
            secret_len: secret.len(),
            keys: [
                hmac::Key::new(hmac::HMAC_SHA256, secret),
                hmac::Key::new(hmac::HMAC_SHA384, secret),
                hmac::Key::new(hmac::HMAC_SHA512, secret),
            ],
        })
    }

    fn key(&self, alg: HmacAlgorithm) -> Result<&hmac::Key, Error> {
        if self.secret_len < alg.min_key_len() {
            return Err(Error::InvalidKey(format!(
                "{} needs a secret of at least {} bytes",
                alg.as_str(),
                alg.min_key_len()
            )));
        }
        let index = match alg {
            HmacAlgorithm::HS256 => 0,
            HmacAlgorithm::HS384 => 1,
            HmacAlgorithm::HS512 => 2,
        };
        debug_assert_eq!(self.keys[index].algorithm(), alg.aws());
        Ok(&self.keys[index])
    }
}

impl fmt::Debug for LegacyHmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LegacyHmacKey([redacted])")
    }
}

/// Signs `payload` with the shared secret (for tests and migration tooling).
pub fn sign(
    key: &LegacyHmacKey,
    alg: HmacAlgorithm,
    typ: Option<&str>,
    payload: &[u8],
) -> Result<String, Error> {
    let header = jws::header::encoded_signing_header(alg.as_str(), None, typ)?;
    let input = jws::signing_input(&header, payload, alg.aws().digest_algorithm().output_len());
    let tag = hmac::sign(key.key(alg)?, &input);
    jws::finish(input, tag.as_ref())
}

/// Verifies an HMAC-signed JWS in constant time, if its `alg` is one of `allowed`.
pub fn verify<'a>(
    jws: CompactJws<'a>,
    key: &LegacyHmacKey,
    allowed: &[HmacAlgorithm],
) -> Result<VerifiedJws<'a>, Error> {
    let alg = match jws.header().alg {
        HeaderAlg::LegacyHmac(alg) if allowed.contains(&alg) => alg,
        other => {
            return Err(Error::AlgorithmNotAllowed {
                alg: other.as_str().to_owned(),
                allowed: Vec::new(),
            });
        }
    };
    hmac::verify(
        key.key(alg)?,
        jws.signing_input().as_bytes(),
        jws.signature(),
    )
    .map_err(|_| Error::InvalidSignature)?;
    Ok(jws.into_verified())
}

/// Verifies an HMAC-signed JWT and validates its claims at `now`.
pub fn verify_jwt(
    token: &str,
    key: &LegacyHmacKey,
    allowed: &[HmacAlgorithm],
    validation: &Validation,
    now: NumericDate,
) -> Result<Claims, Error> {
    let verified = verify(CompactJws::parse(token)?, key, allowed)?;
    let claims: Claims = verified.payload_json()?;
    validation.validate(verified.header(), &claims, now)?;
    Ok(claims)
}
