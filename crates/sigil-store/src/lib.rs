//! Sigil's storage, behind one trait with one implementation per database.
//!
//! **Architecture invariant:** this is the only crate that knows SQL. Every method is scoped to
//! a realm (except the server-wide admin tokens and metadata), takes the current time as an
//! argument when it needs one, and says in its name what it does atomically
//! (`insert_client`, `revoke_token`, `take_…`). Both backends pass the suite in
//! [`conformance`], including realm isolation.
//!
//! The store does not interpret what it keeps: keys arrive sealed and as JSON, secrets as
//! digests. Cryptography and policy live in `sigil-server`.

mod error;
pub mod model;
pub mod postgres;
mod rows;
mod schema;
pub mod sqlite;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;

pub use error::StoreError;
pub use model::*;

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Realms: one issuer each, with settings and a version bumped on every change that makes a
/// running server rebuild the realm (settings, keys). Creating a realm and every bump add a
/// [`FeedKind::Realm`] entry to the feed in the same transaction, so servers learn of realm
/// changes from the one feed read that brings them revocations. Client changes do not bump
/// it: they reach servers through the feed one client at a time ([`FeedKind::Client`]).
#[async_trait]
pub trait RealmStore: Send + Sync {
    /// Creates a realm with its first keys, atomically: no reader ever sees the realm without
    /// them. [`StoreError::Conflict`] if the name is taken.
    async fn insert_realm(&self, realm: &Realm, keys: &[KeyRecord]) -> Result<()>;
    /// One realm by name.
    async fn get_realm(&self, name: &RealmName) -> Result<Option<Realm>>;
    /// Every realm, ordered by name.
    async fn list_realms(&self) -> Result<Vec<Realm>>;
    /// At most `limit` realms whose names sort after `after` (from the first without it), in
    /// byte order of their names: a listing of thousands of realms, page by page.
    async fn list_realms_page(&self, after: Option<&RealmName>, limit: u32) -> Result<Vec<Realm>>;
    /// Every realm's name and version.
    async fn realm_versions(&self) -> Result<Vec<(RealmName, i64)>>;
    /// Replaces a realm's settings and bumps its version (a [`FeedKind::Realm`] entry).
    async fn update_realm_settings(&self, name: &RealmName, settings: &RealmSettings)
    -> Result<()>;
}

/// Signing keys, their private parts sealed by the caller.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every key of the realm, oldest first.
    async fn list_keys(&self, realm: &RealmName) -> Result<Vec<KeyRecord>>;
    /// Adds a key and bumps the realm's version; [`StoreError::Conflict`] on a known kid,
    /// [`StoreError::Constraint`] for a key published after it activates or of an unknown
    /// origin.
    async fn insert_key(&self, realm: &RealmName, key: &KeyRecord) -> Result<()>;
    /// Adds `key` as the next key of its algorithm unless one is already waiting to activate
    /// (a signing key of that algorithm with `activate_at > now`, not retired by then).
    /// Atomic: of several nodes racing, exactly one inserts. Returns whether this call did.
    async fn insert_next_key_if_absent(
        &self,
        realm: &RealmName,
        key: &KeyRecord,
        now: i64,
    ) -> Result<bool>;
    /// Removes a key from `at` (sets `retired_at`) and bumps the version; `false` if unknown.
    async fn retire_key(&self, realm: &RealmName, kid: &str, at: i64) -> Result<bool>;
}

/// OAuth clients. None of these bump the realm's version: a server caches clients one by one
/// and only known clients, so a new client is found on its first use, and a changed or deleted
/// one is announced by a [`FeedKind::Client`] entry of the revocation feed.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Registers a client; [`StoreError::Conflict`] on a taken id.
    async fn insert_client(&self, realm: &RealmName, client: &ClientRecord) -> Result<()>;
    /// One client by id.
    async fn get_client(&self, realm: &RealmName, client_id: &str) -> Result<Option<ClientRecord>>;
    /// Every client of the realm, ordered by id.
    async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>>;
    /// Replaces a client's registration (all but `client_id` and `created_at`) and adds a
    /// [`FeedKind::Client`] entry to the feed, in one transaction; [`StoreError::NotFound`] if
    /// there is no such client.
    async fn update_client(&self, realm: &RealmName, client: &ClientRecord) -> Result<()>;
    /// Deletes a client and adds a [`FeedKind::Client`] entry to the feed; `false` if there
    /// was none.
    async fn delete_client(&self, realm: &RealmName, client_id: &str) -> Result<bool>;
}

