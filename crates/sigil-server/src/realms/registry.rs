//! The realms a server knows, kept fresh.
//!
//! A request finds its realm in a map (no store round trip). A realm created elsewhere (the
//! CLI, another node) is loaded on first use; a background refresh compares every realm's
//! stored version with the loaded one and rebuilds what changed, and rebuilds key sets whose
//! keys change state — so what the CLI changes reaches a running server within one refresh
//! interval, without a restart. Revocations made elsewhere arrive the same way, from the
//! store's revocation feed (see [`super::revocations`]), and so do client changes: a client
//! changed or deleted elsewhere is dropped from the realm's client cache, the realm is not
//! rebuilt (client changes do not bump its version).
//!
//! Each realm is brought up to date on its own: one that fails to reload (a key row that does
//! not parse, say) keeps serving its last good state, is logged and counted in `/metrics`,
//! and is tried again at the next tick — the other realms, their revocations included, are
//! not held up by it. Names that are no realm are kept from the store by the
//! [`Directory`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use sigil_store::{RealmName, Store};

use super::RealmState;
use super::directory::Directory;
use crate::ServerError;
use crate::clock::Clock;
use crate::ops::metrics::Metrics;
use crate::seal::MasterKey;

/// Every realm this server has loaded.
#[derive(Debug)]
pub struct RealmRegistry {
    store: Arc<dyn Store>,
    master: Arc<MasterKey>,
    base_url: String,
    clock: Arc<dyn Clock>,
    loaded: RwLock<HashMap<RealmName, Arc<RealmState>>>,
    /// Which names not loaded are worth a store lookup.
    directory: Directory,
    /// Realms whose last refresh failed, with the stored version that failed: a realm that
    /// stays broken is logged once per version, not once per tick.
    failing: Mutex<HashMap<RealmName, i64>>,
    metrics: Arc<Metrics>,
    /// `default`, made once: most requests address it.
    default_name: RealmName,
}

impl RealmRegistry {
    /// An empty registry; refresh failures are counted in `metrics`.
    pub fn new(
        store: Arc<dyn Store>,
        master: Arc<MasterKey>,
        base_url: String,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            master,
            base_url,
            clock,
            loaded: RwLock::default(),
            directory: Directory::default(),
            failing: Mutex::default(),
            metrics,
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

    /// The realm, loading it on first use; `None` if it does not exist (or, for a name the
    /// store did not list at the last tick, if this tick's lookups of new names are spent).
    pub async fn get(&self, name: &RealmName) -> Result<Option<Arc<RealmState>>, ServerError> {
        if let Some(state) = self.cached(name) {
            return Ok(Some(state));
        }
        if !self.directory.worth_lookup(name) {
            return Ok(None);
        }
        let Some(realm) = self.store.get_realm(name).await? else {
            self.directory.found_absent(name);
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
    /// changed state, forgets deleted ones, and reads new revocations of the others. Fails
    /// only if the store cannot list the realms; a realm that cannot be brought up to date
    /// keeps its state and is retried at the next call.
    pub async fn refresh(&self) -> Result<(), ServerError> {
        let now = self.clock.now();
        let stored: HashMap<RealmName, i64> =
            self.store.realm_versions().await?.into_iter().collect();
        self.directory.tick(&stored);
        let loaded: Vec<Arc<RealmState>> = self
            .loaded
            .read()
            .map(|l| l.values().cloned().collect())
            .unwrap_or_default();
        for state in loaded {
            let Some(&version) = stored.get(&state.name) else {
                if let Ok(mut l) = self.loaded.write() {
                    l.remove(&state.name);
                }
                continue;
            };
            let keys_due = state.keys.next_transition().is_some_and(|t| t <= now);
            let refreshed = if version != state.version || keys_due {
                self.reload(&state).await
            } else {
                // Client changes come this way, not as version bumps: drop just those clients.
                let caught_up = state.revocations.catch_up(&*self.store, &state.name, now);
                caught_up
                    .await
                    .map(|clients| state.forget_clients(&clients))
                    .map_err(ServerError::from)
            };
            match refreshed {
                Ok(()) => self.recovered(&state.name),
                Err(e) => self.refresh_failed(&state.name, version, &e),
            }
        }
        Ok(())
    }

    /// Counts and logs a realm that could not be brought up to date; it serves its last good
    /// state meanwhile. (Its revocations are read before its keys, so a realm whose keys
    /// broke still follows the revocation feed.)
    fn refresh_failed(&self, name: &RealmName, version: i64, error: &ServerError) {
        self.metrics.realm_reload_failed(name.as_str());
        let first = self
            .failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.clone(), version)
            != Some(version);
        if first {
            tracing::warn!(realm = %name, version, error = %error,
                "realm reload failed; serving its last good state, retrying every refresh");
        } else {
            tracing::debug!(realm = %name, version, error = %error, "realm reload failed again");
        }
    }

    fn recovered(&self, name: &RealmName) {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if failing.remove(name).is_some() {
            tracing::info!(realm = %name, "realm refreshed again after failures");
        }
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
