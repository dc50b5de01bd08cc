//! A client's registration, parsed once from its stored [`ClientRecord`] into the vocabulary
//! of RFC 7591 §2 and OIDC Registration §2, so that no endpoint compares stored strings.
//!
//! A stored value that does not parse is a corrupted row or a bug elsewhere, never client
//! input: it is a [`ClientMetadataError`] to log, never a default.

use std::fmt;

use sigil_jose::Algorithm;
use sigil_store::ClientRecord;

use super::keys::ClientKeySource;
use crate::clients::{RedirectUri, RedirectUriError};
use crate::keys::request_object::RequestObjectEncryption;

/// `token_endpoint_auth_method` (RFC 7591 §2; RFC 6749 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEndpointAuthMethod {
    /// `client_secret_basic`: id and secret in the `Authorization: Basic` header (§2.3.1).
    ClientSecretBasic,
    /// `client_secret_post`: id and secret in the form (§2.3.1).
    ClientSecretPost,
    /// `none`: a public client (§2.1), identified by `client_id` alone; it proves nothing.
    None,
    /// `private_key_jwt` (OIDC Core §9, RFC 7523 §2.2): a JWT assertion signed with a key of
    /// the client's registered `jwks` or `jwks_uri`.
    PrivateKeyJwt,
}

impl TokenEndpointAuthMethod {
    /// Every method Sigil implements: the one list registration validates against and
    /// discovery advertises.
    pub const ALL: [Self; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    /// The registered value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// The method a registered value names, if implemented.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// Whether the method proves nothing: the client is public (RFC 6749 §2.1).
    pub fn is_public(self) -> bool {
        self == Self::None
    }

    /// Whether the client proves itself with a secret Sigil issued (and stores a digest of).
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }

    /// The methods that authenticate a confidential client (all but `none`).
    pub fn confidential() -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(|m| !m.is_public())
    }
}

/// A grant type a client may be registered for (RFC 7591 §2 `grant_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// RFC 6749 §4.1.
    AuthorizationCode,
    /// RFC 6749 §4.4.
    ClientCredentials,
    /// RFC 6749 §6.
    RefreshToken,
}

impl GrantType {
    /// Every grant type a client can be registered for.
    pub const ALL: [Self; 3] = [
        Self::ClientCredentials,
        Self::AuthorizationCode,
        Self::RefreshToken,
    ];

    /// The registered value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
        }
    }

    /// The grant type a registered value names.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

/// `subject_type` (OIDC Core §8): how `sub` is chosen for this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectType {
    /// The same `sub` for every client. (Pairwise, §8.1, is a later step.)
    Public,
}

impl SubjectType {
    /// The subject types discovery advertises.
    pub const SUPPORTED: [Self; 1] = [Self::Public];

    /// The registered value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
        }
    }
}

/// The SHA-256 digest of a client secret; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretDigest(Vec<u8>);

impl SecretDigest {
    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretDigest([redacted])")
    }
}

