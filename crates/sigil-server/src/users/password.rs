//! Passwords: the policy for new ones, and argon2id hashing (RFC 9106) in PHC strings.
//!
//! **Parameters:** argon2id, m = 19 MiB (19456 KiB), t = 2, p = 1, a 16-byte salt and a
//! 32-byte tag — the first configuration of the OWASP Password Storage Cheat Sheet, and the
//! `argon2` crate's default. RFC 9106 §4 recommends m = 2 GiB (first choice) or 64 MiB, t = 3,
//! p = 4 (second) when memory allows; on our 2-core machines a login at 64 MiB would cost
//! ~4× the CPU and memory (dependencies.md measured ~21 ms per verify at 19 MiB), and p = 4
//! buys nothing without four free cores. OWASP rates its options equivalent in strength: they
//! trade memory for passes. Each running hash holds `m`, so the pool's size bounds memory too.
//!
//! **Timing:** verification recomputes the tag with the stored parameters and compares in
//! constant time (`argon2`'s `verify_password`); an unknown username is answered by
//! [`PasswordHashing::verify_unknown_user`], which does the same work against a dummy hash,
//! so the time taken does not tell whether the account exists.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use super::pool::HashPool;
use crate::random::{RandomError, Rng};

/// The shortest password accepted, in characters (NIST SP 800-63B §3.1.1.2's minimum).
pub const MIN_CHARS: usize = 8;
/// The longest password accepted, in bytes: long passphrases welcome, megabyte bodies not.
pub const MAX_BYTES: usize = 1024;
/// Salt length in bytes (RFC 9106 §3.1 recommends 16).
const SALT_BYTES: usize = 16;
/// Tag length in bytes.
const TAG_BYTES: usize = 32;

/// A password, held in memory that is zeroed on drop and never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// A new password, checked against the policy: at least [`MIN_CHARS`] characters, at
    /// most [`MAX_BYTES`] bytes, no control characters (which no keyboard types on purpose and
    /// which hide in logs and terminals).
    pub fn new(text: String) -> Result<Self, PolicyViolation> {
        let text = Zeroizing::new(text);
        if text.len() > MAX_BYTES {
            return Err(PolicyViolation::TooLong);
        }
        if text.chars().count() < MIN_CHARS {
            return Err(PolicyViolation::TooShort);
        }
        if text.chars().any(char::is_control) {
            return Err(PolicyViolation::ControlCharacter);
        }
        Ok(Self(text))
    }

    /// A password as typed at login: not checked against the policy (a password set under an
    /// older policy must still verify), only held safely.
    pub fn candidate(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("a password has at least 8 characters")]
    TooShort,
    /// More than [`MAX_BYTES`] bytes.
    #[error("a password has at most 1024 bytes")]
    TooLong,
    /// A control character (newline, tab, escape, …).
    #[error("a password has no control characters (tab, newline, escape, …)")]
    ControlCharacter,
}

/// What can go wrong with passwords.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// A new password breaks the policy.
    #[error(transparent)]
    Policy(#[from] PolicyViolation),
    /// No salt could be had.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A stored hash is not an argon2id PHC string this server can verify (or asks for more
    /// work than [`HashParams::MAX`] allows): a bug or tampering, never the user's fault.
    #[error("stored password hash is unusable: {0}")]
    StoredHash(String),
    /// argon2 refused its inputs (parameters out of range).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The pool could not run the job.
    #[error("{0}")]
    Pool(String),
}