/// Users: the people who sign in.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; [`StoreError::Conflict`] on a taken id or username.
    async fn insert_user(&self, realm: &RealmName, user: &UserRecord) -> Result<()>;
    /// One user by username.
    async fn get_user_by_username(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<Option<UserRecord>>;
    /// One user by id (the `sub`).
    async fn get_user(&self, realm: &RealmName, id: &str) -> Result<Option<UserRecord>>;
    /// Every user of the realm, ordered by username.
    async fn list_users(&self, realm: &RealmName) -> Result<Vec<UserRecord>>;
    /// Replaces the stored user whose id is `user.id` (every field but `id` and
    /// `created_at`); [`StoreError::NotFound`] if there is none, [`StoreError::Conflict`] if
    /// the new username is taken.
    async fn update_user(&self, realm: &RealmName, user: &UserRecord) -> Result<()>;
    /// Deletes the user row only (sessions, grants and tokens are the caller's to end first);
    /// `false` if there was none.
    async fn delete_user(&self, realm: &RealmName, id: &str) -> Result<bool>;
}

/// Revocation of JWT access tokens and the personal access tokens of users, and the realm's
/// revocation feed.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Records that the token with this `jti` is revoked until it expires. Idempotent.
    async fn revoke_token(&self, realm: &RealmName, jti: &str, expires_at: i64) -> Result<()>;
    /// The realm's revocation feed after `position` (0: from the start), oldest first,
    /// without entries that have expired by `now`. Every kind but [`FeedKind::Realm`] is here:
    /// revoked tokens and PATs, revoked grants, ended sessions, changed or deleted clients.
    async fn revocations_after(
        &self,
        realm: &RealmName,
        position: i64,
        now: i64,
    ) -> Result<Vec<Revocation>>;
    /// Every realm's feed after `position`, oldest first, at most `limit` entries, without
    /// those that have expired by `now`: one query however many realms there are. A reader
    /// that asks again after the last position it got never misses an entry that committed,
    /// on either backend (positions become visible in increasing order).
    async fn feed_after(&self, position: i64, now: i64, limit: u32) -> Result<Vec<FeedEntry>>;
    /// The newest position handed out so far (0 if none): where a reader that has loaded
    /// everything it needs starts following the feed.
    async fn feed_head(&self) -> Result<i64>;
    /// Forgets feed entries that have expired anyway; returns how many. Client and realm
    /// entries have no expiry of their own: the first purge that sees one gives it
    /// [`CLIENT_FEED_RETENTION_SECS`] from its `now`, so every server has long caught up
    /// before it goes.
    async fn purge_expired_revocations(&self, now: i64) -> Result<u64>;

    /// Records a newly issued personal access token; [`StoreError::Constraint`] if it does
    /// not expire after it was issued.
    async fn insert_pat(&self, realm: &RealmName, pat: &PatRecord) -> Result<()>;
    /// One personal access token by `jti`.
    async fn get_pat(&self, realm: &RealmName, jti: &str) -> Result<Option<PatRecord>>;
    /// The realm's personal access tokens, of one user or all, newest first.
    async fn list_pats(&self, realm: &RealmName, user_id: Option<&str>) -> Result<Vec<PatRecord>>;
    /// Marks a PAT revoked at `now` and adds it to the revocation feed; `false` if unknown or
    /// already revoked.
    async fn revoke_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<bool>;
    /// Records a use of the PAT at `now` (nothing if there is no such PAT: introspection
    /// verified the token's signature, and its row matters only for listing).
    async fn touch_pat(&self, realm: &RealmName, jti: &str, now: i64) -> Result<()>;
}

/// Server-wide: admin bearer tokens and metadata.
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// Records an admin token (its digest, never the token).
    async fn insert_admin_token(&self, token: &AdminTokenRecord) -> Result<()>;
    /// The admin token whose digest is this, if any.
    async fn find_admin_token(&self, token_hash: &[u8]) -> Result<Option<AdminTokenRecord>>;
    /// Every admin token, oldest first.
    async fn list_admin_tokens(&self) -> Result<Vec<AdminTokenRecord>>;
    /// Records a use of the admin token at `now`; [`StoreError::NotFound`] if there is none
    /// (it was deleted since it was found).
    async fn touch_admin_token(&self, id: &str, now: i64) -> Result<()>;
    /// Deletes an admin token; `false` if there was none.
    async fn delete_admin_token(&self, id: &str) -> Result<bool>;

    /// Stores `value` under `key` unless a value is there; returns the value that is stored.
    async fn meta_get_or_insert(&self, key: &str, value: &str) -> Result<String>;
    /// The value stored under `key`, if any.
    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    /// Stores `value` under `key`, replacing what was there (last writer wins).
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;
}

