//! Secrets at rest: AES-256-GCM under the master key.
//!
//! A sealed value is `0x01 || nonce (12) || ciphertext || tag (16)`. The associated data names
//! what the value is and where it belongs (`key:<realm>:<kid>`), so a sealed blob copied to
//! another row does not open.

use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::ServerError;

const VERSION: u8 = 1;
const KEY_LEN: usize = 32;
/// The metadata key under which a check value of the master key is stored.
pub const CHECK_META_KEY: &str = "master_key_check";

/// The master key. `Debug` never shows it.
pub struct MasterKey {
    key: LessSafeKey,
    /// HMAC-SHA256 under the master key, for secrets derived from it ([`Self::derive`]).
    mac: aws_lc_rs::hmac::Key,
    check: String,
    rng: SystemRandom,
}

impl MasterKey {
    /// A master key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ServerError> {
        if bytes.len() != KEY_LEN {
            return Err(ServerError::Config(format!(
                "the master key must be {KEY_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| ServerError::Config("unusable master key".to_owned()))?;
        let mac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, bytes);
        let tag = aws_lc_rs::hmac::sign(&mac_key, b"sigil master key check v1");
        Ok(Self {
            key: LessSafeKey::new(unbound),
            mac: mac_key.clone(),
            check: sigil_jose::base64url::encode(&tag.as_ref()[..16]),
            rng: SystemRandom::new(),
        })
    }

    /// A 256-bit secret for `context` (e.g. `pairwise-salt:<realm>`), the same for every
    /// node and every start with this master key, unrelated to any other context's: HMAC-SHA256
    /// of a domain-separated label. Nothing to store, so nothing for nodes to race on.
    pub fn derive(&self, context: &str) -> Zeroizing<[u8; 32]> {
        let mut label = Vec::with_capacity(context.len() + 16);
        label.extend_from_slice(b"sigil derive v1\0");
        label.extend_from_slice(context.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&self.mac, &label);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// A master key from its base64 or base64url text (as in `SIGIL_MASTER_KEY`).
    pub fn from_text(text: &str) -> Result<Self, ServerError> {
        let text = text.trim();
        let bytes = sigil_jose::base64url::decode(text.trim_end_matches('='))
            .or_else(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
            .ok_or_else(|| {
                ServerError::Config("the master key is not base64 or base64url".to_owned())
            })?;
        Self::from_bytes(&Zeroizing::new(bytes))
    }

    /// Reads the master key from a file holding its base64 text.
    pub fn from_file(path: &Path) -> Result<Self, ServerError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            ServerError::Config(format!(
                "cannot read master key file {}: {e}",
                path.display()
            ))
        })?);
        Self::from_text(&text)
    }

    /// Reads the master key at `path`, or creates one there (mode 0600) if there is none.
    /// Dev mode only; returns whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), ServerError> {
        if path.exists() {
            return Ok((Self::from_file(path)?, false));
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| ServerError::Config("no randomness for a master key".to_owned()))?;
        let text = Zeroizing::new(sigil_jose::base64url::encode(bytes.as_ref()));
        write_private_file(path, text.as_bytes())?;
        Ok((Self::from_bytes(bytes.as_ref())?, true))
    }

    /// A value that identifies this key without revealing it (a truncated HMAC).
    pub fn check_value(&self) -> &str {
        &self.check
    }

    /// Encrypts `plaintext`, bound to `context`.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, ServerError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| ServerError::Crypto("no randomness for a nonce".to_owned()))?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| ServerError::Crypto("sealing failed".to_owned()))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&in_out);
        in_out.iter_mut().for_each(|b| *b = 0);
        Ok(sealed)
    }

    /// Decrypts a value sealed for `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, ServerError> {
        let failed = || {
            ServerError::Crypto(format!(
                "cannot unseal {context}: wrong master key or tampered data"
            ))
        };
        let (&version, rest) = sealed.split_first().ok_or_else(failed)?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return Err(failed());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| failed())?;
        let mut in_out = Zeroizing::new(ciphertext.to_vec());
        let plain_len = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| failed())?
            .len();
        in_out.truncate(plain_len);
        Ok(in_out)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// Writes a file readable by its owner only.
pub fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), ServerError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| ServerError::Config(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents)
        .map_err(|e| ServerError::Config(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_with_the_same_key_and_context() {
        let key = MasterKey::from_bytes(&[7; 32]).unwrap();
        let sealed = key.seal("key:acme:k1", b"secret").unwrap();
        assert_eq!(
            key.open("key:acme:k1", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert!(
            key.open("key:acme:k2", &sealed).is_err(),
            "context is bound"
        );
        let other = MasterKey::from_bytes(&[8; 32]).unwrap();
        assert!(other.open("key:acme:k1", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open("key:acme:k1", &tampered).is_err());
        assert_ne!(key.check_value(), other.check_value());
        assert!(MasterKey::from_bytes(&[1; 16]).is_err());
        assert_eq!(format!("{key:?}"), "MasterKey([redacted])");
    }

    #[test]
    fn derived_secrets_are_stable_per_context_and_key() {
        let key = MasterKey::from_bytes(&[7; 32]).unwrap();
        let again = MasterKey::from_bytes(&[7; 32]).unwrap();
        let other = MasterKey::from_bytes(&[8; 32]).unwrap();
        let a = key.derive("pairwise-salt:acme");
        assert_eq!(*a, *again.derive("pairwise-salt:acme"));
        assert_ne!(*a, *key.derive("pairwise-salt:acmf"));
        assert_ne!(*a, *other.derive("pairwise-salt:acme"));
        assert_ne!(a.as_slice(), key.check_value().as_bytes());
    }
}
