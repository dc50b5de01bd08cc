//! The records the store keeps, and the validated names at its edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A realm's name: `[a-z0-9-]{1,63}` (PRODUCT.md, Realms).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RealmName(String);

impl RealmName {
    /// The realm served at the issuer root.
    pub const DEFAULT: &'static str = "default";

    /// Validates a realm name.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidRealmName> {
        let name = name.into();
        let valid = (1..=63).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Self(name))
        } else {
            Err(InvalidRealmName(name))
        }
    }

    /// The `default` realm.
    pub fn default_realm() -> Self {
        Self(Self::DEFAULT.to_owned())
    }

    /// Whether this is the `default` realm.
    pub fn is_default(&self) -> bool {
        self.0 == Self::DEFAULT
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RealmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RealmName {
    type Error = InvalidRealmName;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<RealmName> for String {
    fn from(name: RealmName) -> Self {
        name.0
    }
}

/// A realm name that breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid realm name {0:?}: use 1 to 63 characters from a-z, 0-9 and '-'")]
pub struct InvalidRealmName(pub String);

/// A realm: one issuer with its own keys, clients and users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    /// The name.
    pub name: RealmName,
    /// Policies (kept as JSON so that new settings need no migration).
    pub settings: RealmSettings,
    /// Bumped on every change a running server must notice.
    pub version: i64,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// A realm's policies. Unknown fields are kept out; missing ones take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RealmSettings {
    /// Signing algorithms the realm keeps a key for (`RS256` always among them).
    pub signing_algs: Vec<String>,
    /// Key management algorithms (RFC 7518 §4.1) the realm keeps a decryption key for, so
    /// that clients can encrypt request objects to it (`use: enc` in its JWKS, seed 003).
    pub encryption_algs: Vec<String>,
    /// RSA modulus size for keys the realm generates.
    pub rsa_bits: u32,
    /// Default access-token lifetime in seconds.
    pub access_token_ttl_secs: u64,
    /// Longest lifetime of a personal access token, in seconds (≤ 90 days).
    pub pat_max_ttl_secs: u64,
    /// Longest lifetime of a token minted through the admin API, in seconds.
    pub minted_token_max_ttl_secs: u64,
    /// The sealed legacy HS256 secret, when legacy acceptance is on (seed 002).
    pub legacy_hs256_sealed: Option<String>,
    /// How long a generated key signs before its successor takes over, in seconds.
    pub rotation_period_secs: u64,
    /// Lifetime of an authorization code (RFC 6749 §4.1.2: short; 60 s).
    pub code_ttl_secs: u64,
    /// Lifetime of an ID token.
    pub id_token_ttl_secs: u64,
    /// ID-token algorithm of clients that registered none (seed 001 uses ES256).
    pub id_token_signing_alg: Option<String>,
    /// A refresh token unused this long expires (idle lifetime).
    pub refresh_idle_ttl_secs: u64,
    /// No refresh token of a grant outlives this, used or not (absolute lifetime).
    pub refresh_absolute_ttl_secs: u64,
    /// A rotated refresh token presented again within this many seconds gets the same
    /// successor (a concurrent duplicate), not a revocation.
    pub refresh_grace_secs: u64,
    /// How long a login session lasts.
    pub session_ttl_secs: u64,
    /// PKCE for every client, confidential ones too.
    pub require_pkce: bool,
    /// Failed logins per account or client address within the window before logins back off.
    pub login_failures_allowed: u32,
    /// The window those failures are counted in, in seconds.
    pub login_failure_window_secs: u64,
    /// Every authorization request must arrive through the PAR endpoint (RFC 9126 §5).
    pub require_pushed_authorization_requests: bool,
    /// How the realm's pages present it (name, logo, colour); Sigil's own when unset.
    pub brand: RealmBrand,
    /// Page templates replacing Sigil's by name (`login.html`, …): the realm's theme.
    pub theme: std::collections::BTreeMap<String, String>,
}

/// A realm's branding on its pages. Each unset field keeps Sigil's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RealmBrand {
    /// The name shown in headers and titles.
    pub name: Option<String>,
    /// A logo (https URL).
    pub logo_uri: Option<String>,
    /// The accent colour (`#rgb` or `#rrggbb`).
    pub colour: Option<String>,
}