/// Authorization codes (RFC 6749 §4.1.2), single use (§10.5).
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores a new code; [`StoreError::Conflict`] if its digest is taken.
    async fn insert_code(&self, realm: &RealmName, code: &CodeRecord) -> Result<()>;
    /// Marks the code used. Exactly one of any number of concurrent takers gets
    /// [`TakenCode::Taken`]; later ones [`TakenCode::Replayed`] (with the record, so the caller
    /// can revoke its grant, RFC 6749 §4.1.2); an absent code, or an unused one that expired by
    /// `now`, is [`TakenCode::Unknown`].
    async fn take_code(&self, realm: &RealmName, code_hash: &[u8], now: i64) -> Result<TakenCode>;
}

/// Pushed authorization requests (RFC 9126), single use.
#[async_trait]
pub trait PushedRequestStore: Send + Sync {
    /// Stores a pushed request; [`StoreError::Conflict`] if its digest is taken.
    async fn insert_pushed_request(
        &self,
        realm: &RealmName,
        request: &PushedRequestRecord,
    ) -> Result<()>;
    /// Removes and returns the pushed request stored under `uri_hash`, if it has not expired
    /// by `now`. Of any number of concurrent takers exactly one gets it (RFC 9126 §4: a
    /// `request_uri` is for one authorization request); an expired one is `None`, like an
    /// absent or already taken one.
    async fn take_pushed_request(
        &self,
        realm: &RealmName,
        uri_hash: &[u8],
        now: i64,
    ) -> Result<Option<PushedRequestRecord>>;
}

/// Grants and their refresh tokens (RFC 6749 §6, rotated as RFC 9700 §4.14.2 describes).
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Creates a grant, with its first refresh token if any, in one transaction (the token's
    /// `grant_id` must be the grant's: [`StoreError::Constraint`] otherwise);
    /// [`StoreError::Conflict`] on a taken id or token digest.
    async fn insert_grant(
        &self,
        realm: &RealmName,
        grant: &GrantRecord,
        refresh: Option<&RefreshRecord>,
    ) -> Result<()>;
    /// One grant by id, revoked or not.
    async fn get_grant(&self, realm: &RealmName, id: &str) -> Result<Option<GrantRecord>>;
    /// The grant a refresh token belongs to (whatever the token's state), without spending
    /// it: so a request that will be refused anyway (another client, a wider scope) is refused
    /// before the rotation, not after.
    async fn grant_of_refresh(
        &self,
        realm: &RealmName,
        token_hash: &[u8],
    ) -> Result<Option<GrantRecord>>;
    /// One transaction; see [`Rotation`]. The presented token must be unexpired at `now` and
    /// its grant live; if it is current, it is marked rotated and `successor` is stored under
    /// the presented token's grant (`successor.grant_id` is not consulted: the caller cannot
    /// know it before this call). `successor_sealed` is kept for `grace_secs` so that a
    /// concurrent duplicate refresh gets the same successor ([`Rotation::Grace`], while
    /// `now < rotated_at + grace_secs`); after that, presenting the rotated token is reuse
    /// and revokes the grant ([`Rotation::Reused`]). Of any number of concurrent callers
    /// with one token, exactly one rotates.
    async fn rotate_refresh(
        &self,
        realm: &RealmName,
        presented_hash: &[u8],
        successor: &RefreshRecord,
        successor_sealed: &[u8],
        now: i64,
        grace_secs: i64,
    ) -> Result<Rotation>;
    /// Revokes a grant and its refresh tokens, adding it to the feed ([`FeedKind::Grant`]);
    /// `false` if unknown or already revoked.
    async fn revoke_grant(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool>;
    /// Revokes every live grant of a user, as [`Self::revoke_grant`]; returns how many.
    async fn revoke_grants_of_user(
        &self,
        realm: &RealmName,
        user_id: &str,
        now: i64,
    ) -> Result<u64>;
    /// Revokes every live grant of a client, as [`Self::revoke_grant`]; returns how many.
    async fn revoke_grants_of_client(
        &self,
        realm: &RealmName,
        client_id: &str,
        now: i64,
    ) -> Result<u64>;
}

/// Login sessions (OIDC Core §3.1.2.1: the End-User's authenticated session at the OP).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session; [`StoreError::Conflict`] on a taken id or secret digest.
    async fn insert_session(&self, realm: &RealmName, session: &SessionRecord) -> Result<()>;
    /// The live session whose secret hashes to this (not ended, not expired by `now`).
    async fn find_session(
        &self,
        realm: &RealmName,
        secret_hash: &[u8],
        now: i64,
    ) -> Result<Option<SessionRecord>>;
    /// One session by id, ended or not.
    async fn get_session(&self, realm: &RealmName, id: &str) -> Result<Option<SessionRecord>>;
    /// Records a use at `now` (`last_seen_at` never moves back); [`StoreError::NotFound`] if
    /// there is no such session.
    async fn touch_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<()>;
    /// Ends a session, adding it to the feed ([`FeedKind::Session`]); `false` if unknown or
    /// already ended.
    async fn end_session(&self, realm: &RealmName, id: &str, now: i64) -> Result<bool>;
    /// Ends every live session of a user, as [`Self::end_session`]; returns how many.
    async fn end_sessions_of_user(&self, realm: &RealmName, user_id: &str, now: i64)
    -> Result<u64>;
}

