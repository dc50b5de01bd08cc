//! The authorization endpoint's decisions (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1), as an
//! ordered pipeline of `check_*` steps in the spec's order: client, redirect URI, response
//! type, the client's grant, PKCE. What passes is a typed [`AuthorizationRequest`].
//!
//! **Invariant:** it never redirects to a `redirect_uri` it has not matched exactly against
//! the client's registration (see [`redirect`]); before that point every error is a page.

pub mod checks;
pub mod redirect;

use std::sync::Arc;

pub use checks::ResponseType;
pub use redirect::{Redirect, ResponseMode, ValidatedRedirect, check_redirect_uri};

use crate::oauth::{Form, OAuthError};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::realms::RealmState;
use crate::ui::PageError;

/// An authorization request that passed every check.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client, registered in this realm.
    pub client: Arc<ClientMetadata>,
    /// Where, and how, to answer.
    pub redirect: ValidatedRedirect,
    /// `response_type`.
    pub response_type: ResponseType,
    /// `scope` as requested (RFC 6749 §3.3), if any.
    pub scope: Option<String>,
    /// `nonce` (OIDC Core §3.1.2.1), if any.
    pub nonce: Option<String>,
    /// The PKCE `code_challenge` (RFC 7636 §4.2, S256), if any.
    pub code_challenge: Option<String>,
}

/// Why an authorization request stops.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Before the redirect URI is validated: a page for the person, never a redirect.
    Page(PageError),
    /// After: an error for the client at its validated redirect URI.
    Redirect(Box<RedirectError>),
}

/// An OAuth error, and the validated redirect it goes back through.
#[derive(Debug)]
pub struct RedirectError {
    /// Where the error goes.
    pub redirect: ValidatedRedirect,
    /// What it says.
    pub error: OAuthError,
}

impl AuthorizeError {
    fn at(redirect: &ValidatedRedirect, error: OAuthError) -> Self {
        Self::Redirect(Box::new(RedirectError {
            redirect: redirect.clone(),
            error,
        }))
    }
}

impl From<PageError> for AuthorizeError {
    fn from(page: PageError) -> Self {
        Self::Page(page)
    }
}

impl RedirectError {
    /// The redirect that carries the error (RFC 6749 §4.1.2.1).
    pub fn to_redirect(&self) -> Redirect {
        self.redirect.error_redirect(&self.error)
    }
}

/// Runs the checks in order; the first that fails decides the answer.
pub async fn validate(
    ctx: &Context,
    realm: &RealmState,
    params: &Form,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let client = checks::check_client(ctx, realm, params).await?;
    let redirect = check_redirect_uri(&client, params, &realm.issuer)?;
    // From here on the redirect URI is validated: errors go back to the client.
    let at = |error| AuthorizeError::at(&redirect, error);
    let response_type = checks::check_response_type(params).map_err(at)?;
    checks::check_grant(&client).map_err(at)?;
    let code_challenge = checks::check_pkce(&client, params).map_err(at)?;
    Ok(AuthorizationRequest {
        scope: params.get("scope").map(str::to_owned),
        nonce: params.get("nonce").map(str::to_owned),
        client,
        redirect,
        response_type,
        code_challenge,
    })
}
