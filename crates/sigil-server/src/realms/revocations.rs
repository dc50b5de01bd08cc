//! A realm's revoked tokens, revoked grants and ended sessions, in memory.
//!
//! Introspection runs on every API call of a resource server that uses it; asking the store
//! whether a `jti` is revoked costs a round trip per request (on SQLite, a hand-off to sqlx's
//! worker thread — 40% of an introspection's CPU). Revocations are rare and short-lived (a
//! revoked token matters only until it expires), so the server keeps them in memory:
//!
//! * loaded with the realm, from the store's revocation feed;
//! * a revocation made through this server is recorded here as soon as the store has it, so it
//!   takes effect at once on this node;
//! * revocations made elsewhere (the CLI, another node) arrive when the registry's refresh
//!   asks the feed for what came after the last position it saw — within one refresh interval;
//! * entries are dropped once their token has expired.
//!
//! The feed carries more than `jti`s ([`FeedKind`]): revoked grants and ended sessions are
//! held the same way (until the grant or session would have expired), and a client entry —
//! a client changed or deleted elsewhere — is handed back from [`Revocations::apply`] so
//! that the registry drops that one client from the realm's cache instead of reloading the
//! realm. The registry reads the feed once for every realm and hands each loaded realm its
//! entries; [`Revocations::catch_up`] reads one realm's feed, when a realm is loaded.
//!
//! Also here, [`PatUses`]: when a personal access token's use was last written to the store,
//! so that introspecting a PAT writes at most once per [`PAT_USE_RESOLUTION_SECS`] instead of
//! on every request. It outlives realm reloads (the registry hands it to the new state).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};

use sigil_store::{FeedKind, RealmName, Revocation, Store, StoreError};

/// How precise a PAT's recorded last use is: uses closer together than this are written once.
pub const PAT_USE_RESOLUTION_SECS: i64 = 60;

/// Entries kept in the last-use memory before stale ones are swept.
const PAT_USE_SWEEP_AT: usize = 10_000;

/// The revoked tokens, revoked grants and ended sessions of one realm that have not expired,
/// and the feed position they reach.
#[derive(Debug, Default)]
pub struct Revocations {
    feed: RwLock<Feed>,
}

/// When this server last wrote each PAT's use to the store.
#[derive(Debug, Default)]
pub struct PatUses {
    written: Mutex<HashMap<Box<str>, i64>>,
}

#[derive(Debug, Default)]
struct Feed {
    /// The newest feed position read from the store.
    position: i64,
    /// Revoked `jti` → the token's expiry.
    expiries: HashMap<Box<str>, i64>,
    /// Revoked grant id → the grant's expiry.
    grants: HashMap<Box<str>, i64>,
    /// Ended session id → the session's expiry.
    sessions: HashMap<Box<str>, i64>,
}

impl Feed {
    fn held(&mut self, kind: FeedKind) -> Option<&mut HashMap<Box<str>, i64>> {
        match kind {
            FeedKind::Token => Some(&mut self.expiries),
            FeedKind::Grant => Some(&mut self.grants),
            FeedKind::Session => Some(&mut self.sessions),
            FeedKind::Client | FeedKind::Realm => None,
        }
    }
}

impl Revocations {
    /// The realm's revocations as of `now`. (Client entries are moot here: a new state's
    /// client cache is empty.)
    pub async fn load(store: &dyn Store, realm: &RealmName, now: i64) -> Result<Self, StoreError> {
        let revocations = Self::default();
        revocations.catch_up(store, realm, now).await?;
        Ok(revocations)
    }

