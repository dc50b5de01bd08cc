//! The realms a server knows, kept fresh.
//!
//! A request finds its realm in a map (no store round trip). A realm created elsewhere (the
//! CLI, another node) is loaded on first use. A background refresh reads the store's feed
//! once for **every** realm (so its cost does not grow with the number of realms) and hands
//! each loaded realm its entries: revocations are held, changed clients dropped from the
//! realm's client cache, and a realm whose settings or keys changed
//! ([`FeedKind::Realm`]) is rebuilt — as is one whose keys change state by the clock. So what
//! the CLI or another node changes reaches this server within one refresh interval, without
//! a restart.
//!
//! A realm that loads while the refresh reads the feed could miss an entry: committed after
//! the load read the realm, and read by the refresh before the realm was in the map. So once
//! a loaded realm is in the map, it reads its own feed once more and checks its version;
//! whatever commits after that, the refresh finds the realm loaded (positions become
//! visible in order on both backends). Nothing waits for anything: a slow feed query never
//! holds up a request.
//!
//! Each realm is brought up to date on its own: one that fails to reload (a key row that does
//! not parse, say) keeps serving its last good state, is logged and counted in `/metrics`,
//! and is tried again at the next tick — the other realms, their revocations included, are
//! not held up by it. Names that are no realm are kept from the store by the
//! [`Directory`].
//!
//! A feed entry about a client or a realm is kept [`CLIENT_FEED_RETENTION_SECS`]. A server
//! that could not read the feed for half that long may have missed some, so when it can
//! again it starts over: it forgets its loaded realms (they load again on first use) and
//! follows the feed from its head.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use sigil_store::{CLIENT_FEED_RETENTION_SECS, FeedEntry, FeedKind, RealmName, Revocation, Store};

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
    /// Realms whose rebuild failed: tried again at every refresh until one works.
    retry: Mutex<HashSet<RealmName>>,
    metrics: Arc<Metrics>,
    /// `default`, made once: most requests address it.
    default_name: RealmName,
    /// Where the feed has been read to (one refresh at a time).
    feed: tokio::sync::Mutex<FeedCursor>,
}

/// How far this server has followed the feed.
#[derive(Debug)]
struct FeedCursor {
    /// The newest position read.
    position: i64,
    /// When the feed was last read (the clock's seconds).
    read_at: i64,
}

/// Entries read per feed query; a refresh reads at most [`FEED_PAGES_PER_REFRESH`] pages and
/// goes on from there at the next tick, so a burst of changes cannot stall one refresh.
const FEED_PAGE: u32 = 1_000;
const FEED_PAGES_PER_REFRESH: usize = 20;

/// How long the feed may go unread before this server starts over (see the module docs).
const FEED_GAP_LIMIT_SECS: i64 = CLIENT_FEED_RETENTION_SECS / 2;

