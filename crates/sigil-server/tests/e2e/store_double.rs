//! A store for tests that stands between the server and SQLite: it delegates every call, and
//! can fail chosen calls with a chosen error, count the realm lookups, and hold the registry's
//! refresh at its first query so a test decides when a refresh tick happens.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use sigil_store::{
    AdminStore, AdminTokenRecord, ClientRecord, ClientStore, KeyRecord, KeyStore, PatRecord, Realm,
    RealmName, RealmSettings, RealmStore, Result, Revocation, Store, StoreError, TokenStore,
    UserRecord, UserStore,
};

/// Makes the error an injected fault fails with (a fresh one per call).
pub type MakeError = fn() -> StoreError;

#[derive(Debug)]
pub struct StoreDouble {
    inner: Arc<dyn Store>,
    /// Method name → the error it fails with, until healed.
    faults: Mutex<HashMap<&'static str, MakeError>>,
    get_realm_calls: AtomicUsize,
    /// `realm_versions` (the first query of every refresh tick) waits for a read guard;
    /// a test that holds the write guard holds the ticks.
    tick_gate: tokio::sync::RwLock<()>,
    ticks_waiting: AtomicUsize,
    /// Deletes each admin token right after it is found: a `sigil admin-token delete` racing
    /// the request.
    delete_found_admin_tokens: AtomicBool,
}

