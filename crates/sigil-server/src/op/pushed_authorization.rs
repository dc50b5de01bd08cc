//! Pushed authorization requests (RFC 9126). A client posts the parameters of an
//! authorization request to the PAR endpoint, authenticated; they are validated exactly as
//! the authorization endpoint would validate them, kept in the store under the digest of a
//! fresh `request_uri`, and the browser then carries only `client_id` and that `request_uri`
//! to `/authorize`, which takes the stored parameters once.
//!
//! Why the store and not a sealed value: the `request_uri` must be single use (§4) and work on
//! every node, and the parameters must never pass through the browser.

use super::Context;
use super::authorize::{self, AuthorizationRequest, AuthorizeError};
use super::clients::ClientMetadata;
use crate::oauth::{Form, OAuthError};
use crate::random::{self, digest};
use crate::realms::RealmState;
use crate::ui::PageError;
use sigil_store::PushedRequestRecord;

/// The `request_uri` prefix of RFC 9126 §2.2.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// How long a `request_uri` can be used (RFC 9126 §2.2: short; the browser goes straight on).
pub const LIFETIME_SECS: i64 = 60;

/// Parameters that authenticate the client at the PAR endpoint (RFC 6749 §2.3.1, RFC 7523
/// §2.2): never part of the stored request.
const CLIENT_AUTHENTICATION: [&str; 3] =
    ["client_secret", "client_assertion", "client_assertion_type"];

/// What the PAR endpoint answers (RFC 9126 §2.2).
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `request_uri`, to send to the authorization endpoint.
    pub request_uri: String,
    /// `expires_in`, in seconds.
    pub expires_in: i64,
}

/// Validates and stores a request `client` pushed (RFC 9126 §2.1). Its errors are the ones the
/// authorization endpoint would have sent, as JSON.
pub async fn push(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: Form,
) -> Result<Pushed, OAuthError> {
    if params.get("request_uri").is_some() {
        // §2.1: a pushed request cannot point at another.
        return Err(OAuthError::invalid_request(
            "request_uri is not allowed in a pushed authorization request",
        ));
    }
    let mut params = params.without(&CLIENT_AUTHENTICATION);
    match params.get("client_id") {
        None => params.insert("client_id", &client.client_id),
        Some(id) if id == client.client_id => {}
        Some(_) => {
            return Err(OAuthError::invalid_request(
                "client_id differs from the authenticated client",
            ));
        }
    }
    // A signed request object (RFC 9126 §3) is verified here, and what is stored is what it
    // resolved to: the authorization endpoint serves the parameters the client signed.
    let validated = authorize::validate(ctx, realm, &params)
        .await
        .map_err(|e| match e {
            AuthorizeError::Redirect(e) => e.error,
            // What a person would have read on a page: no redirect to send it through.
            AuthorizeError::Page(page) => OAuthError::invalid_request(page.message),
        })?;
    let value = random::token(&*ctx.rng, 32)?;
    let request_uri = format!("{REQUEST_URI_PREFIX}{value}");
    let now = ctx.now();
    let record = PushedRequestRecord {
        uri_hash: digest(&request_uri),
        client_id: client.client_id.clone(),
        parameters: validated.parameters.encode(),
        created_at: now,
        expires_at: now + LIFETIME_SECS,
    };
    ctx.store
        .insert_pushed_request(&realm.name, &record)
        .await?;
    Ok(Pushed {
        request_uri,
        expires_in: LIFETIME_SECS,
    })
}

/// The request the authorization endpoint serves: `params` as received, or — when they carry
/// a pushed `request_uri` — the pushed parameters, taken once (RFC 9126 §4). A `request_uri`
/// of another form is left for the checks to refuse (`request_uri_not_supported`): Sigil never
/// fetches a URL a request names.
pub async fn resolve(
    ctx: &Context,
    realm: &RealmState,
    params: Form,
) -> Result<Resolved, PageError> {
    let Some(uri) = params
        .get("request_uri")
        .filter(|uri| uri.starts_with(REQUEST_URI_PREFIX))
    else {
        return Ok(Resolved {
            params,
            pushed: false,
        });
    };
    let expired = || {
        PageError::bad_request(
            "Sign-in link expired",
            "This sign-in link has expired or was already used. Go back to the application and try again.",
        )
    };
    let taken = ctx
        .store
        .take_pushed_request(&realm.name, &digest(uri), ctx.now())
        .await
        .map_err(|e| {
            if e.is_unavailable() {
                PageError::unavailable()
            } else {
                tracing::error!(error = %e, "cannot read a pushed authorization request");
                PageError::server_error()
            }
        })?
        .ok_or_else(expired)?;
    // §4: the client_id of the request must be the one that pushed it.
    if params.get("client_id") != Some(taken.client_id.as_str()) {
        return Err(PageError::bad_request(
            "Invalid request",
            "This sign-in link belongs to another application.",
        ));
    }
    let params = Form::parse(taken.parameters.as_bytes()).map_err(|_| {
        tracing::error!("a stored pushed authorization request does not parse");
        PageError::server_error()
    })?;
    Ok(Resolved {
        params,
        pushed: true,
    })
}

/// The parameters of an authorization request, and whether they were pushed.
#[derive(Debug)]
pub struct Resolved {
    /// The parameters to validate (and to seal into the interaction: never a `request_uri`
    /// that is spent by now).
    pub params: Form,
    /// Whether they came from the PAR endpoint.
    pub pushed: bool,
}

/// RFC 9126 §5–6: when the realm or the client requires pushed requests, a request that was
/// not pushed is refused at the client's (validated) redirect URI.
pub fn check_required(
    realm: &RealmState,
    request: &AuthorizationRequest,
    pushed: bool,
) -> Result<(), AuthorizeError> {
    let required = realm.settings.require_pushed_authorization_requests
        || request.client.require_pushed_authorization_requests;
    if required && !pushed {
        return Err(AuthorizeError::at(
            &request.redirect,
            OAuthError::invalid_request(
                "authorization requests must be pushed to the PAR endpoint first",
            ),
        ));
    }
    Ok(())
}