impl RealmRegistry {
    /// A registry with no realm loaded yet, following the feed from its head; refresh
    /// failures are counted in `metrics`. Reads the store (the feed's head, the realms'
    /// names).
    pub async fn new(
        store: Arc<dyn Store>,
        master: Arc<MasterKey>,
        base_url: String,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ServerError> {
        let registry = Self {
            feed: tokio::sync::Mutex::new(FeedCursor {
                position: 0,
                read_at: clock.now(),
            }),
            store,
            master,
            base_url,
            clock,
            loaded: RwLock::default(),
            directory: Directory::default(),
            failing: Mutex::default(),
            retry: Mutex::default(),
            metrics,
            default_name: RealmName::default_realm(),
        };
        let mut cursor = registry.feed.lock().await;
        registry.start_over(&mut cursor).await?;
        drop(cursor);
        Ok(registry)
    }

    /// Follows the feed from its head, with nothing loaded and every stored name known.
    async fn start_over(&self, cursor: &mut FeedCursor) -> Result<(), ServerError> {
        // The head first: a realm created after the listing is announced after the head.
        cursor.position = self.store.feed_head().await?;
        cursor.read_at = self.clock.now();
        let names = self.store.realm_versions().await?;
        self.directory
            .reset(names.into_iter().map(|(name, _)| name));
        if let Ok(mut loaded) = self.loaded.write() {
            loaded.clear();
        }
        Ok(())
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
        let (state, first) = match self.loaded.write() {
            Ok(mut loaded) => match loaded.get(name) {
                Some(earlier) => (earlier.clone(), false),
                None => {
                    loaded.insert(name.clone(), state.clone());
                    (state, true)
                }
            },
            Err(_) => (state, false),
        };
        if first {
            self.settle(&state).await;
        }
        Ok(Some(state))
    }

    /// Reads what may have reached the feed while `state` was loading (see the module docs):
    /// the realm's own entries since, and its version. A change of version, or a failure to
    /// tell, leaves the realm to be rebuilt at the next refresh.
    async fn settle(&self, state: &RealmState) {
        let now = self.clock.now();
        let caught_up = state.revocations.catch_up(&*self.store, &state.name, now);
        let settled = match caught_up.await {
            Ok(clients) => {
                state.forget_clients(&clients);
                self.store.get_realm(&state.name).await
            }
            Err(e) => Err(e),
        };
        match settled {
            Ok(Some(stored)) if stored.version == state.version => {}
            Ok(_) => {
                self.lock_retry().insert(state.name.clone());
            }
            Err(e) => {
                tracing::warn!(realm = %state.name, error = %e, "a loaded realm could not check for changes; rebuilding it at the next refresh");
                self.lock_retry().insert(state.name.clone());
            }
        }
    }

    fn lock_retry(&self) -> std::sync::MutexGuard<'_, HashSet<RealmName>> {
        self.retry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cached(&self, name: &RealmName) -> Option<Arc<RealmState>> {
        self.loaded.read().ok()?.get(name).cloned()
    }

    /// Brings loaded realms up to date from the feed, and rebuilds those whose keys change
    /// state by now. Fails only if the feed cannot be read; a realm that cannot be rebuilt
    /// keeps its state and is retried at the next call.
    pub async fn refresh(&self) -> Result<(), ServerError> {
        self.directory.tick();
        let changed = self.follow_feed().await?;
        let now = self.clock.now();
        let loaded: Vec<Arc<RealmState>> = self
            .loaded
            .read()
            .map(|l| l.values().cloned().collect())
            .unwrap_or_default();
        let keys_due = |state: &RealmState| state.keys.next_transition().is_some_and(|t| t <= now);
        for state in loaded
            .iter()
            .filter(|s| keys_due(s) || changed.contains(&s.name))
        {
            match self.reload(state, keys_due(state)).await {
                Ok(()) => self.recovered(&state.name),
                Err(e) => {
                    self.lock_retry().insert(state.name.clone());
                    self.refresh_failed(&state.name, state.version, &e);
                }
            }
        }
        Ok(())
    }

    /// Reads the feed after the last position read, for every realm at once, and applies
    /// what it says to the loaded realms; returns the loaded realms that changed (to be
    /// rebuilt, outside the lock). Realms not loaded skip their entries: they read their own
    /// feed when they load.
    async fn follow_feed(&self) -> Result<HashSet<RealmName>, ServerError> {
        let mut cursor = self.feed.lock().await;
        let now = self.clock.now();
        if now - cursor.read_at > FEED_GAP_LIMIT_SECS {
            tracing::warn!(
                unread_secs = now - cursor.read_at,
                "the feed went unread for long enough that entries may have been purged; \
                 reloading every realm"
            );
            self.start_over(&mut cursor).await?;
            return Ok(HashSet::new());
        }
        let mut changed = std::mem::take(&mut *self.lock_retry());
        for _ in 0..FEED_PAGES_PER_REFRESH {
            let page = match self.store.feed_after(cursor.position, now, FEED_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    // What earlier pages (and earlier failures) said must change is past the
                    // cursor now: keep it for the next tick.
                    self.lock_retry().extend(changed);
                    return Err(e.into());
                }
            };
            let Some(last) = page.last() else { break };
            cursor.position = last.entry.position;
            let full = page.len() == FEED_PAGE as usize;
            self.apply(page, now, &mut changed);
            if !full {
                break;
            }
        }
        cursor.read_at = now;
        Ok(changed)
    }

    /// Hands each loaded realm its entries; collects the realms announced as changed.
    fn apply(&self, page: Vec<FeedEntry>, now: i64, changed: &mut HashSet<RealmName>) {
        let mut by_realm: BTreeMap<RealmName, Vec<Revocation>> = BTreeMap::new();
        for FeedEntry { realm, entry } in page {
            if entry.kind == FeedKind::Realm {
                self.directory.learn(&realm);
                changed.insert(realm.clone());
            }
            by_realm.entry(realm).or_default().push(entry);
        }
        for (realm, entries) in by_realm {
            let Some(state) = self.cached(&realm) else {
                changed.remove(&realm);
                continue;
            };
            let clients = state.revocations.apply(&entries, now);
            state.forget_clients(&clients);
        }
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

    /// Rebuilds a realm from the store — or, if the stored version is the one loaded and no
    /// key is due to change state (the change was loaded already, say), just reads the
    /// realm's own feed since its last position.
    async fn reload(&self, previous: &RealmState, keys_due: bool) -> Result<(), ServerError> {
        let name = &previous.name;
        let Some(realm) = self.store.get_realm(name).await? else {
            return Ok(());
        };
        if realm.version == previous.version && !keys_due {
            let now = self.clock.now();
            let clients = previous.revocations.catch_up(&*self.store, name, now);
            previous.forget_clients(&clients.await?);
            return Ok(());
        }
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
