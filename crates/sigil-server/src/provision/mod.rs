//! Creating and changing things: realms with their first keys, clients with their secrets,
//! users, admin tokens, personal access tokens. Used by the CLI, by dev-mode bootstrap and by
//! tests — the same rules everywhere.
//!
//! **Invariant:** every change to what the store holds goes through a [`Provisioner`]
//! method; the binary never writes through the store itself.

use std::sync::Arc;

use sigil_jose::Algorithm;
use sigil_jose::jwe::KeyManagement;
use sigil_store::{
    AdminTokenRecord, ClientRecord, ClientSettings, Realm, RealmName, RealmSettings, Store,
    StoreError,
};

use crate::ServerError;
use crate::clients::{RedirectUri, RedirectUriPolicy};
use crate::clock::Clock;
use crate::keys::generate::{self, KeyTimes};
use crate::op::clients::TokenEndpointAuthMethod;
use crate::random::{self, Rng};
use crate::realms::RealmState;
use crate::realms::state::legacy_seal_context;
use crate::seal::{CHECK_META_KEY, MasterKey};
use crate::users::PasswordHashing;

mod branding;
mod client_settings;
mod clients;
mod issuer;
mod keys;
mod pushed_requests;
mod registration;
mod tokens;
mod user_rules;
mod users;

pub use branding::read_theme_dir;
pub use keys::{KeyInfo, Retirement};
pub use registration::{RegistrationChanges, SECTOR_DOCUMENT_LIMIT};
pub use users::{UserChanges, UserSpec};

/// Refuses a master key other than the one the database was first used with.
pub async fn check_master_key(store: &dyn Store, master: &MasterKey) -> Result<(), ServerError> {
    let stored = store
        .meta_get_or_insert(CHECK_META_KEY, master.check_value())
        .await?;
    if stored != master.check_value() {
        return Err(ServerError::Config(
            "the master key does not match the one this database was created with".to_owned(),
        ));
    }
    Ok(())
}

/// Checks a public base URL: `http(s)://host[:port][/path]`, no query or fragment; returns it
/// without a trailing slash.
pub fn validate_base_url(url: &str) -> Result<String, ServerError> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| {
            ServerError::Config(format!(
                "issuer {url:?} must start with https:// or http://"
            ))
        })?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || trimmed.contains(['?', '#', ' ']) {
        return Err(ServerError::Config(format!(
            "issuer {url:?} must be a URL with a host and no query or fragment"
        )));
    }
    Ok(trimmed.to_owned())
}

/// What a new client should be.
#[derive(Debug, Clone, Default)]
pub struct ClientSpec {
    /// `client_id`; generated when absent.
    pub client_id: Option<String>,
    /// A human name.
    pub name: String,
    /// Grant types; `client_credentials` when empty.
    pub grant_types: Vec<String>,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Allowed scopes.
    pub scopes: Vec<String>,
    /// `token_endpoint_auth_method`; `client_secret_basic` when absent.
    pub auth_method: Option<String>,
    /// Access-token audiences.
    pub audiences: Vec<String>,
    /// Access-token lifetime.
    pub access_token_ttl_secs: Option<u64>,
    /// Access-token algorithm.
    pub signing_alg: Option<Algorithm>,
    /// OpenID Connect metadata and per-client policies.
    pub settings: ClientSettings,
}

/// Grant types a client may be registered for.
pub const GRANT_TYPES: [&str; 3] = ["client_credentials", "authorization_code", "refresh_token"];

/// Creates things in one store, with one master key, one clock and one random generator.
#[derive(Debug, Clone)]
pub struct Provisioner {
    store: Arc<dyn Store>,
    master: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
    redirect_policy: RedirectUriPolicy,
    passwords: PasswordHashing,
    /// Fetches `sector_identifier_uri` documents (https; loopback http only in development).
    fetcher: sigil_verify::HttpClient,
}

impl Provisioner {
    /// A provisioner; checks the master key against the store first.
    pub async fn new(
        store: Arc<dyn Store>,
        master: Arc<MasterKey>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
    ) -> Result<Self, ServerError> {
        check_master_key(&*store, &master).await?;
        let fetcher = sector_fetcher(RedirectUriPolicy::default())?;
        Ok(Self {
            store,
            master,
            clock,
            rng,
            redirect_policy: RedirectUriPolicy::default(),
            passwords: PasswordHashing::owasp(),
            fetcher,
        })
    }

    /// Which redirect URIs clients may register: [`RedirectUriPolicy::Production`] unless the
    /// caller knows it is not in production.
    pub fn with_redirect_policy(mut self, policy: RedirectUriPolicy) -> Self {
        self.redirect_policy = policy;
        // The fetcher follows the policy: public addresses only in production.
        match sector_fetcher(policy) {
            Ok(fetcher) => self.fetcher = fetcher,
            // Building a client fails only without a TLS backend; `new` would have failed
            // first. The fetcher made there (public addresses only) stays.
            Err(e) => tracing::error!(error = %e, "cannot rebuild the sector document fetcher"),
        }
        self
    }

