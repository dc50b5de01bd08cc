//! Verification: header → algorithm pin → key by `kid` (or each fitting key) → signature →
//! claims. Each step fails with its own typed [`Error`].

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use sigil_jose::jws::{HeaderAlg, VerifiedJws};
use sigil_jose::legacy_hmac::{self, HmacAlgorithm, LegacyHmacKey};
use sigil_jose::{Algorithm, Claims, CompactJws, Header, Validation};

use crate::Error;
use crate::builder::VerifierBuilder;
use crate::clock::{self, Clock};
use crate::jwks_cache::JwksCache;
use crate::key_snapshot::KeySnapshot;

/// Verifies tokens from one issuer. Cheap to clone: clones share the key cache.
///
/// Build one with [`Verifier::builder`]; see the crate documentation for an example.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) cache: JwksCache,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) validation: Validation,
    pub(crate) required_claims: Vec<String>,
    pub(crate) legacy_hs256: Option<LegacyHmacKey>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// A token whose signature and claims checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// The token's header.
    pub header: Header,
    /// The token's claims.
    pub claims: Claims,
    /// What the signature was checked with.
    pub signed_by: SignedBy,
}

/// The key that verified a token's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedBy {
    /// A key of the issuer's set (`kid` is the key's own, when it has one).
    Key {
        /// The key's `kid`.
        kid: Option<String>,
        /// The algorithm.
        alg: Algorithm,
    },
    /// The legacy HS256 shared secret ([`VerifierBuilder::legacy_hs256_secret`]).
    LegacyHs256,
}

impl VerifiedToken {
    /// The claims deserialised into an application type (registered and other claims
    /// alike).
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::to_value(&self.claims)
            .and_then(serde_json::from_value)
            .map_err(|e| Error::Token(sigil_jose::Error::InvalidClaims(e.to_string())))
    }
}

impl Verifier {
    /// A builder; the issuer, the allowed algorithms and the audience rule are required.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::new()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Verifies `token` (a compact JWS, no `Bearer ` prefix): its algorithm against the
    /// pinned list, its signature with the issuer's key named by `kid` (or, without a
    /// `kid`, each key that fits the algorithm), then `typ`, `exp`, `nbf`, `iat`, `iss`,
    /// `aud` and the required claims.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, Error> {
        let inner = &*self.inner;
        let jws = CompactJws::parse(token)?;
        let (verified, signed_by) = match (jws.header().alg, &inner.legacy_hs256) {
            (HeaderAlg::LegacyHmac(HmacAlgorithm::HS256), Some(secret)) => (
                legacy_hmac::verify(jws, secret, &[HmacAlgorithm::HS256])?,
                SignedBy::LegacyHs256,
            ),
            _ => {
                // The pin comes first: a token with a refused algorithm costs no fetch.
                let alg = jws.allowed_alg(&inner.algorithms)?;
                self.check_signature(jws, alg).await?
            }
        };
        let now = clock::numeric_date(inner.clock.now());
        let claims: Claims = verified.payload_json()?;
        inner.validation.validate(verified.header(), &claims, now)?;
        if let Some(name) = inner.required_claims.iter().find(|n| !claims.has(n)) {
            return Err(Error::MissingClaim { name: name.clone() });
        }
        Ok(VerifiedToken {
            header: verified.header().clone(),
            claims,
            signed_by,
        })
    }

    /// Fetches the keys now if they are not fresh, so that a misconfigured issuer shows at
    /// start-up rather than on the first request.
    pub async fn warm_up(&self) -> Result<Arc<KeySnapshot>, Error> {
        self.inner.cache.current().await
    }

    async fn check_signature<'a>(
        &self,
        jws: CompactJws<'a>,
        alg: Algorithm,
    ) -> Result<(VerifiedJws<'a>, SignedBy), Error> {
        let cache = &self.inner.cache;
        let allowed = &self.inner.algorithms;
        let mut keys = cache.current().await?;
        let Some(kid) = jws.header().kid.clone() else {
            return self.try_each_key(jws, alg, keys).await;
        };
        if !keys.has_kid(&kid) {
            match cache.refetch_for_unknown_kid().await? {
                Some(fresh) if fresh.has_kid(&kid) => keys = fresh,
                fresh => {
                    let known = fresh.unwrap_or(keys).kids();
                    return Err(Error::UnknownKid { kid, known });
                }
            }
        }
        // Several keys may share a kid (one per algorithm): use the one admitting `alg`, or
        // the first so that its refusal explains the mismatch.
        let key = keys
            .with_kid(&kid)
            .find(|k| k.admits(alg))
            .or_else(|| keys.with_kid(&kid).next());
        let Some(key) = key else {
            return Err(Error::UnknownKid {
                kid,
                known: keys.kids(),
            });
        };
        let verified = jws.verify(key, allowed)?;
        Ok((
            verified,
            SignedBy::Key {
                kid: Some(kid),
                alg,
            },
        ))
    }

    /// Seed 002: a token without `kid` is tried against each key that fits its algorithm;
    /// when none verifies, the keys are refetched once (cool-down permitting) and tried
    /// again, which covers a rotation.
    async fn try_each_key<'a>(
        &self,
        jws: CompactJws<'a>,
        alg: Algorithm,
        keys: Arc<KeySnapshot>,
    ) -> Result<(VerifiedJws<'a>, SignedBy), Error> {
        let allowed = &self.inner.algorithms;
        let attempt = |keys: &KeySnapshot| {
            let mut tried = false;
            for key in keys.admitting(alg) {
                tried = true;
                if let Ok(verified) = jws.clone().verify(key, allowed) {
                    let kid = key.kid().map(|k| k.as_str().to_owned());
                    return Ok((verified, SignedBy::Key { kid, alg }));
                }
            }
            Err(tried)
        };
        let mut tried = match attempt(&keys) {
            Ok(found) => return Ok(found),
            Err(tried) => tried,
        };
        let mut known = keys.kids();
        if let Some(fresh) = self.inner.cache.refetch_for_unknown_kid().await? {
            match attempt(&fresh) {
                Ok(found) => return Ok(found),
                Err(also_tried) => tried |= also_tried,
            }
            known = fresh.kids();
        }
        if tried {
            return Err(Error::Token(sigil_jose::Error::InvalidSignature));
        }
        Err(Error::NoMatchingKey {
            alg: alg.to_string(),
            known,
        })
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithms", &self.inner.algorithms)
            .field("validation", &self.inner.validation)
            .field("required_claims", &self.inner.required_claims)
            .field("legacy_hs256", &self.inner.legacy_hs256.is_some())
            .field("cache", &self.inner.cache)
            .finish()
    }
}
