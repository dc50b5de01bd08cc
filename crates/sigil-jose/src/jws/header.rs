//! The JOSE header of a JWS (RFC 7515 §4) and the rules Sigil enforces on it.
//!
//! **Invariant:** `jku`, `x5u`, `x5c` and `jwk` are never read. A key that arrives with the
//! token proves nothing about who signed it, so the only keys that verify are the ones the
//! caller supplies.

use std::borrow::Cow;

use serde::Deserialize;

use crate::jwt::{TYP_ACCESS_TOKEN, TYP_JWT};
use crate::legacy_hmac::HmacAlgorithm;
use crate::{Algorithm, Error};

/// The `alg` of a parsed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderAlg {
    /// An asymmetric algorithm.
    Jws(Algorithm),
    /// An HMAC algorithm; only [`crate::legacy_hmac`] accepts these.
    LegacyHmac(HmacAlgorithm),
}

impl HeaderAlg {
    /// The `alg` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jws(alg) => alg.as_str(),
            Self::LegacyHmac(alg) => alg.as_str(),
        }
    }
}

/// The header members Sigil reads. Every other member is ignored (and `crit` rejects
/// tokens that demand an extension be understood).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`.
    pub alg: HeaderAlg,
    /// `kid`.
    pub kid: Option<String>,
    /// `typ` (e.g. `JWT`, `at+jwt`).
    pub typ: Option<String>,
    /// `cty`.
    pub cty: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Option<Cow<'a, str>>,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    crit: Option<Vec<String>>,
}

impl Header {
    /// Parses and checks a decoded header (RFC 7515 §5.2 steps 2–5).
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let raw: RawHeader<'_> = serde_json::from_slice(json)
            .map_err(|e| Error::Malformed(format!("header is not a valid JOSE header: {e}")))?;
        let alg = raw
            .alg
            .ok_or_else(|| Error::Malformed("header has no \"alg\"".to_owned()))?;
        let alg = parse_alg(&alg)?;
        if let Some(crit) = raw.crit {
            // §4.1.11: an empty list is invalid; any listed extension must be understood,
            // and this implementation understands none.
            if crit.is_empty() {
                return Err(Error::Malformed("\"crit\" must not be empty".to_owned()));
            }
            return Err(Error::UnknownCritical(crit));
        }
        Ok(Self {
            alg,
            kid: raw.kid,
            typ: raw.typ,
            cty: raw.cty,
        })
    }

    /// Whether `typ` names `expected`, comparing as RFC 7515 §4.1.9 says: case-insensitively
    /// and with an optional `application/` prefix.
    pub fn typ_is(&self, expected: &str) -> bool {
        let strip = |t: &str| -> String {
            let lower = t.to_ascii_lowercase();
            lower
                .strip_prefix("application/")
                .map(str::to_owned)
                .unwrap_or(lower)
        };
        self.typ
            .as_deref()
            .is_some_and(|typ| strip(typ) == strip(expected))
    }
}

fn parse_alg(name: &str) -> Result<HeaderAlg, Error> {
    if name.eq_ignore_ascii_case("none") {
        return Err(Error::AlgNone);
    }
    if let Ok(alg) = name.parse::<Algorithm>() {
        return Ok(HeaderAlg::Jws(alg));
    }
    name.parse::<HmacAlgorithm>()
        .map(HeaderAlg::LegacyHmac)
        .map_err(|_| Error::UnsupportedAlgorithm(name.to_owned()))
}

/// The base64url of the header Sigil signs with: `alg`, then `kid` and `typ` when given.
pub(crate) fn encoded_signing_header(
    alg: &str,
    kid: Option<&str>,
    typ: Option<&str>,
) -> Result<String, Error> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        alg: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        kid: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        typ: Option<&'a str>,
    }
    // Serialising three strings cannot fail; the error is mapped rather than unwrapped.
    let json = serde_json::to_vec(&Out { alg, kid, typ })
        .map_err(|e| Error::Malformed(format!("header cannot be serialised: {e}")))?;
    Ok(crate::base64url::encode(json))
}

/// A signing key's encoded header for each `typ` Sigil itself signs with, made once with the
/// key: every token of a key starts with one of these same few strings, so signing copies it
/// instead of serialising and encoding it again.
#[derive(Debug, Clone)]
pub(crate) struct EncodedHeaders {
    untyped: String,
    jwt: String,
    access_token: String,
}

impl EncodedHeaders {
    /// The headers of a key with this `alg` and `kid`.
    pub(crate) fn new(alg: &str, kid: &str) -> Result<Self, Error> {
        let make = |typ| encoded_signing_header(alg, Some(kid), typ);
        Ok(Self {
            untyped: make(None)?,
            jwt: make(Some(TYP_JWT))?,
            access_token: make(Some(TYP_ACCESS_TOKEN))?,
        })
    }

    /// The encoded header for `typ`, if it is one made in advance.
    pub(crate) fn get(&self, typ: Option<&str>) -> Option<&str> {
        match typ {
            None => Some(&self.untyped),
            Some(TYP_JWT) => Some(&self.jwt),
            Some(TYP_ACCESS_TOKEN) => Some(&self.access_token),
            Some(_) => None,
        }
    }
}
