//! What dynamic registration changes (RFC 7591, RFC 7592), for the `/register` endpoint and
//! the CLI alike: the realm's registration policy, initial access tokens, the
//! `sector_identifier_uri` check (OIDC Core §8.1), and the full replacement of a registered
//! client.

use sigil_store::{
    ClientRecord, InitialAccessTokenRecord, RealmName, RegistrationPolicy, StoreError,
};

use super::{ClientSpec, Provisioner, validate_client};
use crate::ServerError;
use crate::op::clients::{SubjectType, TokenEndpointAuthMethod};
use crate::random;

/// The largest `sector_identifier_uri` document fetched.
pub const SECTOR_DOCUMENT_LIMIT: usize = 64 * 1024;

/// A realm's registration policy, as `sigil realm update` changes it; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct RegistrationChanges {
    /// Who may register.
    pub policy: Option<RegistrationPolicy>,
    /// Open registrations per address and hour.
    pub per_hour: Option<u32>,
    /// The subject type of clients that registered none.
    pub default_subject_type: Option<SubjectType>,
}

impl Provisioner {
    /// Changes the realm's registration policy.
    pub async fn set_registration(
        &self,
        realm: &RealmName,
        changes: RegistrationChanges,
    ) -> Result<(), ServerError> {
        let mut record = self.realm(realm).await?;
        if let Some(policy) = changes.policy {
            record.settings.registration = policy;
        }
        if let Some(limit) = changes.per_hour {
            if limit == 0 {
                return Err(ServerError::Invalid(
                    "--registration-limit must be at least 1 (close registration instead)".into(),
                ));
            }
            record.settings.registrations_per_hour = limit;
        }
        if let Some(subject_type) = changes.default_subject_type {
            record.settings.default_subject_type = Some(subject_type.as_str().to_owned());
        }
        self.store
            .update_realm_settings(realm, &record.settings)
            .await?;
        Ok(())
    }

    /// Creates an initial access token (RFC 7591 §3) for the realm: the token (shown once)
    /// and its record. It admits `max_uses` registrations (any number when `None`) until
    /// `expires_in_secs` from now (never when `None`).
    pub async fn create_initial_access_token(
        &self,
        realm: &RealmName,
        expires_in_secs: Option<u64>,
        max_uses: Option<u32>,
    ) -> Result<(String, InitialAccessTokenRecord), ServerError> {
        self.realm(realm).await?;
        if expires_in_secs == Some(0) || max_uses == Some(0) {
            return Err(ServerError::Invalid(
                "an initial access token needs --expires-in and --max-uses of at least 1".into(),
            ));
        }
        let token = random::token(&*self.rng, 32)?;
        let now = self.now();
        let record = InitialAccessTokenRecord {
            token_hash: random::digest(&token),
            created_at: now,
            expires_at: expires_in_secs.map(|secs| now.saturating_add_unsigned(secs)),
            max_uses,
            uses: 0,
        };
        self.store
            .insert_initial_access_token(realm, &record)
            .await?;
        Ok((token, record))
    }

    /// Replaces a client's registration (RFC 7592 §2.2: full replacement): every member from
    /// `spec`, validated like a new one; the id, secret and creation time stay.
    pub async fn replace_client(
        &self,
        realm: &RealmName,
        current: &ClientRecord,
        spec: ClientSpec,
    ) -> Result<ClientRecord, ServerError> {
        let realm_record = self.realm(realm).await?;
        let spec = ClientSpec {
            client_id: Some(current.client_id.clone()),
            ..spec
        };
        let validated = validate_client(
            spec,
            &realm_record.settings,
            self.redirect_policy,
            current.created_at,
            &*self.rng,
        )?;
        let wants_secret = TokenEndpointAuthMethod::parse(&validated.auth_method)
            .is_some_and(TokenEndpointAuthMethod::uses_secret);
        if wants_secret != current.secret_hash.is_some() {
            // The secret was shown once, at registration: it cannot be issued or taken back.
            return Err(ServerError::Invalid(
                "token_endpoint_auth_method: a registration cannot change between a method with a client secret and one without".into(),
            ));
        }
        let client = ClientRecord {
            secret_hash: current.secret_hash.clone(),
            ..validated
        };
        self.check_sector_document(&client).await?;
        self.store
            .update_client(realm, &client)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    ServerError::Invalid(format!("no client {} in realm {realm}", client.client_id))
                }
                other => other.into(),
            })?;
        Ok(client)
    }

    /// OIDC Core §8.1: a `sector_identifier_uri` must be https and hold a JSON array of URIs
    /// that lists every redirect URI of the client. Fetched once, at registration, within a
    /// timeout and [`SECTOR_DOCUMENT_LIMIT`]; issuing tokens never fetches it.
    pub(super) async fn check_sector_document(
        &self,
        client: &ClientRecord,
    ) -> Result<(), ServerError> {
        let Some(uri) = &client.settings.sector_identifier_uri else {
            return Ok(());
        };
        let refuse = |why: String| ServerError::Invalid(format!("sector_identifier_uri: {why}"));
        let url = self
            .fetcher
            .url(uri)
            .map_err(|e| refuse(format!("cannot be fetched: {e}")))?;
        // Why a fetch failed stays in the log: told to the registrant, it would say what
        // answers (or not) at an address of its choosing.
        let bytes = self.fetcher.get_body(&url).await.map_err(|e| {
            tracing::info!(error = %e, "a sector_identifier_uri could not be fetched");
            refuse("cannot be fetched".into())
        })?;
        let listed: Vec<String> = serde_json::from_slice(&bytes)
            .map_err(|_| refuse("is not a JSON array of URIs".into()))?;
        if let Some(missing) = client
            .redirect_uris
            .iter()
            .find(|uri| !listed.contains(uri))
        {
            return Err(refuse(format!(
                "does not list the redirect URI {missing:?}"
            )));
        }
        Ok(())
    }
}