/// argon2id cost parameters (RFC 9106 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl HashParams {
    /// OWASP's first argon2id configuration: m = 19 MiB, t = 2, p = 1 (see the module docs).
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The most a stored hash may ask for: a row edited to m = 4 GiB must not take a node
    /// down at the next login.
    pub const MAX: Self = Self {
        memory_kib: 256 * 1024,
        iterations: 16,
        parallelism: 16,
    };

    fn argon2(self) -> Result<Params, PasswordError> {
        Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(TAG_BYTES),
        )
        .map_err(|e| PasswordError::Hash(e.to_string()))
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password is right. `needs_rehash`: the stored hash was made with other parameters
    /// (or another variant or version) than the current ones; the caller should store
    /// [`PasswordHashing::hash`] of the same password now that it knows it.
    Match {
        /// Whether to hash again with the current parameters.
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

/// Hashes and verifies passwords with fixed parameters on a bounded pool.
#[derive(Debug, Clone)]
pub struct PasswordHashing {
    params: HashParams,
    pool: HashPool,
    /// A hash of nothing anyone knows, made with the current parameters on first need.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHashing {
    /// Hashing with `params` on `pool`.
    pub fn new(params: HashParams, pool: HashPool) -> Result<Self, PasswordError> {
        params.argon2()?;
        Ok(Self {
            params,
            pool,
            dummy: Arc::default(),
        })
    }

    /// OWASP's parameters on a pool of one permit per core.
    pub fn owasp() -> Self {
        Self {
            params: HashParams::OWASP,
            pool: HashPool::per_core(),
            dummy: Arc::default(),
        }
    }

    /// The current parameters.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// The pool the work runs on.
    pub fn pool(&self) -> &HashPool {
        &self.pool
    }

    /// An argon2id PHC string of `password`, with a fresh salt from `rng`.
    pub async fn hash(&self, password: &Password, rng: &dyn Rng) -> Result<String, PasswordError> {
        let mut salt = [0u8; SALT_BYTES];
        rng.fill(&mut salt)?;
        let params = self.params.argon2()?;
        let password = password.clone();
        self.pool
            .run(move || {
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                    .hash_password_with_salt(password.bytes(), &salt)
                    .map(|h| h.to_string())
                    .map_err(|e| PasswordError::Hash(e.to_string()))
            })
            .await?
    }

    /// Whether `password` matches the stored PHC string, and whether it should be rehashed.
    pub async fn verify(
        &self,
        password: &Password,
        stored: &str,
    ) -> Result<Verification, PasswordError> {
        let parsed =
            PasswordHash::new(stored).map_err(|e| PasswordError::StoredHash(e.to_string()))?;
        let needs_rehash = self.differs(&parsed)?;
        let password = password.clone();
        let matched = self
            .pool
            .run(move || {
                // The parameters, variant and version come from the PHC string; argon2
                // compares the tags in constant time.
                Argon2::default()
                    .verify_password(password.bytes(), &parsed)
                    .is_ok()
            })
            .await?;
        Ok(if matched {
            Verification::Match { needs_rehash }
        } else {
            Verification::Mismatch
        })
    }

    /// The work of a verification, for a username that does not exist (or has no password):
    /// the answer is always "no", in about the time a real user's wrong password takes.
    pub async fn verify_unknown_user(&self, password: &Password) -> Result<(), PasswordError> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                // A fixed salt is fine: no real password is ever checked against this hash.
                let params = self.params.argon2()?;
                self.pool
                    .run(move || {
                        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                            .hash_password_with_salt(b"sigil: no such user", b"sigil-dummy-salt")
                            .map(|h| h.to_string())
                            .map_err(|e| PasswordError::Hash(e.to_string()))
                    })
                    .await?
            })
            .await?;
        self.verify(password, dummy).await?;
        Ok(())
    }

    /// The dummy hash, once made.
    #[cfg(test)]
    pub(crate) fn dummy_hash(&self) -> Option<&str> {
        self.dummy.get().map(String::as_str)
    }

    /// Whether a stored hash was made otherwise than this server would make it now; refuses
    /// one that is not argon2id or asks for more than [`HashParams::MAX`].
    fn differs(&self, stored: &PasswordHash) -> Result<bool, PasswordError> {
        let bad = |m: &str| PasswordError::StoredHash(m.to_owned());
        let algorithm = Algorithm::try_from(stored.algorithm.as_str())
            .map_err(|_| bad("not an argon2 hash"))?;
        let params = Params::try_from(stored).map_err(|e| bad(&e.to_string()))?;
        let max = HashParams::MAX;
        if params.m_cost() > max.memory_kib
            || params.t_cost() > max.iterations
            || params.p_cost() > max.parallelism
        {
            return Err(bad("its parameters exceed what this server verifies"));
        }
        let current = HashParams {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        };
        Ok(algorithm != Algorithm::Argon2id
            || stored.version != Some(Version::V0x13.into())
            || current != self.params
            || params.output_len() != Some(TAG_BYTES)
            || stored.salt.as_ref().map(|s| s.len()) != Some(SALT_BYTES))
    }
}
