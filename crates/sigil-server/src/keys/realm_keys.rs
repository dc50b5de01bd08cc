//! A realm's keys in memory: the signer per algorithm, the verifiers by kid, the decryption
//! keys, and the JWKS bytes every JWKS path serves — computed once per change, never per
//! request.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::HeaderValue;
use bytes::Bytes;
use sigil_jose::jwe::{DecryptionKey, KeyManagement};
use sigil_jose::{Algorithm, PublicJwk, SigningKey, VerifyingKey, pem};
use sigil_store::{KeyRecord, RealmName};

use super::KeyAlg;
use super::decryption::Keyring;
use super::generate::seal_context;
use super::lifecycle::{self, KeyState};
use crate::ServerError;
use crate::seal::MasterKey;

/// The parsed, ready-to-use keys of one realm at one moment.
#[derive(Debug)]
pub struct RealmKeys {
    signers: HashMap<Algorithm, Arc<SigningKey>>,
    verifiers: HashMap<String, VerifyingKey>,
    decryption: Keyring,
    jwks: Bytes,
    etag: String,
    etag_header: HeaderValue,
    next_transition: Option<i64>,
}

impl RealmKeys {
    /// Builds the key set from the stored records as of `now`; only current signing keys
    /// and published decryption keys are unsealed. Signing keys publish as `use: sig`,
    /// decryption keys as `use: enc` (RFC 7517 §5: one set may hold both); neither ever
    /// serves as the other.
    pub fn load(
        realm: &RealmName,
        records: &[KeyRecord],
        retention: i64,
        master: &MasterKey,
        now: i64,
    ) -> Result<Self, ServerError> {
        let states = lifecycle::states(records, retention, now);
        let mut signers = HashMap::new();
        let mut verifiers = HashMap::new();
        let mut published: Vec<String> = Vec::new();
        let mut decrypting = Vec::new();
        for (record, state) in records.iter().zip(states) {
            if !state.is_published() {
                continue;
            }
            if let Some(alg) = decryption_alg(record) {
                let remove_at = lifecycle::timeline(records, record, retention).remove_at;
                decrypting.push((record, alg, remove_at));
                continue;
            }
            let jwk = PublicJwk::from_json(&record.public_jwk)?;
            published.push(jwk.to_json());
            verifiers.insert(record.kid.clone(), VerifyingKey::from_jwk(jwk)?);
            if state == KeyState::Current {
                let alg: Algorithm = record.alg.parse()?;
                signers.insert(alg, Arc::new(unseal(realm, record, master, alg)?));
            }
        }
        // Newest first: without a `kid`, a JWE is tried against the newest key of its alg.
        decrypting.sort_by(|a, b| (b.0.activate_at, &b.0.kid).cmp(&(a.0.activate_at, &a.0.kid)));
        let mut decryption = Keyring::default();
        for (record, alg, remove_at) in decrypting {
            let key = unseal_decryption(realm, record, master, alg)?;
            published.push(key.public_jwk().to_json());
            decryption.push(key, remove_at);
        }
        let jwks = Bytes::from(format!("{{\"keys\":[{}]}}", published.join(",")));
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &jwks);
        let etag = format!(
            "\"{}\"",
            sigil_jose::base64url::encode(&digest.as_ref()[..18])
        );
        // Base64url in quotes: always a valid header value.
        let etag_header = HeaderValue::try_from(etag.as_str())
            .map_err(|_| ServerError::Crypto("JWKS entity tag is not a header value".into()))?;
        Ok(Self {
            signers,
            verifiers,
            decryption,
            jwks,
            etag,
            etag_header,
            next_transition: lifecycle::next_transition(records, retention, now),
        })
    }

    /// The key that signs `alg` now.
    pub fn signer(&self, alg: Algorithm) -> Option<&Arc<SigningKey>> {
        self.signers.get(&alg)
    }

    /// The algorithms the realm can sign with now, in a stable order.
    pub fn signing_algs(&self) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = self.signers.keys().copied().collect();
        algs.sort();
        algs
    }

    /// The published key with this kid.
    pub fn verifier(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifiers.get(kid)
    }

    /// Every published key that admits `alg` (for tokens without a `kid`).
    pub fn verifiers_for(&self, alg: Algorithm) -> impl Iterator<Item = &VerifyingKey> {
        self.verifiers.values().filter(move |k| k.admits(alg))
    }

    /// The realm's decryption keys (`use: enc`).
    pub fn decryption(&self) -> &Keyring {
        &self.decryption
    }

    /// The key management algorithms clients can encrypt to now (discovery's
    /// `request_object_encryption_alg_values_supported`).
    pub fn encryption_algs(&self) -> Vec<KeyManagement> {
        self.decryption.algs()
    }

    /// The published signature kids.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.verifiers.keys().map(String::as_str)
    }

    /// The JWK Set document.
    pub fn jwks(&self) -> &Bytes {
        &self.jwks
    }

    /// A strong validator of [`Self::jwks`].
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// [`Self::etag`] as a response header value, made once.
    pub fn etag_header(&self) -> &HeaderValue {
        &self.etag_header
    }

    /// When this key set stops being right (a key publishes, activates or retires).
    pub fn next_transition(&self) -> Option<i64> {
        self.next_transition
    }
}

/// The key management algorithm of a decryption key's record; `None` for a signing key.
fn decryption_alg(record: &KeyRecord) -> Option<KeyManagement> {
    match record.alg.parse::<KeyAlg>() {
        Ok(KeyAlg::Decrypt(alg)) => Some(alg),
        _ => None,
    }
}

fn unseal_decryption(
    realm: &RealmName,
    record: &KeyRecord,
    master: &MasterKey,
    alg: KeyManagement,
) -> Result<DecryptionKey, ServerError> {
    let der = open_sealed(realm, record, master)?;
    let kid = sigil_jose::Kid::new(record.kid.clone())?;
    Ok(DecryptionKey::from_pkcs8_der(&der, alg, Some(kid))?)
}

fn open_sealed(
    realm: &RealmName,
    record: &KeyRecord,
    master: &MasterKey,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ServerError> {
    let sealed = record
        .private_sealed
        .as_deref()
        .ok_or_else(|| ServerError::Crypto(format!("key {} has no private part", record.kid)))?;
    master.open(&seal_context(realm, &record.kid), sealed)
}

fn unseal(
    realm: &RealmName,
    record: &KeyRecord,
    master: &MasterKey,
    alg: Algorithm,
) -> Result<SigningKey, ServerError> {
    let der = open_sealed(realm, record, master)?;
    let key = pem::private_key_from_pkcs8_der(&der)?;
    let kid = sigil_jose::Kid::new(record.kid.clone())?;
    Ok(SigningKey::new(key, alg, Some(kid))?)
}
