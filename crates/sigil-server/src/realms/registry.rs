//! The realms a server knows, kept fresh.
//!
//! A request finds its realm in a map (no store round trip). A realm created elsewhere (the
//! CLI, another node) is loaded on first use; a background refresh compares every realm's
//! stored version with the loaded one and rebuilds what changed, and rebuilds key sets whose
//! keys change state — so what the CLI changes reaches a running server within one refresh
//! interval, without a restart. Revocations made elsewhere arrive the same way, from the
//! store's revocation feed (see [`super::revocations`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sigil_store::{RealmName, Store};

use super::RealmState;
use crate::ServerError;
use crate::clock::Clock;
use crate::seal::MasterKey;

/// Every realm this server has loaded.
#[derive(Debug)]
pub struct RealmRegistry {
    store: Arc<dyn Store>,
    master: Arc<MasterKey>,
    base_url: String,
    clock: Arc<dyn Clock>,
    loaded: RwLock<HashMap<RealmName, Arc<RealmState>>>,
    /// `default`, made once: most requests address it.
    default_name: RealmName,
}

impl RealmRegistry {
    /// An empty registry.
    pub fn new(
        store: Arc<dyn Store>,
        master: Arc<MasterKey>,
        base_url: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            master,
            base_url,
            clock,
            loaded: RwLock::default(),
            default_name: RealmName::default_realm(),
        }
    }

    /// The `default` realm; see [`Self::get`].
    pub async fn get_default(&self) -> Result<Option<Arc<RealmState>>, ServerError> {
        self.get(&self.default_name).await
    }

    /// The master key that unseals the realms' keys.
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// The public base URL (the `default` realm's issuer).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The realm, loading it on first use; `None` if it does not exist.
    pub async fn get(&self, name: &RealmName) -> Result<Option<Arc<RealmState>>, ServerError> {
        if let Some(state) = self.cached(name) {
            return Ok(Some(state));
        }
        let Some(realm) = self.store.get_realm(name).await? else {
            return Ok(None);
        };
        let state = Arc::new(
            RealmState::load(
                &*self.store,
                &self.master,
                &self.base_url,
                realm,
                self.clock.now(),
                None,
            )
            .await?,
        );
        // Two first requests may load the realm at once: the first stored wins, so that
        // every request shares one set of revocations.
        let state = match self.loaded.write() {
            Ok(mut loaded) => loaded.entry(name.clone()).or_insert(state).clone(),
            Err(_) => state,
        };
        Ok(Some(state))
    }

    fn cached(&self, name: &RealmName) -> Option<Arc<RealmState>> {
        self.loaded.read().ok()?.get(name).cloned()
    }

    /// Brings loaded realms up to date: rebuilds those whose version changed or whose keys
    /// changed state, forgets deleted ones, and reads new revocations of the others.
    pub async fn refresh(&self) -> Result<(), ServerError> {
        let now = self.clock.now();
        let stored: HashMap<RealmName, i64> =
            self.store.realm_versions().await?.into_iter().collect();
        let loaded: Vec<Arc<RealmState>> = self
            .loaded
            .read()
            .map(|l| l.values().cloned().collect())
            .unwrap_or_default();
        for state in loaded {
            match stored.get(&state.name) {
                None => {
                    if let Ok(mut l) = self.loaded.write() {
                        l.remove(&state.name);
                    }
                }
                Some(&version) => {
                    let keys_due = state.keys.next_transition().is_some_and(|t| t <= now);
                    if version != state.version || keys_due {
                        self.reload(&state).await?;
                    } else {
                        state
                            .revocations
                            .catch_up(&*self.store, &state.name, now)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn reload(&self, previous: &RealmState) -> Result<(), ServerError> {
        let name = &previous.name;
        let Some(realm) = self.store.get_realm(name).await? else {
            return Ok(());
        };
        let state = RealmState::load(
            &*self.store,
            &self.master,
            &self.base_url,
            realm,
            self.clock.now(),
            Some(previous),
        )
        .await?;
        tracing::info!(realm = %name, version = state.version, "realm reloaded");
        if let Ok(mut loaded) = self.loaded.write() {
            loaded.insert(name.clone(), Arc::new(state));
        }
        Ok(())
    }

    /// Refreshes every `interval` until the task is dropped; failures are logged and retried.
    pub async fn refresh_forever(self: Arc<Self>, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "realm refresh failed; serving what is loaded");
            }
        }
    }
}