impl Default for RealmSettings {
    fn default() -> Self {
        Self {
            signing_algs: vec!["RS256".to_owned()],
            // Both that OIDC clients use (seed 003 publishes the set for encryption too): one
            // RSA and one P-256 key more per realm, generated with the realm.
            encryption_algs: vec!["RSA-OAEP-256".to_owned(), "ECDH-ES+A256KW".to_owned()],
            rsa_bits: 3072,
            access_token_ttl_secs: 600,
            pat_max_ttl_secs: 90 * 24 * 3600,
            minted_token_max_ttl_secs: 24 * 3600,
            legacy_hs256_sealed: None,
            rotation_period_secs: 30 * 24 * 3600,
            code_ttl_secs: 60,
            id_token_ttl_secs: 3600,
            id_token_signing_alg: None,
            refresh_idle_ttl_secs: 7 * 24 * 3600,
            refresh_absolute_ttl_secs: 30 * 24 * 3600,
            refresh_grace_secs: 5,
            session_ttl_secs: 10 * 3600,
            require_pkce: false,
            login_failures_allowed: 5,
            login_failure_window_secs: 15 * 60,
            require_pushed_authorization_requests: false,
            brand: RealmBrand::default(),
            theme: std::collections::BTreeMap::new(),
        }
    }
}

/// A key of a realm: a signing key, or a decryption key (`use: enc`) when `alg` is a key
/// management algorithm. The lifecycle state is derived from the times (key lifecycle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key id.
    pub kid: String,
    /// The JWS algorithm, or the JWE key management algorithm of a decryption key.
    pub alg: String,
    /// The public JWK, as published.
    pub public_jwk: String,
    /// The PKCS#8 private key sealed under the master key; `None` for a key kept only to
    /// verify (an imported previous public key).
    pub private_sealed: Option<Vec<u8>>,
    /// When the key was created or imported.
    pub created_at: i64,
    /// From when the key is published in the JWKS.
    pub publish_at: i64,
    /// From when the key signs (ignored for verification-only keys).
    pub activate_at: i64,
    /// When the key stopped signing early (retired); `None` while its lifecycle runs.
    pub retired_at: Option<i64>,
    /// Where the key came from: `generated` or `imported`.
    pub origin: String,
}

/// An OAuth client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    /// `client_id`.
    pub client_id: String,
    /// A human name.
    pub name: String,
    /// SHA-256 of the client secret; `None` for public clients.
    pub secret_hash: Option<Vec<u8>>,
    /// `token_endpoint_auth_method`.
    pub auth_method: String,
    /// Allowed grant types.
    pub grant_types: Vec<String>,
    /// Registered redirect URIs (matched exactly).
    pub redirect_uris: Vec<String>,
    /// Scopes the client may be granted.
    pub scopes: Vec<String>,
    /// Audiences of its access tokens.
    pub audiences: Vec<String>,
    /// Access-token lifetime override, in seconds.
    pub access_token_ttl_secs: Option<u64>,
    /// Access-token signing algorithm override.
    pub signing_alg: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// The OpenID Connect registration metadata and per-client policies; stored as one JSON
    /// document so that new members need no schema change.
    pub settings: ClientSettings,
}

