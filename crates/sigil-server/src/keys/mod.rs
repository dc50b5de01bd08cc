//! Realm keys — signing keys and decryption keys (`use: enc`): their lifecycle, their
//! in-memory form, and the making of new ones.
//!
//! **Invariants:** private keys are sealed at rest and unsealed only here; every node derives
//! the same published set, the same signing key and the same decryption keys from the stored
//! timestamps.

pub mod decryption;
pub mod generate;
pub mod import;
pub mod key_alg;
pub mod lifecycle;
pub mod realm_keys;
pub mod request_object;
pub mod rotation;

pub use key_alg::{ENCRYPTION_ALGS, KeyAlg};
pub use realm_keys::RealmKeys;