    /// How passwords are hashed: OWASP's argon2id parameters on a pool of one permit per core
    /// unless the caller says otherwise (tests use cheap parameters).
    pub fn with_password_hashing(mut self, passwords: PasswordHashing) -> Self {
        self.passwords = passwords;
        self
    }

    /// How passwords are hashed and verified.
    pub fn passwords(&self) -> &PasswordHashing {
        &self.passwords
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The current time.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The random generator (for tokens made on the provisioner's behalf: mints, PATs).
    pub fn rng(&self) -> &dyn Rng {
        &*self.rng
    }

    /// Creates a realm with a key for each of `algs` (RS256 always included) and a decryption
    /// key for each of the default encryption algorithms, RSA keys of `rsa_bits`.
    pub async fn create_realm(
        &self,
        name: &RealmName,
        algs: &[Algorithm],
        rsa_bits: usize,
    ) -> Result<Realm, ServerError> {
        self.create_realm_except(name, algs, rsa_bits, None).await
    }

    /// Like [`Self::create_realm`], but generates no key for `imported`: the caller imports one.
    pub async fn create_realm_except(
        &self,
        name: &RealmName,
        algs: &[Algorithm],
        rsa_bits: usize,
        imported: Option<Algorithm>,
    ) -> Result<Realm, ServerError> {
        let encryption = RealmSettings::default().encryption_algs;
        self.create(name, algs, rsa_bits, imported, encryption)
            .await
    }

    /// Like [`Self::create_realm`], with decryption keys for exactly `encryption` (none when
    /// empty: each RSA one costs a key generation, about a second at 3072 bits).
    pub async fn create_realm_encrypting(
        &self,
        name: &RealmName,
        algs: &[Algorithm],
        rsa_bits: usize,
        encryption: &[KeyManagement],
    ) -> Result<Realm, ServerError> {
        let mut names: Vec<String> = Vec::new();
        for alg in encryption {
            let name = crate::keys::KeyAlg::encryption(alg.as_str())?
                .as_str()
                .to_owned();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        self.create(name, algs, rsa_bits, None, names).await
    }

    async fn create(
        &self,
        name: &RealmName,
        algs: &[Algorithm],
        rsa_bits: usize,
        imported: Option<Algorithm>,
        encryption_algs: Vec<String>,
    ) -> Result<Realm, ServerError> {
        if ![2048, 3072, 4096].contains(&rsa_bits) {
            return Err(ServerError::Invalid(format!(
                "RSA keys are 2048, 3072 or 4096 bits, not {rsa_bits}"
            )));
        }
        let mut all = vec![Algorithm::RS256];
        all.extend(algs.iter().copied().filter(|a| *a != Algorithm::RS256));
        if let Some(alg) = imported
            && !all.contains(&alg)
        {
            all.push(alg);
        }
        all.dedup();
        let now = self.clock.now();
        let realm = Realm {
            name: name.clone(),
            settings: RealmSettings {
                signing_algs: all.iter().map(|a| a.as_str().to_owned()).collect(),
                rsa_bits: u32::try_from(rsa_bits).unwrap_or(3072),
                encryption_algs,
                ..RealmSettings::default()
            },
            version: 1,
            created_at: now,
        };
        if self.store.get_realm(name).await?.is_some() {
            return Err(ServerError::Invalid(format!("realm {name} already exists")));
        }
        let mut keys = Vec::new();
        for alg in all.into_iter().filter(|a| Some(*a) != imported) {
            keys.push(self.new_key(name, alg.into(), rsa_bits, now).await?);
        }
        for alg in &realm.settings.encryption_algs {
            let alg = crate::keys::KeyAlg::encryption(alg)?;
            keys.push(self.new_key(name, alg.into(), rsa_bits, now).await?);
        }
        // The realm and its keys appear together: no node ever sees a realm without a signer.
        self.store
            .insert_realm(&realm, &keys)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ServerError::Invalid(format!("realm {name} already exists"))
                }
                other => other.into(),
            })?;
        Ok(self.store.get_realm(name).await?.unwrap_or(realm))
    }

