//! A store for tests that stands between the server and SQLite: it delegates every call, and
//! can fail chosen calls with a chosen error, count the realm lookups, and hold the registry's
//! refresh at its first query so a test decides when a refresh tick happens.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use sigil_store::{
    AdminStore, AdminTokenRecord, AssertionStore, ClientRecord, ClientStore, CodeRecord, CodeStore,
    ConsentRecord, ConsentStore, FeedEntry, GrantRecord, GrantStore, JanitorStore, KeyRecord,
    KeyStore, PatRecord, PurgeReport, PushedRequestRecord, PushedRequestStore, Realm, RealmName,
    RealmSettings, RealmStore, RefreshRecord, Result, Revocation, Rotation, SessionRecord,
    SessionStore, Store, StoreError, TakenCode, ThrottleStore, TokenStore, UserRecord, UserStore,
};

/// Makes the error an injected fault fails with (a fresh one per call).
pub type MakeError = fn() -> StoreError;

#[derive(Debug)]
pub struct StoreDouble {
    inner: Arc<dyn Store>,
    /// Method name → the error it fails with, until healed.
    faults: Mutex<HashMap<&'static str, MakeError>>,
    get_realm_calls: AtomicUsize,
    /// Method name → how many times it was called.
    calls: Mutex<HashMap<&'static str, usize>>,
    /// `feed_after` (the first query of every refresh tick) waits for a read guard;
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
            calls: Mutex::default(),
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

