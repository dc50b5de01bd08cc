//! Signed request objects (RFC 9101 JAR; OIDC Core §6.1): the `request` parameter, a JWT the
//! client signed whose claims are the authorization request's parameters.
//!
//! Verification: signed with one of the client's registered keys (`jwks`/`jwks_uri`), with its
//! `request_object_signing_alg` when it registered one, else any asymmetric algorithm its keys
//! fit; `alg: none` and HMAC are refused (`invalid_request_object`). `iss` is the client,
//! `aud` names the issuer (RFC 9101 §6.3, OIDC Core §6.1), `exp`, `nbf` and `iat` (when present)
//! are sane, and a `client_id` claim is the query's.
//!
//! **What replaces what** (RFC 9101 §4, §5): the request object's claims are the request; the
//! query's parameters are ignored, except:
//! - `client_id`, which picks whose keys verify the object (and which the object may repeat);
//! - `response_type` and `scope`, which OIDC Core §6.1 requires in the query too: used when the
//!   object lacks them, and a `response_type` that differs from the object's is refused.
//!
//! A request object naming `request` or `request_uri` itself is refused (RFC 9101 §4: no
//! nesting). What comes out is a plain [`Form`]: the interaction seals it, and the login and
//! consent steps re-validate it without seeing a request object again.

use serde_json::Value;

use super::redirect::{ResponseMode, check_redirect_uri};
use super::{AuthorizeError, checks};
use crate::oauth::{ErrorCode, Form, OAuthError};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::op::clients::keys::allowed_algs;
use crate::realms::RealmState;
use crate::ui::PageError;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 60;

/// Query parameters OIDC Core §6.1 requires besides the object, used when it lacks them.
const OIDC_QUERY_PARAMETERS: [&str; 2] = ["response_type", "scope"];

/// The parameters of an authorization request: `params` itself without a `request`, else the
/// verified request object's in their place. Failures are `invalid_request_object` at the
/// query's redirect URI when it matches the registration, else a page.
pub async fn resolve(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: &Form,
) -> Result<Form, AuthorizeError> {
    match verify(ctx, realm, client, params).await {
        Ok(Some(resolved)) => Ok(resolved),
        Ok(None) => Ok(params.clone()),
        Err(error) => Err(match check_redirect_uri(client, params, &realm.issuer) {
            Ok(redirect) => {
                let mode = checks::check_response_mode(params).unwrap_or(ResponseMode::Query);
                AuthorizeError::at(&redirect.with_mode(mode), error)
            }
            Err(_) => AuthorizeError::Page(PageError::bad_request(
                "Invalid request",
                "The application's signed request could not be verified.",
            )),
        }),
    }
}

/// The request object's parameters, when `params` has a `request`; `None` when it has none.
/// The error is what the client is told (`invalid_request_object`, or `invalid_request` for
/// both `request` and `request_uri`), its private detail in `debug`. For `/authorize` and PAR.
pub async fn verify(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: &Form,
) -> Result<Option<Form>, OAuthError> {
    let Some(request) = params.get("request") else {
        return Ok(None);
    };
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request(
            "send request or request_uri, not both",
        ));
    }
    let refuse = |why: String| {
        OAuthError::new(
            ErrorCode::InvalidRequestObject,
            "the request object is invalid",
        )
        .with_debug(format!("request object: {why}"))
    };
    let now = ctx.now();
    // An encrypted one is opened first; what it holds is verified like any other.
    let request = super::request_object_encryption::open(realm, client, request, now)
        .map_err(|e| refuse(e.to_string()))?;
    let verified = ctx
        .client_keys
        .verify_jws(
            now,
            &realm.name,
            client,
            &request,
            &allowed_algs(client.request_object_alg),
        )
        .await
        .map_err(|e| refuse(e.to_string()))?;
    let claims = verified.claims;
    let id = client.client_id.as_str();
    if claims.iss.as_deref() != Some(id) {
        return Err(refuse(format!("iss {:?} is not the client_id", claims.iss)));
    }
    if !claims
        .aud
        .as_ref()
        .is_some_and(|aud| aud.contains(&realm.issuer))
    {
        return Err(refuse(format!(
            "aud {:?} does not name the issuer {}",
            claims.aud, realm.issuer
        )));
    }
    if let Some(exp) = claims.exp
        && now >= exp.0.saturating_add(LEEWAY_SECS)
    {
        return Err(refuse(format!("expired at {} (now {now})", exp.0)));
    }
    for (claim, value) in [("nbf", claims.nbf), ("iat", claims.iat)] {
        if let Some(value) = value
            && value.0 > now.saturating_add(LEEWAY_SECS)
        {
            return Err(refuse(format!(
                "{claim} {} is in the future (now {now})",
                value.0
            )));
        }
    }
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(claims.extra.len() + 3);
    // The registered claims (`iss`, `aud`, `exp`, …, `sub`) describe the object, not the
    // request, and are typed apart: `extra` holds the request's parameters.
    for (name, value) in &claims.extra {
        if name == "request" || name == "request_uri" {
            return Err(refuse(format!(
                "it holds {name} (request objects do not nest)"
            )));
        }
        if name == "client_id" && value.as_str() != Some(id) {
            return Err(refuse(format!(
                "client_id {value} is not the query's {id:?}"
            )));
        }
        if name == "response_type"
            && let Some(query) = params.get("response_type")
            && value.as_str() != Some(query)
        {
            return Err(refuse(format!(
                "response_type {value} differs from the query's {query:?}"
            )));
        }
        if let Some(text) = parameter_text(value) {
            pairs.push((name.clone(), text));
        }
    }
    let has = |pairs: &[(String, String)], name: &str| pairs.iter().any(|(n, _)| n == name);
    if !has(&pairs, "client_id") {
        pairs.push(("client_id".to_owned(), id.to_owned()));
    }
    for name in OIDC_QUERY_PARAMETERS {
        if !has(&pairs, name)
            && let Some(value) = params.get(name)
        {
            pairs.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(Some(Form::from_pairs(pairs)))
}

/// A claim as a parameter value (OIDC Core §6.1): strings as they are, numbers and booleans in
/// JSON text, objects (`claims`, OIDC Core §5.5) and arrays as JSON; `null` as absent.
fn parameter_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
