//! Reading and removing clients (creating one, with its validation, is in the parent module).

use sigil_store::{ClientRecord, RealmName};

use super::Provisioner;
use crate::ServerError;

impl Provisioner {
    /// One client that must exist.
    pub async fn client(
        &self,
        realm: &RealmName,
        client_id: &str,
    ) -> Result<ClientRecord, ServerError> {
        self.store
            .get_client(realm, client_id)
            .await?
            .ok_or_else(|| no_client(realm, client_id))
    }

    /// Every client of the realm, ordered by id.
    pub async fn list_clients(&self, realm: &RealmName) -> Result<Vec<ClientRecord>, ServerError> {
        self.realm(realm).await?;
        Ok(self.store.list_clients(realm).await?)
    }

    /// Deletes a client; the one path by which a client goes away.
    ///
    /// Its outstanding tokens go with it: access tokens are JWTs that the store does not list,
    /// so they are not revoked one by one; instead, a token whose `client_id` no longer exists
    /// in the realm is no longer honoured (introspection answers `active: false`, RFC 7662
    /// §2.2). The feed's client entry carries the deletion to every running server within one
    /// refresh interval. Its grants and consents end here too; anything added later that is
    /// stored per client must end here as well.
    pub async fn delete_client(
        &self,
        realm: &RealmName,
        client_id: &str,
    ) -> Result<(), ServerError> {
        // What is stored per client ends first, so that a failure part-way can be retried:
        // its grants (refresh tokens, and through the feed their access tokens) are revoked,
        // its consents deleted; then the client itself.
        let now = self.now();
        let grants = self
            .store
            .revoke_grants_of_client(realm, client_id, now)
            .await?;
        let consents = self
            .store
            .delete_consents_of_client(realm, client_id)
            .await?;
        if !self.store.delete_client(realm, client_id).await? {
            return Err(no_client(realm, client_id));
        }
        tracing::info!(
            realm = %realm,
            client_id,
            grants_revoked = grants,
            consents_deleted = consents,
            "deleted client; its outstanding tokens are no longer honoured"
        );
        Ok(())
    }
}

fn no_client(realm: &RealmName, client_id: &str) -> ServerError {
    ServerError::Invalid(format!("no client {client_id} in realm {realm}"))
}