    /// How many times each method has been called so far.
    pub fn calls(&self) -> HashMap<&'static str, usize> {
        self.calls.lock().unwrap().clone()
    }

    fn check(&self, method: &'static str) -> Result<()> {
        *self.calls.lock().unwrap().entry(method).or_default() += 1;
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
    async fn list_realms_page(&self, after: Option<&RealmName>, limit: u32) -> Result<Vec<Realm>> {
        self.check("list_realms_page")?;
        self.inner.list_realms_page(after, limit).await
    }
    async fn realm_versions(&self) -> Result<Vec<(RealmName, i64)>> {
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
    async fn update_client(&self, realm: &RealmName, client: &ClientRecord) -> Result<()> {
        self.check("update_client")?;
        self.inner.update_client(realm, client).await
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
    async fn update_user(&self, realm: &RealmName, user: &UserRecord) -> Result<()> {
        self.check("update_user")?;
        self.inner.update_user(realm, user).await
    }
    async fn delete_user(&self, realm: &RealmName, id: &str) -> Result<bool> {
        self.check("delete_user")?;
        self.inner.delete_user(realm, id).await
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
    async fn feed_after(&self, position: i64, now: i64, limit: u32) -> Result<Vec<FeedEntry>> {
        self.ticks_waiting.fetch_add(1, Ordering::SeqCst);
        let _open = self.tick_gate.read().await;
        self.check("feed_after")?;
        self.inner.feed_after(position, now, limit).await
    }
    async fn feed_head(&self) -> Result<i64> {
        self.check("feed_head")?;
        self.inner.feed_head().await
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
impl JanitorStore for StoreDouble {
    async fn purge_expired(&self, now: i64, batch: u32) -> Result<PurgeReport> {
        self.check("purge_expired")?;
        self.inner.purge_expired(now, batch).await
    }
}

#[async_trait]
impl PushedRequestStore for StoreDouble {
    async fn insert_pushed_request(
        &self,
        realm: &RealmName,
        request: &PushedRequestRecord,
    ) -> Result<()> {
        self.check("insert_pushed_request")?;
        self.inner.insert_pushed_request(realm, request).await
    }
    async fn take_pushed_request(
        &self,
        realm: &RealmName,
        uri_hash: &[u8],
        now: i64,
    ) -> Result<Option<PushedRequestRecord>> {
        self.check("take_pushed_request")?;
        self.inner.take_pushed_request(realm, uri_hash, now).await
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

#[async_trait]
impl CodeStore for StoreDouble {
    async fn insert_code(&self, realm: &RealmName, code: &CodeRecord) -> Result<()> {
        self.check("insert_code")?;
        self.inner.insert_code(realm, code).await
    }
    async fn take_code(&self, realm: &RealmName, code_hash: &[u8], now: i64) -> Result<TakenCode> {
        self.check("take_code")?;
        self.inner.take_code(realm, code_hash, now).await
    }
}

#[async_trait]
impl GrantStore for StoreDouble {
    async fn insert_grant(
        &self,
        realm: &RealmName,
        grant: &GrantRecord,
        refresh: Option<&RefreshRecord>,
    ) -> Result<()> {
        self.check("insert_grant")?;
        self.inner.insert_grant(realm, grant, refresh).await
    }
    async fn get_grant(&self, realm: &RealmName, id: &str) -> Result<Option<GrantRecord>> {
        self.check("get_grant")?;
        self.inner.get_grant(realm, id).await
    }
    async fn grant_of_refresh(
        &self,
        realm: &RealmName,
        token_hash: &[u8],
    ) -> Result<Option<GrantRecord>> {
        self.check("grant_of_refresh")?;
        self.inner.grant_of_refresh(realm, token_hash).await
    }
    async fn rotate_refresh(
        &self,
        realm: &RealmName,
        presented_hash: &[u8],
        successor: &RefreshRecord,
        successor_sealed: &[u8],
        now: i64,
        grace_secs: i64,
    ) -> Result<Rotation> {
        self.check("rotate_refresh")?;
        let inner = &self.inner;
        inner
            .rotate_refresh(
                realm,
                presented_hash,
                successor,
                successor_sealed,
                now,
                grace_secs,
            )
            .await
    }
    async fn revoke_grant(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool> {
        self.check("revoke_grant")?;
        self.inner.revoke_grant(realm, id, now).await
    }
    async fn revoke_grants_of_user(
        &self,
        realm: &RealmName,
        user_id: &str,
        now: i64,
    ) -> Result<u64> {
        self.check("revoke_grants_of_user")?;
        self.inner.revoke_grants_of_user(realm, user_id, now).await
    }
    async fn revoke_grants_of_client(
        &self,
        realm: &RealmName,
        client_id: &str,
        now: i64,
    ) -> Result<u64> {
        self.check("revoke_grants_of_client")?;
        self.inner
            .revoke_grants_of_client(realm, client_id, now)
            .await
    }
}

#[async_trait]
impl SessionStore for StoreDouble {
    async fn insert_session(&self, realm: &RealmName, session: &SessionRecord) -> Result<()> {
        self.check("insert_session")?;
        self.inner.insert_session(realm, session).await
    }
    async fn find_session(
        &self,
        realm: &RealmName,
        secret_hash: &[u8],
        now: i64,
    ) -> Result<Option<SessionRecord>> {
        self.check("find_session")?;
        self.inner.find_session(realm, secret_hash, now).await
    }
    async fn get_session(&self, realm: &RealmName, id: &str) -> Result<Option<SessionRecord>> {
        self.check("get_session")?;
        self.inner.get_session(realm, id).await
    }
    async fn touch_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<()> {
        self.check("touch_session")?;
        self.inner.touch_session(realm, id, now).await
    }
    async fn end_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool> {
        self.check("end_session")?;
        self.inner.end_session(realm, id, now).await
    }
    async fn end_sessions_of_user(
        &self,
        realm: &RealmName,
        user_id: &str,
        now: i64,
    ) -> Result<u64> {
        self.check("end_sessions_of_user")?;
        self.inner.end_sessions_of_user(realm, user_id, now).await
    }
}

#[async_trait]
impl ConsentStore for StoreDouble {
    async fn get_consent(
        &self,
        realm: &RealmName,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<ConsentRecord>> {
        self.check("get_consent")?;
        self.inner.get_consent(realm, user_id, client_id).await
    }
    async fn put_consent(&self, realm: &RealmName, consent: &ConsentRecord) -> Result<()> {
        self.check("put_consent")?;
        self.inner.put_consent(realm, consent).await
    }
    async fn delete_consents_of_client(&self, realm: &RealmName, client_id: &str) -> Result<u64> {
        self.check("delete_consents_of_client")?;
        self.inner.delete_consents_of_client(realm, client_id).await
    }
}

#[async_trait]
impl ThrottleStore for StoreDouble {
    async fn record_login_failure(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, i64)> {
        self.check("record_login_failure")?;
        self.inner
            .record_login_failure(realm, key, now, window_secs)
            .await
    }
    async fn login_failures(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, Option<i64>)> {
        self.check("login_failures")?;
        self.inner
            .login_failures(realm, key, now, window_secs)
            .await
    }
    async fn clear_login_failures(&self, realm: &RealmName, key: &str) -> Result<()> {
        self.check("clear_login_failures")?;
        self.inner.clear_login_failures(realm, key).await
    }
}

#[async_trait]
impl AssertionStore for StoreDouble {
    async fn record_assertion(
        &self,
        realm: &RealmName,
        client_id: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        self.check("record_assertion")?;
        self.inner
            .record_assertion(realm, client_id, jti, expires_at, now)
            .await
    }
}
