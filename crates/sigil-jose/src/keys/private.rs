//! Private keys: generation (RSA, P-256, P-384, Ed25519), DER import and PKCS#8 export.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair as _, RsaKeyPair,
};
use zeroize::Zeroizing;

use crate::algorithm::KeyKind;
use crate::jwk::{MIN_RSA_BITS, PublicJwk, PublicKeyParams, bit_len};
use crate::{Algorithm, Error};

/// What kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA with a modulus of 2048, 3072 or 4096 bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// ECDSA on P-256 (ES256).
    P256,
    /// ECDSA on P-384 (ES384).
    P384,
    /// Ed25519 (EdDSA).
    Ed25519,
}

impl KeySpec {
    /// The RSA size used when none is given (seed 002: "defaults to 3072 bits").
    pub const DEFAULT_RSA_BITS: usize = 3072;

    /// The key to generate for `alg`; `rsa_bits` applies to RSA algorithms only.
    pub fn for_algorithm(alg: Algorithm, rsa_bits: Option<usize>) -> Result<Self, Error> {
        match (alg.key_kind(), rsa_bits) {
            (KeyKind::Rsa, bits) => Ok(Self::Rsa {
                bits: bits.unwrap_or(Self::DEFAULT_RSA_BITS),
            }),
            (_, Some(_)) => Err(Error::UnsupportedKey(format!(
                "a key size applies to RSA algorithms only, not {alg}"
            ))),
            (KeyKind::P256, None) => Ok(Self::P256),
            (KeyKind::P384, None) => Ok(Self::P384),
            (KeyKind::Ed25519, None) => Ok(Self::Ed25519),
        }
    }
}

/// A parsed private key of one of the supported kinds. `Debug` never shows key material.
pub struct PrivateKey(Inner);

pub(super) enum Inner {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl PrivateKey {
    /// Generates a fresh key. RSA sizes other than 2048, 3072 and 4096 are refused.
    ///
    /// RSA generation takes tens to hundreds of milliseconds: keep it off request paths.
    pub fn generate(spec: KeySpec) -> Result<Self, Error> {
        let failed = |_| Error::InvalidKey("key generation failed".to_owned());
        let inner = match spec {
            KeySpec::Rsa { bits } => {
                let size = match bits {
                    2048 => KeySize::Rsa2048,
                    3072 => KeySize::Rsa3072,
                    4096 => KeySize::Rsa4096,
                    _ if bits < MIN_RSA_BITS => {
                        return Err(Error::KeyTooSmall {
                            bits,
                            min: MIN_RSA_BITS,
                        });
                    }
                    _ => {
                        return Err(Error::UnsupportedKey(format!(
                            "RSA keys of {bits} bits can't be generated; choose 2048, 3072 or 4096"
                        )));
                    }
                };
                Inner::Rsa(RsaKeyPair::generate(size).map_err(failed)?)
            }
            KeySpec::P256 => Inner::P256(
                EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(failed)?,
            ),
            KeySpec::P384 => Inner::P384(
                EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).map_err(failed)?,
            ),
            KeySpec::Ed25519 => Inner::Ed25519(Ed25519KeyPair::generate().map_err(failed)?),
        };
        Ok(Self(inner))
    }

