//! The issuer a running `sigil serve` serves, recorded in the store so that commands which
//! sign tokens without a server (`sigil token mint`, `token pat create`) sign for the same
//! `iss` the server verifies (RFC 9068 §4, RFC 7519 §4.1.1).

use super::{Provisioner, validate_base_url};
use crate::ServerError;

/// The meta key under which `serve` records its public base URL.
pub const SERVED_ISSUER_META_KEY: &str = "served_issuer";

impl Provisioner {
    /// Records `base_url` as the base URL the server serves. The last server to start wins:
    /// nodes sharing one store are expected to share one public base URL.
    pub async fn record_served_issuer(&self, base_url: &str) -> Result<(), ServerError> {
        let base_url = validate_base_url(base_url)?;
        Ok(self
            .store
            .meta_set(SERVED_ISSUER_META_KEY, &base_url)
            .await?)
    }

    /// The base URL the last `sigil serve` on this store recorded, if one ever started.
    pub async fn served_issuer(&self) -> Result<Option<String>, ServerError> {
        Ok(self.store.meta_get(SERVED_ISSUER_META_KEY).await?)
    }
}
