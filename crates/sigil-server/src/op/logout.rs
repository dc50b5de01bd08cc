//! RP-Initiated Logout 1.0's decisions (§2, §3): what a logout request may do, and ending the
//! login session.
//!
//! **Invariants:** Sigil redirects after logout only to a `post_logout_redirect_uri` the client
//! registered, matched byte for byte, and only when the client is known (from a valid
//! `id_token_hint` or `client_id`); otherwise the request gets an error page, never a redirect.
//! A request without a valid hint is not trusted to end a session on its own: the person
//! confirms on a page first (CSRF-protected).

use std::sync::Arc;

use serde_json::Value;
use sigil_jose::Audience;
use sigil_store::SessionRecord;

use crate::oauth::{ErrorCode, OAuthError};
use crate::op::clients::ClientMetadata;
use crate::op::{Context, sessions, subject};
use crate::realms::RealmState;
use crate::tokens::inspect;
use crate::ui::PageError;

/// The request's parameters (§2).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogoutRequest<'a> {
    /// `id_token_hint`: an ID token this realm issued (expired ones accepted).
    pub id_token_hint: Option<&'a str>,
    /// `client_id`.
    pub client_id: Option<&'a str>,
    /// `post_logout_redirect_uri`.
    pub post_logout_redirect_uri: Option<&'a str>,
    /// `state`, echoed on the redirect.
    pub state: Option<&'a str>,
}

/// A request that may proceed.
#[derive(Debug)]
pub struct ValidLogout {
    /// The client, when known.
    pub client: Option<Arc<ClientMetadata>>,
    /// The `sub` of a valid `id_token_hint`: the request comes from an RP the person used.
    pub hinted_sub: Option<String>,
    /// Where to send the person afterwards: a registered URI, with `state`.
    pub redirect: Option<String>,
}

impl ValidLogout {
    /// Whether the hint names the person `user_id` (OIDC Core §8: as the hint's client sees
    /// them — a pairwise `sub` is compared with the one computed for them, never reversed).
    pub fn hint_names(&self, realm: &RealmState, user_id: &str) -> bool {
        match (&self.hinted_sub, &self.client) {
            (Some(sub), Some(client)) => *sub == subject::of(realm, client, user_id),
            _ => false,
        }
    }
}

fn refuse(message: &'static str) -> PageError {
    PageError::bad_request("Cannot sign out", message)
}

/// Checks the request in the order of §2–§3: the hint (signed by this realm, issued by it),
/// the client it names agreeing with `client_id`, the redirect registered for that client.
pub async fn validate(
    ctx: &Context,
    realm: &RealmState,
    request: LogoutRequest<'_>,
) -> Result<ValidLogout, PageError> {
    let mut hinted_sub = None;
    let mut client_id = request.client_id.map(str::to_owned);
    if let Some(hint) = request.id_token_hint {
        let Some((claims, _)) = inspect::signed_by_realm(realm, hint) else {
            return Err(refuse(
                "The sign-out request carries an ID token that is not valid here.",
            ));
        };
        if claims.iss.as_deref() != Some(realm.issuer.as_str()) {
            return Err(refuse(
                "The sign-out request carries an ID token of another issuer.",
            ));
        }
        let aud = match &claims.aud {
            Some(Audience::One(aud)) => Some(aud.clone()),
            // §2: with several audiences, `azp` names the client.
            Some(Audience::Many(_)) => claims
                .extra
                .get("azp")
                .and_then(Value::as_str)
                .map(str::to_owned),
            None => None,
        };
        let Some(aud) = aud else {
            return Err(refuse("The sign-out request's ID token names no client."));
        };
        if client_id.as_deref().is_some_and(|c| c != aud) {
            return Err(refuse("The sign-out request names two different clients."));
        }
        client_id = Some(aud);
        hinted_sub = claims.sub.clone();
    }
    let client = match client_id.as_deref() {
        None => None,
        Some(id) => match realm.client(&*ctx.store, id).await {
            Ok(Some(client)) => Some(client),
            Ok(None) => return Err(refuse("The application asking to sign you out is unknown.")),
            Err(e) => {
                tracing::error!(error = %e, "logout: client lookup failed");
                return Err(PageError::server_error());
            }
        },
    };
    let redirect = match request.post_logout_redirect_uri {
        None => None,
        Some(uri) => {
            let Some(client) = &client else {
                return Err(refuse("A return address needs id_token_hint or client_id."));
            };
            if !client
                .post_logout_redirect_uris
                .iter()
                .any(|r| r.as_str() == uri)
            {
                return Err(refuse(
                    "The return address is not registered for this application.",
                ));
            }
            Some(with_state(uri, request.state))
        }
    };
    Ok(ValidLogout {
        client,
        hinted_sub,
        redirect,
    })
}

/// `uri` with `state` appended as a query parameter (§3).
fn with_state(uri: &str, state: Option<&str>) -> String {
    let Some(state) = state else {
        return uri.to_owned();
    };
    let encoded: String = url::form_urlencoded::byte_serialize(state.as_bytes()).collect();
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}state={encoded}")
}

/// The live session the cookie's `secret` opens, if any (`sessions::find`).
pub async fn current_session(
    ctx: &Context,
    realm: &RealmState,
    secret: &str,
) -> Result<Option<SessionRecord>, PageError> {
    sessions::find(ctx, realm, Some(secret))
        .await
        .map_err(page_error)
}

/// Ends `session` (`sessions::end`: the store, the feed, and this node's memory).
pub async fn end_session(
    ctx: &Context,
    realm: &RealmState,
    session: &SessionRecord,
) -> Result<(), PageError> {
    sessions::end(ctx, realm, session).await.map_err(page_error)
}

/// Logout talks to a person: a failure is a page, 503 only for an outage.
fn page_error(e: OAuthError) -> PageError {
    if e.code == ErrorCode::TemporarilyUnavailable {
        PageError::unavailable()
    } else {
        tracing::error!(
            error = e.code.as_str(),
            debug = e.debug.as_deref(),
            "logout: store failure"
        );
        PageError::server_error()
    }
}
