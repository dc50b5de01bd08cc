//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1), as an ordered
//! pipeline of checks in the spec's order: client, redirect URI, response type, the client's
//! grant, PKCE.
//!
//! **Invariant:** it never redirects to a `redirect_uri` it has not matched exactly against
//! the client's registration; before that point every error is an HTML page.
//!
//! Interactive sign-in (login and consent pages) is a later step; until it exists, a request
//! that passes every check is answered with `temporarily_unavailable` at the client's
//! redirect URI, as RFC 6749 §4.1.2.1 provides.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sigil_store::ClientRecord;

use super::RealmRef;
use super::token::client_auth;
use crate::app::App;
use crate::clients::redirect_uri;
use crate::oauth::Form;
use crate::realms::RealmState;
use crate::ui::error_page;

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
        match Form::read(&headers, body).await {
            Ok(form) => form,
            Err(e) => {
                return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e.description);
            }
        }
    } else {
        match Form::parse(query.unwrap_or_default().as_bytes()) {
            Ok(form) => form,
            Err(e) => {
                return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e.description);
            }
        }
    };
    run(&app, &realm, &params).await
}

/// Why a request stops before it can be redirected: shown to the person as a page.
struct Refusal {
    status: StatusCode,
    title: &'static str,
    message: &'static str,
}

impl Refusal {
    fn bad_request(title: &'static str, message: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title,
            message,
        }
    }

    fn page(&self) -> Response {
        error_page(self.status, self.title, self.message)
    }
}

async fn run(app: &App, realm: &RealmState, params: &Form) -> Response {
    let client = match check_client(app, realm, params).await {
        Ok(client) => client,
        Err(refusal) => return refusal.page(),
    };
    let redirect_uri = match check_redirect_uri(&client, params.get("redirect_uri")) {
        Ok(uri) => uri,
        Err(refusal) => return refusal.page(),
    };
    // From here on the redirect URI is validated: errors go back to the client.
    let redirect = |error: &str, description: &str| {
        error_redirect(
            &redirect_uri,
            error,
            description,
            params.get("state"),
            &realm.issuer,
        )
    };
    if params.get("response_type") != Some("code") {
        return redirect(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    // RFC 6749 §4.1.2.1: a client not registered for the code grant may not ask for a code.
    if let Err(e) = client_auth::require_grant(&client, "authorization_code") {
        return redirect(e.code.as_str(), &e.description);
    }
    if let Some(method) = params.get("code_challenge_method")
        && method != "S256"
    {
        return redirect(
            "invalid_request",
            "only the S256 code_challenge_method is supported",
        );
    }
    if client.auth_method == "none" && params.get("code_challenge").is_none() {
        return redirect(
            "invalid_request",
            "public clients must use PKCE (code_challenge)",
        );
    }
    redirect(
        "temporarily_unavailable",
        "interactive sign-in is not enabled on this server yet",
    )
}

async fn check_client(
    app: &App,
    realm: &RealmState,
    params: &Form,
) -> Result<Arc<ClientRecord>, Refusal> {
    let Some(client_id) = params.get("client_id") else {
        return Err(Refusal::bad_request(
            "Invalid request",
            "The request has no client_id.",
        ));
    };
    match realm.client(&*app.store, client_id).await {
        Ok(Some(client)) => Ok(client),
        Ok(None) => Err(Refusal::bad_request(
            "Unknown application",
            "The application that sent you here is not registered.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "client lookup failed");
            Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                title: "Temporarily unavailable",
                message: "Please try again in a moment.",
            })
        }
    }
}

/// Exact match (RFC 6749 §3.1.2.3), except that a loopback redirect may use any port
/// (RFC 8252 §7.3). Without a `redirect_uri`, a client with exactly one registered uses it.
fn check_redirect_uri(client: &ClientRecord, requested: Option<&str>) -> Result<String, Refusal> {
    let refuse = |message| Refusal::bad_request("Invalid redirect URI", message);
    match requested {
        None => match client.redirect_uris.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(refuse(
                "The request has no redirect_uri, and the application has several registered.",
            )),
        },
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|r| redirect_uri::matches(r, uri)) =>
        {
            Ok(uri.to_owned())
        }
        Some(_) => Err(refuse(
            "The redirect URI is not registered for this application.",
        )),
    }
}

/// An error at the client's redirect URI (RFC 6749 §4.1.2.1), with `iss` (RFC 9207).
fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("error", error)
        .append_pair("error_description", description);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    query.append_pair("iss", issuer);
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", query.finish());
    let mut response = Redirect::to(&location).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
