//! Personal access tokens (seed 002) and admin tokens: issuing, listing, revoking.

use sigil_store::{PatRecord, RealmName, UserRecord};

use super::Provisioner;
use crate::ServerError;
use crate::tokens::pat::{self, PatIssued};

impl Provisioner {
    /// Issues a personal access token for the user named `username`, signed for `base_url`'s
    /// issuer; returns it (shown once) with the user.
    pub async fn create_pat(
        &self,
        realm: &RealmName,
        username: &str,
        name: &str,
        ttl_secs: u64,
        base_url: &str,
    ) -> Result<(PatIssued, UserRecord), ServerError> {
        let user = self.user_by_username(realm, username).await?;
        if user.disabled {
            return Err(ServerError::Invalid(format!(
                "user {username} is disabled in realm {realm}"
            )));
        }
        let state = self.realm_state(realm, base_url).await?;
        let issued = pat::create(
            &*self.store,
            &state,
            &user,
            name,
            ttl_secs,
            self.now(),
            &*self.rng,
        )
        .await?;
        Ok((issued, user))
    }

    /// The realm's personal access tokens, of the user named `username` or of all, newest first.
    pub async fn list_pats(
        &self,
        realm: &RealmName,
        username: Option<&str>,
    ) -> Result<Vec<PatRecord>, ServerError> {
        let user_id = match username {
            Some(username) => Some(self.user_by_username(realm, username).await?.id),
            None => None,
        };
        Ok(self.store.list_pats(realm, user_id.as_deref()).await?)
    }

    /// Revokes a personal access token now; it joins the realm's revocation feed, which every
    /// server follows.
    pub async fn revoke_pat(&self, realm: &RealmName, jti: &str) -> Result<(), ServerError> {
        if !self.store.revoke_pat(realm, jti, self.now()).await? {
            return Err(ServerError::Invalid(format!(
                "no active personal access token {jti} in realm {realm}"
            )));
        }
        Ok(())
    }

    /// Deletes an admin token: from now on it authenticates nothing.
    pub async fn delete_admin_token(&self, id: &str) -> Result<(), ServerError> {
        if !self.store.delete_admin_token(id).await? {
            return Err(ServerError::Invalid(format!("no admin token {id}")));
        }
        Ok(())
    }

    async fn user_by_username(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<UserRecord, ServerError> {
        self.store
            .get_user_by_username(realm, username)
            .await?
            .ok_or_else(|| ServerError::Invalid(format!("no user {username} in realm {realm}")))
    }
}
