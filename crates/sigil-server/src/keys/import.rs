//! Keys from outside (seed 002): a private key PEM (PKCS#8, PKCS#1, SEC1) to sign with, and
//! optionally the previous *public* key, published for verification only until everything it
//! signed has expired.

use sigil_jose::algorithm::KeyKind;
use sigil_jose::{Algorithm, Kid, pem};
use sigil_store::{KeyRecord, Realm, Store, StoreError};

use super::generate::{self, KeyTimes};
use super::lifecycle;
use crate::ServerError;
use crate::seal::MasterKey;

/// The algorithm a key is used with when none is named.
pub fn default_algorithm(kind: KeyKind) -> Algorithm {
    match kind {
        KeyKind::Rsa => Algorithm::RS256,
        KeyKind::P256 => Algorithm::ES256,
        KeyKind::P384 => Algorithm::ES384,
        KeyKind::Ed25519 => Algorithm::EdDSA,
    }
}

/// A private key to import.
#[derive(Debug, Clone)]
pub struct SigningKeyImport<'a> {
    /// The PEM (PKCS#8, PKCS#1 or SEC1; literal `\n` accepted).
    pub pem: &'a str,
    /// The algorithm; by key type when absent.
    pub alg: Option<Algorithm>,
    /// The key id; the RFC 7638 thumbprint when absent.
    pub kid: Option<Kid>,
    /// When it starts signing.
    pub activate_at: i64,
}

/// Imports a private key into `realm`, published from `now`. Returns `None` when a key with
/// that kid is already there.
pub async fn import_signing_key(
    store: &dyn Store,
    master: &MasterKey,
    realm: &Realm,
    import: SigningKeyImport<'_>,
    now: i64,
) -> Result<Option<KeyRecord>, ServerError> {
    let key = pem::parse_private_key(import.pem)?;
    let alg = import.alg.unwrap_or_else(|| default_algorithm(key.kind()));
    let times = KeyTimes {
        created_at: now,
        publish_at: now,
        activate_at: import.activate_at,
    };
    let record = generate::record(master, &realm.name, key, alg, import.kid, times, "imported")?;
    insert_unless_present(store, realm, record).await
}

/// Publishes a public key PEM for verification only, until the realm's retention has passed.
pub async fn import_previous_public_key(
    store: &dyn Store,
    realm: &Realm,
    pem_text: &str,
    alg: Option<Algorithm>,
    kid: Option<Kid>,
    now: i64,
) -> Result<Option<KeyRecord>, ServerError> {
    let jwk = pem::parse_public_key(pem_text)?;
    let alg = alg.unwrap_or_else(|| default_algorithm(jwk.params.kind()));
    if alg.key_kind() != jwk.params.kind() {
        return Err(sigil_jose::Error::KeyAlgorithmMismatch {
            alg,
            key: jwk.params.kind(),
        }
        .into());
    }
    let kid = match kid {
        Some(kid) => kid,
        None => Kid::new(jwk.thumbprint())?,
    };
    let jwk = jwk.for_signing(kid.clone(), alg);
    let record = KeyRecord {
        kid: kid.as_str().to_owned(),
        alg: alg.as_str().to_owned(),
        public_jwk: jwk.to_json(),
        private_sealed: None,
        created_at: now,
        publish_at: now,
        activate_at: now,
        retired_at: Some(now.saturating_add(lifecycle::retention(&realm.settings))),
        origin: "imported".to_owned(),
    };
    insert_unless_present(store, realm, record).await
}

async fn insert_unless_present(
    store: &dyn Store,
    realm: &Realm,
    record: KeyRecord,
) -> Result<Option<KeyRecord>, ServerError> {
    match store.insert_key(&realm.name, &record).await {
        Ok(()) => Ok(Some(record)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
