//! `POST /admin/v1/realms/{realm}/tokens`: trusted minting over HTTP.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sigil_store::RealmName;

use super::{AdminError, authenticate, body};
use crate::app::App;
use crate::http::no_store;
use crate::tokens::mint::{self, MintRequest};

/// The members a mint request may have, as the error for anything else names them.
const SHAPE: &str = "the request body is {\"sub\": string, \"aud\"?: string or array of strings, \"ttl\"?: seconds, \"claims\"?: object, \"alg\"?: string}";

/// Mints a token for the subject in the body.
pub async fn mint(
    State(app): State<Arc<App>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match handle(&app, &realm, &headers, body).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn handle(
    app: &Arc<App>,
    realm: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, AdminError> {
    let admin = authenticate(app, headers).await?;
    let not_found = || AdminError::new(StatusCode::NOT_FOUND, "not_found", "no such realm");
    let name = RealmName::new(realm).map_err(|_| not_found())?;
    let state = app.realms.get(&name).await?.ok_or_else(not_found)?;
    let request = mint_request(body::json_object(headers, body).await?)?;
    let minted = mint::mint(&state, &request, app.ctx.now(), &*app.ctx.rng)?;
    app.metrics.token_issued("trusted_mint", name.as_str());
    tracing::info!(realm = %name, admin = %admin.id, kid = %minted.kid, "token minted");
    let body = json!({
        "token": minted.token,
        "token_type": "JWT",
        "expires_in": minted.expires_in,
        "expires_at": minted.expires_at,
        "kid": minted.kid,
        "alg": minted.alg.as_str(),
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// The body's members as a [`MintRequest`], each checked for its type with Sigil's own message.
fn mint_request(mut members: Map<String, Value>) -> Result<MintRequest, AdminError> {
    if let Some(unknown) = members
        .keys()
        .find(|k| !["sub", "aud", "ttl", "claims", "alg"].contains(&k.as_str()))
    {
        return Err(AdminError::invalid(format!(
            "unknown member {unknown:?}: {SHAPE}"
        )));
    }
    let wrong = |member: &str| AdminError::invalid(format!("{member} has the wrong type: {SHAPE}"));
    let subject = match members.remove("sub") {
        Some(Value::String(sub)) => sub,
        Some(_) => return Err(wrong("sub")),
        None => return Err(AdminError::invalid(format!("sub is required: {SHAPE}"))),
    };
    let audiences = match members.remove("aud") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(aud)) => vec![aud],
        Some(Value::Array(all)) => all
            .into_iter()
            .map(|a| match a {
                Value::String(a) => Ok(a),
                _ => Err(wrong("aud")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(wrong("aud")),
    };
    let ttl_secs = match members.remove("ttl") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(|| {
            AdminError::invalid("ttl must be a whole number of seconds, at least 1")
        })?),
        Some(_) => return Err(wrong("ttl")),
    };
    let claims = match members.remove("claims") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(claims)) => claims,
        Some(_) => return Err(wrong("claims")),
    };
    let alg = match members.remove("alg") {
        None | Some(Value::Null) => None,
        Some(Value::String(alg)) => Some(
            alg.parse()
                .map_err(|e: sigil_jose::Error| AdminError::invalid(e.to_string()))?,
        ),
        Some(_) => return Err(wrong("alg")),
    };
    Ok(MintRequest {
        subject,
        audiences,
        ttl_secs,
        claims,
        alg,
    })
}
