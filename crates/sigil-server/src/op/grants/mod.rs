//! The token endpoint's decisions (RFC 6749 §3.2, §4): which grant a request asks for, whether
//! the client may use it, and one module per grant that decides what to issue.

pub mod client_credentials;
pub mod grant;

pub use grant::Grant;

use serde::Serialize;

use crate::oauth::{ErrorCode, Form, OAuthError, printable};
use crate::op::Context;
use crate::op::clients::{ClientMetadata, GrantType};
use crate::realms::RealmState;

/// A successful token response (RFC 6749 §5.1), serialised straight into the body.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// The granted scope, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Runs the grant the request names for an authenticated `client`, checking in order:
/// `grant_type` present and implemented (`unsupported_grant_type`), the client registered for
/// it (`unauthorized_client`), then the grant's own checks.
pub fn exchange(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: &Form,
) -> Result<(Grant, TokenResponse), OAuthError> {
    let grant_type = params.require("grant_type")?;
    let Some(grant) = Grant::parse(grant_type) else {
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {} is not supported", printable(grant_type)),
        ));
    };
    require_grant(client, grant.grant_type())?;
    let response = match grant {
        Grant::ClientCredentials => client_credentials::grant(ctx, realm, client, params)?,
    };
    Ok((grant, response))
}

/// The client must be registered for `grant` (RFC 6749 §5.2 `unauthorized_client`).
pub fn require_grant(client: &ClientMetadata, grant: GrantType) -> Result<(), OAuthError> {
    if client.allows(grant) {
        Ok(())
    } else {
        Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("this client may not use the {} grant", grant.as_str()),
        ))
    }
}
