//! Public JSON Web Keys (RFC 7517) for the key types of RFC 7518 §6 and RFC 8037 §2.
//!
//! **Invariant:** [`PublicJwk`] has no field that can hold private material, so serialising
//! one can never leak a private key. Parsing rejects JWKs that carry private members.

mod parse;
mod set;
pub mod thumbprint;

use std::fmt;

use serde::ser::SerializeMap;

use crate::algorithm::KeyKind;
use crate::{Algorithm, Error, base64url};

pub use set::{JwkSet, SkippedKey};

/// The smallest RSA modulus accepted anywhere (RFC 7518 §3.3, §3.5).
pub const MIN_RSA_BITS: usize = 2048;

/// A key id (`kid`, RFC 7517 §4.5): a non-empty string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(String);

impl Kid {
    /// Longest key id accepted; ids are echoed in headers and logs.
    pub const MAX_LEN: usize = 256;

    /// Validates a key id: non-empty, at most [`Kid::MAX_LEN`] bytes, no control characters.
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        if value.is_empty() || value.len() > Self::MAX_LEN || value.chars().any(char::is_control) {
            return Err(Error::InvalidJwk(format!(
                "kid must be 1 to {} printable characters",
                Self::MAX_LEN
            )));
        }
        Ok(Self(value))
    }

    /// The key id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Kid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The intended use of a key (`use`, RFC 7517 §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyUse {
    /// `sig`: signatures.
    Signature,
    /// `enc`: encryption.
    Encryption,
    /// Any other registered or private value, kept verbatim.
    Other(String),
}

impl KeyUse {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Signature => "sig",
            Self::Encryption => "enc",
            Self::Other(other) => other,
        }
    }
}

/// The public parameters of a key (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum PublicKeyParams {
    /// `kty: RSA`: modulus and exponent, big-endian without leading zero bytes.
    Rsa {
        /// The modulus `n`.
        n: Vec<u8>,
        /// The public exponent `e`.
        e: Vec<u8>,
    },
    /// `kty: EC` on P-256: affine coordinates, 32 bytes each.
    P256 {
        /// The `x` coordinate.
        x: Vec<u8>,
        /// The `y` coordinate.
        y: Vec<u8>,
    },
    /// `kty: EC` on P-384: affine coordinates, 48 bytes each.
    P384 {
        /// The `x` coordinate.
        x: Vec<u8>,
        /// The `y` coordinate.
        y: Vec<u8>,
    },
    /// `kty: OKP`, `crv: Ed25519`: the 32-byte public key.
    Ed25519 {
        /// The public key `x`.
        x: Vec<u8>,
    },
}

impl PublicKeyParams {
    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::Rsa { .. } => KeyKind::Rsa,
            Self::P256 { .. } => KeyKind::P256,
            Self::P384 { .. } => KeyKind::P384,
            Self::Ed25519 { .. } => KeyKind::Ed25519,
        }
    }

    /// The JWK `kty` value.
    pub fn kty(&self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RSA",
            Self::P256 { .. } | Self::P384 { .. } => "EC",
            Self::Ed25519 { .. } => "OKP",
        }
    }

    /// The JWK `crv` value, for curve keys.
    pub fn crv(&self) -> Option<&'static str> {
        match self {
            Self::Rsa { .. } => None,
            Self::P256 { .. } => Some("P-256"),
            Self::P384 { .. } => Some("P-384"),
            Self::Ed25519 { .. } => Some("Ed25519"),
        }
    }

    /// The RSA modulus size in bits, for RSA keys.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self {
            Self::Rsa { n, .. } => Some(bit_len(n)),
            _ => None,
        }
    }

    /// The key in the byte form aws-lc-rs parses: an X.509 SubjectPublicKeyInfo for RSA,
    /// the uncompressed SEC1 point for EC, the raw key for Ed25519.
    pub(crate) fn to_crypto_bytes(&self) -> Result<Vec<u8>, Error> {
        use aws_lc_rs::encoding::AsDer;
        match self {
            Self::Rsa { n, e } => aws_lc_rs::rsa::PublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            }
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .map_err(|_| Error::InvalidKey("RSA public key rejected".to_owned())),
            Self::P256 { x, y } | Self::P384 { x, y } => {
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                Ok(point)
            }
            Self::Ed25519 { x } => Ok(x.clone()),
        }
    }
}

impl fmt::Debug for PublicKeyParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { n, .. } => write!(f, "Rsa({} bits)", bit_len(n)),
            other => write!(f, "{}", other.crv().unwrap_or("?")),
        }
    }
}

