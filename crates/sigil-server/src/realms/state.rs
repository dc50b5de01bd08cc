//! One realm, ready to serve: issuer, settings, keys, the precomputed discovery documents,
//! and a cache of its clients.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use bytes::Bytes;
use sigil_jose::legacy_hmac::LegacyHmacKey;
use sigil_store::{Realm, RealmName, RealmSettings, Store};

use super::{PatUses, Revocations};
use crate::ServerError;
use crate::keys::RealmKeys;
use crate::op::clients::{ClientLookupError, ClientMetadata};
use crate::op::metadata;
use crate::op::subject::PairwiseKey;
use crate::seal::MasterKey;
use crate::tokens::verified::VerifiedTokens;
use crate::ui::templates::{Brand, Templates};

/// Clients kept per realm snapshot; a realm with more simply reads the rest from the store.
const CLIENT_CACHE_LIMIT: usize = 10_000;

/// A realm at one version. Replaced, never mutated, when the realm changes — except for the
/// client cache, which fills on use and drops a client the feed says changed, and the
/// revocations, which follow the store's feed.
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
    /// The realm's pages: Sigil's templates with its theme applied, compiled at load.
    pub templates: Arc<Templates>,
    /// How the pages present the realm.
    pub brand: Brand,
    /// The key of its pairwise subjects (OIDC Core §8.1).
    pub pairwise: PairwiseKey,
    /// Tokens whose signature this version has checked (`tokens::verified`).
    pub verified: VerifiedTokens,
    clients: RwLock<ClientCache>,
}

/// Clients by id, and a count of invalidations: a lookup that began before a client was
/// dropped must not put back what it read before the change.
#[derive(Debug, Default)]
struct ClientCache {
    entries: HashMap<String, Arc<ClientMetadata>>,
    generation: u64,
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
                // This state starts with an empty client cache; `previous` goes on serving if
                // the rest of the load fails, so it must not keep what the feed says changed.
                let clients = previous
                    .revocations
                    .catch_up(store, &realm.name, now)
                    .await?;
                previous.forget_clients(&clients);
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
        let (openid_configuration, oauth_metadata) =
            metadata::documents(&issuer, &keys, &realm.settings);
        // A broken theme fails the load (so the last good state keeps serving, and the
        // registry logs the realm and this reason), never a page.
        let templates = Templates::for_theme(&realm.settings.theme)
            .map_err(|e| ServerError::Config(format!("realm {}: theme: {e}", realm.name)))?;
        let brand = Brand::from_settings(&realm.settings.brand)
            .map_err(|e| ServerError::Config(format!("realm {}: brand: {e}", realm.name)))?;
        let pairwise = PairwiseKey::derive(master, &realm.name);
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
            templates,
            brand,
            pairwise,
            verified: VerifiedTokens::default(),
            clients: RwLock::default(),
        })
    }

    /// A client's parsed registration, from the cache or the store (a stored registration that
    /// does not parse is an error, never cached). A client not in the store is not remembered,
    /// so one created elsewhere is found on its first use; a cached one is dropped when the
    /// feed reports it changed or deleted ([`Self::forget_clients`]), within one refresh
    /// interval of the change, without a realm reload.
    pub async fn client(
        &self,
        store: &dyn Store,
        client_id: &str,
    ) -> Result<Option<Arc<ClientMetadata>>, ClientLookupError> {
        let generation = {
            let cache = self.clients.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(hit) = cache.entries.get(client_id) {
                return Ok(Some(hit.clone()));
            }
            cache.generation
        };
        let Some(found) = store.get_client(&self.name, client_id).await? else {
            return Ok(None);
        };
        let found = Arc::new(ClientMetadata::parse(&found)?);
        let mut cache = self.clients.write().unwrap_or_else(PoisonError::into_inner);
        // A drop since the lookup began may be of this very client, and what the store
        // answered may predate the change: serve it once, but do not keep it.
        if cache.generation == generation {
            if cache.entries.len() >= CLIENT_CACHE_LIMIT {
                cache.entries.clear();
            }
            cache.entries.insert(client_id.to_owned(), found.clone());
        }
        Ok(Some(found))
    }

    /// Drops changed or deleted clients from the cache; the next use reads the store.
    pub fn forget_clients(&self, client_ids: &[String]) {
        if client_ids.is_empty() {
            return;
        }
        let mut cache = self.clients.write().unwrap_or_else(PoisonError::into_inner);
        cache.generation += 1;
        for id in client_ids {
            cache.entries.remove(id);
        }
    }
}