/// A client's registration, typed.
#[derive(Debug, Clone)]
pub struct ClientMetadata {
    /// `client_id`.
    pub client_id: String,
    /// `client_name`.
    pub name: String,
    /// How it authenticates at the token endpoint.
    pub auth_method: TokenEndpointAuthMethod,
    /// The digest of its secret: present exactly when `auth_method` uses a secret.
    pub secret: Option<SecretDigest>,
    /// Its verifying keys (`jwks` or `jwks_uri`), for `private_key_jwt` and request objects.
    pub keys: ClientKeySource,
    /// `token_endpoint_auth_signing_alg`: the one algorithm of its assertions, when pinned.
    pub token_endpoint_auth_alg: Option<Algorithm>,
    /// `request_object_signing_alg`: the one algorithm of its request objects, when pinned.
    pub request_object_alg: Option<Algorithm>,
    /// The grant types it is registered for, each once, in registration order.
    pub grant_types: Vec<GrantType>,
    /// Its registered redirect URIs (matched exactly, RFC 6749 §3.1.2.3).
    pub redirect_uris: Vec<RedirectUri>,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// Audiences of its access tokens.
    pub audiences: Vec<String>,
    /// Its access-token lifetime, when it overrides the realm's.
    pub access_token_ttl_secs: Option<u64>,
    /// The algorithm its access tokens are signed with (RS256 unless it registered another).
    pub signing_alg: Algorithm,
    /// How its users' `sub` is chosen.
    pub subject_type: SubjectType,
    /// When it was registered.
    pub created_at: i64,
    /// Where RP-initiated logout may return to (matched exactly).
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// `id_token_signed_response_alg`; the realm's default when `None`.
    pub id_token_alg: Option<Algorithm>,
    /// `userinfo_signed_response_alg`; plain JSON userinfo when `None`.
    pub userinfo_alg: Option<Algorithm>,
    /// `logo_uri`, `policy_uri`, `tos_uri`, `client_uri`: shown to people.
    pub pages: ClientPages,
    /// Its users are not asked for consent.
    pub first_party: bool,
    /// PKCE although confidential.
    pub require_pkce: bool,
    /// Refresh tokens without `offline_access` (when it has the grant).
    pub refresh_without_offline_access: bool,
    /// `request_object_encryption_alg`/`_enc`: when registered, its request objects must be
    /// encrypted with exactly these.
    pub request_object_encryption: Option<RequestObjectEncryption>,
    /// Its authorization requests must be pushed first (RFC 9126 §6).
    pub require_pushed_authorization_requests: bool,
}

/// The pages about a client that people may see (OIDC Dynamic Client Registration 1.0 §2).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClientPages {
    /// `logo_uri`.
    pub logo_uri: Option<String>,
    /// `policy_uri`.
    pub policy_uri: Option<String>,
    /// `tos_uri`.
    pub tos_uri: Option<String>,
    /// `client_uri`.
    pub client_uri: Option<String>,
}

/// A stored client that does not parse: which client, which field, what was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client {client_id:?}: stored {field} {value:?} {problem}")]
pub struct ClientMetadataError {
    /// The client.
    pub client_id: String,
    /// The stored field.
    pub field: &'static str,
    /// What was stored.
    pub value: String,
    /// What is wrong with it.
    pub problem: String,
}

