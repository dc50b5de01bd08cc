//! Where the verifier's time comes from.
//!
//! **Invariant:** the verifier reads wall time only through a [`Clock`]. Token expiry, cache
//! freshness, the unknown-`kid` cool-down and the stale period all ask the same injected
//! clock, so a test can move time with a [`ManualClock`] instead of sleeping.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sigil_jose::NumericDate;

/// A source of the current time, as a duration since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time since 1970-01-01T00:00:00Z.
    fn now(&self) -> Duration;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock set before 1970 reads as the epoch; tokens then look not yet valid, which
        // fails closed.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that moves only when told to: for tests, and for replaying a token at a given
/// moment (`sigil verify` uses the system clock).
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicU64,
}

impl ManualClock {
    /// A clock reading `since_epoch`.
    pub fn new(since_epoch: Duration) -> Self {
        Self {
            millis: AtomicU64::new(as_millis(since_epoch)),
        }
    }

    /// A clock reading the given Unix time in seconds.
    pub fn at_unix(seconds: u64) -> Self {
        Self::new(Duration::from_secs(seconds))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.millis.fetch_add(as_millis(by), Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, since_epoch: Duration) {
        self.millis.store(as_millis(since_epoch), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

fn as_millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A clock reading as a JWT `NumericDate` (whole seconds).
pub(crate) fn numeric_date(now: Duration) -> NumericDate {
    NumericDate(i64::try_from(now.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at_unix(1_800_000_000);
        assert_eq!(clock.now(), Duration::from_secs(1_800_000_000));
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now(), Duration::from_millis(1_800_000_001_500));
        assert_eq!(numeric_date(clock.now()), NumericDate(1_800_000_001));
        clock.set(Duration::from_secs(5));
        assert_eq!(clock.now(), Duration::from_secs(5));
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > Duration::from_secs(1_577_836_800));
    }
}
