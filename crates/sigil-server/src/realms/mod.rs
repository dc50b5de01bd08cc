//! Realms in memory: one [`RealmState`] per realm, built from the store and rebuilt when the
//! realm's version changes or one of its keys changes state.

mod directory;
mod registry;
pub mod revocations;
pub mod state;

pub use directory::{ABSENT_LIMIT, NEW_NAME_LOOKUPS_PER_TICK};
pub use registry::RealmRegistry;
pub use revocations::{PatUses, Revocations};
pub use state::RealmState;

/// The issuer of a realm under `base` (no trailing slash): the base itself for `default`.
pub fn issuer(base: &str, realm: &sigil_store::RealmName) -> String {
    if realm.is_default() {
        base.to_owned()
    } else {
        format!("{base}/realms/{realm}")
    }
}
