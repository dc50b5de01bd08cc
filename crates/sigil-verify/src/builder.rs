//! Configuring a [`Verifier`]. Nothing that decides what a valid token is has a default:
//! the issuer, the allowed algorithms and the audience rule must be stated, and `build`
//! says which one is missing.

use std::sync::Arc;
use std::time::Duration;

use sigil_jose::jwt::AudienceCheck;
use sigil_jose::legacy_hmac::LegacyHmacKey;
use sigil_jose::{Algorithm, JwkSet, Validation};

use crate::clock::{Clock, SystemClock};
use crate::discovery::{self, ProviderMetadata};
use crate::fetch::{HttpClient, HttpOptions};
use crate::jwks_cache::{JwksCache, Source};
use crate::key_snapshot::KeySnapshot;
use crate::verifier::Inner;
use crate::{CachePolicy, Error, Verifier};

/// Where the keys come from; the issuer's discovery document unless said otherwise.
#[derive(Debug)]
enum Keys {
    Discovery,
    Metadata(ProviderMetadata),
    JwksUrl(String),
    Static(JwkSet),
}

/// A [`Verifier`] under construction. Start with [`Verifier::builder`].
#[derive(Debug)]
pub struct VerifierBuilder {
    issuer: Option<String>,
    keys: Keys,
    algorithms: Vec<Algorithm>,
    audience: Option<AudienceCheck>,
    leeway: Duration,
    typ: Option<String>,
    required_claims: Vec<String>,
    policy: CachePolicy,
    http: HttpOptions,
    client: Option<HttpClient>,
    legacy_hs256: Option<Result<LegacyHmacKey, sigil_jose::Error>>,
    clock: Arc<dyn Clock>,
}

impl VerifierBuilder {
    pub(crate) fn new() -> Self {
        Self {
            issuer: None,
            keys: Keys::Discovery,
            algorithms: Vec::new(),
            audience: None,
            leeway: Duration::from_secs(Validation::DEFAULT_LEEWAY_SECS),
            typ: None,
            required_claims: Vec::new(),
            policy: CachePolicy::default(),
            http: HttpOptions::default(),
            client: None,
            legacy_hs256: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The issuer: tokens' `iss` must equal it exactly, and unless another key source is
    /// set, its discovery document (`{issuer}/.well-known/openid-configuration`) names the
    /// JWKS URL. Required.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Fetch keys from this JWKS URL instead of discovering it.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.keys = Keys::JwksUrl(url.into());
        self
    }

    /// Use a discovery document already fetched (see [`discovery::discover`]); its
    /// `issuer` must be the configured one.
    pub fn provider_metadata(mut self, metadata: ProviderMetadata) -> Self {
        self.keys = Keys::Metadata(metadata);
        self
    }

    /// Verify with these keys only; nothing is fetched.
    pub fn static_keys(mut self, keys: JwkSet) -> Self {
        self.keys = Keys::Static(keys);
        self
    }

    /// The algorithms tokens may use. Required: there is no default, so a verifier never
    /// accepts an algorithm nobody chose.
    pub fn allowed_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Accept tokens whose `aud` contains one of `audiences`.
    pub fn audience<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.audience = Some(AudienceCheck::OneOf(
            audiences.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Do not check `aud` — only for an issuer that mints tokens for this one consumer
    /// (seed 002's `verify_aud: False`). Choosing this or [`Self::audience`] is required.
    pub fn no_audience_check(mut self) -> Self {
        self.audience = Some(AudienceCheck::Disabled);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Require this header `typ`, e.g. `at+jwt` for RFC 9068 access tokens.
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Require these claims to be present (`exp` always is).
    pub fn required_claims<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.required_claims = names.into_iter().map(Into::into).collect();
        self
    }

    /// The cache's bounds (see [`CachePolicy`]).
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Timeouts, size limit and plain-HTTP policy for fetches.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Share an HTTP client (its options replace [`Self::http_options`]).
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Also accept HS256 tokens signed with this shared secret, for a migration away from
    /// it (seed 002, `JWT_ACCEPT_HS256_LEGACY`). Off unless called; remove it when the
    /// migration is over. The secret must be at least 32 bytes.
    pub fn legacy_hs256_secret(mut self, secret: &[u8]) -> Self {
        self.legacy_hs256 = Some(LegacyHmacKey::new(secret));
        self
    }

    /// Where time comes from (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the configuration and builds the verifier. Nothing is fetched yet; see
    /// [`Verifier::warm_up`].
    pub fn build(self) -> Result<Verifier, Error> {
        let issuer = self.issuer.ok_or_else(|| {
            Error::Config("an issuer is required: every token's iss is checked against it".into())
        })?;
        if self.algorithms.is_empty() {
            return Err(Error::Config(
                "allowed algorithms must be listed (e.g. [ES256]); there is no default".into(),
            ));
        }
        let audience = self.audience.ok_or_else(|| {
            Error::Config(
                "choose an audience rule: .audience([...]) or, explicitly, .no_audience_check()"
                    .into(),
            )
        })?;
        self.policy.validate()?;
        let legacy_hs256 = self.legacy_hs256.transpose()?;
        let http = self.http;
        let client = || match self.client {
            Some(client) => Ok(client),
            None => HttpClient::new(http),
        };
        let cache = match self.keys {
            Keys::Static(set) => {
                JwksCache::fixed(KeySnapshot::from_set(set), self.policy, self.clock.clone())
            }
            Keys::JwksUrl(url) => {
                let client = client()?;
                let url = client.url(&url)?;
                JwksCache::new(
                    Source::Jwks { client, url },
                    self.policy,
                    self.clock.clone(),
                )
            }
            Keys::Metadata(metadata) => {
                let client = client()?;
                discovery::check(&metadata, &issuer, &client)?;
                let url = client.url(&metadata.jwks_uri)?;
                JwksCache::new(
                    Source::Jwks { client, url },
                    self.policy,
                    self.clock.clone(),
                )
            }
            Keys::Discovery => {
                let client = client()?;
                client.url(&issuer)?;
                let source = Source::Discovery {
                    client,
                    issuer: issuer.clone(),
                };
                JwksCache::new(source, self.policy, self.clock.clone())
            }
        };
        let mut validation = Validation::new(issuer, audience);
        validation.leeway_secs = self.leeway.as_secs();
        validation.typ = self.typ;
        Ok(Verifier::from_inner(Inner {
            cache,
            algorithms: self.algorithms,
            validation,
            required_claims: self.required_claims,
            legacy_hs256,
            clock: self.clock,
        }))
    }
}
