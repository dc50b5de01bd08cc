//! The checks of an authorization request, each one concern, run in the order of RFC 6749
//! §4.1.1 and OIDC Core §3.1.2.2 by [`super::validate`]. Those before the redirect URI is
//! validated fail with a page; those after, with an error for the client.

use std::sync::Arc;

use crate::oauth::{ErrorCode, Form, OAuthError};
use crate::op::Context;
use crate::op::clients::{ClientLookupError, ClientMetadata, GrantType};
use crate::op::grants::require_grant;
use crate::realms::RealmState;
use crate::ui::PageError;

/// RFC 6749 §4.1.1 `client_id`: present and registered in this realm.
pub async fn check_client(
    ctx: &Context,
    realm: &RealmState,
    params: &Form,
) -> Result<Arc<ClientMetadata>, PageError> {
    let Some(client_id) = params.get("client_id") else {
        return Err(PageError::bad_request(
            "Invalid request",
            "The request has no client_id.",
        ));
    };
    match realm.client(&*ctx.store, client_id).await {
        Ok(Some(client)) => Ok(client),
        Ok(None) => Err(PageError::bad_request(
            "Unknown application",
            "The application that sent you here is not registered.",
        )),
        Err(ClientLookupError::Store(e)) if e.is_unavailable() => {
            tracing::error!(error = %e, "client lookup failed");
            Err(PageError::unavailable())
        }
        Err(e) => {
            tracing::error!(error = %e, "client lookup failed");
            Err(PageError::server_error())
        }
    }
}

/// RFC 6749 §4.1.1, §4.1.2.1: only `response_type=code` is implemented.
pub fn check_response_type(params: &Form) -> Result<ResponseType, OAuthError> {
    match params.get("response_type") {
        Some("code") => Ok(ResponseType::Code),
        _ => Err(OAuthError::new(
            ErrorCode::UnsupportedResponseType,
            "only response_type=code is supported",
        )),
    }
}

/// RFC 6749 §4.1.2.1: a client not registered for the code grant may not ask for a code.
pub fn check_grant(client: &ClientMetadata) -> Result<(), OAuthError> {
    require_grant(client, GrantType::AuthorizationCode)
}

/// RFC 7636 §4.3, §4.4.1: only `S256`; public clients must send a challenge (RFC 9700
/// §2.1.1).
pub fn check_pkce(client: &ClientMetadata, params: &Form) -> Result<Option<String>, OAuthError> {
    if let Some(method) = params.get("code_challenge_method")
        && method != "S256"
    {
        return Err(OAuthError::invalid_request(
            "only the S256 code_challenge_method is supported",
        ));
    }
    let challenge = params.get("code_challenge").map(str::to_owned);
    if client.is_public() && challenge.is_none() {
        return Err(OAuthError::invalid_request(
            "public clients must use PKCE (code_challenge)",
        ));
    }
    Ok(challenge)
}

/// `response_type` (RFC 6749 §3.1.1): only the code flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `code` (RFC 6749 §4.1).
    Code,
}
