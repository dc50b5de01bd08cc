//! A realm's keys in memory: the signer per algorithm, the verifiers by kid, and the JWKS
//! bytes every JWKS path serves — computed once per change, never per request.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::HeaderValue;
use bytes::Bytes;
use sigil_jose::{Algorithm, JwkSet, PublicJwk, SigningKey, VerifyingKey, pem};
use sigil_store::{KeyRecord, RealmName};

use super::generate::seal_context;
use super::lifecycle::{self, KeyState};
use crate::ServerError;
use crate::seal::MasterKey;

/// The parsed, ready-to-use keys of one realm at one moment.
#[derive(Debug)]
pub struct RealmKeys {
    signers: HashMap<Algorithm, Arc<SigningKey>>,
    verifiers: HashMap<String, VerifyingKey>,
    jwks: Bytes,
    etag: String,
    etag_header: HeaderValue,
    next_transition: Option<i64>,
}

impl RealmKeys {
    /// Builds the key set from the stored records as of `now`; only current keys are
    /// unsealed.
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
        let mut published = Vec::new();
        for (record, state) in records.iter().zip(states) {
            if !state.is_published() {
                continue;
            }
            let jwk = PublicJwk::from_json(&record.public_jwk)?;
            published.push(jwk.clone());
            verifiers.insert(record.kid.clone(), VerifyingKey::from_jwk(jwk)?);
            if state == KeyState::Current {
                let alg: Algorithm = record.alg.parse()?;
                signers.insert(alg, Arc::new(unseal(realm, record, master, alg)?));
            }
        }
        let jwks = Bytes::from(JwkSet::new(published).to_json());
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

    /// The published kids.
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

fn unseal(
    realm: &RealmName,
    record: &KeyRecord,
    master: &MasterKey,
    alg: Algorithm,
) -> Result<SigningKey, ServerError> {
    let sealed = record
        .private_sealed
        .as_deref()
        .ok_or_else(|| ServerError::Crypto(format!("key {} has no private part", record.kid)))?;
    let der = master.open(&seal_context(realm, &record.kid), sealed)?;
    let key = pem::private_key_from_pkcs8_der(&der)?;
    let kid = sigil_jose::Kid::new(record.kid.clone())?;
    Ok(SigningKey::new(key, alg, Some(kid))?)
}
