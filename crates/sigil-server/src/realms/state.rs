//! One realm, ready to serve: issuer, settings, keys, the precomputed discovery documents,
//! and a cache of its clients.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use sigil_jose::legacy_hmac::LegacyHmacKey;
use sigil_store::{Realm, RealmName, RealmSettings, Store};

use super::{PatUses, Revocations};
use crate::ServerError;
use crate::keys::RealmKeys;
use crate::op::clients::{ClientLookupError, ClientMetadata};
use crate::op::metadata;
use crate::seal::MasterKey;

/// Clients kept per realm snapshot; a realm with more simply reads the rest from the store.
const CLIENT_CACHE_LIMIT: usize = 10_000;

/// A realm at one version. Replaced, never mutated, when the realm changes — except for the
/// client cache, which only fills, and the revocations, which follow the store's feed.
#[derive(Debug)]
pub struct RealmState {
    /// The name.
    pub name: RealmName,
    /// The issuer URL (`iss` of every token, base of every endpoint).
    pub issuer: String,
    /// Policies.
    pub settings: RealmSettings,
    /// The stored version this state was built from.
    pub version: i64,
    /// The keys.
    pub keys: RealmKeys,
    /// `/.well-known/openid-configuration`.
    pub openid_configuration: Bytes,
    /// `/.well-known/oauth-authorization-server`.
    pub oauth_metadata: Bytes,
    /// The legacy HS256 secret, when legacy acceptance is on.
    pub legacy_hs256: Option<LegacyHmacKey>,
    /// Revoked tokens that have not expired: shared by every version of the realm and kept
    /// current from the store's feed.
    pub revocations: Arc<Revocations>,
    /// When PAT uses were last written; shared by every version of the realm.
    pub pat_uses: Arc<PatUses>,
    clients: RwLock<HashMap<String, Arc<ClientMetadata>>>,
}

/// The sealing context of a realm's legacy HS256 secret.
pub fn legacy_seal_context(realm: &RealmName) -> String {
    format!("legacy-hs256:{realm}")
}

impl RealmState {
    /// Loads a realm's state from the store as of `now`. Given the `previous` version, the
    /// new one is rebuilt from the store except for what outlives versions: the revocations
    /// (one recorded on `previous` while this version was being built must not be lost; they
    /// are brought up to date instead) and the PAT-use memory.
    pub async fn load(
        store: &dyn Store,
        master: &MasterKey,
        base_url: &str,
        realm: Realm,
        now: i64,
        previous: Option<&RealmState>,
    ) -> Result<Self, ServerError> {
        let (revocations, pat_uses) = match previous {
            Some(previous) => {
                previous
                    .revocations
                    .catch_up(store, &realm.name, now)
                    .await?;
                (previous.revocations.clone(), previous.pat_uses.clone())
            }
            None => (
                Arc::new(Revocations::load(store, &realm.name, now).await?),
                Arc::default(),
            ),
        };
        let records = store.list_keys(&realm.name).await?;
        let retention = crate::keys::lifecycle::retention(&realm.settings);
        let keys = RealmKeys::load(&realm.name, &records, retention, master, now)?;
        let issuer = super::issuer(base_url, &realm.name);
        let legacy_hs256 = match &realm.settings.legacy_hs256_sealed {
            Some(sealed) => {
                let sealed = sigil_jose::base64url::decode(sealed)
                    .ok_or_else(|| ServerError::Crypto("legacy secret is not base64url".into()))?;
                let secret = master.open(&legacy_seal_context(&realm.name), &sealed)?;
                Some(LegacyHmacKey::new(&secret)?)
            }
            None => None,
        };
        let (openid_configuration, oauth_metadata) = metadata::documents(&issuer, &keys);
        Ok(Self {
            name: realm.name,
            issuer,
            settings: realm.settings,
            version: realm.version,
            keys,
            openid_configuration,
            oauth_metadata,
            legacy_hs256,
            revocations,
            pat_uses,
            clients: RwLock::default(),
        })
    }

    /// A client's parsed registration, from the cache or the store. Cached entries live as
    /// long as this snapshot, which the registry replaces within one refresh interval of any
    /// client change. A stored registration that does not parse is an error, never cached.
    pub async fn client(
        &self,
        store: &dyn Store,
        client_id: &str,
    ) -> Result<Option<Arc<ClientMetadata>>, ClientLookupError> {
        if let Some(hit) = self
            .clients
            .read()
            .ok()
            .and_then(|c| c.get(client_id).cloned())
        {
            return Ok(Some(hit));
        }
        let Some(found) = store.get_client(&self.name, client_id).await? else {
            return Ok(None);
        };
        let found = Arc::new(ClientMetadata::parse(&found)?);
        if let Ok(mut cache) = self.clients.write() {
            if cache.len() >= CLIENT_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(client_id.to_owned(), found.clone());
        }
        Ok(Some(found))
    }
}
