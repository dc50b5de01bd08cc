//! A client's verifying keys (RFC 7591 §2 `jwks` and `jwks_uri`) and the one verification of
//! what a client signs: `private_key_jwt` assertions (RFC 7523 §2.2) and request objects
//! (RFC 9101 §6.2).
//!
//! A registered `jwks` is parsed once, with the client's metadata ([`ClientKeySource::Jwks`]).
//! A `jwks_uri` is fetched with `sigil-verify`'s bounded fetcher (https, a timeout, a size
//! limit; plain http only to loopback, and only when the server allows it: dev mode and tests)
//! and cached per client. A token naming a `kid` the cached set lacks refetches at most once
//! per [`REFETCH_COOL_DOWN_SECS`], measured with the injected clock, so a client rotating its
//! keys is followed at once and a stream of made-up `kid`s costs one fetch a minute.
//!
//! **Invariant:** the only keys that verify are the client's registered ones: the algorithm
//! is pinned by the caller's list and each key's own `alg`; `none` and HMAC never verify (see
//! `sigil_jose::jws`), and `jku`, `x5u`, `x5c` and `jwk` headers are never read.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sigil_jose::jws::CompactJws;
use sigil_jose::{Algorithm, Claims, Header, JwkSet, VerifyingKey};
use sigil_store::RealmName;
use sigil_verify::{HttpClient, HttpOptions};

use crate::ServerError;

/// Least time between two fetches of one client's `jwks_uri` (a refetch for an unknown `kid`,
/// or a retry after a failed fetch).
pub const REFETCH_COOL_DOWN_SECS: i64 = 60;

/// How long a fetched key set is used before it is fetched again even when every `kid` is
/// known: a key the client withdrew stops verifying within this time.
pub const CACHE_MAX_AGE_SECS: i64 = 600;

/// The longest a fetched set serves while its `jwks_uri` cannot be fetched again: a key the
/// client withdrew (because it leaked) must not go on verifying just because an attacker
/// keeps the key server unreachable.
pub const STALE_LIMIT_SECS: i64 = 2 * CACHE_MAX_AGE_SECS;

/// How many clients' fetched sets are kept; past it the cache starts over (bounded memory).
const CACHE_LIMIT: usize = 10_000;

/// A `jwks_uri` fetch: a few seconds, a small document.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const FETCH_MAX_BYTES: usize = 64 * 1024;

/// Where a client's keys come from, as registered.
#[derive(Clone, Default)]
pub enum ClientKeySource {
    /// It registered none (secret-based and public clients).
    #[default]
    None,
    /// `jwks`: parsed once, with the registration.
    Jwks(Arc<[VerifyingKey]>),
    /// `jwks_uri`: fetched and cached by [`ClientKeys`].
    JwksUri(String),
}

impl ClientKeySource {
    /// The keys of a registered JWK Set document; a key that does not parse is an error (the
    /// registration validated it), a member that is not a key Sigil understands is skipped
    /// (RFC 7517 §5).
    pub fn from_jwks(document: &serde_json::Value) -> Result<Self, sigil_jose::Error> {
        let json = serde_json::to_vec(document)
            .map_err(|e| sigil_jose::Error::InvalidJwkSet(e.to_string()))?;
        let set = JwkSet::from_json(&json)?;
        let keys = set
            .keys
            .into_iter()
            .map(VerifyingKey::from_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Jwks(keys.into()))
    }
}

impl fmt::Debug for ClientKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Jwks(keys) => write!(f, "Jwks({} keys)", keys.len()),
            Self::JwksUri(uri) => write!(f, "JwksUri({uri:?})"),
        }
    }
}

/// A JWS a client signed, verified: its header and its claims (not yet validated: what the
/// claims must say depends on what the token is for).
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    /// The protected header.
    pub header: Header,
    /// The claims.
    pub claims: Claims,
}

/// Why a client's JWS did not verify. The text is for logs (the private reason); callers answer
/// with their endpoint's one public code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientJwsError {
    /// Not a compact JWS, or a header Sigil refuses (`alg: none`, an unknown `crit`).
    #[error("not an acceptable JWS: {0}")]
    Malformed(sigil_jose::Error),
    /// The header's `alg` is not one the client may use here (HMAC is never one).
    #[error("{0}")]
    Algorithm(sigil_jose::Error),
    /// The client registered no keys.
    #[error("the client registered no jwks or jwks_uri")]
    NoKeys,
    /// No registered key has the token's `kid` (or, without a `kid`, admits its `alg`), even
    /// after the refetch the cool-down allowed.
    #[error("no key of the client's set matches (kid {kid:?}, alg {alg}; known kids [{}])", known.join(", "))]
    NoMatchingKey {
        /// The token's `kid`.
        kid: Option<String>,
        /// The token's `alg`.
        alg: Algorithm,
        /// The `kid`s the client's set holds.
        known: Vec<String>,
    },
    /// A matching key did not verify the signature.
    #[error("the signature does not verify with the client's key")]
    BadSignature,
    /// The payload is not a JSON claims set.
    #[error("the payload is not a JWT claims set: {0}")]
    Claims(sigil_jose::Error),
    /// The `jwks_uri` could not be fetched or did not hold a JWK Set.
    #[error("the client's jwks_uri {uri} failed: {reason}")]
    Fetch {
        /// The `jwks_uri`.
        uri: String,
        /// What went wrong.
        reason: String,
    },
}

