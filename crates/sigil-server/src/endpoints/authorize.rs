//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1): reads the
//! parameters (query for GET, form for POST), runs `op::authorize`'s checks, looks up the
//! browser's session, and renders what `op::authorize::decide` says: the login page, the
//! consent page, or the answer at the client. It never builds a redirect itself: only a
//! `ValidatedRedirect` can.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use super::interaction::{self, csrf_cookie, session_cookie};
use crate::app::App;
use crate::http::{cookies, read_form};
use crate::oauth::Form;
use crate::op::authorize::{self, Resume};
use crate::op::interaction::Interaction;
use crate::op::pushed_authorization::{self, Resolved};
use crate::op::sessions;
use crate::ui::PageError;

/// `GET|POST /authorize`.
pub async fn authorize(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let params = if method == Method::POST {
        read_form(&headers, body).await
    } else {
        Form::parse(query.unwrap_or_default().as_bytes())
    };
    let params = match params {
        Ok(params) => params,
        Err(e) => return PageError::bad_request("Invalid request", e.description).into_response(),
    };
    // A pushed request (RFC 9126 §4) is taken here, once; what is validated, and sealed into
    // the interaction for the login and consent steps, is what was pushed.
    let Resolved { params, pushed } =
        match pushed_authorization::resolve(&app.ctx, &realm, params).await {
            Ok(resolved) => resolved,
            Err(page) => return page.into_response(),
        };
    let request = match authorize::validate(&app.ctx, &realm, &params).await {
        Ok(request) => request,
        Err(e) => return interaction::authorize_error(e),
    };
    if let Err(e) = pushed_authorization::check_required(&realm, &request, pushed) {
        return interaction::authorize_error(e);
    }
    let secret = cookies::read(&headers, &session_cookie(&realm));
    let session = match sessions::find(&app.ctx, &realm, secret.as_deref()).await {
        Ok(session) => session,
        Err(e) => return interaction::error_at(&request, e),
    };
    let step = match authorize::decide(&app.ctx, &realm, &request, session, Resume::default()).await
    {
        Ok(step) => step,
        Err(e) => return interaction::authorize_error(e),
    };
    let (csrf, new) = match interaction::csrf_token(&app, &realm, &headers) {
        Ok(token) => token,
        Err(page) => return page.into_response(),
    };
    // The resolved parameters (a request object's in place of the query): what re-validation
    // at the login and consent steps must see.
    let started = Interaction::new(&request.parameters, csrf.clone(), app.ctx.now());
    let mut response = interaction::step(&app, &realm, &request, step, started);
    if new {
        cookies::set(
            response.headers_mut(),
            &csrf_cookie(&realm),
            &csrf,
            cookies::secure_for(&realm.issuer),
            None,
        );
    }
    response
}
