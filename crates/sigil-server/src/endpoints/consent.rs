//! `POST {realm}/consent` (Keycloak: `/login-actions/consent`): the consent form's target
//! (OIDC Core §3.1.2.4). Allow remembers the scopes for this user and client and answers
//! with a code; Deny answers `access_denied` (RFC 6749 §4.1.2.1).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use super::interaction::{self, csrf_cookie, session_cookie};
use crate::app::App;
use crate::http::{cookies, read_form};
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::authorize::{self, Resume};
use crate::op::interaction::Interaction;
use crate::op::sessions;
use crate::ui::PageError;

/// `POST /consent`.
pub async fn consent(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let form = match read_form(&headers, body).await {
        Ok(form) => form,
        Err(e) => return PageError::bad_request("Invalid request", e.description).into_response(),
    };
    let started = match Interaction::open(
        app.realms.master(),
        &realm.name,
        form.get("interaction"),
        app.ctx.now(),
    ) {
        Ok(started) => started,
        Err(page) => return page.into_response(),
    };
    let cookie = cookies::read(&headers, &csrf_cookie(&realm));
    if !started.csrf_matches(cookie.as_deref(), form.get("csrf")) {
        return interaction::csrf_refused();
    }
    let params = match started.params() {
        Ok(params) => params,
        Err(page) => return page.into_response(),
    };
    let request = match authorize::validate(&app.ctx, &realm, &params).await {
        Ok(request) => request,
        Err(e) => return interaction::authorize_error(e),
    };
    // The consent is the signed-in person's: the session the page was shown to.
    let secret = cookies::read(&headers, &session_cookie(&realm));
    let session = match sessions::find(&app.ctx, &realm, secret.as_deref()).await {
        Ok(Some(session)) if Some(&session.id) == started.session_id.as_ref() => session,
        Ok(_) => {
            return PageError::bad_request(
                "Sign-in expired",
                "You are no longer signed in. Go back to the application and try again.",
            )
            .into_response();
        }
        Err(e) => return interaction::error_at(&request, e),
    };
    match form.get("decision") {
        Some("approve") => {}
        Some("deny") => {
            return interaction::error_at(
                &request,
                OAuthError::new(ErrorCode::AccessDenied, "the person did not allow access"),
            );
        }
        _ => {
            return PageError::bad_request("Invalid request", "Choose Allow or Deny.")
                .into_response();
        }
    }
    let resume = Resume {
        fresh_login: started.fresh_login,
        consented: true,
    };
    match authorize::decide(&app.ctx, &realm, &request, Some(session), resume).await {
        Ok(step) => interaction::step(&app, &realm, &request, step, started),
        Err(e) => interaction::authorize_error(e),
    }
}