impl StoreDouble {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            faults: Mutex::default(),
            get_realm_calls: AtomicUsize::new(0),
            tick_gate: tokio::sync::RwLock::new(()),
            ticks_waiting: AtomicUsize::new(0),
            delete_found_admin_tokens: AtomicBool::new(false),
        }
    }

    /// From now on, every admin token is deleted as soon as it has been found.
    pub fn delete_admin_tokens_once_found(&self) {
        self.delete_found_admin_tokens.store(true, Ordering::SeqCst);
    }

    /// From now on, `method` fails with `error()`.
    pub fn fail(&self, method: &'static str, error: MakeError) {
        self.faults.lock().unwrap().insert(method, error);
    }

    /// Every call succeeds again (as far as SQLite lets it).
    pub fn heal(&self) {
        self.faults.lock().unwrap().clear();
    }

    /// How many times the server asked for one realm by name.
    pub fn get_realm_calls(&self) -> usize {
        self.get_realm_calls.load(Ordering::SeqCst)
    }

    /// Holds refresh ticks at their first query until the guard is dropped.
    pub async fn hold_ticks(&self) -> tokio::sync::RwLockWriteGuard<'_, ()> {
        self.tick_gate.write().await
    }

    /// How many ticks have reached the gate (a held tick counts once it waits).
    pub fn ticks_waiting(&self) -> usize {
        self.ticks_waiting.load(Ordering::SeqCst)
    }

    fn check(&self, method: &'static str) -> Result<()> {
        match self.faults.lock().unwrap().get(method) {
            Some(error) => Err(error()),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl RealmStore for StoreDouble {
    async fn insert_realm(&self, realm: &Realm, keys: &[KeyRecord]) -> Result<()> {
        self.check("insert_realm")?;
        self.inner.insert_realm(realm, keys).await
    }
    async fn get_realm(&self, name: &RealmName) -> Result<Option<Realm>> {
        self.get_realm_calls.fetch_add(1, Ordering::SeqCst);
        self.check("get_realm")?;
        self.inner.get_realm(name).await
    }
    async fn list_realms(&self) -> Result<Vec<Realm>> {
        self.check("list_realms")?;
        self.inner.list_realms().await
    }
    async fn realm_versions(&self) -> Result<Vec<(RealmName, i64)>> {
        self.ticks_waiting.fetch_add(1, Ordering::SeqCst);
        let _open = self.tick_gate.read().await;
        self.check("realm_versions")?;
        self.inner.realm_versions().await
    }
    async fn update_realm_settings(
        &self,
        name: &RealmName,
        settings: &RealmSettings,
    ) -> Result<()> {
        self.check("update_realm_settings")?;
        self.inner.update_realm_settings(name, settings).await
    }
}

#[async_trait]
impl KeyStore for StoreDouble {
    async fn list_keys(&self, realm: &RealmName) -> Result<Vec<KeyRecord>> {
        self.check("list_keys")?;
        self.inner.list_keys(realm).await
    }
    async fn insert_key(&self, realm: &RealmName, key: &KeyRecord) -> Result<()> {
        self.check("insert_key")?;
        self.inner.insert_key(realm, key).await
    }
    async fn insert_next_key_if_absent(
        &self,
        realm: &RealmName,
        key: &KeyRecord,
        now: i64,
    ) -> Result<bool> {
        self.check("insert_next_key_if_absent")?;
        self.inner.insert_next_key_if_absent(realm, key, now).await
    }
    async fn retire_key(&self, realm: &RealmName, kid: &str, at: i64) -> Result<bool> {
        self.check("retire_key")?;
        self.inner.retire_key(realm, kid, at).await
    }
}

#[async_trait]
impl ClientStore for StoreDouble {
    async fn insert_client(&self, realm: &RealmName, client: &ClientRecord) -> Result<()> {
        self.check("insert_client")?;
        self.inner.insert_client(realm, client).await
    }
    async fn get_client(&self, realm: &RealmName, client_id: &str) -> Result<Option<ClientRecord>> {
        self.check("get_client")?;
        self.inner.get_client(realm, client_id).await
    }
    async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>> {
        self.check("list_clients")?;
        self.inner.list_clients(realm).await
    }
    async fn delete_client(&self, realm: &RealmName, client_id: &str) -> Result<bool> {
        self.check("delete_client")?;
        self.inner.delete_client(realm, client_id).await
    }
}

#[async_trait]
impl UserStore for StoreDouble {
    async fn insert_user(&self, realm: &RealmName, user: &UserRecord) -> Result<()> {
        self.check("insert_user")?;
        self.inner.insert_user(realm, user).await
    }
    async fn get_user_by_username(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<Option<UserRecord>> {
        self.check("get_user_by_username")?;
        self.inner.get_user_by_username(realm, username).await
    }
    async fn get_user(&self, realm: &RealmName, id: &str) -> Result<Option<UserRecord>> {
        self.check("get_user")?;
        self.inner.get_user(realm, id).await
    }
    async fn list_users(&self, realm: &RealmName) -> Result<Vec<UserRecord>> {
        self.check("list_users")?;
        self.inner.list_users(realm).await
    }
}

#[async_trait]
impl TokenStore for StoreDouble {
    async fn revoke_token(&self, realm: &RealmName, jti: &str, expires_at: i64) -> Result<()> {
        self.check("revoke_token")?;
        self.inner.revoke_token(realm, jti, expires_at).await
    }
    async fn revocations_after(
        &self,
        realm: &RealmName,
        position: i64,
        now: i64,
    ) -> Result<Vec<Revocation>> {
        self.check("revocations_after")?;
        self.inner.revocations_after(realm, position, now).await
    }
    async fn purge_expired_revocations(&self, now: i64) -> Result<u64> {
        self.check("purge_expired_revocations")?;
        self.inner.purge_expired_revocations(now).await
    }
    async fn insert_pat(&self, realm: &RealmName, pat: &PatRecord) -> Result<()> {
        self.check("insert_pat")?;
        self.inner.insert_pat(realm, pat).await
    }
    async fn get_pat(&self, realm: &RealmName, jti: &str) -> Result<Option<PatRecord>> {
        self.check("get_pat")?;
        self.inner.get_pat(realm, jti).await
    }
    async fn list_pats(&self, realm: &RealmName, user_id: Option<&str>) -> Result<Vec<PatRecord>> {
        self.check("list_pats")?;
        self.inner.list_pats(realm, user_id).await
    }
    async fn revoke_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<bool> {
        self.check("revoke_pat")?;
        self.inner.revoke_pat(realm, jti, now).await
    }
    async fn touch_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<()> {
        self.check("touch_pat")?;
        self.inner.touch_pat(realm, jti, now).await
    }
}

#[async_trait]
impl AdminStore for StoreDouble {
    async fn insert_admin_token(&self, token: &AdminTokenRecord) -> Result<()> {
        self.check("insert_admin_token")?;
        self.inner.insert_admin_token(token).await
    }
    async fn find_admin_token(&self, token_hash: &[u8]) -> Result<Option<AdminTokenRecord>> {
        self.check("find_admin_token")?;
        let found = self.inner.find_admin_token(token_hash).await?;
        if let Some(token) = &found
            && self.delete_found_admin_tokens.load(Ordering::SeqCst)
        {
            self.inner.delete_admin_token(&token.id).await?;
        }
        Ok(found)
    }
    async fn list_admin_tokens(&self) -> Result<Vec<AdminTokenRecord>> {
        self.check("list_admin_tokens")?;
        self.inner.list_admin_tokens().await
    }
    async fn touch_admin_token(&self, id: &str, now: i64) -> Result<()> {
        self.check("touch_admin_token")?;
        self.inner.touch_admin_token(id, now).await
    }
    async fn delete_admin_token(&self, id: &str) -> Result<bool> {
        self.check("delete_admin_token")?;
        self.inner.delete_admin_token(id).await
    }
    async fn meta_get_or_insert(&self, key: &str, value: &str) -> Result<String> {
        self.check("meta_get_or_insert")?;
        self.inner.meta_get_or_insert(key, value).await
    }
    async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.check("meta_get")?;
        self.inner.meta_get(key).await
    }
    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.check("meta_set")?;
        self.inner.meta_set(key, value).await
    }
}

#[async_trait]
impl Store for StoreDouble {
    async fn ping(&self) -> Result<()> {
        self.check("ping")?;
        self.inner.ping().await
    }
    fn backend(&self) -> &'static str {
        "test double over sqlite"
    }
}
