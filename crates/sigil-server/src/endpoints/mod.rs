//! One module per protocol endpoint, named after its specification: each parses the request,
//! calls a service of `op`, and renders the outcome. Shared here: the realm extractor.

pub mod authorize;
pub mod client_auth;
pub mod consent;
pub mod discovery;
pub mod interaction;
pub mod introspect;
pub mod jwks;
pub mod login;
pub mod logout;
pub mod par;
pub mod playground;
pub mod revoke;
pub mod token;
pub mod userinfo;

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use sigil_store::RealmName;

use crate::app::App;
use crate::http::json_error;
use crate::realms::RealmState;

/// The realm a request addresses: `/realms/{realm}/…`, or `default` at the root.
#[derive(Debug, Clone)]
pub struct RealmRef(pub Arc<RealmState>);

impl FromRequestParts<Arc<App>> for RealmRef {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        // Raw parameters: no map or owned strings per request. A segment that does not
        // percent-decode to UTF-8 names no realm (never the default one).
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(|_| unknown_realm("(not UTF-8)"))?;
        let raw = params
            .iter()
            .find_map(|(key, value)| (key == "realm").then_some(value));
        let found = match raw {
            None => app.realms.get_default().await,
            Some(raw) => match RealmName::new(raw) {
                // The default realm lives at the root; its issuer has no /realms path.
                Ok(name) if !name.is_default() => app.realms.get(&name).await,
                _ => return Err(unknown_realm(raw)),
            },
        };
        let name = raw.unwrap_or(RealmName::DEFAULT);
        match found {
            Ok(Some(state)) => Ok(Self(state)),
            Ok(None) => Err(unknown_realm(name)),
            Err(e) if e.is_unavailable() => {
                tracing::error!(error = %e, realm = %name, "realm unavailable");
                Err(json_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the service is temporarily unavailable; retry later",
                ))
            }
            // The realm exists but cannot be built (a key that does not parse, a store bug):
            // retrying will not help, and the detail is for the log only.
            Err(e) => {
                tracing::error!(error = %e, realm = %name, "realm cannot be loaded");
                Err(json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request",
                ))
            }
        }
    }
}

fn unknown_realm(name: &str) -> Response {
    let printable: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(63)
        .collect();
    json_error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("realm '{printable}' does not exist"),
    )
}
