//! How long keys stay fresh, how often an unknown `kid` may cause a fetch, and how long
//! known keys outlive an unreachable issuer.

use std::time::Duration;

use crate::Error;
use crate::cache_control::CacheControl;

/// The JWKS cache's bounds. Every field has a default; [`CachePolicy::validate`] checks the
/// combination when the verifier is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// The shortest freshness lifetime, whatever `Cache-Control` says (default 60 s). It
    /// keeps `max-age=0` or `no-cache` from turning every verification into a fetch.
    pub min_ttl: Duration,
    /// The longest freshness lifetime (default 24 h), so that a revoked key is dropped in
    /// bounded time even when the issuer says `max-age=31536000`.
    pub max_ttl: Duration,
    /// The lifetime when the response has no `max-age` (default 15 min, seed 002).
    pub default_ttl: Duration,
    /// The least time between two fetches caused by an unknown `kid`, or by a failed fetch
    /// (default 30 s). A flood of made-up `kid`s costs the issuer one request per cool-down.
    pub cooldown: Duration,
    /// How long after the keys stopped being fresh they keep verifying while the issuer
    /// cannot be reached (default 1 h). Past it, verification fails with
    /// [`Error::StaleKeysExpired`].
    pub stale_limit: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 60 * 60),
            default_ttl: Duration::from_secs(15 * 60),
            cooldown: Duration::from_secs(30),
            stale_limit: Duration::from_secs(60 * 60),
        }
    }
}

impl CachePolicy {
    /// The freshness lifetime of a response with these directives: `max-age` (or the default
    /// without one), clamped to `[min_ttl, max_ttl]`; `no-cache`/`no-store` give `min_ttl`.
    pub fn freshness(&self, cc: &CacheControl) -> Duration {
        if cc.no_cache || cc.no_store {
            return self.min_ttl;
        }
        cc.max_age
            .unwrap_or(self.default_ttl)
            .clamp(self.min_ttl, self.max_ttl)
    }

    /// Checks that the bounds make sense together.
    pub fn validate(&self) -> Result<(), Error> {
        if self.min_ttl > self.max_ttl {
            return Err(Error::Config(format!(
                "cache min_ttl ({:?}) exceeds max_ttl ({:?})",
                self.min_ttl, self.max_ttl
            )));
        }
        if self.cooldown.is_zero() {
            return Err(Error::Config(
                "the unknown-kid cool-down must be positive, or a flood of made-up kids \
                 becomes a flood of fetches"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn max_age_is_clamped_to_the_bounds() {
        let policy = CachePolicy::default();
        let with = |max_age: Option<u64>| CacheControl {
            max_age: max_age.map(secs),
            ..CacheControl::default()
        };
        assert_eq!(policy.freshness(&with(Some(900))), secs(900));
        assert_eq!(policy.freshness(&with(Some(0))), secs(60));
        assert_eq!(policy.freshness(&with(Some(31_536_000))), secs(86_400));
        assert_eq!(policy.freshness(&with(None)), secs(900));
        let no_cache = CacheControl {
            no_cache: true,
            max_age: Some(secs(600)),
            ..CacheControl::default()
        };
        assert_eq!(policy.freshness(&no_cache), secs(60));
    }

    #[test]
    fn nonsensical_bounds_are_refused() {
        let inverted = CachePolicy {
            min_ttl: secs(100),
            max_ttl: secs(10),
            ..CachePolicy::default()
        };
        assert!(matches!(inverted.validate(), Err(Error::Config(_))));
        let no_cooldown = CachePolicy {
            cooldown: Duration::ZERO,
            ..CachePolicy::default()
        };
        assert!(matches!(no_cooldown.validate(), Err(Error::Config(_))));
        assert!(CachePolicy::default().validate().is_ok());
    }
}
