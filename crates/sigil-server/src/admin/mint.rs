//! `POST /admin/v1/realms/{realm}/tokens`: trusted minting over HTTP.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sigil_store::RealmName;

use super::{AdminError, authenticate};
use crate::app::App;
use crate::http::no_store;
use crate::tokens::mint::{self, MintRequest};

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintBody {
    sub: String,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    ttl: Option<u64>,
    #[serde(default)]
    claims: Option<Map<String, Value>>,
    #[serde(default)]
    alg: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Mints a token for the subject in the body.
pub async fn mint(
    State(app): State<Arc<App>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Result<Json<MintBody>, JsonRejection>,
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
    body: Result<Json<MintBody>, JsonRejection>,
) -> Result<Response, AdminError> {
    let admin = authenticate(app, headers).await?;
    let not_found = || AdminError::new(StatusCode::NOT_FOUND, "not_found", "no such realm");
    let name = RealmName::new(realm).map_err(|_| not_found())?;
    let state = app.realms.get(&name).await?.ok_or_else(not_found)?;
    let Json(body) = body.map_err(|e| AdminError::invalid(e.body_text()))?;
    let alg = body
        .alg
        .map(|a| a.parse())
        .transpose()
        .map_err(|e: sigil_jose::Error| AdminError::invalid(e.to_string()))?;
    let request = MintRequest {
        subject: body.sub,
        audiences: match body.aud {
            None => Vec::new(),
            Some(OneOrMany::One(a)) => vec![a],
            Some(OneOrMany::Many(all)) => all,
        },
        ttl_secs: body.ttl,
        claims: body.claims.unwrap_or_default(),
        alg,
    };
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
