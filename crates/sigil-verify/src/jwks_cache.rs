//! The JWKS cache: when to fetch the issuer's keys, and what to do when fetching fails.
//!
//! **Invariants** (each has a test in `tests/jwks_cache.rs`):
//! * **Fresh keys are read without waiting**: a verification with fresh keys takes a read
//!   lock, clones an `Arc` and never awaits.
//! * **Single flight**: however many verifications miss at once, one fetch is in flight;
//!   the others wait for it and share its outcome (the attempt counter tells them whether
//!   someone fetched while they queued).
//! * **Freshness follows `Cache-Control: max-age`**, clamped by [`CachePolicy`]; a stale
//!   set is revalidated with `If-None-Match`, and a `304` keeps the parsed keys.
//! * **Cool-down**: an unknown `kid` causes a fetch only if none was attempted during the
//!   last [`CachePolicy::cooldown`]; a failed fetch is not retried within it either. A
//!   flood of made-up `kid`s, or an issuer that is down, costs one request per cool-down.
//! * **Stale-if-error**: when a refresh fails, the last keys keep verifying until
//!   [`CachePolicy::stale_limit`] after they stopped being fresh; then
//!   [`Error::StaleKeysExpired`] says so.
//! * **Time comes from the injected [`Clock`]** only.
//!
//! With an issuer as the source, the discovery document is read on the first fetch and its
//! `jwks_uri` kept for the life of the cache; a failed discovery is retried like any fetch.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use reqwest::Url;
use sigil_jose::JwkSet;

use crate::cache_control::CacheControl;
use crate::clock::Clock;
use crate::discovery;
use crate::fetch::{Fetched, HttpClient};
use crate::key_snapshot::KeySnapshot;
use crate::{CachePolicy, Error};

/// Where the keys come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// Fixed keys; never fetched.
    Static,
    /// A JWKS URL, given or already discovered.
    Jwks { client: HttpClient, url: Url },
    /// The issuer's discovery document names the JWKS URL (looked up once).
    Discovery { client: HttpClient, issuer: String },
}

#[derive(Debug)]
struct State {
    keys: Option<Arc<KeySnapshot>>,
    /// Clock time until which `keys` are fresh.
    fresh_until: Duration,
    etag: Option<String>,
    /// The directives of the last `200`, for a `304` that carries none (RFC 9111 §4.3.4).
    cache_control: CacheControl,
    jwks_url: Option<Url>,
    last_attempt: Option<Duration>,
    /// The outcome of the last attempt, when it failed.
    last_error: Option<Error>,
    /// Fetch attempts so far; a waiter that sees it move knows someone fetched for it.
    attempts: u64,
}

/// The cache. One per [`crate::Verifier`]; shared by all its clones.
#[derive(Debug)]
pub(crate) struct JwksCache {
    source: Source,
    policy: CachePolicy,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    flight: tokio::sync::Mutex<()>,
}

enum Update {
    NotModified(CacheControl),
    Replaced {
        keys: KeySnapshot,
        etag: Option<String>,
        cache_control: CacheControl,
    },
}