    /// Starts signing with `algs` in an existing realm (a key for each one it lacks).
    pub async fn enable_algorithms(
        &self,
        name: &RealmName,
        algs: &[Algorithm],
    ) -> Result<Realm, ServerError> {
        let mut realm = self.realm(name).await?;
        let now = self.clock.now();
        for alg in algs {
            if !realm
                .settings
                .signing_algs
                .iter()
                .any(|a| a == alg.as_str())
            {
                self.add_key(name, (*alg).into(), realm.settings.rsa_bits as usize, now)
                    .await?;
                realm.settings.signing_algs.push(alg.as_str().to_owned());
            }
        }
        self.store
            .update_realm_settings(name, &realm.settings)
            .await?;
        self.realm(name).await
    }

    async fn new_key(
        &self,
        realm: &RealmName,
        alg: crate::keys::KeyAlg,
        rsa_bits: usize,
        now: i64,
    ) -> Result<sigil_store::KeyRecord, ServerError> {
        let key = generate::generate(alg, rsa_bits).await?;
        generate::record(
            &self.master,
            realm,
            key,
            alg,
            None,
            KeyTimes::immediate(now),
            "generated",
        )
    }

    async fn add_key(
        &self,
        realm: &RealmName,
        alg: crate::keys::KeyAlg,
        rsa_bits: usize,
        now: i64,
    ) -> Result<(), ServerError> {
        let record = self.new_key(realm, alg, rsa_bits, now).await?;
        self.store.insert_key(realm, &record).await?;
        Ok(())
    }

    /// A realm that must exist.
    pub async fn realm(&self, name: &RealmName) -> Result<Realm, ServerError> {
        self.store
            .get_realm(name)
            .await?
            .ok_or_else(|| ServerError::Invalid(format!("realm {name} does not exist")))
    }

    /// The realm ready to sign (for `sigil token …`), with `base_url` as the public base.
    pub async fn realm_state(
        &self,
        name: &RealmName,
        base_url: &str,
    ) -> Result<RealmState, ServerError> {
        let realm = self.realm(name).await?;
        RealmState::load(
            &*self.store,
            &self.master,
            base_url,
            realm,
            self.clock.now(),
            None,
        )
        .await
    }

    /// Turns legacy HS256 acceptance on (with the secret) or off (seed 002).
    pub async fn set_legacy_hs256(
        &self,
        name: &RealmName,
        secret: Option<&[u8]>,
    ) -> Result<(), ServerError> {
        let mut realm = self.realm(name).await?;
        realm.settings.legacy_hs256_sealed = match secret {
            Some(secret) => {
                sigil_jose::legacy_hmac::LegacyHmacKey::new(secret)?;
                let sealed = self.master.seal(&legacy_seal_context(name), secret)?;
                Some(sigil_jose::base64url::encode(sealed))
            }
            None => None,
        };
        self.store
            .update_realm_settings(name, &realm.settings)
            .await?;
        Ok(())
    }

    /// Registers a client; returns it and, for confidential clients, its secret (shown once).
    pub async fn create_client(
        &self,
        realm: &RealmName,
        spec: ClientSpec,
    ) -> Result<(ClientRecord, Option<String>), ServerError> {
        let realm_record = self.realm(realm).await?;
        let client = validate_client(
            spec,
            &realm_record.settings,
            self.redirect_policy,
            self.clock.now(),
            &*self.rng,
        )?;
        self.check_sector_document(&client).await?;
        // Only the secret methods get one; `none` proves nothing and `private_key_jwt`
        // proves itself with the client's own keys.
        let uses_secret = TokenEndpointAuthMethod::parse(&client.auth_method)
            .is_some_and(TokenEndpointAuthMethod::uses_secret);
        let (client, secret) = if !uses_secret {
            (client, None)
        } else {
            let secret = random::token(&*self.rng, 32)?;
            (
                ClientRecord {
                    secret_hash: Some(random::digest(&secret)),
                    ..client
                },
                Some(secret),
            )
        };
        self.store
            .insert_client(realm, &client)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServerError::Invalid(format!(
                    "client {} already exists in realm {realm}",
                    client.client_id
                )),
                other => other.into(),
            })?;
        Ok((client, secret))
    }

    /// Creates an admin token that expires after `ttl_secs` (never when `None`); returns the
    /// token (shown once) and its record. A zero lifetime is refused: such a token would be
    /// expired when printed.
    pub async fn create_admin_token(
        &self,
        name: &str,
        ttl_secs: Option<u64>,
    ) -> Result<(String, AdminTokenRecord), ServerError> {
        if ttl_secs == Some(0) {
            return Err(ServerError::Invalid(
                "an admin token's ttl must be at least 1 second (omit it for no expiry)".into(),
            ));
        }
        let token = format!(
            "{}{}",
            crate::admin::TOKEN_PREFIX,
            random::token(&*self.rng, 32)?
        );
        let now = self.clock.now();
        let record = AdminTokenRecord {
            id: random::token(&*self.rng, 9)?,
            name: name.to_owned(),
            token_hash: random::digest(&token),
            created_at: now,
            expires_at: ttl_secs.map(|ttl| now.saturating_add_unsigned(ttl)),
            last_used_at: None,
        };
        self.store.insert_admin_token(&record).await?;
        Ok((token, record))
    }
}

