//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1): reads the
//! parameters (query for GET, form for POST), runs `op::authorize`'s checks, and renders a
//! page or a redirect. It never builds a redirect itself: only a `ValidatedRedirect` can.
//!
//! Interactive sign-in (login and consent pages) is a later step; until it exists, a request
//! that passes every check is answered with `temporarily_unavailable` at the client's
//! redirect URI, as RFC 6749 §4.1.2.1 provides.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use crate::app::App;
use crate::http::read_form;
use crate::oauth::{ErrorCode, Form, OAuthError};
use crate::op::authorize::{self, AuthorizeError, Redirect};
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
    match authorize::validate(&app.ctx, &realm, &params).await {
        Ok(request) => redirect(&request.redirect.error_redirect(&OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "interactive sign-in is not enabled on this server yet",
        ))),
        Err(AuthorizeError::Page(page)) => page.into_response(),
        Err(AuthorizeError::Redirect(error)) => redirect(&error.to_redirect()),
    }
}

/// `303 See Other` to the redirect's location, never cached (it may carry a code).
fn redirect(target: &Redirect) -> Response {
    let mut response = axum::response::Redirect::to(&target.location()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
