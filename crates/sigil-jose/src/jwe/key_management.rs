//! Key management (RFC 7518 §4): how the Content Encryption Key travels.
//!
//! * RSA-OAEP and RSA-OAEP-256 (§4.3) encrypt the CEK to the recipient's RSA key.
//! * ECDH-ES (§4.6) agrees a secret with an ephemeral key (`epk`) and derives the CEK from it
//!   with the Concat KDF; the `+A128KW`/`+A256KW` variants derive a key that unwraps the CEK
//!   with AES Key Wrap (RFC 3394).
//!
//! **Invariant:** on the decrypting side, a secret-dependent failure of these steps never
//! returns early. An encrypted key that does not decrypt or unwrap, or yields a CEK of the
//! wrong length, is replaced by a random CEK and decryption goes on, so that it fails at the
//! authentication tag like any other forgery (RFC 7516 §11.5). Only what anybody can check
//! from the token itself — a missing or invalid `epk`, an encrypted key where none belongs —
//! is refused with its own error.

use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrap as _};
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPublicEncryptingKey,
    PublicEncryptingKey,
};
use zeroize::Zeroizing;

use super::header::Agreement;
use super::jwk::ec_params;
use super::keys::{DecryptionKey, Secret};
use super::{ContentEncryption, EncryptionJwk, KeyManagement, concat_kdf};
use crate::Error;
use crate::algorithm::KeyKind;
use crate::jwk::{PublicJwk, PublicKeyParams};

/// A secret byte string (a CEK or a key encryption key), zeroed when dropped.
pub(crate) type Cek = Zeroizing<Vec<u8>>;

/// Determines the CEK on the decrypting side (RFC 7516 §5.2 steps 6–10).
pub(crate) fn decrypt_cek(
    key: &DecryptionKey,
    alg: KeyManagement,
    enc: ContentEncryption,
    agreement: &Agreement,
    encrypted_key: &[u8],
    rng: &SystemRandom,
) -> Result<Cek, Error> {
    match key.secret() {
        Secret::Rsa(rsa) => {
            let mut out = Zeroizing::new(vec![0; rsa.min_output_size()]);
            let cek = rsa
                .decrypt(oaep(alg), encrypted_key, &mut out, None)
                .ok()
                .filter(|cek| cek.len() == enc.cek_len())
                .map(|cek| Zeroizing::new(cek.to_vec()));
            or_random(cek, enc, rng)
        }
        Secret::Ec(private) => {
            let peer = ephemeral_public_key(agreement, key.kind())?;
            match alg.key_wrap_len() {
                None => {
                    // §4.6: with direct key agreement the JWE Encrypted Key is empty.
                    if !encrypted_key.is_empty() {
                        return Err(Error::Malformed(
                            "ECDH-ES carries no encrypted key; the part must be empty".to_owned(),
                        ));
                    }
                    agree(private, &peer, enc.as_str(), agreement, enc.cek_len())
                }
                Some(kek_len) => {
                    let kek = agree(private, &peer, alg.as_str(), agreement, kek_len)?;
                    or_random(unwrap(&kek, encrypted_key, enc), enc, rng)
                }
            }
        }
    }
}

/// What the encrypting side sends: the CEK, the JWE Encrypted Key and, for ECDH-ES, the
/// ephemeral public key for the `epk` header.
pub(crate) struct Transport {
    pub(crate) cek: Cek,
    pub(crate) encrypted_key: Vec<u8>,
    pub(crate) epk: Option<PublicKeyParams>,
}

/// The values an encryption draws at random ([`Generated::fresh`]); the unit tests supply the
/// RFC examples' values instead.
pub(crate) struct Generated {
    /// The CEK, unless the key agreement determines it.
    pub(crate) cek: Cek,
    /// The Initialization Vector.
    pub(crate) iv: Vec<u8>,
    /// The ephemeral key, for ECDH-ES.
    pub(crate) ephemeral: Option<agreement::PrivateKey>,
}

impl Generated {
    /// Fresh random values for `alg`, `enc` and a recipient key of `kind`.
    pub(crate) fn fresh(
        alg: KeyManagement,
        enc: ContentEncryption,
        kind: KeyKind,
        rng: &SystemRandom,
    ) -> Result<Self, Error> {
        let mut cek = Zeroizing::new(vec![0; enc.cek_len()]);
        let mut iv = vec![0; enc.iv_len()];
        rng.fill(&mut cek).map_err(|_| Error::Encryption)?;
        rng.fill(&mut iv).map_err(|_| Error::Encryption)?;
        let ephemeral = if alg.is_key_agreement() {
            let key =
                agreement::PrivateKey::generate(curve(kind)).map_err(|_| Error::Encryption)?;
            Some(key)
        } else {
            None
        };
        Ok(Self { cek, iv, ephemeral })
    }
}