    /// Whether the token with this `jti` is revoked.
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.read().expiries.contains_key(jti)
    }

    /// Whether the grant with this id is revoked (with everything it issued).
    pub fn is_grant_revoked(&self, id: &str) -> bool {
        self.read().grants.contains_key(id)
    }

    /// Whether the login session with this id (`sid`) has ended.
    pub fn is_session_ended(&self, id: &str) -> bool {
        self.read().sessions.contains_key(id)
    }

    /// Records a revocation this server has just written to the store.
    pub fn record(&self, jti: &str, expires_at: i64) {
        self.write().expiries.insert(jti.into(), expires_at);
    }

    /// Records a grant revocation this server has just written to the store.
    pub fn record_grant_revoked(&self, id: &str, expires_at: i64) {
        self.write().grants.insert(id.into(), expires_at);
    }

    /// Records the end of a session this server has just written to the store.
    pub fn record_session_ended(&self, id: &str, expires_at: i64) {
        self.write().sessions.insert(id.into(), expires_at);
    }

    /// Reads the realm's feed entries recorded since the last position this holds (by
    /// anyone) and applies them ([`Self::apply`]).
    pub async fn catch_up(
        &self,
        store: &dyn Store,
        realm: &RealmName,
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        let after = self.read().position;
        let new = store.revocations_after(realm, after, now).await?;
        Ok(self.apply(&new, now))
    }

    /// Holds the revocations among `entries` (the realm's, from the feed), forgets those that
    /// have expired by `now`, and returns the ids of clients changed or deleted: the caller
    /// drops them from its client cache. Applying an entry twice changes nothing.
    pub fn apply(&self, entries: &[Revocation], now: i64) -> Vec<String> {
        let mut clients = Vec::new();
        let mut guard = self.write();
        let feed = &mut *guard;
        for entry in entries {
            feed.position = feed.position.max(entry.position);
            match feed.held(entry.kind) {
                Some(held) => {
                    held.insert(entry.id.as_str().into(), entry.expires_at);
                }
                None if entry.kind == FeedKind::Client => clients.push(entry.id.clone()),
                None => {}
            }
        }
        for held in [&mut feed.expiries, &mut feed.grants, &mut feed.sessions] {
            held.retain(|_, expires_at| *expires_at > now);
        }
        clients
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Feed> {
        self.feed.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Feed> {
        self.feed.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PatUses {
    /// Whether a use of the PAT `jti` at `now` should be written to the store: its first use
    /// seen by this server, or the first after [`PAT_USE_RESOLUTION_SECS`].
    pub fn is_due(&self, jti: &str, now: i64) -> bool {
        let mut uses = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if uses
            .get(jti)
            .is_some_and(|&written| now - written < PAT_USE_RESOLUTION_SECS)
        {
            return false;
        }
        if uses.len() >= PAT_USE_SWEEP_AT {
            uses.retain(|_, written| now - *written < PAT_USE_RESOLUTION_SECS);
        }
        uses.insert(jti.into(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pat_use_is_written_once_per_resolution() {
        let uses = PatUses::default();
        assert!(uses.is_due("p", 100));
        assert!(!uses.is_due("p", 159));
        assert!(uses.is_due("q", 159));
        assert!(uses.is_due("p", 160));
    }

    #[test]
    fn recorded_revocations_are_seen_at_once() {
        let revocations = Revocations::default();
        assert!(!revocations.is_revoked("j"));
        revocations.record("j", 500);
        assert!(revocations.is_revoked("j"));
        revocations.record_grant_revoked("g", 500);
        revocations.record_session_ended("s", 500);
        assert!(revocations.is_grant_revoked("g") && revocations.is_session_ended("s"));
        assert!(!revocations.is_grant_revoked("j") && !revocations.is_session_ended("g"));
    }

    /// Every kind of the feed, from a real store: tokens, grants and sessions are held (each in
    /// its own namespace) until they expire; client ids are handed back, once.
    #[tokio::test]
    async fn the_feed_fills_each_kind_and_hands_back_changed_clients() {
        #![allow(clippy::unwrap_used)]
        use sigil_store::sqlite::SqliteStore;
        use sigil_store::{
            ClientRecord, ClientStore, GrantRecord, GrantStore, Realm, RealmSettings, RealmStore,
            SessionRecord, SessionStore, TokenStore,
        };

        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("feed.db"))
            .await
            .unwrap();
        let realm = RealmName::default_realm();
        let record = Realm {
            name: realm.clone(),
            settings: RealmSettings::default(),
            version: 1,
            created_at: 1,
        };
        store.insert_realm(&record, &[]).await.unwrap();
        let grant = GrantRecord {
            id: "g1".into(),
            client_id: "app".into(),
            user_id: "u1".into(),
            session_id: None,
            scope: "openid".into(),
            auth_time: 1,
            created_at: 1,
            expires_at: 300,
            revoked_at: None,
            amr: vec![],
            claims: None,
        };
        store.insert_grant(&realm, &grant, None).await.unwrap();
        let session = SessionRecord {
            id: "s1".into(),
            secret_hash: vec![1; 32],
            user_id: "u1".into(),
            auth_time: 1,
            amr: vec![],
            created_at: 1,
            last_seen_at: 1,
            expires_at: 400,
            ended_at: None,
        };
        store.insert_session(&realm, &session).await.unwrap();
        let client = ClientRecord {
            client_id: "app".into(),
            name: "app".into(),
            secret_hash: None,
            auth_method: "none".into(),
            grant_types: vec![],
            redirect_uris: vec![],
            scopes: vec![],
            audiences: vec![],
            access_token_ttl_secs: None,
            signing_alg: None,
            created_at: 1,
            settings: Default::default(),
        };
        store.insert_client(&realm, &client).await.unwrap();

        let revocations = Revocations::load(&store, &realm, 10).await.unwrap();
        store.revoke_token(&realm, "j1", 200).await.unwrap();
        store.revoke_grant(&realm, "g1", 10).await.unwrap();
        store.end_session(&realm, "s1", 10).await.unwrap();
        store.update_client(&realm, &client).await.unwrap();
        let clients = revocations.catch_up(&store, &realm, 10).await.unwrap();
        assert_eq!(clients, ["app"]);
        assert!(revocations.is_revoked("j1"));
        assert!(revocations.is_grant_revoked("g1") && !revocations.is_revoked("g1"));
        assert!(revocations.is_session_ended("s1") && !revocations.is_grant_revoked("s1"));
        assert!(
            revocations
                .catch_up(&store, &realm, 10)
                .await
                .unwrap()
                .is_empty(),
            "a client entry is handed back once"
        );
        // Each entry is forgotten once what it names has expired.
        revocations.catch_up(&store, &realm, 300).await.unwrap();
        assert!(!revocations.is_revoked("j1") && !revocations.is_grant_revoked("g1"));
        assert!(revocations.is_session_ended("s1"));
        revocations.catch_up(&store, &realm, 400).await.unwrap();
        assert!(!revocations.is_session_ended("s1"));
    }
}
