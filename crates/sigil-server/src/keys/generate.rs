//! New keys: generate, seal, describe as a [`KeyRecord`] — signing keys and decryption keys
//! alike ([`KeyAlg`]).

use sigil_jose::jwe::DecryptionKey;
use sigil_jose::{PrivateKey, SigningKey};
use sigil_store::{KeyRecord, RealmName};

use super::KeyAlg;
use crate::ServerError;
use crate::seal::MasterKey;

/// The sealing context of a realm's private key: binds the sealed bytes to their row.
pub fn seal_context(realm: &RealmName, kid: &str) -> String {
    format!("key:{realm}:{kid}")
}

/// Generates a key for `alg` (RSA of `rsa_bits`), off the async runtime's threads: RSA
/// generation takes up to half a second.
pub async fn generate(alg: impl Into<KeyAlg>, rsa_bits: usize) -> Result<PrivateKey, ServerError> {
    let spec = alg.into().key_spec(rsa_bits)?;
    tokio::task::spawn_blocking(move || PrivateKey::generate(spec))
        .await
        .map_err(|e| ServerError::Crypto(format!("key generation task failed: {e}")))?
        .map_err(ServerError::from)
}

/// Seals `key` and describes it for the store, publishing at `publish_at` and signing (or,
/// for a decryption key, becoming current) from `activate_at`. The kid is the key's RFC 7638
/// thumbprint unless given. The public JWK is pinned to `alg`, with `use: sig` or `use: enc`.
pub fn record(
    master: &MasterKey,
    realm: &RealmName,
    key: PrivateKey,
    alg: impl Into<KeyAlg>,
    kid: Option<sigil_jose::Kid>,
    times: KeyTimes,
    origin: &str,
) -> Result<KeyRecord, ServerError> {
    let alg = alg.into();
    let (kid, der, public_jwk) = match alg {
        KeyAlg::Sign(alg) => {
            let signing = SigningKey::new(key, alg, kid)?;
            let der = signing.private_key().to_pkcs8_der()?;
            (signing.kid().clone(), der, signing.public_jwk().to_json())
        }
        KeyAlg::Decrypt(alg) => {
            let decrypting = DecryptionKey::new(key, alg, kid)?;
            let der = decrypting.private_key().to_pkcs8_der()?;
            (
                decrypting.kid().clone(),
                der,
                decrypting.public_jwk().to_json(),
            )
        }
    };
    let kid = kid.as_str().to_owned();
    let sealed = master.seal(&seal_context(realm, &kid), &der)?;
    Ok(KeyRecord {
        kid,
        alg: alg.as_str().to_owned(),
        public_jwk,
        private_sealed: Some(sealed),
        created_at: times.created_at,
        publish_at: times.publish_at,
        activate_at: times.activate_at,
        retired_at: None,
        origin: origin.to_owned(),
    })
}

/// When a new key appears and starts signing.
#[derive(Debug, Clone, Copy)]
pub struct KeyTimes {
    /// Creation.
    pub created_at: i64,
    /// Publication in the JWKS.
    pub publish_at: i64,
    /// First signature.
    pub activate_at: i64,
}

impl KeyTimes {
    /// Published and signing at once: right for a realm's first key, which no verifier can
    /// have cached a JWKS without.
    pub fn immediate(now: i64) -> Self {
        Self {
            created_at: now,
            publish_at: now,
            activate_at: now,
        }
    }
}
