//! JWE algorithm identifiers (RFC 7518 §4.1 `alg`, §5.1 `enc`) that Sigil implements, and the
//! ones it knows and refuses.
//!
//! As with [`crate::Algorithm`], a name that is not a variant here cannot be reached by
//! configuration: a policy lists enum values, not strings.

use std::fmt;
use std::str::FromStr;

use crate::Error;
use crate::algorithm::KeyKind;

/// A key management algorithm (`alg`, RFC 7518 §4.1) Sigil decrypts and encrypts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyManagement {
    /// `RSA-OAEP`: RSAES-OAEP with SHA-1 and MGF1 with SHA-1 (RFC 7518 §4.3). SHA-1 here is
    /// a mask generator, not a signature hash: OAEP's security does not rest on collision
    /// resistance. Kept because it is the registered default many clients use.
    RsaOaep,
    /// `RSA-OAEP-256`: RSAES-OAEP with SHA-256 and MGF1 with SHA-256 (RFC 7518 §4.3).
    RsaOaep256,
    /// `ECDH-ES`: ephemeral-static ECDH, the Concat KDF output is the CEK (RFC 7518 §4.6).
    EcdhEs,
    /// `ECDH-ES+A128KW`: the Concat KDF output wraps the CEK with AES-128 Key Wrap.
    EcdhEsA128Kw,
    /// `ECDH-ES+A256KW`: the Concat KDF output wraps the CEK with AES-256 Key Wrap.
    EcdhEsA256Kw,
}

impl KeyManagement {
    /// Every supported key management algorithm, in a stable order (for discovery).
    pub const ALL: [KeyManagement; 5] = [
        Self::RsaOaep,
        Self::RsaOaep256,
        Self::EcdhEs,
        Self::EcdhEsA128Kw,
        Self::EcdhEsA256Kw,
    ];

    /// The `alg` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaOaep => "RSA-OAEP",
            Self::RsaOaep256 => "RSA-OAEP-256",
            Self::EcdhEs => "ECDH-ES",
            Self::EcdhEsA128Kw => "ECDH-ES+A128KW",
            Self::EcdhEsA256Kw => "ECDH-ES+A256KW",
        }
    }

    /// Whether a key of `kind` can serve this algorithm: RSA for RSA-OAEP, P-256 or P-384
    /// for ECDH-ES (RFC 7518 §4.6 allows any of the EC curves; Sigil parses these two).
    pub const fn accepts(self, kind: KeyKind) -> bool {
        match self {
            Self::RsaOaep | Self::RsaOaep256 => matches!(kind, KeyKind::Rsa),
            Self::EcdhEs | Self::EcdhEsA128Kw | Self::EcdhEsA256Kw => {
                matches!(kind, KeyKind::P256 | KeyKind::P384)
            }
        }
    }

    /// Whether this is an ECDH-ES variant (which sends `epk` and uses `apu`/`apv`).
    pub const fn is_key_agreement(self) -> bool {
        matches!(self, Self::EcdhEs | Self::EcdhEsA128Kw | Self::EcdhEsA256Kw)
    }

    /// The AES Key Wrap key length for the `+AxxxKW` variants (RFC 7518 §4.6.2), `None`
    /// for direct key agreement and RSA.
    pub(crate) const fn key_wrap_len(self) -> Option<usize> {
        match self {
            Self::EcdhEsA128Kw => Some(16),
            Self::EcdhEsA256Kw => Some(32),
            _ => None,
        }
    }
}

/// A content encryption algorithm (`enc`, RFC 7518 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentEncryption {
    /// `A128CBC-HS256`: AES-128-CBC with HMAC-SHA-256, 128-bit tag (RFC 7518 §5.2.3).
    A128CbcHs256,
    /// `A192CBC-HS384`: AES-192-CBC with HMAC-SHA-384, 192-bit tag (RFC 7518 §5.2.4).
    A192CbcHs384,
    /// `A256CBC-HS512`: AES-256-CBC with HMAC-SHA-512, 256-bit tag (RFC 7518 §5.2.5).
    A256CbcHs512,
    /// `A128GCM`: AES-128-GCM (RFC 7518 §5.3).
    A128Gcm,
    /// `A192GCM`: AES-192-GCM (RFC 7518 §5.3).
    A192Gcm,
    /// `A256GCM`: AES-256-GCM (RFC 7518 §5.3).
    A256Gcm,
}

impl ContentEncryption {
    /// Every supported content encryption algorithm, in a stable order (for discovery).
    pub const ALL: [ContentEncryption; 6] = [
        Self::A128CbcHs256,
        Self::A192CbcHs384,
        Self::A256CbcHs512,
        Self::A128Gcm,
        Self::A192Gcm,
        Self::A256Gcm,
    ];