impl JwksCache {
    pub(crate) fn new(source: Source, policy: CachePolicy, clock: Arc<dyn Clock>) -> Self {
        let jwks_url = match &source {
            Source::Jwks { url, .. } => Some(url.clone()),
            _ => None,
        };
        Self {
            source,
            policy,
            clock,
            state: RwLock::new(State {
                keys: None,
                fresh_until: Duration::ZERO,
                etag: None,
                cache_control: CacheControl::default(),
                jwks_url,
                last_attempt: None,
                last_error: None,
                attempts: 0,
            }),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    /// A cache of fixed keys that are always fresh.
    pub(crate) fn fixed(keys: KeySnapshot, policy: CachePolicy, clock: Arc<dyn Clock>) -> Self {
        let cache = Self::new(Source::Static, policy, clock);
        let mut state = cache.write();
        state.keys = Some(Arc::new(keys));
        state.fresh_until = Duration::MAX;
        drop(state);
        cache
    }

    /// The keys to verify with: fresh ones, refreshed ones, or stale ones within the limit.
    pub(crate) async fn current(&self) -> Result<Arc<KeySnapshot>, Error> {
        let now = self.clock.now();
        let seen = {
            let state = self.read();
            if let Some(keys) = &state.keys
                && now < state.fresh_until
            {
                return Ok(Arc::clone(keys));
            }
            let backing_off = state.last_error.is_some() && self.cooling_down(&state, now);
            (!backing_off).then_some(state.attempts)
        };
        if let Some(seen) = seen {
            self.refresh(seen).await;
        }
        self.usable(self.clock.now())
    }

    /// After a `kid` was not found: refetches unless the cool-down forbids it, and returns
    /// the keys to look in again (`None` when no refetch was allowed).
    pub(crate) async fn refetch_for_unknown_kid(&self) -> Result<Option<Arc<KeySnapshot>>, Error> {
        if matches!(self.source, Source::Static) {
            return Ok(None);
        }
        let seen = {
            let state = self.read();
            if self.cooling_down(&state, self.clock.now()) {
                return Ok(None);
            }
            state.attempts
        };
        self.refresh(seen).await;
        self.usable(self.clock.now()).map(Some)
    }

    fn cooling_down(&self, state: &State, now: Duration) -> bool {
        state
            .last_attempt
            .is_some_and(|at| now < at.saturating_add(self.policy.cooldown))
    }

    /// One fetch at a time; skipped when another attempt finished while this one queued.
    async fn refresh(&self, seen: u64) {
        let _flight = self.flight.lock().await;
        if self.read().attempts != seen {
            return;
        }
        let started = self.clock.now();
        let outcome = self.fetch().await;
        let mut state = self.write();
        state.attempts += 1;
        state.last_attempt = Some(started);
        match outcome {
            Ok(Update::NotModified(cache_control)) => {
                if !cache_control.is_empty() {
                    state.cache_control = cache_control;
                }
                state.fresh_until =
                    started.saturating_add(self.policy.freshness(&state.cache_control));
                state.last_error = None;
            }
            Ok(Update::Replaced {
                keys,
                etag,
                cache_control,
            }) => {
                state.keys = Some(Arc::new(keys));
                state.etag = etag;
                state.cache_control = cache_control;
                state.fresh_until = started.saturating_add(self.policy.freshness(&cache_control));
                state.last_error = None;
            }
            Err(e) => state.last_error = Some(e),
        }
    }

    async fn fetch(&self) -> Result<Update, Error> {
        let (client, discover_from) = match &self.source {
            Source::Static => return Err(Error::Config("static keys are never fetched".into())),
            Source::Jwks { client, .. } => (client, None),
            Source::Discovery { client, issuer } => (client, Some(issuer)),
        };
        let (known_url, etag) = {
            let state = self.read();
            (state.jwks_url.clone(), state.etag.clone())
        };
        let url = match (known_url, discover_from) {
            (Some(url), _) => url,
            (None, Some(issuer)) => {
                let metadata = discovery::discover(client, issuer).await?;
                let url = client.url(&metadata.jwks_uri)?;
                self.write().jwks_url = Some(url.clone());
                url
            }
            (None, None) => return Err(Error::Config("no JWKS URL".into())),
        };
        match client.get(&url, etag.as_deref()).await? {
            Fetched::NotModified { cache_control } => Ok(Update::NotModified(cache_control)),
            Fetched::Body {
                bytes,
                etag,
                cache_control,
            } => {
                let set = JwkSet::from_json(&bytes).map_err(|source| Error::InvalidJwks {
                    url: url.to_string(),
                    source,
                })?;
                Ok(Update::Replaced {
                    keys: KeySnapshot::from_set(set),
                    etag,
                    cache_control,
                })
            }
        }
    }

    /// Fresh keys; else stale keys within the limit; else why there are none.
    fn usable(&self, now: Duration) -> Result<Arc<KeySnapshot>, Error> {
        let state = self.read();
        let last_error = || {
            state
                .last_error
                .clone()
                .unwrap_or_else(|| Error::IssuerUnreachable {
                    url: state
                        .jwks_url
                        .as_ref()
                        .map_or_else(String::new, Url::to_string),
                    reason: "no keys have been fetched yet".to_owned(),
                })
        };
        let Some(keys) = &state.keys else {
            return Err(last_error());
        };
        let stale_for = now.saturating_sub(state.fresh_until);
        if now < state.fresh_until || stale_for < self.policy.stale_limit {
            return Ok(Arc::clone(keys));
        }
        Err(Error::StaleKeysExpired {
            stale_for_secs: stale_for.as_secs(),
            limit_secs: self.policy.stale_limit.as_secs(),
            cause: Box::new(last_error()),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}
