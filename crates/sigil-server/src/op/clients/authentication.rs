//! Client authentication's decision (RFC 6749 §2.3): given the credentials a request
//! presented, which registered client it is and whether it proved it. One method per request;
//! the registered method must be the one used.
//!
//! Secrets are 256-bit random values stored as SHA-256 digests and compared in constant time;
//! `private_key_jwt` assertions are checked by [`super::assertion`].

use std::fmt;
use std::sync::Arc;

use super::{ClientMetadata, TokenEndpointAuthMethod};
use crate::oauth::OAuthError;
use crate::op::Context;
use crate::realms::RealmState;
use crate::routes::Endpoint;

/// The credentials a request presented, as the HTTP layer read them.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientCredentials {
    /// `client_secret_basic` (RFC 6749 §2.3.1, the `Authorization: Basic` header).
    SecretBasic {
        /// The decoded `client_id`.
        client_id: String,
        /// The decoded secret.
        secret: String,
    },
    /// `client_secret_post` (RFC 6749 §2.3.1, in the form).
    SecretPost {
        /// `client_id`.
        client_id: String,
        /// `client_secret`.
        secret: String,
    },
    /// `none`: a `client_id` and nothing to prove it (RFC 6749 §2.1 public clients).
    None {
        /// `client_id`.
        client_id: String,
    },
    /// `private_key_jwt` (RFC 7523 §2.2): `client_assertion_type` was JWT bearer.
    JwtBearer {
        /// The client the request names: its `client_id` parameter, else the assertion's
        /// (not yet verified) `sub`. Authentication checks the verified claims against it.
        client_id: String,
        /// `client_assertion`.
        assertion: String,
    },
}

impl ClientCredentials {
    /// The client the request claims to be.
    pub fn client_id(&self) -> &str {
        match self {
            Self::SecretBasic { client_id, .. }
            | Self::SecretPost { client_id, .. }
            | Self::None { client_id }
            | Self::JwtBearer { client_id, .. } => client_id,
        }
    }

    /// The method these credentials use.
    pub fn method(&self) -> TokenEndpointAuthMethod {
        match self {
            Self::SecretBasic { .. } => TokenEndpointAuthMethod::ClientSecretBasic,
            Self::SecretPost { .. } => TokenEndpointAuthMethod::ClientSecretPost,
            Self::None { .. } => TokenEndpointAuthMethod::None,
            Self::JwtBearer { .. } => TokenEndpointAuthMethod::PrivateKeyJwt,
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("method", &self.method())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

/// Authenticates the client of a request to `endpoint` (token, introspection, revocation,
/// PAR): known, using its registered method, and (for confidential clients) holding the secret
/// or signing a valid assertion. Every failure is the same public `invalid_client`; what
/// differed is in the private debug text.
pub async fn authenticate(
    ctx: &Context,
    realm: &RealmState,
    presented: &ClientCredentials,
    endpoint: Endpoint,
) -> Result<Arc<ClientMetadata>, OAuthError> {
    let client = realm
        .client(&*ctx.store, presented.client_id())
        .await?
        .ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    let method = presented.method();
    if client.auth_method != method {
        return Err(OAuthError::invalid_client(format!(
            "client registered for {}, used {}",
            client.auth_method.as_str(),
            method.as_str()
        )));
    }
    match presented {
        ClientCredentials::SecretBasic { secret, .. }
        | ClientCredentials::SecretPost { secret, .. } => {
            let expected = client.secret.as_ref().map_or(&[][..], |d| d.as_bytes());
            if !secret_matches(secret, expected) {
                return Err(OAuthError::invalid_client("wrong secret"));
            }
        }
        ClientCredentials::None { .. } => {}
        ClientCredentials::JwtBearer { assertion, .. } => {
            super::assertion::verify(ctx, realm, &client, assertion, endpoint).await?;
        }
    }
    Ok(client)
}

/// Whether `secret` hashes to `expected`, in time independent of where they differ.
pub fn secret_matches(secret: &str, expected: &[u8]) -> bool {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    expected.len() == digest.as_ref().len()
        && aws_lc_rs::constant_time::verify_slices_are_equal(digest.as_ref(), expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_digest() {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"s3cret");
        assert!(secret_matches("s3cret", digest.as_ref()));
        assert!(!secret_matches("s3creT", digest.as_ref()));
        assert!(!secret_matches("s3cret", &[]));
    }

    #[test]
    fn credentials_name_their_method_and_hide_their_secret() {
        let basic = ClientCredentials::SecretBasic {
            client_id: "app".into(),
            secret: "hunter2".into(),
        };
        assert_eq!(basic.method(), TokenEndpointAuthMethod::ClientSecretBasic);
        assert_eq!(basic.client_id(), "app");
        assert!(!format!("{basic:?}").contains("hunter2"));
        let public = ClientCredentials::None {
            client_id: "spa".into(),
        };
        assert_eq!(public.method(), TokenEndpointAuthMethod::None);
    }
}