    /// Parses an RSA key from PKCS#1 `RSAPrivateKey` DER.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        check_rsa_size(der)?;
        let key = RsaKeyPair::from_der(der).map_err(|e| rejected("RSA", e))?;
        Self::checked(Inner::Rsa(key))
    }

    /// Parses an EC key from SEC1 `ECPrivateKey` DER on the given curve.
    pub fn from_sec1_der(der: &[u8], kind: KeyKind) -> Result<Self, Error> {
        let inner = match kind {
            KeyKind::P256 => Inner::P256(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(|e| rejected("P-256", e))?,
            ),
            KeyKind::P384 => Inner::P384(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P384_SHA384_FIXED_SIGNING, der)
                    .map_err(|e| rejected("P-384", e))?,
            ),
            other => {
                return Err(Error::UnsupportedKey(format!(
                    "{other:?} is not an EC curve"
                )));
            }
        };
        Ok(Self(inner))
    }

    /// Parses a PKCS#8 `PrivateKeyInfo` whose algorithm has already been identified.
    pub(crate) fn from_pkcs8_der(der: &[u8], kind: KeyKind) -> Result<Self, Error> {
        let inner = match kind {
            KeyKind::Rsa => {
                if let Ok(info) = pkcs8::PrivateKeyInfoRef::try_from(der) {
                    check_rsa_size(info.private_key.as_bytes())?;
                }
                Inner::Rsa(RsaKeyPair::from_pkcs8(der).map_err(|e| rejected("RSA", e))?)
            }
            KeyKind::P256 => Inner::P256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(|e| rejected("P-256", e))?,
            ),
            KeyKind::P384 => Inner::P384(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der)
                    .map_err(|e| rejected("P-384", e))?,
            ),
            KeyKind::Ed25519 => Inner::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|e| rejected("Ed25519", e))?,
            ),
        };
        Self::checked(inner)
    }

    /// Builds an Ed25519 key from its 32-byte seed (RFC 8037 `d`).
    pub fn from_ed25519_seed(seed: &[u8]) -> Result<Self, Error> {
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(|k| Self(Inner::Ed25519(k)))
            .map_err(|e| rejected("Ed25519", e))
    }

    /// Builds an EC key from its private scalar and public point (RFC 7518 §6.2.2 `d`, `x`, `y`).
    pub fn from_ec_components(kind: KeyKind, d: &[u8], x: &[u8], y: &[u8]) -> Result<Self, Error> {
        let mut point = vec![0x04];
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        let (alg, wrap): (_, fn(EcdsaKeyPair) -> Inner) = match kind {
            KeyKind::P256 => (&ECDSA_P256_SHA256_FIXED_SIGNING, Inner::P256),
            KeyKind::P384 => (&ECDSA_P384_SHA384_FIXED_SIGNING, Inner::P384),
            other => {
                return Err(Error::UnsupportedKey(format!(
                    "{other:?} is not an EC curve"
                )));
            }
        };
        EcdsaKeyPair::from_private_key_and_public_key(alg, d, &point)
            .map(|k| Self(wrap(k)))
            .map_err(|e| rejected("EC", e))
    }

    /// Builds an RSA key from its components (RFC 7518 §6.3.2), all big-endian.
    #[allow(clippy::too_many_arguments, clippy::many_single_char_names)]
    pub fn from_rsa_components(
        n: &[u8],
        e: &[u8],
        d: &[u8],
        p: &[u8],
        q: &[u8],
        dp: &[u8],
        dq: &[u8],
        qi: &[u8],
    ) -> Result<Self, Error> {
        let components = aws_lc_rs::rsa::KeyPairComponents {
            public_key: aws_lc_rs::rsa::PublicKeyComponents { n, e },
            d,
            p,
            q,
            dP: dp,
            dQ: dq,
            qInv: qi,
        };
        let key = RsaKeyPair::from_components(&components).map_err(|e| rejected("RSA", e))?;
        Self::checked(Inner::Rsa(key))
    }

    fn checked(inner: Inner) -> Result<Self, Error> {
        let key = Self(inner);
        if let Some(bits) = key.rsa_bits()
            && bits < MIN_RSA_BITS
        {
            return Err(Error::KeyTooSmall {
                bits,
                min: MIN_RSA_BITS,
            });
        }
        Ok(key)
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match &self.0 {
            Inner::Rsa(_) => KeyKind::Rsa,
            Inner::P256(_) => KeyKind::P256,
            Inner::P384(_) => KeyKind::P384,
            Inner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The RSA modulus size in bits, for RSA keys.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.0 {
            Inner::Rsa(k) => Some(bit_len(
                k.public_key().modulus().big_endian_without_leading_zero(),
            )),
            _ => None,
        }
    }

    /// The public parameters of this key.
    pub fn public_params(&self) -> PublicKeyParams {
        match &self.0 {
            Inner::Rsa(k) => PublicKeyParams::Rsa {
                n: k.public_key()
                    .modulus()
                    .big_endian_without_leading_zero()
                    .to_vec(),
                e: k.public_key()
                    .exponent()
                    .big_endian_without_leading_zero()
                    .to_vec(),
            },
            Inner::P256(k) => {
                let (x, y) = split_point(k.public_key().as_ref());
                PublicKeyParams::P256 { x, y }
            }
            Inner::P384(k) => {
                let (x, y) = split_point(k.public_key().as_ref());
                PublicKeyParams::P384 { x, y }
            }
            Inner::Ed25519(k) => PublicKeyParams::Ed25519 {
                x: k.public_key().as_ref().to_vec(),
            },
        }
    }

    /// The public JWK of this key, without `kid`, `use` or `alg`.
    pub fn public_jwk(&self) -> PublicJwk {
        PublicJwk::new(self.public_params())
    }

    /// The private key as PKCS#8 v1 DER, zeroed when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let failed = |_| Error::InvalidKey("PKCS#8 export failed".to_owned());
        let der = match &self.0 {
            Inner::Rsa(k) => {
                AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(k).map(|d| d.as_ref().to_vec())
            }
            Inner::P256(k) | Inner::P384(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Inner::Ed25519(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
        }
        .map_err(failed)?;
        Ok(Zeroizing::new(der))
    }

    /// The public key as X.509 SubjectPublicKeyInfo DER.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, Error> {
        let spki: Result<PublicKeyX509Der<'static>, _> = match &self.0 {
            Inner::Rsa(k) => k.public_key().as_der(),
            Inner::P256(k) | Inner::P384(k) => k.public_key().as_der(),
            Inner::Ed25519(k) => k.public_key().as_der(),
        };
        spki.map(|d| d.as_ref().to_vec())
            .map_err(|_| Error::InvalidKey("public key export failed".to_owned()))
    }

    pub(super) fn inner(&self) -> &Inner {
        &self.0
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, [redacted])", self.kind())
    }
}

fn split_point(point: &[u8]) -> (Vec<u8>, Vec<u8>) {
    // An uncompressed SEC1 point: 0x04 || x || y, coordinates of equal length.
    let coords = point.get(1..).unwrap_or_default();
    let (x, y) = coords.split_at(coords.len() / 2);
    (x.to_vec(), y.to_vec())
}

/// Refuses a PKCS#1 RSA key below the minimum with the size named, before aws-lc-rs refuses
/// it with a bare "TooSmall".
fn check_rsa_size(pkcs1: &[u8]) -> Result<(), Error> {
    let Ok(key) = pkcs1::RsaPrivateKey::<spki::der::asn1::UintRef<'_>>::try_from(pkcs1) else {
        return Ok(()); // malformed: aws-lc-rs will say so
    };
    let bits = bit_len(key.modulus.as_bytes());
    if bits < MIN_RSA_BITS {
        return Err(Error::KeyTooSmall {
            bits,
            min: MIN_RSA_BITS,
        });
    }
    Ok(())
}

fn rejected(what: &str, e: aws_lc_rs::error::KeyRejected) -> Error {
    Error::InvalidKey(format!("{what} private key rejected: {e}"))
}
