//! What a realm key is for, read from its stored `alg`: a JWS algorithm makes a signing key
//! (`use: sig`), a JWE key management algorithm a decryption key (`use: enc`, RFC 7517 §4.2).
//! Both kinds share one table and one lifecycle; only this type tells them apart.

use std::fmt;
use std::str::FromStr;

use sigil_jose::algorithm::KeyKind;
use sigil_jose::jwe::KeyManagement;
use sigil_jose::{Algorithm, KeySpec};

use crate::ServerError;

/// The key management algorithms a realm can hold decryption keys for: one RSA and one EC
/// algorithm, the two OIDC clients use. `RSA-OAEP` (SHA-1) and bare `ECDH-ES` decrypt in
/// sigil-jose but are not offered: a realm key pinned to one algorithm serves only that one.
pub const ENCRYPTION_ALGS: [KeyManagement; 2] =
    [KeyManagement::RsaOaep256, KeyManagement::EcdhEsA256Kw];

/// A realm key's algorithm, and so its use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlg {
    /// Signs (JWS, RFC 7518 §3.1).
    Sign(Algorithm),
    /// Decrypts what clients encrypt to the realm (JWE, RFC 7518 §4.1).
    Decrypt(KeyManagement),
}

impl KeyAlg {
    /// The stored and published `alg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sign(alg) => alg.as_str(),
            Self::Decrypt(alg) => alg.as_str(),
        }
    }

    /// The JWK `use` (RFC 7517 §4.2): `sig` or `enc`.
    pub fn key_use(self) -> &'static str {
        match self {
            Self::Sign(_) => "sig",
            Self::Decrypt(_) => "enc",
        }
    }

    /// A key management algorithm the realm may keep a key for ([`ENCRYPTION_ALGS`]).
    pub fn encryption(value: &str) -> Result<KeyManagement, ServerError> {
        ENCRYPTION_ALGS
            .into_iter()
            .find(|alg| alg.as_str() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = ENCRYPTION_ALGS.iter().map(|a| a.as_str()).collect();
                ServerError::Invalid(format!(
                    "{value:?} is not an encryption algorithm a realm keeps keys for (choose {})",
                    names.join(" or ")
                ))
            })
    }

    /// What to generate for this algorithm: RSA of `rsa_bits` for RSA algorithms, the
    /// curve the algorithm names otherwise (P-256 for ECDH-ES+A256KW).
    pub fn key_spec(self, rsa_bits: usize) -> Result<KeySpec, ServerError> {
        match self {
            Self::Sign(alg) => Ok(KeySpec::for_algorithm(
                alg,
                (alg.key_kind() == KeyKind::Rsa).then_some(rsa_bits),
            )?),
            Self::Decrypt(alg) if alg.accepts(KeyKind::Rsa) => Ok(KeySpec::Rsa { bits: rsa_bits }),
            Self::Decrypt(_) => Ok(KeySpec::P256),
        }
    }
}

impl From<Algorithm> for KeyAlg {
    fn from(alg: Algorithm) -> Self {
        Self::Sign(alg)
    }
}

impl From<KeyManagement> for KeyAlg {
    fn from(alg: KeyManagement) -> Self {
        Self::Decrypt(alg)
    }
}

impl FromStr for KeyAlg {
    type Err = ServerError;

    /// A JWS algorithm, else one of [`ENCRYPTION_ALGS`].
    fn from_str(value: &str) -> Result<Self, ServerError> {
        match value.parse::<Algorithm>() {
            Ok(alg) => Ok(Self::Sign(alg)),
            Err(_) => Self::encryption(value).map(Self::Decrypt),
        }
    }
}

impl fmt::Display for KeyAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_tell_the_use() {
        assert_eq!("RS256".parse::<KeyAlg>().unwrap().key_use(), "sig");
        for alg in ENCRYPTION_ALGS {
            let parsed: KeyAlg = alg.as_str().parse().unwrap();
            assert_eq!(parsed, KeyAlg::Decrypt(alg));
            assert_eq!(parsed.key_use(), "enc");
        }
        // Known to sigil-jose, not kept by realms.
        assert!("RSA-OAEP".parse::<KeyAlg>().is_err());
        assert!("RSA1_5".parse::<KeyAlg>().is_err());
        assert_eq!(
            KeyAlg::Decrypt(KeyManagement::EcdhEsA256Kw)
                .key_spec(2048)
                .unwrap(),
            KeySpec::P256
        );
    }
}
