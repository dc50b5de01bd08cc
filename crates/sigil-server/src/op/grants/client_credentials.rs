//! The client credentials grant (RFC 6749 §4.4): an RFC 9068 access token for the client
//! itself, for the scopes and audience it is registered for.

use super::TokenResponse;
use crate::oauth::{ErrorCode, Form, OAuthError, printable};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::realms::RealmState;
use crate::tokens::access_token::{self, AccessTokenRequest};

/// Issues the token, checking in order: scope ⊆ registered scopes (§4.4.2, §3.3), resource
/// among the registered audiences (RFC 8707 §2).
pub fn grant(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: &Form,
) -> Result<TokenResponse, OAuthError> {
    let scopes = granted_scopes(client, params.get("scope"))?;
    let audiences = match params.get("resource") {
        Some(resource) if client.audiences.iter().any(|a| a == resource) => {
            vec![resource.to_owned()]
        }
        Some(_) => {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "the resource is not an audience this client may request",
            ));
        }
        None if client.audiences.is_empty() => vec![realm.issuer.clone()],
        None => client.audiences.clone(),
    };
    let scope = scopes.join(" ");
    let issued = access_token::issue(
        realm,
        client,
        AccessTokenRequest {
            subject: &client.client_id,
            audiences,
            scope: &scope,
            person: None,
        },
        ctx.now(),
        &*ctx.rng,
    )?;
    Ok(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: (!scope.is_empty()).then_some(scope),
        id_token: None,
        refresh_token: None,
    })
}

/// The requested scopes if all are registered for the client; all registered ones if none
/// are requested.
fn granted_scopes(
    client: &ClientMetadata,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let Some(requested) = requested else {
        return Ok(client.scopes.clone());
    };
    let mut granted: Vec<String> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !client.scopes.iter().any(|s| s == scope) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {} is not allowed for this client", printable(scope)),
            ));
        }
        if !granted.iter().any(|g| g == scope) {
            granted.push(scope.to_owned());
        }
    }
    Ok(granted)
}
