//! Randomness for identifiers and secrets, injected like the clock.
//!
//! **Invariant:** a failing random number generator is an error, never a weak value. Codes,
//! refresh tokens, session ids, CSRF tokens and client secrets are only as good as the bytes
//! behind them; a zeroed buffer would be a guessable secret. Every caller gets a
//! [`RandomError`] and answers `503 temporarily_unavailable` (or one line from the CLI).

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// The random number generator failed; nothing random was produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the random number generator failed")]
pub struct RandomError;

/// A source of cryptographically secure random bytes.
pub trait Rng: Send + Sync + Debug {
    /// Fills `dest` entirely, or fails without a partial result to use.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's CSPRNG, through aws-lc-rs.
#[derive(Debug)]
pub struct SystemRng(SystemRandom);

impl SystemRng {
    /// The system generator.
    pub fn new() -> Self {
        Self(SystemRandom::new())
    }
}

impl Default for SystemRng {
    fn default() -> Self {
        Self::new()
    }
}

impl Rng for SystemRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.0.fill(dest).map_err(|_| RandomError)
    }
}

/// The system generator, until told to fail (tests of what a failing generator does).
#[derive(Debug, Default)]
pub struct ControlledRng {
    inner: SystemRng,
    failing: AtomicBool,
}

impl ControlledRng {
    /// A generator that works until [`Self::set_failing`].
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every fill fails (`true`) or works again (`false`).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

impl Rng for ControlledRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(RandomError);
        }
        self.inner.fill(dest)
    }
}

/// `bytes` random bytes, base64url-encoded (`bytes` = 16 → 128 bits, 32 → 256 bits).
pub fn token(rng: &dyn Rng, bytes: usize) -> Result<String, RandomError> {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf)?;
    Ok(sigil_jose::base64url::encode(buf))
}

/// SHA-256 of a secret, as stored for client secrets and admin tokens.
pub fn digest(secret: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes())
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_generator_yields_an_error_not_a_token() {
        let rng = ControlledRng::new();
        let a = token(&rng, 16).unwrap();
        assert_eq!(a.len(), 22);
        assert_ne!(a, token(&rng, 16).unwrap());
        rng.set_failing(true);
        assert_eq!(token(&rng, 16), Err(RandomError));
        rng.set_failing(false);
        assert!(token(&rng, 32).is_ok());
    }
}