/// A public JWK: key parameters plus the common members `kid`, `use` and `alg`.
///
/// Build one with [`PublicJwk::from_json`] (strict RFC 7517/7518 parsing) or from a key
/// ([`crate::PrivateKey::public_jwk`]). Serialising it yields members in a fixed order:
/// `kty`, `use`, `alg`, `kid`, then the key parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// The public key parameters.
    pub params: PublicKeyParams,
    /// `kid`.
    pub kid: Option<Kid>,
    /// `use`.
    pub key_use: Option<KeyUse>,
    /// `alg`: when present, the only algorithm this key may be used with.
    pub alg: Option<Algorithm>,
}

impl PublicJwk {
    /// A JWK for the given parameters, without `kid`, `use` or `alg`.
    pub fn new(params: PublicKeyParams) -> Self {
        Self {
            params,
            kid: None,
            key_use: None,
            alg: None,
        }
    }

    /// A JWK for parameters from elsewhere (a PEM, a key pair), checked by the same rules
    /// as parsed JWKs.
    pub fn from_params(params: PublicKeyParams) -> Result<Self, Error> {
        parse::check_params(&params)?;
        Ok(Self::new(params))
    }

    /// Parses one JWK from JSON, strictly (see the module docs).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidJwk(format!("not JSON: {e}")))?;
        parse::public_jwk(&value)
    }

    /// Parses one JWK from an already-decoded JSON value.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, Error> {
        parse::public_jwk(value)
    }

    /// The RFC 7638 SHA-256 thumbprint of this key, base64url-encoded.
    pub fn thumbprint(&self) -> String {
        thumbprint::sha256(&self.params)
    }

    /// Sets the key id, use `sig` and the algorithm: the shape Sigil publishes.
    pub fn for_signing(mut self, kid: Kid, alg: Algorithm) -> Self {
        self.kid = Some(kid);
        self.key_use = Some(KeyUse::Signature);
        self.alg = Some(alg);
        self
    }

    /// Whether this key may be used to verify `alg`: the key type fits, the key's own `alg`
    /// (if any) is the same, and its `use` (if any) is `sig`.
    pub fn admits(&self, alg: Algorithm) -> bool {
        self.params.kind() == alg.key_kind()
            && self.alg.is_none_or(|own| own == alg)
            && self
                .key_use
                .as_ref()
                .is_none_or(|u| *u == KeyUse::Signature)
    }

    /// The JWK as a JSON string.
    pub fn to_json(&self) -> String {
        // Serialising strings and byte strings into a map cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicJwk")
            .field("params", &self.params)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

impl serde::Serialize for PublicJwk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        write_members(
            &mut map,
            &self.params,
            self.key_use.as_ref(),
            self.alg.map(Algorithm::as_str),
            self.kid.as_ref(),
        )?;
        map.end()
    }
}

/// Writes a public JWK's members in Sigil's fixed order: `kty`, `use`, `alg`, `kid`, then the
/// key parameters. Shared by signature JWKs and encryption JWKs ([`crate::jwe::EncryptionJwk`]).
pub(crate) fn write_members<M: SerializeMap>(
    map: &mut M,
    params: &PublicKeyParams,
    key_use: Option<&KeyUse>,
    alg: Option<&str>,
    kid: Option<&Kid>,
) -> Result<(), M::Error> {
    map.serialize_entry("kty", params.kty())?;
    if let Some(key_use) = key_use {
        map.serialize_entry("use", key_use.as_str())?;
    }
    if let Some(alg) = alg {
        map.serialize_entry("alg", alg)?;
    }
    if let Some(kid) = kid {
        map.serialize_entry("kid", kid.as_str())?;
    }
    if let Some(crv) = params.crv() {
        map.serialize_entry("crv", crv)?;
    }
    match params {
        PublicKeyParams::Rsa { n, e } => {
            map.serialize_entry("n", &base64url::encode(n))?;
            map.serialize_entry("e", &base64url::encode(e))?;
        }
        PublicKeyParams::P256 { x, y } | PublicKeyParams::P384 { x, y } => {
            map.serialize_entry("x", &base64url::encode(x))?;
            map.serialize_entry("y", &base64url::encode(y))?;
        }
        PublicKeyParams::Ed25519 { x } => {
            map.serialize_entry("x", &base64url::encode(x))?;
        }
    }
    Ok(())
}

/// The number of significant bits in a big-endian unsigned integer.
pub(crate) fn bit_len(be: &[u8]) -> usize {
    let Some(first) = be.iter().position(|&b| b != 0) else {
        return 0;
    };
    (be.len() - first) * 8 - be[first].leading_zeros() as usize
}