fn validate_client(
    spec: ClientSpec,
    settings: &RealmSettings,
    redirect_policy: RedirectUriPolicy,
    now: i64,
    rng: &dyn Rng,
) -> Result<ClientRecord, ServerError> {
    let invalid = |m: String| Err(ServerError::Invalid(m));
    let client_id = match spec.client_id {
        Some(id) => id,
        None => random::token(rng, 16)?,
    };
    if client_id.is_empty()
        || client_id.len() > 128
        || !client_id.chars().all(|c| c.is_ascii_graphic())
    {
        return invalid("a client_id has 1 to 128 printable ASCII characters".into());
    }
    let auth_method = spec
        .auth_method
        .unwrap_or_else(|| "client_secret_basic".to_owned());
    if TokenEndpointAuthMethod::parse(&auth_method).is_none() {
        let known: Vec<&str> = TokenEndpointAuthMethod::ALL
            .into_iter()
            .map(TokenEndpointAuthMethod::as_str)
            .collect();
        return invalid(format!(
            "token_endpoint_auth_method: auth method {auth_method} is not one of {}",
            known.join(", ")
        ));
    }
    let grant_types = if spec.grant_types.is_empty() {
        vec!["client_credentials".to_owned()]
    } else {
        spec.grant_types
    };
    if let Some(unknown) = grant_types
        .iter()
        .find(|g| !GRANT_TYPES.contains(&g.as_str()))
    {
        return invalid(format!(
            "grant_types: grant type {unknown} is not one of {}",
            GRANT_TYPES.join(", ")
        ));
    }
    if auth_method == "none" && grant_types.iter().any(|g| g == "client_credentials") {
        return invalid("grant_types: a public client (token_endpoint_auth_method none) cannot use client_credentials".into());
    }
    if grant_types.iter().any(|g| g == "authorization_code") && spec.redirect_uris.is_empty() {
        return invalid("redirect_uris: the authorization_code grant needs at least one redirect URI (--redirect-uri)".into());
    }
    // Stored as written: what /authorize compares a request with, byte for byte.
    let redirect_uris = spec
        .redirect_uris
        .iter()
        .map(|uri| RedirectUri::parse(uri, redirect_policy).map(String::from))
        .collect::<Result<Vec<_>, _>>()?;
    for scope in &spec.scopes {
        // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
        if scope.is_empty()
            || !scope
                .chars()
                .all(|c| c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c))
        {
            return invalid(format!(
                "scope: {scope:?} has characters RFC 6749 does not allow"
            ));
        }
    }
    if let Some(ttl) = spec.access_token_ttl_secs
        && !(1..=86_400).contains(&ttl)
    {
        return invalid("--access-token-ttl must be between 1 and 86400 seconds".into());
    }
    if let Some(alg) = spec.signing_alg
        && !settings.signing_algs.iter().any(|a| a == alg.as_str())
    {
        return invalid(format!(
            "the realm has no {alg} key; enable it with `sigil realm update --alg {alg}`"
        ));
    }
    let name = if spec.name.trim().is_empty() {
        client_id.clone()
    } else {
        client_settings::client_name("client_name", &spec.name)?;
        spec.name.trim().to_owned()
    };
    let client_settings = client_settings::validate(
        spec.settings,
        client_settings::Registration {
            redirect_uris: &redirect_uris,
            grant_types: &grant_types,
            auth_method: &auth_method,
        },
        settings,
        redirect_policy,
    )?;
    Ok(ClientRecord {
        client_id,
        name,
        secret_hash: None,
        auth_method,
        grant_types,
        redirect_uris,
        scopes: spec.scopes,
        audiences: spec
            .audiences
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect(),
        access_token_ttl_secs: spec.access_token_ttl_secs,
        signing_alg: spec.signing_alg.map(|a| a.as_str().to_owned()),
        created_at: now,
        settings: client_settings,
    })
}

/// The fetcher of `sector_identifier_uri` documents: a client chose the URL, so outside
/// development it reaches public addresses only (no SSRF into this server's network).
fn sector_fetcher(policy: RedirectUriPolicy) -> Result<sigil_verify::HttpClient, ServerError> {
    sigil_verify::HttpClient::new(sigil_verify::HttpOptions {
        timeout: std::time::Duration::from_secs(5),
        max_response_bytes: registration::SECTOR_DOCUMENT_LIMIT,
        allow_plain_http: false,
        public_addresses_only: policy == RedirectUriPolicy::Production,
    })
    .map_err(|e| ServerError::Config(e.to_string()))
}
