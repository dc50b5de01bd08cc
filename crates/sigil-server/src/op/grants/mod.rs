//! The token endpoint's decisions (RFC 6749 §3.2, §4): which grant a request asks for, whether
//! the client may use it, and one module per grant that decides what to issue.

pub mod authorization_code;
pub mod client_credentials;
pub mod grant;
pub mod person_tokens;
pub mod refresh_token;

pub use grant::Grant;

use serde::Serialize;

use crate::oauth::{ErrorCode, Form, OAuthError, printable};
use crate::op::Context;
use crate::op::clients::{ClientMetadata, GrantType};
use crate::realms::RealmState;
use crate::seal::MasterKey;

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
    /// The ID token, when `openid` was granted (OIDC Core §3.1.3.3, §12.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The refresh token, when the grant has one (RFC 6749 §5.1, §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Runs the grant the request names for an authenticated `client`, checking in order:
/// `grant_type` present and implemented (`unsupported_grant_type`), the client registered for
/// it (`unauthorized_client`), then the grant's own checks. `master` seals what the store
/// keeps of a rotated refresh token's successor.
pub async fn exchange(
    ctx: &Context,
    realm: &RealmState,
    master: &MasterKey,
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
    if client.is_public() && !grant.allows_public_clients() {
        // Registration refuses this already; a stored row that says otherwise proves nothing.
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("a public client may not use the {} grant", grant.as_str()),
        ));
    }
    let response = match grant {
        Grant::ClientCredentials => client_credentials::grant(ctx, realm, client, params)?,
        Grant::AuthorizationCode => authorization_code::grant(ctx, realm, client, params).await?,
        Grant::RefreshToken => refresh_token::grant(ctx, realm, master, client, params).await?,
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
