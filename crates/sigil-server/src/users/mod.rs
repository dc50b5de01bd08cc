//! People who sign in: their passwords (argon2id, RFC 9106) and the bounded pool that hashes
//! them. Creating and changing users is `provision::users`; this module holds what login will
//! need at request time, and knows nothing of HTTP.

pub mod password;
pub mod pool;

pub use password::{
    HashParams, Password, PasswordError, PasswordHashing, PolicyViolation, Verification,
};
pub use pool::HashPool;

#[cfg(test)]
mod tests;