impl ClientMetadata {
    /// Parses a stored registration; every field must be one Sigil could have written.
    pub fn parse(record: &ClientRecord) -> Result<Self, ClientMetadataError> {
        let refuse = |field, value: &str, problem: &str| ClientMetadataError {
            client_id: record.client_id.clone(),
            field,
            value: value.to_owned(),
            problem: problem.to_owned(),
        };
        let auth_method = TokenEndpointAuthMethod::parse(&record.auth_method).ok_or_else(|| {
            refuse(
                "token_endpoint_auth_method",
                &record.auth_method,
                "is not a method Sigil implements",
            )
        })?;
        let secret = match (!auth_method.uses_secret(), &record.secret_hash) {
            (true, _) => None,
            (false, Some(digest)) if digest.len() == 32 => Some(SecretDigest(digest.clone())),
            (false, Some(_)) => {
                return Err(refuse(
                    "secret_hash",
                    "[redacted]",
                    "is not a SHA-256 digest",
                ));
            }
            (false, None) => {
                return Err(refuse(
                    "secret_hash",
                    "",
                    "is missing for a client authenticating with a secret",
                ));
            }
        };
        let mut grant_types = Vec::with_capacity(record.grant_types.len());
        for stored in &record.grant_types {
            let grant = GrantType::parse(stored)
                .ok_or_else(|| refuse("grant_types", stored, "is not a known grant type"))?;
            if !grant_types.contains(&grant) {
                grant_types.push(grant);
            }
        }
        let redirect_uris = record
            .redirect_uris
            .iter()
            .map(|uri| {
                RedirectUri::parse_stored(uri).map_err(|RedirectUriError { reason, .. }| {
                    refuse("redirect_uri", uri, &reason.to_string())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let signing_alg = match record.signing_alg.as_deref() {
            None => Algorithm::RS256,
            Some(stored) => stored.parse().map_err(|_| {
                refuse(
                    "signing_alg",
                    stored,
                    "is not an algorithm Sigil signs with",
                )
            })?,
        };
        let settings = &record.settings;
        let post_logout_redirect_uris = settings
            .post_logout_redirect_uris
            .iter()
            .map(|uri| {
                RedirectUri::parse_stored(uri).map_err(|RedirectUriError { reason, .. }| {
                    refuse("post_logout_redirect_uri", uri, &reason.to_string())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let alg =
            |field, stored: &Option<String>| -> Result<Option<Algorithm>, ClientMetadataError> {
                stored
                    .as_deref()
                    .map(|a| {
                        a.parse()
                            .map_err(|_| refuse(field, a, "is not an algorithm Sigil signs with"))
                    })
                    .transpose()
            };
        let id_token_alg = alg(
            "id_token_signed_response_alg",
            &settings.id_token_signed_response_alg,
        )?;
        let userinfo_alg = alg(
            "userinfo_signed_response_alg",
            &settings.userinfo_signed_response_alg,
        )?;
        let token_endpoint_auth_alg = alg(
            "token_endpoint_auth_signing_alg",
            &settings.token_endpoint_auth_signing_alg,
        )?;
        let request_object_alg = alg(
            "request_object_signing_alg",
            &settings.request_object_signing_alg,
        )?;
        let keys = match (&settings.jwks, &settings.jwks_uri) {
            (Some(_), Some(_)) => {
                return Err(refuse(
                    "jwks",
                    "[set]",
                    "is registered together with jwks_uri",
                ));
            }
            (Some(jwks), None) => ClientKeySource::from_jwks(jwks)
                .map_err(|e| refuse("jwks", &jwks.to_string(), &e.to_string()))?,
            (None, Some(uri)) => ClientKeySource::JwksUri(uri.clone()),
            (None, None) if auth_method == TokenEndpointAuthMethod::PrivateKeyJwt => {
                return Err(refuse(
                    "jwks",
                    "",
                    "is missing (as is jwks_uri) for a private_key_jwt client",
                ));
            }
            (None, None) => ClientKeySource::None,
        };
        let request_object_encryption = RequestObjectEncryption::from_registration(
            settings.request_object_encryption_alg.as_deref(),
            settings.request_object_encryption_enc.as_deref(),
        )
        .map_err(|(field, value)| refuse(field, &value, "is not an encryption Sigil accepts"))?;
        Ok(Self {
            client_id: record.client_id.clone(),
            name: record.name.clone(),
            auth_method,
            secret,
            keys,
            token_endpoint_auth_alg,
            request_object_alg,
            grant_types,
            redirect_uris,
            scopes: record.scopes.clone(),
            audiences: record.audiences.clone(),
            access_token_ttl_secs: record.access_token_ttl_secs,
            signing_alg,
            subject_type: SubjectType::Public,
            created_at: record.created_at,
            post_logout_redirect_uris,
            id_token_alg,
            userinfo_alg,
            pages: ClientPages {
                logo_uri: settings.logo_uri.clone(),
                policy_uri: settings.policy_uri.clone(),
                tos_uri: settings.tos_uri.clone(),
                client_uri: settings.client_uri.clone(),
            },
            first_party: settings.first_party,
            require_pkce: settings.require_pkce,
            refresh_without_offline_access: settings.refresh_without_offline_access,
            request_object_encryption,
            require_pushed_authorization_requests: settings.require_pushed_authorization_requests,
        })
    }

    /// Whether the client is registered for `grant`.
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether the client is public (auth method `none`, RFC 6749 §2.1).
    pub fn is_public(&self) -> bool {
        self.auth_method.is_public()
    }
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
