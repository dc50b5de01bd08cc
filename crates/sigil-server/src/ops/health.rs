//! `/healthz` (the process answers) and `/readyz` (the store answers and the default realm's
//! keys are loaded). A load balancer stops sending traffic while `/readyz` fails; the server
//! recovers by itself when the database returns.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sigil_store::RealmName;

use crate::app::App;

/// `GET /healthz`.
pub async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), app.ctx.store.ping()).await;
    let problem = match ping {
        Err(_) => Some("the database does not answer".to_owned()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            Some("the database is unavailable".to_owned())
        }
        Ok(Ok(())) => match app.realms.get(&RealmName::default_realm()).await {
            Ok(Some(realm)) if realm.keys.signer(sigil_jose::Algorithm::RS256).is_some() => None,
            Ok(Some(_)) => Some("the default realm has no current signing key".to_owned()),
            Ok(None) => Some("the default realm does not exist".to_owned()),
            Err(e) => Some(format!("the default realm cannot be loaded: {e}")),
        },
    };
    match problem {
        None => axum::Json(json!({ "status": "ready" })).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "status": "unavailable", "reason": reason })),
        )
            .into_response(),
    }
}
