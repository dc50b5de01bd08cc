//! The end-session endpoint (RP-Initiated Logout 1.0 §2): GET (query) or POST (form). A valid
//! `id_token_hint` for the signed-in person ends the session at once; anything less shows a
//! "Sign out?" page whose form (CSRF double submit, the decided redirect sealed under the
//! master key) ends it. Afterwards: a `303` to the registered `post_logout_redirect_uri`
//! with `state`, or the "signed out" page.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::RealmRef;
use crate::app::App;
use crate::http::cookies::{self, Kind};
use crate::http::read_form;
use crate::oauth::Form;
use crate::op::logout::{self, LogoutRequest};
use crate::random;
use crate::realms::RealmState;
use crate::routes::{self, Endpoint};
use crate::ui::PageError;
use crate::ui::respond;
use crate::ui::templates::{Brand, Page, Templates};

/// How long a confirmation page's form stays usable.
const CONFIRM_TTL_SECS: i64 = 600;

/// What the confirmation form carries, sealed: where to go once confirmed.
#[derive(Serialize, Deserialize)]
struct Pending {
    redirect: Option<String>,
    exp: i64,
}

/// `GET` and `POST /logout`.
pub async fn logout(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let form = if parts.method == Method::POST {
        read_form(&parts.headers, body).await
    } else {
        Form::parse(parts.uri.query().unwrap_or("").as_bytes())
    };
    let form = match form {
        Ok(form) => form,
        Err(e) => return PageError::bad_request("Cannot sign out", e.description).into_response(),
    };
    let outcome = if parts.method == Method::POST && form.get("decision") == Some("logout") {
        confirmed(&app, &realm, &parts.headers, &form).await
    } else {
        requested(&app, &realm, &parts.headers, &form).await
    };
    outcome.unwrap_or_else(IntoResponse::into_response)
}

/// A logout request from a relying party (or a person's browser).
async fn requested(
    app: &App,
    realm: &RealmState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<Response, PageError> {
    let request = LogoutRequest {
        id_token_hint: form.get("id_token_hint"),
        client_id: form.get("client_id"),
        post_logout_redirect_uri: form.get("post_logout_redirect_uri"),
        state: form.get("state"),
    };
    let valid = logout::validate(&app.ctx, realm, request).await?;
    let session = match session_secret(realm, headers) {
        Some(secret) => logout::current_session(&app.ctx, realm, &secret).await?,
        None => None,
    };
    let trusted = match (&valid.hinted_sub, &session) {
        // The hint is of the signed-in person: the RP they used asks to sign them out.
        (Some(_), Some(session)) => valid.hint_names(realm, &session.user_id),
        // Nobody is signed in: nothing to end, nothing to confirm.
        (Some(_), None) => true,
        (None, _) => false,
    };
    if trusted {
        if let Some(session) = &session {
            logout::end_session(&app.ctx, realm, session).await?;
        }
        return Ok(done(realm, valid.redirect));
    }
    let pending = Pending {
        redirect: valid.redirect,
        exp: app.ctx.now().saturating_add(CONFIRM_TTL_SECS),
    };
    let sealed = serde_json::to_vec(&pending)
        .map_err(|_| PageError::server_error())
        .and_then(|json| {
            app.realms
                .master()
                .seal(&seal_context(realm), &json)
                .map_err(|_| PageError::server_error())
        })?;
    let csrf = random::token(&*app.ctx.rng, 32).map_err(|_| PageError::unavailable())?;
    let client = valid
        .client
        .as_ref()
        .map(|c| serde_json::json!({"name": c.name}));
    let mut response = render(
        app,
        Page::Logout,
        serde_json::json!({
            "action": routes::url(&realm.issuer, Endpoint::Logout),
            "csrf": csrf,
            "interaction": sigil_jose::base64url::encode(&sealed),
            "client": client,
        }),
    )?;
    let secure = cookies::secure_for(&realm.issuer);
    cookies::set(
        response.headers_mut(),
        &cookies::name(Kind::Csrf, &realm.name, secure),
        &csrf,
        secure,
        Some(CONFIRM_TTL_SECS),
    );
    Ok(response)
}

/// The person confirmed on the page.
async fn confirmed(
    app: &App,
    realm: &RealmState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<Response, PageError> {
    let secure = cookies::secure_for(&realm.issuer);
    let expired = || {
        PageError::bad_request(
            "Cannot sign out",
            "The sign-out form has expired; try again.",
        )
    };
    let cookie = cookies::read(headers, &cookies::name(Kind::Csrf, &realm.name, secure));
    let same = match (cookie.as_deref(), form.get("csrf")) {
        (Some(a), Some(b)) => {
            aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
        }
        _ => false,
    };
    if !same {
        return Err(expired());
    }
    let pending: Pending = form
        .get("interaction")
        .and_then(sigil_jose::base64url::decode)
        .and_then(|sealed| app.realms.master().open(&seal_context(realm), &sealed).ok())
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(expired)?;
    if pending.exp <= app.ctx.now() {
        return Err(expired());
    }
    if let Some(secret) = session_secret(realm, headers)
        && let Some(session) = logout::current_session(&app.ctx, realm, &secret).await?
    {
        logout::end_session(&app.ctx, realm, &session).await?;
    }
    let mut response = done(realm, pending.redirect);
    cookies::clear(
        response.headers_mut(),
        &cookies::name(Kind::Csrf, &realm.name, secure),
        secure,
    );
    Ok(response)
}

fn seal_context(realm: &RealmState) -> String {
    format!("logout:{}", realm.name)
}

fn session_secret(realm: &RealmState, headers: &HeaderMap) -> Option<String> {
    let secure = cookies::secure_for(&realm.issuer);
    cookies::read(headers, &cookies::name(Kind::Session, &realm.name, secure))
}

/// The redirect, or the "signed out" page; the session cookie is cleared either way.
fn done(realm: &RealmState, redirect: Option<String>) -> Response {
    let mut response = match redirect.and_then(|r| HeaderValue::try_from(r).ok()) {
        Some(location) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, location);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        None => logged_out_page(),
    };
    let secure = cookies::secure_for(&realm.issuer);
    cookies::clear(
        response.headers_mut(),
        &cookies::name(Kind::Session, &realm.name, secure),
        secure,
    );
    response
}

fn logged_out_page() -> Response {
    let nonce = "signed-out";
    match Templates::defaults().and_then(|t| {
        t.render(
            Page::LoggedOut,
            serde_json::json!({"brand": Brand::default(), "nonce": nonce}),
        )
    }) {
        Ok(html) => respond::page(StatusCode::OK, html, nonce),
        Err(e) => {
            tracing::error!(error = %e, "logout: the signed-out page does not render");
            PageError::server_error().into_response()
        }
    }
}

/// Renders a page with the default templates. (The realm's own templates and brand come with
/// the authorization side's `RealmState` additions; switch to them when both are merged.)
fn render(app: &App, page: Page, mut context: serde_json::Value) -> Result<Response, PageError> {
    let nonce = random::token(&*app.ctx.rng, 16).map_err(|_| PageError::unavailable())?;
    if let Some(map) = context.as_object_mut() {
        map.insert("brand".into(), serde_json::json!(Brand::default()));
        map.insert("nonce".into(), serde_json::json!(nonce));
    }
    let html = Templates::defaults()
        .and_then(|t| t.render(page, context))
        .map_err(|e| {
            tracing::error!(error = %e, "logout: a page does not render");
            PageError::server_error()
        })?;
    Ok(respond::page(StatusCode::OK, html, &nonce))
}
