//! The checks of an authorization request, each one concern, run in the order of RFC 6749
//! §4.1.1 and OIDC Core §3.1.2.2 by [`super::validate`]. Those before the redirect URI is
//! validated fail with a page; those after, with an error for the client.

use std::sync::Arc;

use crate::oauth::{ErrorCode, Form, OAuthError, pkce};
use crate::op::Context;
use crate::op::clients::{ClientLookupError, ClientMetadata, GrantType};
use crate::op::grants::require_grant;
use crate::realms::RealmState;
use crate::ui::PageError;

use super::ResponseMode;

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

/// OAuth 2.0 Multiple Response Type Encoding Practices §2.1 and Form Post Response Mode §2:
/// `query` (the default for `code`) or `form_post`.
pub fn check_response_mode(params: &Form) -> Result<ResponseMode, OAuthError> {
    match params.get("response_mode") {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(_) => Err(OAuthError::invalid_request(
            "response_mode must be query or form_post",
        )),
    }
}

/// OIDC Core §3.1.2.6, §6: `request_uri` (Sigil never fetches a URL a request names) and
/// `registration` are not supported, and say so rather than being ignored. (`request` was
/// resolved before this check by [`super::request_object`].)
pub fn check_unsupported(params: &Form) -> Result<(), OAuthError> {
    let refused = [
        ("request_uri", ErrorCode::RequestUriNotSupported),
        ("registration", ErrorCode::RegistrationNotSupported),
    ];
    for (name, code) in refused {
        if params.get(name).is_some() {
            return Err(OAuthError::new(
                code,
                format!("the {name} parameter is not supported"),
            ));
        }
    }
    Ok(())
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

/// RFC 7636 §4.3, §4.4.1: only `S256` (a challenge without a method means `plain`, §4.3, and
/// is refused too); public clients must send one (RFC 9700 §2.1.1), and so must every client
/// when it or its realm requires PKCE.
/// `realm_requires` is the realm's `require_pkce`.
pub fn check_pkce(
    realm_requires: bool,
    client: &ClientMetadata,
    params: &Form,
) -> Result<Option<String>, OAuthError> {
    let method = params.get("code_challenge_method");
    let Some(challenge) = params.get("code_challenge") else {
        if method.is_some() {
            return Err(OAuthError::invalid_request(
                "code_challenge_method without a code_challenge",
            ));
        }
        if client.is_public() || client.require_pkce || realm_requires {
            return Err(OAuthError::invalid_request(
                "this client must use PKCE (code_challenge with code_challenge_method=S256)",
            ));
        }
        return Ok(None);
    };
    pkce::check_challenge(challenge, method)
        .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    Ok(Some(challenge.to_owned()))
}

/// RFC 6749 §3.3: the requested scopes the client may be granted, in request order, each
/// once. Unknown scopes are dropped, not refused (§3.3 lets the server grant less); `openid`
/// is kept whenever requested. Without `scope`, the client's registered scopes except
/// `openid`. Nothing left is `invalid_scope`. The user's `allowed_scopes` narrow further once
/// the user is known (`flow`).
pub fn check_scope(client: &ClientMetadata, params: &Form) -> Result<Vec<String>, OAuthError> {
    let mut granted: Vec<String> = Vec::new();
    match params.get("scope") {
        Some(requested) => {
            for scope in requested.split(' ').filter(|s| !s.is_empty()) {
                let allowed = scope == OPENID || client.scopes.iter().any(|s| s == scope);
                if allowed && !granted.iter().any(|g| g == scope) {
                    granted.push(scope.to_owned());
                }
            }
        }
        None => granted.extend(client.scopes.iter().filter(|s| *s != OPENID).cloned()),
    }
    if granted.is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "none of the requested scopes may be granted to this client",
        ));
    }
    Ok(granted)
}

/// The scope that makes a request an OpenID Connect one (OIDC Core §3.1.2.1).
pub const OPENID: &str = "openid";

/// OIDC Core §3.1.2.1 `max_age`: a non-negative number of seconds.
pub fn check_max_age(params: &Form) -> Result<Option<i64>, OAuthError> {
    params
        .get("max_age")
        .map(|v| {
            v.parse::<u32>()
                .map(i64::from)
                .map_err(|_| OAuthError::invalid_request("max_age must be a number of seconds"))
        })
        .transpose()
}

/// OIDC Core §5.5 `claims`: a JSON object, kept as sent for the token side.
pub fn check_claims(params: &Form) -> Result<Option<String>, OAuthError> {
    let Some(claims) = params.get("claims") else {
        return Ok(None);
    };
    match serde_json::from_str::<serde_json::Value>(claims) {
        Ok(serde_json::Value::Object(_)) => Ok(Some(claims.to_owned())),
        _ => Err(OAuthError::invalid_request("claims must be a JSON object")),
    }
}

/// `response_type` (RFC 6749 §3.1.1): only the code flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `code` (RFC 6749 §4.1).
    Code,
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
