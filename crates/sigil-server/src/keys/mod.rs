//! Realm signing keys: their lifecycle, their in-memory form, and the making of new ones.
//!
//! **Invariants:** private keys are sealed at rest and unsealed only here; every node derives
//! the same published set and the same signing key from the stored timestamps.

pub mod generate;
pub mod import;
pub mod lifecycle;
pub mod realm_keys;
pub mod rotation;

pub use realm_keys::RealmKeys;
