//! What the authorization, login and consent endpoints share: rendering the realm's pages
//! (with a fresh CSP nonce each), the CSRF cookie, and turning an `op::authorize::Step` into
//! the login page, the consent page, a redirect or a form_post page.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::App;
use crate::http::cookies::{self, Kind};
use crate::oauth::OAuthError;
use crate::op::authorize::{AuthorizationRequest, AuthorizeError, Redirect, Step};
use crate::op::consent;
use crate::op::interaction::Interaction;
use crate::random;
use crate::realms::RealmState;
use crate::routes::{self, Endpoint};
use crate::ui::PageError;
use crate::ui::respond;
use crate::ui::templates::Page;

/// The one message for a wrong username, a wrong password and a disabled account.
pub const WRONG_CREDENTIALS: &str = "Wrong username or password.";
/// The message past the login throttle.
pub const THROTTLED: &str =
    "Too many failed sign-in attempts. Please wait a few minutes, then try again.";

/// Renders `page` of `realm` with `context` (an object; `brand` and `nonce` are added).
pub fn render(
    app: &App,
    realm: &RealmState,
    status: StatusCode,
    page: Page,
    mut context: Value,
) -> Response {
    let Ok(nonce) = random::token(&*app.ctx.rng, 16) else {
        return PageError::unavailable().into_response();
    };
    if let Some(object) = context.as_object_mut() {
        object.insert("brand".into(), json!(realm.brand));
        object.insert("nonce".into(), json!(nonce));
    }
    match realm.templates.render(page, context) {
        Ok(html) => respond::page(status, html, &nonce),
        Err(e) => {
            tracing::error!(realm = %realm.name, error = %e, "a page does not render");
            PageError::server_error().into_response()
        }
    }
}

/// The browser's CSRF token, or a new one (then `true`: the cookie must be set).
pub fn csrf_token(
    app: &App,
    realm: &RealmState,
    headers: &HeaderMap,
) -> Result<(String, bool), PageError> {
    let name = csrf_cookie(realm);
    match cookies::read(headers, &name) {
        Some(token) if !token.is_empty() => Ok((token, false)),
        _ => random::token(&*app.ctx.rng, 32)
            .map(|t| (t, true))
            .map_err(|_| PageError::unavailable()),
    }
}

/// The name of the realm's CSRF cookie.
pub fn csrf_cookie(realm: &RealmState) -> String {
    cookies::name(Kind::Csrf, &realm.name, cookies::secure_for(&realm.issuer))
}

/// The name of the realm's session cookie.
pub fn session_cookie(realm: &RealmState) -> String {
    cookies::name(
        Kind::Session,
        &realm.name,
        cookies::secure_for(&realm.issuer),
    )
}

/// A form that fails the double-submit check: a `400` page, nothing else happens.
pub fn csrf_refused() -> Response {
    PageError::bad_request(
        "Invalid form",
        "This form could not be verified. Go back to the application and try again.",
    )
    .into_response()
}

/// The response for an authorization error: a page, or the error at the client.
pub fn authorize_error(error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::Page(page) => page.into_response(),
        AuthorizeError::Redirect(error) => redirect_response(&error.to_redirect()),
    }
}

/// `error` at the request's validated redirect.
pub fn error_at(request: &AuthorizationRequest, error: OAuthError) -> Response {
    redirect_response(&request.redirect.error_redirect(&error))
}

/// What a step of the flow shows: the login or consent page (carrying `interaction`,
/// sealed), or the answer at the client.
pub fn step(
    app: &App,
    realm: &RealmState,
    request: &AuthorizationRequest,
    step: Step,
    mut interaction: Interaction,
) -> Response {
    match step {
        Step::Login => login_page(
            app,
            realm,
            request,
            &interaction,
            StatusCode::OK,
            request.login_hint.as_deref(),
            None,
        ),
        Step::Consent {
            session,
            user,
            scopes,
        } => {
            interaction.session_id = Some(session.id.clone());
            let Ok(sealed) = interaction.seal(app.realms.master(), &realm.name) else {
                return PageError::server_error().into_response();
            };
            let scopes: Vec<_> = scopes.iter().map(|s| consent::describe(s)).collect();
            render(
                app,
                realm,
                StatusCode::OK,
                Page::Consent,
                json!({
                    "action": routes::url(&realm.issuer, Endpoint::Consent),
                    "csrf": interaction.csrf,
                    "interaction": sealed,
                    "client": client_context(request),
                    "scopes": scopes,
                    "username": user.username,
                }),
            )
        }
        Step::Respond(redirect) => respond_at(app, realm, &redirect),
    }
}

/// The login page, with `error` shown and `username` prefilled.
pub fn login_page(
    app: &App,
    realm: &RealmState,
    request: &AuthorizationRequest,
    interaction: &Interaction,
    status: StatusCode,
    username: Option<&str>,
    error: Option<&str>,
) -> Response {
    let Ok(sealed) = interaction.seal(app.realms.master(), &realm.name) else {
        return PageError::server_error().into_response();
    };
    render(
        app,
        realm,
        status,
        Page::Login,
        json!({
            "action": routes::url(&realm.issuer, Endpoint::Login),
            "csrf": interaction.csrf,
            "interaction": sealed,
            "client": client_context(request),
            "username": username,
            "error": error,
        }),
    )
}

fn client_context(request: &AuthorizationRequest) -> Value {
    let client = &request.client;
    json!({
        "name": client.name,
        "logo_uri": client.pages.logo_uri,
        "policy_uri": client.pages.policy_uri,
        "tos_uri": client.pages.tos_uri,
        "client_uri": client.pages.client_uri,
    })
}

/// The answer at the client: a `303`, or the auto-submitting form of `form_post`.
pub fn respond_at(app: &App, realm: &RealmState, redirect: &Redirect) -> Response {
    match redirect {
        Redirect::Query { .. } => redirect_response(redirect),
        Redirect::FormPost { action, fields } => {
            let fields: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let mut response = render(
                app,
                realm,
                StatusCode::OK,
                Page::FormPost,
                json!({ "action": action, "fields": fields }),
            );
            // The form POSTs to the client: the CSP must allow that target.
            allow_form_action(response.headers_mut(), action);
            response
        }
    }
}

fn allow_form_action(headers: &mut HeaderMap, action: &str) {
    // Quotes and spaces cannot be in a matched redirect URI's origin; keep only the origin.
    let origin = url::Url::parse(action)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    if let Some(origin) = origin {
        respond::add_csp_directive(headers, &format!("form-action {origin}"));
    }
}

/// `303 See Other` to the redirect's location, never cached (it may carry a code).
pub fn redirect_response(target: &Redirect) -> Response {
    let mut response = axum::response::Redirect::to(&target.location()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
