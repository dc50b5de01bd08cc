//! Whether a realm takes authorization requests only through the PAR endpoint (RFC 9126 §5).

use sigil_store::RealmName;

use super::Provisioner;
use crate::ServerError;

impl Provisioner {
    /// Requires (or stops requiring) every authorization request of `realm` to be pushed.
    pub async fn set_require_pushed_authorization_requests(
        &self,
        realm: &RealmName,
        required: bool,
    ) -> Result<(), ServerError> {
        let mut record = self.realm(realm).await?;
        record.settings.require_pushed_authorization_requests = required;
        self.store
            .update_realm_settings(realm, &record.settings)
            .await?;
        Ok(())
    }
}