    /// The `enc` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::A128CbcHs256 => "A128CBC-HS256",
            Self::A192CbcHs384 => "A192CBC-HS384",
            Self::A256CbcHs512 => "A256CBC-HS512",
            Self::A128Gcm => "A128GCM",
            Self::A192Gcm => "A192GCM",
            Self::A256Gcm => "A256GCM",
        }
    }

    /// The length of the Content Encryption Key in bytes: for CBC-HMAC the MAC key and the
    /// encryption key together (RFC 7518 §5.2.2.1).
    pub const fn cek_len(self) -> usize {
        match self {
            Self::A128CbcHs256 => 32,
            Self::A192CbcHs384 => 48,
            Self::A256CbcHs512 => 64,
            Self::A128Gcm => 16,
            Self::A192Gcm => 24,
            Self::A256Gcm => 32,
        }
    }

    /// The Initialization Vector length in bytes: 128 bits for CBC (RFC 7518 §5.2.2.1),
    /// 96 bits for GCM (§5.3).
    pub const fn iv_len(self) -> usize {
        match self {
            Self::A128CbcHs256 | Self::A192CbcHs384 | Self::A256CbcHs512 => 16,
            Self::A128Gcm | Self::A192Gcm | Self::A256Gcm => 12,
        }
    }

    /// The Authentication Tag length in bytes: half the HMAC output for CBC-HMAC
    /// (RFC 7518 §5.2.2.1 `T_LEN`), 128 bits for GCM (§5.3).
    pub const fn tag_len(self) -> usize {
        match self {
            Self::A128CbcHs256 => 16,
            Self::A192CbcHs384 => 24,
            Self::A256CbcHs512 => 32,
            Self::A128Gcm | Self::A192Gcm | Self::A256Gcm => 16,
        }
    }
}

/// Key management algorithms that are registered but that Sigil refuses by design, each with
/// the reason (the error says it, so an operator sees a decision rather than a gap).
const REFUSED: &[(&str, &str)] = &[
    (
        "RSA1_5",
        "RSAES-PKCS1-v1_5 key encryption is open to Bleichenbacher's padding oracle",
    ),
    (
        "dir",
        "direct use of a shared symmetric key; Sigil holds no shared content keys",
    ),
    (
        "A128KW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "A192KW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "A256KW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "A128GCMKW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "A192GCMKW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "A256GCMKW",
        "symmetric key wrapping; Sigil holds no shared key encryption keys",
    ),
    (
        "PBES2-HS256+A128KW",
        "password-based encryption (and its attacker-chosen iteration count)",
    ),
    (
        "PBES2-HS384+A192KW",
        "password-based encryption (and its attacker-chosen iteration count)",
    ),
    (
        "PBES2-HS512+A256KW",
        "password-based encryption (and its attacker-chosen iteration count)",
    ),
];

impl fmt::Display for KeyManagement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ContentEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyManagement {
    type Err = Error;

    /// Parses an `alg` value: a supported one, [`Error::RefusedAlgorithm`] for the ones
    /// refused by design, [`Error::UnsupportedAlgorithm`] for anything else.
    fn from_str(s: &str) -> Result<Self, Error> {
        if let Some(alg) = Self::ALL.into_iter().find(|alg| alg.as_str() == s) {
            return Ok(alg);
        }
        match REFUSED.iter().find(|(name, _)| *name == s) {
            Some((name, reason)) => Err(Error::RefusedAlgorithm {
                alg: (*name).to_owned(),
                reason,
            }),
            None => Err(Error::UnsupportedAlgorithm(s.to_owned())),
        }
    }
}

impl FromStr for ContentEncryption {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|enc| enc.as_str() == s)
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in KeyManagement::ALL {
            assert_eq!(alg.as_str().parse::<KeyManagement>().ok(), Some(alg));
        }
        for enc in ContentEncryption::ALL {
            assert_eq!(enc.as_str().parse::<ContentEncryption>().ok(), Some(enc));
            // RFC 7518 §5.2.2.1: the CBC-HMAC key is two keys of the tag's length.
            if enc.iv_len() == 16 {
                assert_eq!(enc.cek_len(), 2 * enc.tag_len());
            }
        }
    }

    #[test]
    fn refused_and_unknown_names_are_told_apart() {
        for name in ["RSA1_5", "dir", "A128KW", "PBES2-HS512+A256KW", "A256GCMKW"] {
            assert!(
                matches!(
                    name.parse::<KeyManagement>(),
                    Err(Error::RefusedAlgorithm { .. })
                ),
                "{name}"
            );
        }
        for name in ["none", "rsa-oaep", "ECDH-ES+A192KW", "RSA-OAEP-384", ""] {
            assert!(
                matches!(
                    name.parse::<KeyManagement>(),
                    Err(Error::UnsupportedAlgorithm(_))
                ),
                "{name}"
            );
        }
        for name in ["A128CBC", "a256gcm", "A256CBC-HS256", ""] {
            assert!(name.parse::<ContentEncryption>().is_err(), "{name}");
        }
    }
}