/// Consents: which scopes a user allowed a client.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// The user's consent to the client, if any.
    async fn get_consent(
        &self,
        realm: &RealmName,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<ConsentRecord>>;
    /// Inserts or replaces the consent of `(user_id, client_id)`.
    async fn put_consent(&self, realm: &RealmName, consent: &ConsentRecord) -> Result<()>;
    /// Forgets every consent to a client; returns how many.
    async fn delete_consents_of_client(&self, realm: &RealmName, client_id: &str) -> Result<u64>;
}

/// The login throttle: failed logins counted per key in fixed windows, in the store so that it
/// holds across nodes.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts a failed login for `key` (e.g. `user:<id>` or `addr:<ip>`), atomically (no
    /// failure of concurrent callers is lost); a window starts at the first failure and resets
    /// `window_secs` later (a failure at `window_start + window_secs` opens a new one).
    /// Returns (failures in the window, window start).
    async fn record_login_failure(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, i64)>;
    /// Failures in the current window (0 if it has passed) and when the last one was (`None`
    /// if none is recorded).
    async fn login_failures(
        &self,
        realm: &RealmName,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(u32, Option<i64>)>;
    /// Forgets the failures of `key` (after a successful login).
    async fn clear_login_failures(&self, realm: &RealmName, key: &str) -> Result<()>;
}

/// Client assertions (`private_key_jwt`, RFC 7523 §3 item 7): a `jti` is accepted once per
/// client, on every node, for as long as the assertion could be accepted at all.
#[async_trait]
pub trait AssertionStore: Send + Sync {
    /// Records that `client_id` presented the assertion `jti`, remembered until `expires_at`.
    /// `true` if it is fresh: never recorded, or recorded and expired by `now` (the janitor
    /// had not deleted it yet); `false` if it is a replay. Of any number of concurrent callers
    /// with one `jti`, exactly one gets `true`.
    async fn record_assertion(
        &self,
        realm: &RealmName,
        client_id: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool>;
}

/// How long a [`FeedKind::Client`] or [`FeedKind::Realm`] entry stays in the feed after the first purge that sees it.
pub const CLIENT_FEED_RETENTION_SECS: i64 = 24 * 3600;

/// How long the janitor keeps an authorization code after it expires, so that a late replay
/// is still told apart from a made-up code (RFC 6749 §4.1.2: revoke what the code issued).
pub const CODE_REPLAY_RETENTION_SECS: i64 = 3600;

/// Deleting what can no longer matter, so that tables do not grow without limit: used and
/// expired codes, grants past their absolute lifetime (with their refresh tokens), expired
/// sessions, login-failure counts whose window has passed, expired feed entries, expired
/// pushed authorization requests and expired client assertion ids. Codes are kept
/// [`CODE_REPLAY_RETENTION_SECS`] past their expiry.
#[async_trait]
pub trait JanitorStore: Send + Sync {
    /// Deletes at most `batch` dead rows of each table, as of `now`; a caller repeats while
    /// [`PurgeReport::total`] is not zero. Never deletes a row that is still live.
    async fn purge_expired(&self, now: i64, batch: u32) -> Result<PurgeReport>;
}

/// Everything a server or a CLI command needs, behind one object.
#[async_trait]
pub trait Store:
    RealmStore
    + KeyStore
    + ClientStore
    + UserStore
    + TokenStore
    + AdminStore
    + CodeStore
    + GrantStore
    + SessionStore
    + ConsentStore
    + ThrottleStore
    + PushedRequestStore
    + AssertionStore
    + JanitorStore
    + std::fmt::Debug
{
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// Which backend this is, for logs ("sqlite", "postgres").
    fn backend(&self) -> &'static str;
}