/// A client's OpenID Connect metadata (OIDC Dynamic Client Registration 1.0 §2) and the
/// policies Sigil adds. Missing members take their defaults; unknown ones are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSettings {
    /// `post_logout_redirect_uris` (RP-Initiated Logout 1.0 §3.1), matched exactly.
    pub post_logout_redirect_uris: Vec<String>,
    /// `id_token_signed_response_alg`; the realm's default when absent.
    pub id_token_signed_response_alg: Option<String>,
    /// `userinfo_signed_response_alg`; userinfo is plain JSON when absent (OIDC Core §5.3.2).
    pub userinfo_signed_response_alg: Option<String>,
    /// `logo_uri`, shown on the login and consent pages.
    pub logo_uri: Option<String>,
    /// `policy_uri`, linked from the consent page.
    pub policy_uri: Option<String>,
    /// `tos_uri`, linked from the consent page.
    pub tos_uri: Option<String>,
    /// `client_uri`, the client's home page.
    pub client_uri: Option<String>,
    /// A first-party client: its users are not asked for consent.
    pub first_party: bool,
    /// PKCE is required even though the client is confidential (always for public clients).
    pub require_pkce: bool,
    /// Issue a refresh token (when the client has the grant) even without `offline_access`.
    pub refresh_without_offline_access: bool,
    /// `application_type` (OIDC Registration §2): `web` or `native`; `web` when absent.
    pub application_type: Option<String>,
    /// `response_types` as registered (RFC 7591 §2), echoed back; `["code"]` when empty.
    pub response_types: Vec<String>,
    /// `jwks` (RFC 7591 §2): the client's public keys, as registered (a JWK Set document).
    /// Exclusive with `jwks_uri`.
    pub jwks: Option<serde_json::Value>,
    /// `jwks_uri` (RFC 7591 §2): where the client publishes its public keys.
    pub jwks_uri: Option<String>,
    /// `token_endpoint_auth_signing_alg`: the one algorithm of its `private_key_jwt`
    /// assertions, when it pinned one.
    pub token_endpoint_auth_signing_alg: Option<String>,
    /// `request_object_signing_alg` (OIDC Registration §2): the algorithm its request objects
    /// must be signed with, when it pinned one.
    pub request_object_signing_alg: Option<String>,
    /// `request_object_encryption_alg`: the key management algorithm of its encrypted request
    /// objects, when it registered one.
    pub request_object_encryption_alg: Option<String>,
    /// `request_object_encryption_enc`: their content encryption (A128CBC-HS256 by default
    /// when an alg is registered).
    pub request_object_encryption_enc: Option<String>,
    /// `require_pushed_authorization_requests` (RFC 9126 §6).
    pub require_pushed_authorization_requests: bool,
    /// `subject_type` (OIDC Core §8): `public` or `pairwise`; the realm's default when absent.
    pub subject_type: Option<String>,
    /// `sector_identifier_uri` (OIDC Core §8.1), as registered.
    pub sector_identifier_uri: Option<String>,
    /// The sector identifier pairwise subjects are derived from: the host of the
    /// `sector_identifier_uri`, else of the one redirect URI host; fixed at registration so
    /// that issuing a token never fetches anything.
    pub sector_identifier: Option<String>,
    /// `default_max_age` (OIDC Registration §2), in seconds.
    pub default_max_age: Option<u64>,
    /// `require_auth_time` (OIDC Registration §2).
    pub require_auth_time: bool,
    /// `contacts` (RFC 7591 §2).
    pub contacts: Vec<String>,
    /// Localised human-readable members, keyed by the member as registered
    /// (`client_name#fr`, `tos_uri#de-CH`; RFC 7591 §2.2).
    pub localized: std::collections::BTreeMap<String, String>,
    /// Present when the client registered itself (RFC 7591): how it manages its registration.
    pub registration: Option<DynamicRegistration>,
}

/// What Sigil keeps of a dynamic registration (RFC 7591 §3.2.1, RFC 7592).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicRegistration {
    /// SHA-256 of the registration access token, base64url; the token itself is never stored.
    pub access_token_sha256: String,
    /// When the client registered (or last updated its registration).
    pub registered_at: i64,
    /// The address that registered it, for review and for the per-address limit.
    pub registered_from: Option<String>,
}

