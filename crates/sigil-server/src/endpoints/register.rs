//! The registration endpoint (RFC 7591 §3) and a registered client's configuration endpoint
//! (RFC 7592 §2): JSON in (`application/json`, at most
//! [`MAX_METADATA_BYTES`](crate::op::registration::MAX_METADATA_BYTES)), JSON out with
//! `Cache-Control: no-store`; the initial or registration access token in `Authorization:
//! Bearer` (RFC 6750 §2.1), refused with a `Bearer` challenge.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{ConnectInfo, RawPathParams, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::RealmRef;
use crate::app::App;
use crate::http::{RepeatedAuthorization, authorization, no_store};
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::registration::{self, Caller, MAX_METADATA_BYTES, Registered};

/// `POST /register`.
pub async fn register(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    let address = peer(&request);
    let (parts, body) = request.into_parts();
    let outcome = async {
        let bearer = bearer(&parts.headers)?;
        let members = json_body(&parts.headers, body).await?;
        let caller = Caller {
            bearer: bearer.as_deref(),
            address,
        };
        registration::register(&app.ctx, &app.provisioner, &realm, caller, &members).await
    }
    .await;
    respond(&realm.issuer, outcome, StatusCode::CREATED)
}

/// `GET /register/{client_id}`.
pub async fn read(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    params: Result<RawPathParams, RawPathParamsRejection>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let client_id = client_id(params)?;
        let bearer = bearer(&headers)?;
        registration::read(&app.ctx, &realm, &client_id, bearer.as_deref()).await
    }
    .await;
    respond(&realm.issuer, outcome, StatusCode::OK)
}

/// `PUT /register/{client_id}`.
pub async fn update(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    params: Result<RawPathParams, RawPathParamsRejection>,
    request: Request,
) -> Response {
    let address = peer(&request);
    let (parts, body) = request.into_parts();
    let outcome = async {
        let client_id = client_id(params)?;
        let bearer = bearer(&parts.headers)?;
        let members = json_body(&parts.headers, body).await?;
        let caller = Caller {
            bearer: bearer.as_deref(),
            address,
        };
        registration::update(
            &app.ctx,
            &app.provisioner,
            &realm,
            &client_id,
            caller,
            &members,
        )
        .await
    }
    .await;
    respond(&realm.issuer, outcome, StatusCode::OK)
}

/// `DELETE /register/{client_id}`: `204` (RFC 7592 §2.3).
pub async fn delete(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    params: Result<RawPathParams, RawPathParamsRejection>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let client_id = client_id(params)?;
        let bearer = bearer(&headers)?;
        registration::delete(
            &app.ctx,
            &app.provisioner,
            &realm,
            &client_id,
            bearer.as_deref(),
        )
        .await
    }
    .await;
    match outcome {
        Ok(()) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => e.with_challenge_realm(realm.issuer.clone()).into_response(),
    }
}

fn respond(issuer: &str, outcome: Result<Registered, OAuthError>, status: StatusCode) -> Response {
    let mut response = match outcome {
        Ok(Registered(members)) => (status, axum::Json(Value::Object(members))).into_response(),
        Err(e) => e.with_challenge_realm(issuer.to_owned()).into_response(),
    };
    no_store(response.headers_mut());
    response
}

fn peer(request: &Request) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

fn client_id(params: Result<RawPathParams, RawPathParamsRejection>) -> Result<String, OAuthError> {
    let unknown = || {
        OAuthError::new(ErrorCode::InvalidToken, "the access token is not valid")
            .with_debug("no client_id in the path")
    };
    let params = params.map_err(|_| unknown())?;
    params
        .iter()
        .find_map(|(key, value)| (key == "client_id").then(|| value.to_owned()))
        .ok_or_else(unknown)
}

/// The one `Authorization: Bearer` token, if any (RFC 6750 §2.1).
fn bearer(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let Some(value) = authorization(headers).map_err(|RepeatedAuthorization| {
        OAuthError::invalid_request(RepeatedAuthorization::DESCRIPTION)
    })?
    else {
        return Ok(None);
    };
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
        .map(Some)
        .ok_or_else(|| {
            OAuthError::new(ErrorCode::InvalidToken, "the access token is not valid")
                .with_debug("the Authorization header is not a Bearer token")
        })
}

/// The request body as one JSON object: `415` for another media type, `413` past the limit,
/// `400 invalid_client_metadata` for anything but an object.
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Map<String, Value>, OAuthError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(OAuthError::invalid_request(
            "the client metadata must be sent as application/json",
        )
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let bytes = axum::body::to_bytes(body, MAX_METADATA_BYTES)
        .await
        .map_err(|_| {
            OAuthError::new(
                ErrorCode::InvalidClientMetadata,
                "the client metadata exceeds 16384 bytes",
            )
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(members)) => Ok(members),
        _ => Err(OAuthError::new(
            ErrorCode::InvalidClientMetadata,
            "the client metadata must be a JSON object",
        )),
    }
}
