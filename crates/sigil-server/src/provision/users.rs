//! Users: creating, changing, disabling and deleting the people who sign in, with the rules
//! their fields follow (validation in `user_rules`).
//!
//! **Invariant:** a disabled or deleted user holds nothing that still works: every path that
//! disables or deletes calls [`Provisioner::end_everything_of`] after the user can no longer
//! sign in, so nothing new starts while the old is ended.

use serde_json::{Map, Value};
use sigil_store::{RealmName, StoreError, UserRecord};

use super::Provisioner;
use super::user_rules::{self, optional_text};
use crate::ServerError;
use crate::users::Password;

/// What a new user should be.
#[derive(Debug, Clone, Default)]
pub struct UserSpec {
    /// The login name (1 to 128 printable characters, unique in the realm).
    pub username: String,
    /// A first password; `None`: the user cannot sign in with one until it is set.
    pub password: Option<Password>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified` (needs an email).
    pub email_verified: bool,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// Custom claims (names not reserved by JWT or OIDC).
    pub claims: Map<String, Value>,
    /// Groups.
    pub groups: Vec<String>,
    /// The scopes any client may be granted for the user; `None`: no narrowing.
    pub allowed_scopes: Option<Vec<String>>,
}

/// Changes to a user; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// A new email (a new address is unverified unless `email_verified` says otherwise).
    pub email: Option<Option<String>>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `name`.
    pub name: Option<Option<String>>,
    /// `given_name`.
    pub given_name: Option<Option<String>>,
    /// `family_name`.
    pub family_name: Option<Option<String>>,
    /// Claims to add or replace.
    pub set_claims: Map<String, Value>,
    /// Claims to remove.
    pub remove_claims: Vec<String>,
    /// The new list of groups.
    pub groups: Option<Vec<String>>,
    /// New allowed scopes; `Some(None)` removes the narrowing.
    pub allowed_scopes: Option<Option<Vec<String>>>,
}

impl Provisioner {
    /// Creates a user with nothing but a username.
    pub async fn create_user(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<UserRecord, ServerError> {
        self.create_user_with(
            realm,
            UserSpec {
                username: username.to_owned(),
                ..UserSpec::default()
            },
        )
        .await
    }

    /// Creates a user; the password, if any, is hashed (argon2id) on the bounded pool.
    pub async fn create_user_with(
        &self,
        realm: &RealmName,
        spec: UserSpec,
    ) -> Result<UserRecord, ServerError> {
        self.realm(realm).await?;
        let username = user_rules::username(&spec.username)?;
        let mut user = UserRecord::new(
            uuid::Uuid::now_v7().to_string(),
            username.clone(),
            self.now(),
        );
        user.email = optional_text(spec.email.as_deref(), "email")?
            .map(|e| user_rules::email(&e))
            .transpose()?;
        user.email_verified = user_rules::email_verified(user.email.as_ref(), spec.email_verified)?;
        user.name = optional_text(spec.name.as_deref(), "name")?;
        user.given_name = optional_text(spec.given_name.as_deref(), "given_name")?;
        user.family_name = optional_text(spec.family_name.as_deref(), "family_name")?;
        user.claims = user_rules::claims(spec.claims)?;
        user.groups = user_rules::groups(spec.groups)?;
        user.allowed_scopes = spec.allowed_scopes.map(user_rules::scopes).transpose()?;
        if let Some(password) = &spec.password {
            user.password_hash = Some(self.passwords.hash(password, &*self.rng).await?);
        }
        self.store
            .insert_user(realm, &user)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ServerError::Invalid(format!("user {username} already exists in realm {realm}"))
                }
                StoreError::UnknownRealm(_) => {
                    ServerError::Invalid(format!("realm {realm} does not exist"))
                }
                other => other.into(),
            })?;
        Ok(user)
    }

    /// The user named `username`, which must exist.
    pub async fn user(&self, realm: &RealmName, username: &str) -> Result<UserRecord, ServerError> {
        self.realm(realm).await?;
        self.store
            .get_user_by_username(realm, username)
            .await?
            .ok_or_else(|| ServerError::Invalid(format!("no user {username} in realm {realm}")))
    }

    /// Every user of the realm, ordered by username.
    pub async fn list_users(&self, realm: &RealmName) -> Result<Vec<UserRecord>, ServerError> {
        self.realm(realm).await?;
        Ok(self.store.list_users(realm).await?)
    }

    /// Changes a user's profile, claims, groups or allowed scopes.
    pub async fn update_user(
        &self,
        realm: &RealmName,
        username: &str,
        changes: UserChanges,
    ) -> Result<UserRecord, ServerError> {
        let mut user = self.user(realm, username).await?;
        if let Some(email) = changes.email {
            let email = optional_text(email.as_deref(), "email")?
                .map(|e| user_rules::email(&e))
                .transpose()?;
            if email != user.email {
                // A new address has not been verified, whatever the old one was.
                user.email_verified = false;
            }
            user.email = email;
        }
        let verified = changes.email_verified.unwrap_or(user.email_verified);
        user.email_verified = user_rules::email_verified(user.email.as_ref(), verified)?;
        if let Some(name) = changes.name {
            user.name = optional_text(name.as_deref(), "name")?;
        }
        if let Some(given) = changes.given_name {
            user.given_name = optional_text(given.as_deref(), "given_name")?;
        }
        if let Some(family) = changes.family_name {
            user.family_name = optional_text(family.as_deref(), "family_name")?;
        }
        for name in &changes.remove_claims {
            if user.claims.remove(name).is_none() {
                return Err(ServerError::Invalid(format!(
                    "user {username} has no claim {name:?}"
                )));
            }
        }
        let mut claims = user.claims;
        claims.extend(changes.set_claims);
        user.claims = user_rules::claims(claims)?;
        if let Some(groups) = changes.groups {
            user.groups = user_rules::groups(groups)?;
        }
        if let Some(allowed) = changes.allowed_scopes {
            user.allowed_scopes = allowed.map(user_rules::scopes).transpose()?;
        }
        self.store_change(realm, user).await
    }

    /// Sets (or replaces) a user's password.
    pub async fn set_password(
        &self,
        realm: &RealmName,
        username: &str,
        password: &Password,
    ) -> Result<UserRecord, ServerError> {
        let mut user = self.user(realm, username).await?;
        user.password_hash = Some(self.passwords.hash(password, &*self.rng).await?);
        self.store_change(realm, user).await
    }

    /// Disables a user: no more sign-ins, and what the user holds ends.
    pub async fn disable_user(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<UserRecord, ServerError> {
        let mut user = self.user(realm, username).await?;
        if !user.disabled {
            user.disabled = true;
            user = self.store_change(realm, user).await?;
        }
        // Also when it was disabled already: a retry after a failed ending finishes the job.
        self.end_everything_of(realm, &user).await?;
        Ok(user)
    }

    /// Lets a disabled user sign in again (what was ended stays ended).
    pub async fn enable_user(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<UserRecord, ServerError> {
        let mut user = self.user(realm, username).await?;
        if !user.disabled {
            return Ok(user);
        }
        user.disabled = false;
        self.store_change(realm, user).await
    }

    /// Deletes a user: disabled first (so no sign-in starts meanwhile), everything it holds
    /// ended, then the row. Each step is safe to repeat, so a failure can be retried.
    pub async fn delete_user(
        &self,
        realm: &RealmName,
        username: &str,
    ) -> Result<UserRecord, ServerError> {
        let user = self.disable_user(realm, username).await?;
        if !self.store.delete_user(realm, &user.id).await? {
            return Err(ServerError::Invalid(format!(
                "no user {username} in realm {realm}"
            )));
        }
        Ok(user)
    }

    /// Ends everything the user holds: called when a user is disabled or deleted.
    ///
    /// Personal access tokens are revoked (each joins the revocation feed every server
    /// follows, so introspection refuses them within a refresh interval).
    async fn end_everything_of(
        &self,
        realm: &RealmName,
        user: &UserRecord,
    ) -> Result<(), ServerError> {
        let now = self.now();
        let mut revoked = 0;
        for pat in self.store.list_pats(realm, Some(&user.id)).await? {
            if pat.revoked_at.is_none()
                && pat.expires_at > now
                && self.store.revoke_pat(realm, &pat.jti, now).await?
            {
                revoked += 1;
            }
        }
        // Grants (their refresh tokens, and through the feed their access tokens) and sessions
        // end in the store and reach every server within one refresh interval.
        let grants = self
            .store
            .revoke_grants_of_user(realm, &user.id, now)
            .await?;
        let sessions = self
            .store
            .end_sessions_of_user(realm, &user.id, now)
            .await?;
        tracing::info!(
            realm = %realm,
            user = %user.id,
            pats_revoked = revoked,
            grants_revoked = grants,
            sessions_ended = sessions,
            "ended what the user holds"
        );
        Ok(())
    }

    /// Stores a changed user, stamped with the time of the change.
    async fn store_change(
        &self,
        realm: &RealmName,
        mut user: UserRecord,
    ) -> Result<UserRecord, ServerError> {
        user.updated_at = self.now();
        self.store
            .update_user(realm, &user)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => ServerError::Invalid(format!(
                    "user {} was deleted meanwhile in realm {realm}",
                    user.username
                )),
                other => other.into(),
            })?;
        Ok(user)
    }
}