/// A person who signs in: the subject of ID tokens and the source of their claims (OIDC Core
/// §5.1 standard claims, custom claims, groups), with the owner's narrowing of what any client
/// may be granted for them (`allowed_scopes`, seed 001).
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Stable id, used as `sub`; never reused.
    pub id: String,
    /// Unique login name within the realm.
    pub username: String,
    /// Creation time.
    pub created_at: i64,
    /// Last change of what the record holds (the OIDC `updated_at` claim).
    pub updated_at: i64,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified`.
    pub email_verified: bool,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// Custom claims, added to tokens as they are.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// Group names.
    pub groups: Vec<String>,
    /// The scopes any client may be granted for this user; `None`: no narrowing. `Some` of an
    /// empty list is a real value (nothing beyond what needs no permission), kept apart from
    /// `None`.
    pub allowed_scopes: Option<Vec<String>>,
    /// The password's argon2id PHC string; `None`: the user cannot sign in with a password.
    pub password_hash: Option<String>,
    /// A disabled user cannot sign in, and holds no sessions or grants.
    pub disabled: bool,
}

impl UserRecord {
    /// A user with nothing but its id and username, created and last changed at `now`.
    pub fn new(id: String, username: String, now: i64) -> Self {
        Self {
            id,
            username,
            created_at: now,
            updated_at: now,
            email: None,
            email_verified: false,
            name: None,
            given_name: None,
            family_name: None,
            claims: serde_json::Map::new(),
            groups: Vec::new(),
            allowed_scopes: None,
            password_hash: None,
            disabled: false,
        }
    }
}

/// Everything but the password hash, which would help an offline guesser.
impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("name", &self.name)
            .field("given_name", &self.given_name)
            .field("family_name", &self.family_name)
            .field("claims", &self.claims)
            .field("groups", &self.groups)
            .field("allowed_scopes", &self.allowed_scopes)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// What an entry of the revocation feed is about: one kind per thing that can be revoked or
/// changed, each with its own namespace of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    /// A JWT (access token or PAT) by `jti`: revoked until it expires.
    Token,
    /// A grant by id (its refresh tokens and what it issued): revoked until it expires.
    Grant,
    /// A login session by `sid`: ended.
    Session,
    /// A client by `client_id`: changed or gone; caches must drop it. Not a revocation of its
    /// tokens by itself (a deleted client's tokens die because the client is gone).
    Client,
    /// A realm by name: created, or its settings or keys changed (its version was bumped).
    /// Servers reload it if they hold it, and learn that the name exists if they don't; so
    /// one read of the feed covers every realm, however many there are.
    Realm,
}

impl FeedKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Token,
        Self::Grant,
        Self::Session,
        Self::Client,
        Self::Realm,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Grant => "grant",
            Self::Session => "session",
            Self::Client => "client",
            Self::Realm => "realm",
        }
    }

    /// The kind with this stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One entry of a realm's revocation feed: the thing of this `kind` with this `id` is revoked
/// (or, for [`FeedKind::Client`], changed) until `expires_at`. Servers keep the feed in memory
/// and ask only for positions after the last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Increases with every entry recorded; never reused.
    pub position: i64,
    /// What `id` names.
    pub kind: FeedKind,
    /// A `jti`, grant id, session id, client id or realm name, by `kind`.
    pub id: String,
    /// When the entry stops mattering (the token, grant or session expires); a client or
    /// realm entry is kept for a retention period after the first purge that sees it.
    pub expires_at: i64,
}

/// An entry of the feed with the realm it belongs to: what [`crate::TokenStore::feed_after`]
/// reads across every realm at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// The realm the entry is about.
    pub realm: RealmName,
    /// The entry.
    pub entry: Revocation,
}

/// A personal access token: a named, revocable JWT for a user (seed 002).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatRecord {
    /// The token's `jti`.
    pub jti: String,
    /// The user it acts for.
    pub user_id: String,
    /// A name chosen by the user.
    pub name: String,
    /// Issue time.
    pub created_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// Last time it was seen in use.
    pub last_used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// An admin bearer token (server-wide); only its digest is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTokenRecord {
    /// A public id, to list and delete it by.
    pub id: String,
    /// A human name.
    pub name: String,
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
    /// Expiry time, if any.
    pub expires_at: Option<i64>,
    /// Last use.
    pub last_used_at: Option<i64>,
}

/// An authorization code (RFC 6749 §4.1.2), stored by digest, single use (§10.5): what its
/// redemption at the token endpoint will create, bound to client, redirect URI and PKCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code.
    pub code_hash: Vec<u8>,
    /// Chosen when the code is made: the id of the grant its redemption creates (so a replay
    /// can revoke what the first redemption issued).
    pub grant_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user who authorized.
    pub user_id: String,
    /// The login session (the ID token's `sid`).
    pub session_id: String,
    /// The `redirect_uri` of the authorization request, as sent.
    pub redirect_uri: String,
    /// The granted scope, space-separated.
    pub scope: String,
    /// The request's `nonce` (OIDC Core §3.1.2.1).
    pub nonce: Option<String>,
    /// The PKCE S256 `code_challenge` (RFC 7636 §4.2).
    pub code_challenge: Option<String>,
    /// The OIDC `claims` request parameter (OIDC Core §5.5), as JSON text.
    pub claims: Option<String>,
    /// When the user authenticated.
    pub auth_time: i64,
    /// Authentication methods (RFC 8176).
    pub amr: Vec<String>,
    /// Authentication context class.
    pub acr: Option<String>,
    /// Issue time.
    pub created_at: i64,
    /// Expiry time (about a minute after issue).
    pub expires_at: i64,
}

/// What [`take_code`](crate::CodeStore::take_code) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenCode {
    /// The code was unused and unexpired; it is used now, by this caller only.
    Taken(CodeRecord),
    /// The code had been taken before: a replay (RFC 6749 §4.1.2: revoke what it issued).
    Replayed(CodeRecord),
    /// No such code, or an unused one that has expired.
    Unknown,
}

/// A grant: what one authorization gave one client for one user; refresh tokens belong to it
/// and die with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// A public id.
    pub id: String,
    /// The client.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The login session it came from, if any.
    pub session_id: Option<String>,
    /// The granted scope, space-separated.
    pub scope: String,
    /// When the user authenticated.
    pub auth_time: i64,
    /// Creation time.
    pub created_at: i64,
    /// The absolute lifetime's end: no refresh after this.
    pub expires_at: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// How the person authenticated (`amr`), for the ID tokens refreshes issue.
    pub amr: Vec<String>,
    /// The OIDC `claims` request parameter of the authorization (JSON text), honoured by
    /// userinfo and refreshed ID tokens (OIDC Core §5.5).
    pub claims: Option<String>,
}

/// A refresh token (opaque, 256-bit), by digest (RFC 6749 §6, §10.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// The grant it belongs to.
    pub grant_id: String,
    /// Issue time.
    pub created_at: i64,
    /// The idle lifetime's end: `created_at` + idle.
    pub expires_at: i64,
}

/// What [`rotate_refresh`](crate::GrantStore::rotate_refresh) did (RFC 9700 §4.14.2: refresh
/// token rotation with reuse detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The presented token was current: it is rotated, and the successor stored.
    Rotated {
        /// The grant, as it is now.
        grant: GrantRecord,
    },
    /// The presented token was rotated within the grace window (a concurrent duplicate
    /// refresh): the same successor as the first rotation, sealed by its caller.
    Grace {
        /// The grant.
        grant: GrantRecord,
        /// What the rotation that won stored for this case.
        successor_sealed: Vec<u8>,
    },
    /// The presented token was rotated before the grace window: a stolen token, or a client
    /// that kept an old one. The grant and every refresh token of it are revoked, in the same
    /// transaction.
    Reused {
        /// The revoked grant.
        grant_id: String,
    },
    /// No such token, or it expired, or its grant is revoked or expired.
    Unknown,
}

/// A login session (server-side, OIDC Core §3.1.2.1): the cookie holds a secret whose digest
/// is `secret_hash`; `id` is the public `sid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The public `sid`.
    pub id: String,
    /// SHA-256 of the cookie's secret.
    pub secret_hash: Vec<u8>,
    /// The user.
    pub user_id: String,
    /// When the user authenticated.
    pub auth_time: i64,
    /// Authentication methods (RFC 8176).
    pub amr: Vec<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last time it was used.
    pub last_seen_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// When it was ended (logout, or the user's sessions ended).
    pub ended_at: Option<i64>,
}