/// How the server fetches clients' `jwks_uri`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JwksUriPolicy {
    /// https only (production).
    #[default]
    HttpsOnly,
    /// Also plain http to loopback hosts, and any address (dev mode and tests).
    AllowLoopbackHttp,
}

/// The server's verifier of client-signed JWTs, with its cache of fetched `jwks_uri` sets.
/// One per server, shared by every request (it is in the [`Context`](crate::op::Context)).
pub struct ClientKeys {
    http: HttpClient,
    policy: JwksUriPolicy,
    fetched: Mutex<HashMap<(RealmName, String), Fetched>>,
}

/// One client's fetched set.
struct Fetched {
    uri: String,
    keys: Option<Arc<[VerifyingKey]>>,
    fetched_at: i64,
    last_attempt: i64,
}

impl fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKeys")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// What to do about a client's `jwks_uri` at one moment.
enum Plan {
    /// Use these keys.
    Use(Arc<[VerifyingKey]>),
    /// Fetch (the attempt is recorded, so concurrent requests do not fetch too); the keys
    /// fetched before, if any, serve should the fetch fail.
    Fetch(Option<Arc<[VerifyingKey]>>),
    /// Nothing usable, and the cool-down forbids a fetch.
    CoolingDown,
}

impl ClientKeys {
    /// A verifier fetching under `policy`.
    pub fn new(policy: JwksUriPolicy) -> Result<Self, ServerError> {
        let http = HttpClient::new(HttpOptions {
            timeout: FETCH_TIMEOUT,
            max_response_bytes: FETCH_MAX_BYTES,
            allow_plain_http: false,
            // A client chose this URL: in production it must not reach this server's own
            // network (loopback, private, link-local, metadata addresses), on any redirect hop.
            public_addresses_only: policy == JwksUriPolicy::HttpsOnly,
        })
        .map_err(|e| ServerError::Config(e.to_string()))?;
        Ok(Self {
            http,
            policy,
            fetched: Mutex::default(),
        })
    }

    /// Verifies `compact`, signed by `client` of `realm` with one of `allowed`, at `now`
    /// (which only the `jwks_uri` cache uses). Returns the header and the claims, whose
    /// validation is the caller's.
    pub async fn verify_jws(
        &self,
        now: i64,
        realm: &RealmName,
        client: &super::ClientMetadata,
        compact: &str,
        allowed: &[Algorithm],
    ) -> Result<VerifiedJwt, ClientJwsError> {
        let jws = CompactJws::parse(compact).map_err(ClientJwsError::Malformed)?;
        let alg = jws
            .allowed_alg(allowed)
            .map_err(ClientJwsError::Algorithm)?;
        let kid = jws.header().kid.clone();
        let keys = match &client.keys {
            ClientKeySource::None => return Err(ClientJwsError::NoKeys),
            ClientKeySource::Jwks(keys) => keys.clone(),
            ClientKeySource::JwksUri(uri) => {
                self.uri_keys(now, realm, &client.client_id, uri, kid.as_deref(), alg)
                    .await?
            }
        };
        let candidates: Vec<&VerifyingKey> = matching(&keys, kid.as_deref(), alg).collect();
        if candidates.is_empty() {
            return Err(ClientJwsError::NoMatchingKey {
                kid,
                alg,
                known: known_kids(&keys),
            });
        }
        let verified = candidates
            .into_iter()
            .find_map(|key| jws.clone().verify(key, &[alg]).ok())
            .ok_or(ClientJwsError::BadSignature)?;
        let claims: Claims = verified.payload_json().map_err(ClientJwsError::Claims)?;
        Ok(VerifiedJwt {
            header: verified.header().clone(),
            claims,
        })
    }

