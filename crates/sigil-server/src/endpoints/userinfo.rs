//! The UserInfo endpoint (OIDC Core §5.3): GET or POST, the access token in the
//! `Authorization: Bearer` header (RFC 6750 §2.1) or, on a POST, as `access_token` in a form
//! body (§2.2) — never both (§2: one method per request). Errors carry the RFC 6750 §3
//! `WWW-Authenticate` challenge.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use crate::app::App;
use crate::http::{RepeatedAuthorization, authorization, no_store, read_form};
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::userinfo::{self, Userinfo};

/// `GET` and `POST /userinfo`.
pub async fn userinfo(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = match bearer(&parts.method, &parts.headers, body).await {
        Ok(token) => userinfo::userinfo(&app.ctx, &realm, &token).await,
        Err(e) => Err(e),
    };
    let mut response = match outcome {
        Ok(Userinfo::Json(claims)) => axum::Json(claims).into_response(),
        Ok(Userinfo::Jwt(jwt)) => {
            ([(header::CONTENT_TYPE, "application/jwt")], jwt).into_response()
        }
        Err(e) => {
            let invalid_request = e.code == ErrorCode::InvalidRequest;
            let mut response = e.with_challenge_realm(realm.issuer.clone()).into_response();
            if invalid_request {
                // RFC 6750 §3.1: a malformed request is challenged too.
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_request\""),
                );
            }
            response
        }
    };
    no_store(response.headers_mut());
    response
}

/// The one bearer token of the request.
async fn bearer(method: &Method, headers: &HeaderMap, body: Body) -> Result<String, OAuthError> {
    let header = authorization(headers)
        .map_err(|RepeatedAuthorization| {
            OAuthError::invalid_request(RepeatedAuthorization::DESCRIPTION)
        })?
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|v| {
                    let (scheme, token) = v.split_once(' ')?;
                    scheme
                        .eq_ignore_ascii_case("bearer")
                        .then(|| token.trim().to_owned())
                })
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    OAuthError::invalid_request("the Authorization header is not a Bearer token")
                })
        })
        .transpose()?;
    let has_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let in_body = if *method == Method::POST && has_form {
        read_form(headers, body)
            .await?
            .get("access_token")
            .map(str::to_owned)
    } else {
        None
    };
    match (header, in_body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the access token must be sent one way, not in the header and the body",
        )),
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (None, None) => Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "a bearer access token is required",
        )),
    }
}
