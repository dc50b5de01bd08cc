//! The realm's decryption keys in memory (`use: enc`): every published one — next, current
//! and previous — decrypts, because a client may encrypt to any key the JWKS lists (RFC 7517
//! §5 leaves the choice to it), and one that cached the JWKS before a rotation still uses the
//! key it saw.
//!
//! Each key carries the moment it stops being published, and [`Keyring::decrypt`] takes
//! `now`: a key past its retention stops decrypting at once, not at the next rebuild of the
//! realm's keys (which the refresh makes within one interval).

use sigil_jose::Error;
use sigil_jose::jwe::{
    self, Decrypted, DecryptionKey, DecryptionKeys, EncryptionJwk, JweHeader, JwePolicy,
    KeyManagement,
};

/// One decryption key and its publication window.
#[derive(Debug)]
struct Entry {
    /// The key alone, as a set (`decrypt_compact` takes a set).
    key: DecryptionKeys,
    kid: String,
    alg: KeyManagement,
    /// Unpublished from (retired, or superseded and past retention); `None` while current.
    remove_at: Option<i64>,
}

/// The decryption keys of one realm, newest first.
#[derive(Debug, Default)]
pub struct Keyring {
    entries: Vec<Entry>,
}

impl Keyring {
    /// Adds a published key that is removed at `remove_at`. Keys are tried newest first:
    /// add them in that order.
    pub fn push(&mut self, key: DecryptionKey, remove_at: Option<i64>) {
        let kid = key.kid().as_str().to_owned();
        let alg = key.alg();
        self.entries.push(Entry {
            key: DecryptionKeys::from(key),
            kid,
            alg,
            remove_at,
        });
    }

    /// Whether the realm holds no decryption key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key management algorithms of the published keys, in a stable order.
    pub fn algs(&self) -> Vec<KeyManagement> {
        let mut algs: Vec<KeyManagement> = self.entries.iter().map(|e| e.alg).collect();
        algs.sort();
        algs.dedup();
        algs
    }

    /// The public JWKs, for the JWKS.
    pub fn public_jwks(&self) -> impl Iterator<Item = &EncryptionJwk> {
        self.entries.iter().flat_map(|e| e.key.public_jwks())
    }

    /// Decrypts a compact JWE under `policy` with the key its `kid` names, or without a
    /// `kid` with each key of its `alg` in turn, among the keys still published at `now`.
    /// A failure to decrypt is [`Error::DecryptionFailed`] whichever key was tried.
    pub fn decrypt(&self, compact: &str, policy: &JwePolicy, now: i64) -> Result<Decrypted, Error> {
        let header = peek_header(compact, policy)?;
        let live = self
            .entries
            .iter()
            .filter(|e| e.remove_at.is_none_or(|at| at > now));
        let candidates: Vec<&Entry> = match header.kid.as_deref() {
            Some(kid) => live.filter(|e| e.kid == kid).collect(),
            None => live.filter(|e| e.alg == header.alg).collect(),
        };
        if candidates.is_empty() {
            return Err(Error::NoDecryptionKey {
                kid: header.kid,
                alg: header.alg,
            });
        }
        for entry in candidates {
            match jwe::decrypt_compact(compact, &entry.key, policy) {
                Err(Error::DecryptionFailed) => continue,
                other => return other,
            }
        }
        Err(Error::DecryptionFailed)
    }
}

/// The protected header, to choose the keys; `decrypt_compact` checks everything again.
/// Only the size limit and the first part are looked at.
fn peek_header(compact: &str, policy: &JwePolicy) -> Result<JweHeader, Error> {
    if compact.len() > policy.max_input_len() {
        return Err(Error::TooLarge {
            len: compact.len(),
            max: policy.max_input_len(),
        });
    }
    let first = compact.split('.').next().unwrap_or_default();
    let json = sigil_jose::base64url::decode(first)
        .ok_or_else(|| Error::Malformed("JWE header is not unpadded base64url".to_owned()))?;
    JweHeader::from_json(&json)
}

#[cfg(test)]
mod tests {
    use sigil_jose::jwe::{ContentEncryption, EncryptOptions, encrypt_compact};

    use super::*;

    fn policy() -> JwePolicy {
        JwePolicy::new(
            &[KeyManagement::EcdhEsA256Kw],
            &[ContentEncryption::A256Gcm],
        )
    }

    fn encrypt(to: &EncryptionJwk, with_kid: bool) -> String {
        let mut to = to.clone();
        if !with_kid {
            to.kid = None;
        }
        encrypt_compact(
            b"x.y.z",
            &to,
            KeyManagement::EcdhEsA256Kw,
            ContentEncryption::A256Gcm,
            &EncryptOptions::nested_jwt(),
        )
        .unwrap()
    }

    #[test]
    fn a_key_decrypts_until_its_removal_with_or_without_kid() {
        let old = DecryptionKey::generate_ecdh_es_p256().unwrap();
        let new = DecryptionKey::generate_ecdh_es_p256().unwrap();
        let (old_jwk, new_jwk) = (old.public_jwk().clone(), new.public_jwk().clone());
        let mut ring = Keyring::default();
        ring.push(new, None);
        ring.push(old, Some(1000));
        for with_kid in [true, false] {
            let to_old = encrypt(&old_jwk, with_kid);
            assert_eq!(
                ring.decrypt(&to_old, &policy(), 999).unwrap().plaintext(),
                b"x.y.z"
            );
            assert!(ring.decrypt(&to_old, &policy(), 1000).is_err());
            let to_new = encrypt(&new_jwk, with_kid);
            assert!(ring.decrypt(&to_new, &policy(), 5000).is_ok());
        }
        assert_eq!(ring.algs(), [KeyManagement::EcdhEsA256Kw]);
        assert_eq!(ring.public_jwks().count(), 2);
    }
}