    /// The keys at `uri` for a token with this `kid` and `alg`: the cached set if it is fresh
    /// and has a matching key, else a fetch if the cool-down allows one.
    async fn uri_keys(
        &self,
        now: i64,
        realm: &RealmName,
        client_id: &str,
        uri: &str,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<[VerifyingKey]>, ClientJwsError> {
        let slot = (realm.clone(), client_id.to_owned());
        let plan = {
            let mut cache = self.fetched.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.get_mut(&slot).filter(|e| e.uri == uri) {
                Some(entry) => {
                    let cooled = now >= entry.last_attempt.saturating_add(REFETCH_COOL_DOWN_SECS);
                    let fresh = now < entry.fetched_at.saturating_add(CACHE_MAX_AGE_SECS);
                    let usable = now < entry.fetched_at.saturating_add(STALE_LIMIT_SECS);
                    let keys = entry.keys.clone().filter(|_| usable);
                    let has_key = keys
                        .as_ref()
                        .is_some_and(|keys| matching(keys, kid, alg).next().is_some());
                    if has_key && (fresh || !cooled) {
                        keys.map_or(Plan::CoolingDown, Plan::Use)
                    } else if cooled {
                        entry.last_attempt = now;
                        Plan::Fetch(keys)
                    } else {
                        // What is cached (if anything) is all there is until the cool-down ends.
                        keys.map_or(Plan::CoolingDown, Plan::Use)
                    }
                }
                None => {
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert(
                        slot.clone(),
                        Fetched {
                            uri: uri.to_owned(),
                            keys: None,
                            fetched_at: now,
                            last_attempt: now,
                        },
                    );
                    Plan::Fetch(None)
                }
            }
        };
        match plan {
            Plan::Use(keys) => Ok(keys),
            Plan::CoolingDown => Err(ClientJwsError::Fetch {
                uri: uri.to_owned(),
                reason: format!(
                    "the last fetch failed less than {REFETCH_COOL_DOWN_SECS} s ago; not retried yet"
                ),
            }),
            Plan::Fetch(previous) => match self.fetch(uri).await {
                Ok(keys) => {
                    let mut cache = self.fetched.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(entry) = cache.get_mut(&slot).filter(|e| e.uri == uri) {
                        entry.keys = Some(keys.clone());
                        entry.fetched_at = now;
                    }
                    Ok(keys)
                }
                // A client's key server that is down for a moment does not lock the client out
                // while the keys it served last are at hand.
                Err(e) => match previous {
                    Some(keys) => {
                        tracing::warn!(error = %e, "refetching a client's jwks_uri failed; using the keys fetched before");
                        Ok(keys)
                    }
                    None => Err(e),
                },
            },
        }
    }

    /// One fetch of a `jwks_uri`, parsed.
    async fn fetch(&self, uri: &str) -> Result<Arc<[VerifyingKey]>, ClientJwsError> {
        let failed = |reason: String| ClientJwsError::Fetch {
            uri: uri.to_owned(),
            reason,
        };
        let url = self.http.url(uri).map_err(|e| failed(e.to_string()))?;
        // The fetcher admits plain http to loopback hosts; in production a client's keys
        // come over https only, so that no local service can pose as a client's key server.
        if url.scheme() != "https" && self.policy == JwksUriPolicy::HttpsOnly {
            return Err(failed("only https jwks_uri are fetched".to_owned()));
        }
        let body = self
            .http
            .get_body(&url)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let set = JwkSet::from_json(&body).map_err(|e| failed(e.to_string()))?;
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in set.keys {
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => keys.push(key),
                Err(e) => {
                    tracing::warn!(uri, error = %e, "a key of a client's jwks_uri is unusable; skipped")
                }
            }
        }
        tracing::debug!(uri, keys = keys.len(), "fetched a client's jwks_uri");
        Ok(keys.into())
    }
}

/// The keys that may verify a token with `kid` (when it has one) and `alg`.
fn matching<'k>(
    keys: &'k [VerifyingKey],
    kid: Option<&'k str>,
    alg: Algorithm,
) -> impl Iterator<Item = &'k VerifyingKey> {
    keys.iter().filter(move |key| {
        key.admits(alg) && kid.is_none_or(|kid| key.kid().is_some_and(|k| k.as_str() == kid))
    })
}

fn known_kids(keys: &[VerifyingKey]) -> Vec<String> {
    keys.iter()
        .filter_map(|k| k.kid().map(|k| k.as_str().to_owned()))
        .collect()
}

/// The algorithms a client may sign with where it registered `pinned` (or nothing): the pinned
/// one, else every asymmetric algorithm (each key still admits only what fits it).
pub fn allowed_algs(pinned: Option<Algorithm>) -> Vec<Algorithm> {
    pinned.map_or_else(|| Algorithm::ALL.to_vec(), |alg| vec![alg])
}