/// A user's consent to a client's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The user.
    pub user_id: String,
    /// The client.
    pub client_id: String,
    /// The scopes consented to.
    pub scopes: Vec<String>,
    /// When.
    pub granted_at: i64,
}

/// A pushed authorization request (RFC 9126 §2): the parameters a client sent to the PAR
/// endpoint, kept under the SHA-256 digest of the `request_uri` it was given, for one use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequestRecord {
    /// SHA-256 of the `request_uri`; the URI itself is never stored.
    pub uri_hash: Vec<u8>,
    /// The client that pushed it: only it may use the `request_uri`.
    pub client_id: String,
    /// The authorization request's parameters, form-encoded.
    pub parameters: String,
    /// When it was pushed.
    pub created_at: i64,
    /// When the `request_uri` stops working (RFC 9126 §2.2 `expires_in`).
    pub expires_at: i64,
}

/// What one [`JanitorStore::purge_expired`](crate::JanitorStore::purge_expired) call deleted,
/// per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub codes: u64,
    pub grants: u64,
    pub sessions: u64,
    pub throttle: u64,
    pub feed: u64,
    pub pushed_requests: u64,
    /// Client assertion ids past their expiry ([`AssertionStore`](crate::AssertionStore)).
    pub assertions: u64,
}

impl PurgeReport {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.codes
            + self.grants
            + self.sessions
            + self.throttle
            + self.feed
            + self.pushed_requests
            + self.assertions
    }
}
