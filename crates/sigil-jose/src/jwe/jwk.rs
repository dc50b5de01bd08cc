//! Public encryption JWKs (RFC 7517 §4 with `use: enc`, RFC 7518 §6): what a recipient
//! publishes and what an encrypter reads.
//!
//! [`crate::PublicJwk`] is for signature keys: its `alg` is a JWS algorithm. An encryption key
//! names a key management algorithm instead, so it has its own type; its key parameters are
//! checked by the same strict rules (minimal RSA integers, at least 2048 bits, EC points on
//! their curve, no private members).

use std::fmt;

use serde::ser::SerializeMap;
use serde_json::Value;

use super::KeyManagement;
use crate::Error;
use crate::jwk::{KeyUse, Kid, PublicJwk, PublicKeyParams, thumbprint, write_members};

/// A public encryption key: parameters, `kid`, and the key management algorithm it is
/// pinned to. Serialises with `use: enc` in the member order of [`PublicJwk`].
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptionJwk {
    /// The public key parameters.
    pub params: PublicKeyParams,
    /// `kid`.
    pub kid: Option<Kid>,
    /// `alg`: when present, the only key management algorithm this key may be used with.
    pub alg: Option<KeyManagement>,
}

impl EncryptionJwk {
    /// Parses a public encryption JWK. `use`, when present, must be `enc`; `alg`, when
    /// present, must be a key management algorithm Sigil supports and fit the key type.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidJwk(format!("not JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a public encryption JWK from a decoded JSON value.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let Value::Object(members) = value else {
            return Err(Error::InvalidJwk("a JWK must be a JSON object".to_owned()));
        };
        let mut rest = members.clone();
        let alg = match rest.remove("alg") {
            None => None,
            Some(Value::String(alg)) => Some(alg.parse::<KeyManagement>()?),
            Some(_) => return Err(invalid("member \"alg\" must be a string")),
        };
        match rest.remove("use") {
            None => {}
            Some(Value::String(u)) if u == "enc" => {}
            Some(_) => {
                return Err(invalid(
                    "member \"use\" must be \"enc\" for an encryption key",
                ));
            }
        }
        // Everything else — key type, parameters, kid, key_ops, refusal of private members —
        // follows the rules every public JWK follows.
        let public = PublicJwk::from_value(&Value::Object(rest))?;
        let jwk = Self {
            params: public.params,
            kid: public.kid,
            alg,
        };
        if let Some(alg) = alg {
            jwk.check_fits(alg)?;
        }
        Ok(jwk)
    }

    /// The RFC 7638 SHA-256 thumbprint of this key, base64url-encoded.
    pub fn thumbprint(&self) -> String {
        thumbprint::sha256(&self.params)
    }

    /// The JWK as a JSON string.
    pub fn to_json(&self) -> String {
        // Serialising strings into a map cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether this key can serve `alg`: the key type fits and the key's own `alg`, if any,
    /// is the same.
    pub fn admits(&self, alg: KeyManagement) -> bool {
        alg.accepts(self.params.kind()) && self.alg.is_none_or(|own| own == alg)
    }

    /// Why this key cannot serve `alg`, if it cannot.
    pub(crate) fn check_admits(&self, alg: KeyManagement) -> Result<(), Error> {
        self.check_fits(alg)?;
        match self.alg {
            Some(key_alg) if key_alg != alg => Err(Error::EncryptionKeyPinned {
                kid: self.kid.as_ref().map(|k| k.as_str().to_owned()),
                key_alg,
                token_alg: alg,
            }),
            _ => Ok(()),
        }
    }

    fn check_fits(&self, alg: KeyManagement) -> Result<(), Error> {
        if alg.accepts(self.params.kind()) {
            Ok(())
        } else {
            Err(Error::JweKeyMismatch {
                alg,
                key: self.params.kind(),
            })
        }
    }

    /// The uncompressed SEC1 point of an EC key, or the SubjectPublicKeyInfo of an RSA key.
    pub(crate) fn crypto_bytes(&self) -> Result<Vec<u8>, Error> {
        self.params.to_crypto_bytes()
    }
}

impl fmt::Debug for EncryptionJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionJwk")
            .field("params", &self.params)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

impl serde::Serialize for EncryptionJwk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        write_members(
            &mut map,
            &self.params,
            Some(&KeyUse::Encryption),
            self.alg.map(KeyManagement::as_str),
            self.kid.as_ref(),
        )?;
        map.end()
    }
}

/// The `epk` header value of an ephemeral EC public key (RFC 7518 §4.6.1.1): `kty`, `crv`,
/// `x`, `y` and nothing else.
pub(crate) struct EphemeralJwk<'a>(pub(crate) &'a PublicKeyParams);

impl serde::Serialize for EphemeralJwk<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        write_members(&mut map, self.0, None, None, None)?;
        map.end()
    }
}

/// Splits an uncompressed SEC1 point (`0x04 || x || y`) into EC key parameters.
pub(crate) fn ec_params(point: &[u8]) -> Result<PublicKeyParams, Error> {
    let coords = match point.split_first() {
        Some((0x04, coords)) => coords,
        _ => return Err(Error::Encryption),
    };
    let (x, y) = coords.split_at(coords.len() / 2);
    match coords.len() {
        64 => Ok(PublicKeyParams::P256 {
            x: x.to_vec(),
            y: y.to_vec(),
        }),
        96 => Ok(PublicKeyParams::P384 {
            x: x.to_vec(),
            y: y.to_vec(),
        }),
        _ => Err(Error::Encryption),
    }
}

fn invalid(message: &str) -> Error {
    Error::InvalidJwk(message.to_owned())
}
