//! Clients as the protocol sees them: the typed registration ([`ClientMetadata`]) and client
//! authentication's decision (who is this client, and did it prove it; RFC 6749 §2.3). Reading
//! the credentials out of a request is HTTP's part (`endpoints::client_credentials`).

pub mod assertion;
pub mod authentication;
pub mod keys;
pub mod metadata;

pub use authentication::{ClientCredentials, authenticate, secret_matches};
pub use keys::{ClientJwsError, ClientKeySource, ClientKeys, JwksUriPolicy, VerifiedJwt};
pub use metadata::{
    ClientMetadata, ClientMetadataError, ClientPages, GrantType, SecretDigest, SubjectType,
    TokenEndpointAuthMethod,
};

use crate::oauth::OAuthError;

/// Why a client could not be looked up: the store failed, or what it holds does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ClientLookupError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] sigil_store::StoreError),
    /// The stored registration does not parse.
    #[error(transparent)]
    Unreadable(#[from] ClientMetadataError),
}

/// On OAuth endpoints: the store's own mapping (503 only when it is down), and an unreadable
/// registration a logged `500 server_error` whose detail (the stored value) is never sent.
impl From<ClientLookupError> for OAuthError {
    fn from(e: ClientLookupError) -> Self {
        match e {
            ClientLookupError::Store(e) => e.into(),
            ClientLookupError::Unreadable(e) => {
                tracing::error!(error = %e, "a stored client does not parse; refusing to use it");
                OAuthError::server_error(e.to_string())
            }
        }
    }
}