/// Determines the CEK and its transport on the encrypting side (RFC 7516 §5.1 steps 1–6).
/// `cek` is used unless direct key agreement determines the CEK.
pub(crate) fn encrypt_cek(
    recipient: &EncryptionJwk,
    alg: KeyManagement,
    enc: ContentEncryption,
    agreement: &Agreement,
    cek: Cek,
    ephemeral: Option<agreement::PrivateKey>,
) -> Result<Transport, Error> {
    recipient.check_admits(alg)?;
    let bytes = recipient.crypto_bytes()?;
    if let PublicKeyParams::Rsa { .. } = recipient.params {
        let rejected = |e: String| Error::InvalidKey(format!("RSA encryption key rejected: {e}"));
        let key = PublicEncryptingKey::from_der(&bytes).map_err(|e| rejected(e.to_string()))?;
        let key = OaepPublicEncryptingKey::new(key).map_err(|e| rejected(e.to_string()))?;
        let mut out = vec![0; key.ciphertext_size()];
        let encrypted_key = key
            .encrypt(oaep(alg), &cek, &mut out, None)
            .map_err(|_| Error::Encryption)?
            .to_vec();
        return Ok(Transport {
            cek,
            encrypted_key,
            epk: None,
        });
    }
    let ephemeral = ephemeral.ok_or(Error::Encryption)?;
    let epk = ephemeral
        .compute_public_key()
        .map_err(|_| Error::Encryption)
        .and_then(|point| ec_params(point.as_ref()))?;
    let peer = Peer {
        curve: curve(recipient.params.kind()),
        point: bytes,
    };
    let (cek, encrypted_key) = match alg.key_wrap_len() {
        None => (
            agree(&ephemeral, &peer, enc.as_str(), agreement, enc.cek_len())?,
            Vec::new(),
        ),
        Some(kek_len) => {
            let kek = agree(&ephemeral, &peer, alg.as_str(), agreement, kek_len)?;
            let wrapped = wrap(&kek, &cek)?;
            (cek, wrapped)
        }
    };
    Ok(Transport {
        cek,
        encrypted_key,
        epk: Some(epk),
    })
}

/// A peer's public point and its curve.
struct Peer {
    curve: &'static agreement::Algorithm,
    point: Vec<u8>,
}

/// Reads and checks `epk` (RFC 7518 §4.6.1.1): a public EC JWK on the recipient key's curve
/// whose point lies on that curve (an off-curve point is the invalid-curve attack). aws-lc-rs
/// checks the point again when it agrees.
fn ephemeral_public_key(agreement: &Agreement, kind: KeyKind) -> Result<Peer, Error> {
    let epk = agreement
        .epk
        .as_ref()
        .ok_or_else(|| Error::InvalidEphemeralKey("ECDH-ES needs an \"epk\"".to_owned()))?;
    let jwk = PublicJwk::from_value(epk).map_err(|e| Error::InvalidEphemeralKey(e.to_string()))?;
    if jwk.params.kind() != kind {
        return Err(Error::InvalidEphemeralKey(format!(
            "epk is a {:?} key; the recipient key is {kind:?}",
            jwk.params.kind()
        )));
    }
    let point = jwk
        .params
        .to_crypto_bytes()
        .map_err(|e| Error::InvalidEphemeralKey(e.to_string()))?;
    Ok(Peer {
        curve: curve(kind),
        point,
    })
}

fn curve(kind: KeyKind) -> &'static agreement::Algorithm {
    match kind {
        KeyKind::P384 => &agreement::ECDH_P384,
        _ => &agreement::ECDH_P256,
    }
}

/// ECDH, then the Concat KDF over the shared secret (RFC 7518 §4.6.2).
fn agree(
    private: &agreement::PrivateKey,
    peer: &Peer,
    algorithm_id: &str,
    agreement: &Agreement,
    key_len: usize,
) -> Result<Cek, Error> {
    agreement::agree(
        private,
        UnparsedPublicKey::new(peer.curve, &peer.point),
        Error::InvalidEphemeralKey("the point is not on the recipient key's curve".to_owned()),
        |z| {
            Ok(concat_kdf::derive(
                z,
                algorithm_id,
                &agreement.apu,
                &agreement.apv,
                key_len,
            ))
        },
    )
}

