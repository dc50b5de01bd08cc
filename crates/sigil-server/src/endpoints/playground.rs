//! `/playground` (dev mode only): a page that runs the authorization code flow with PKCE in the
//! browser against the dev-mode public client, then shows the decoded ID and access tokens and
//! the userinfo answer — from `cargo run` to a signed-in page in under a minute.
//!
//! It is the default realm's page and exists only when the server was built with
//! `ServerConfig::playground` (never in production).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::app::App;
use crate::random;
use crate::ui::respond;

/// The public client the playground signs in with (created by dev-mode bootstrap).
pub const PLAYGROUND_CLIENT_ID: &str = "sigil-playground";

const PAGE: &str = include_str!("../ui/static/playground.html");

/// `GET /playground`.
pub async fn playground(State(app): State<Arc<App>>) -> Response {
    let Ok(nonce) = random::token(&*app.ctx.rng, 16) else {
        return crate::ui::error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "Please try again in a moment.",
        );
    };
    let issuer = app.realms.base_url();
    // The values are ours (a validated base URL, a constant, base64url): no quote or `<` to
    // escape; checked anyway so a future change cannot inject into the script.
    let html = if issuer.contains(['"', '<', '\\']) {
        return crate::ui::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Playground unavailable",
            "The issuer URL cannot be embedded in the page.",
        );
    } else {
        PAGE.replace("{{NONCE}}", &nonce)
            .replace("{{ISSUER}}", issuer)
            .replace("{{CLIENT_ID}}", PLAYGROUND_CLIENT_ID)
    };
    let mut response = respond::page(StatusCode::OK, html, &nonce);
    // The page calls this origin's token and userinfo endpoints.
    respond::add_csp_directive(response.headers_mut(), "connect-src 'self'");
    response
}
