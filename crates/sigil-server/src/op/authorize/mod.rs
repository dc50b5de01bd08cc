//! The authorization endpoint's decisions (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1), as an
//! ordered pipeline of `check_*` steps in the spec's order: client, the signed request object
//! in place of the query ([`request_object`]), redirect URI, response mode, response type,
//! unsupported parameters, the client's grant, PKCE, scope, prompt, max_age, claims. What passes
//! is a typed [`AuthorizationRequest`]; [`flow::decide`] then says what happens next (sign
//! in, consent, or answer), and [`code::issue`] makes the code.
//!
//! **Invariant:** it never redirects to a `redirect_uri` it has not matched exactly against
//! the client's registration (see [`redirect`]); before that point every error is a page.

pub mod checks;
pub mod code;
pub mod flow;
pub mod prompt;
pub mod redirect;
pub mod request_object;
pub mod request_object_encryption;

use std::sync::Arc;

pub use checks::{OPENID, ResponseType};
pub use flow::{Resume, Step, decide};
pub use prompt::Prompt;
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
    /// The requested scopes the client may be granted (RFC 6749 §3.3), in request order;
    /// never empty. The user's `allowed_scopes` narrow them further.
    pub scopes: Vec<String>,
    /// `nonce` (OIDC Core §3.1.2.1), if any.
    pub nonce: Option<String>,
    /// The PKCE `code_challenge` (RFC 7636 §4.2, S256), if any.
    pub code_challenge: Option<String>,
    /// `prompt`.
    pub prompt: Prompt,
    /// `max_age` in seconds.
    pub max_age: Option<i64>,
    /// `login_hint`: prefills the username.
    pub login_hint: Option<String>,
    /// `id_token_hint`, as sent (checked against the session by `flow`).
    pub id_token_hint: Option<String>,
    /// The `claims` parameter (OIDC Core §5.5), JSON text.
    pub claims: Option<String>,
    /// The parameters it was validated from: the query's, or a request object's in their place
    /// (RFC 9101 §4). What an interaction seals, so the login and consent steps re-validate
    /// the request the client signed.
    pub parameters: Form,
}

impl AuthorizationRequest {
    /// Whether this is an OpenID Connect request (`openid` in scope): an ID token follows.
    pub fn is_openid(&self) -> bool {
        self.scopes.iter().any(|s| s == OPENID)
    }
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
    /// `error` at `redirect`.
    pub fn at(redirect: &ValidatedRedirect, error: OAuthError) -> Self {
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

/// Runs the checks in order; the first that fails decides the answer. `display`,
/// `ui_locales`, `claims_locales` and `acr_values` are accepted and not acted on; unknown
/// parameters are ignored (RFC 6749 §3.1).
pub async fn validate(
    ctx: &Context,
    realm: &RealmState,
    params: &Form,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let client = checks::check_client(ctx, realm, params).await?;
    let resolved = request_object::resolve(ctx, realm, &client, params).await?;
    let params = &resolved;
    let redirect = check_redirect_uri(&client, params, &realm.issuer)?;
    // From here on the redirect URI is validated: errors go back to the client.
    let at = |error| AuthorizeError::at(&redirect, error);
    let mode = checks::check_response_mode(params).map_err(at)?;
    let redirect = redirect.with_mode(mode);
    let at = |error| AuthorizeError::at(&redirect, error);
    let response_type = checks::check_response_type(params).map_err(at)?;
    checks::check_unsupported(params).map_err(at)?;
    checks::check_grant(&client).map_err(at)?;
    let code_challenge =
        checks::check_pkce(realm.settings.require_pkce, &client, params).map_err(at)?;
    let scopes = checks::check_scope(&client, params).map_err(at)?;
    let prompt = Prompt::parse(params.get("prompt")).map_err(at)?;
    let max_age = checks::check_max_age(params).map_err(at)?;
    let claims = checks::check_claims(params).map_err(at)?;
    let owned = |name| params.get(name).map(str::to_owned);
    Ok(AuthorizationRequest {
        nonce: owned("nonce"),
        login_hint: owned("login_hint"),
        id_token_hint: owned("id_token_hint"),
        client,
        redirect,
        response_type,
        code_challenge,
        scopes,
        prompt,
        max_age,
        claims,
        parameters: resolved,
    })
}
