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
mod schema;
pub mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;

pub use error::StoreError;
pub use model::*;

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Realms: one issuer each, with settings and a version bumped on every change that a
/// running server must pick up (settings, keys, clients).
#[async_trait]
pub trait RealmStore: Send + Sync {
    /// Creates a realm with its first keys, atomically: no reader ever sees the realm without
    /// them. [`StoreError::Conflict`] if the name is taken.
    async fn insert_realm(&self, realm: &Realm, keys: &[KeyRecord]) -> Result<()>;
    /// One realm by name.
    async fn get_realm(&self, name: &RealmName) -> Result<Option<Realm>>;
    /// Every realm, ordered by name.
    async fn list_realms(&self) -> Result<Vec<Realm>>;
    /// Every realm's name and version: what a server polls to notice changes cheaply.
    async fn realm_versions(&self) -> Result<Vec<(RealmName, i64)>>;
    /// Replaces a realm's settings and bumps its version.
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

/// OAuth clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Registers a client and bumps the realm's version; [`StoreError::Conflict`] on a taken id.
    async fn insert_client(&self, realm: &RealmName, client: &ClientRecord) -> Result<()>;
    /// One client by id.
    async fn get_client(&self, realm: &RealmName, client_id: &str) -> Result<Option<ClientRecord>>;
    /// Every client of the realm, ordered by id.
    async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>>;
    /// Deletes a client and bumps the realm's version; `false` if there was none.
    async fn delete_client(&self, realm: &RealmName, client_id: &str) -> Result<bool>;
}

/// Users (minimal until the login issue completes them).
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
}

/// Revocation of JWT access tokens and the personal access tokens of users.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Records that the token with this `jti` is revoked until it expires. Idempotent.
    async fn revoke_token(&self, realm: &RealmName, jti: &str, expires_at: i64) -> Result<()>;
    /// The realm's revocation feed after `position` (0: from the start), oldest first,
    /// without tokens that have expired by `now`. Revoking a PAT adds it here too.
    async fn revocations_after(
        &self,
        realm: &RealmName,
        position: i64,
        now: i64,
    ) -> Result<Vec<Revocation>>;
    /// Forgets revocations of tokens that have expired anyway; returns how many.
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

/// Everything a server or a CLI command needs, behind one object.
#[async_trait]
pub trait Store:
    RealmStore + KeyStore + ClientStore + UserStore + TokenStore + AdminStore + std::fmt::Debug
{
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// Which backend this is, for logs ("sqlite", "postgres").
    fn backend(&self) -> &'static str;
}