/// AES Key Wrap (RFC 3394 §2.2.1) of `cek` under `kek`.
fn wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, Error> {
    let kek = aes_kek(kek).ok_or(Error::Encryption)?;
    let mut out = vec![0; cek.len() + 8];
    let len = kek
        .wrap(cek, &mut out)
        .map_err(|_| Error::Encryption)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// AES Key Unwrap (RFC 3394 §2.2.2, with its integrity check); `None` for any failure and for
/// a CEK of the wrong length.
fn unwrap(kek: &[u8], wrapped: &[u8], enc: ContentEncryption) -> Option<Cek> {
    if wrapped.len() != enc.cek_len() + 8 {
        return None;
    }
    let kek = aes_kek(kek)?;
    let mut out = Zeroizing::new(vec![0; enc.cek_len()]);
    let len = kek.unwrap(wrapped, &mut out).ok()?.len();
    (len == enc.cek_len()).then_some(out)
}

fn aes_kek(kek: &[u8]) -> Option<AesKek> {
    let cipher = match kek.len() {
        16 => &AES_128,
        32 => &AES_256,
        _ => return None,
    };
    AesKek::new(cipher, kek).ok()
}

/// The CEK if there is one; otherwise a random one of the right length, so that decryption
/// proceeds and fails at the tag (RFC 7516 §11.5).
fn or_random(cek: Option<Cek>, enc: ContentEncryption, rng: &SystemRandom) -> Result<Cek, Error> {
    if let Some(cek) = cek {
        return Ok(cek);
    }
    let mut random = Zeroizing::new(vec![0; enc.cek_len()]);
    rng.fill(&mut random).map_err(|_| Error::DecryptionFailed)?;
    Ok(random)
}

fn oaep(alg: KeyManagement) -> &'static OaepAlgorithm {
    match alg {
        KeyManagement::RsaOaep => &OAEP_SHA1_MGF1SHA1,
        _ => &OAEP_SHA256_MGF1SHA256,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! The RFC examples' fixed inputs, for byte-for-byte reproduction.

    use super::*;

    /// An ECDH private key from its scalar (an RFC example's ephemeral key).
    pub(crate) fn ec_private(kind: KeyKind, d: &[u8]) -> agreement::PrivateKey {
        #[allow(clippy::unwrap_used)]
        agreement::PrivateKey::from_private_key(curve(kind), d).unwrap()
    }

    /// AES Key Wrap, for the RFC 7516 A.3 and RFC 7520 §5.9 examples.
    pub(crate) fn aes_key_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, Error> {
        wrap(kek, cek)
    }

    /// AES Key Unwrap.
    pub(crate) fn aes_key_unwrap(
        kek: &[u8],
        wrapped: &[u8],
        enc: ContentEncryption,
    ) -> Option<Cek> {
        unwrap(kek, wrapped, enc)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The second line of defence: with the JWK parser's on-curve check bypassed, aws-lc-rs
    /// still refuses points that are not on the key's curve before it multiplies anything.
    #[test]
    fn aws_lc_rs_refuses_off_curve_points_by_itself() {
        let private = agreement::PrivateKey::generate(&agreement::ECDH_P256).unwrap();
        let good = private.compute_public_key().unwrap().as_ref().to_vec();
        let other_curve = agreement::PrivateKey::generate(&agreement::ECDH_P384)
            .unwrap()
            .compute_public_key()
            .unwrap()
            .as_ref()
            .to_vec();
        let mut off_curve = good.clone();
        *off_curve.last_mut().unwrap() ^= 1;
        let mut zero = vec![0x04];
        zero.extend([0u8; 64]);
        let agree_with = |point: Vec<u8>| {
            let peer = Peer {
                curve: &agreement::ECDH_P256,
                point,
            };
            agree(&private, &peer, "A128GCM", &Agreement::default(), 16)
        };
        assert!(agree_with(good).is_ok());
        for point in [off_curve, zero, vec![0x00], other_curve] {
            assert!(matches!(
                agree_with(point),
                Err(Error::InvalidEphemeralKey(_))
            ));
        }
    }
}
