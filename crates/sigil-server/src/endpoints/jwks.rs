//! The JWK Set (RFC 7517 §5): the same precomputed bytes on every JWKS path, with
//! `Cache-Control: public, max-age`, a strong `ETag` and `304 Not Modified`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use crate::app::App;
use crate::http::public_json;

/// `GET /jwks.json` and its aliases.
pub async fn jwks(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    request: Request,
) -> Response {
    let keys = &realm.keys;
    let mut headers = HeaderMap::new();
    public_json(&mut headers, &app.cache_control);
    headers.insert(header::ETAG, keys.etag_header().clone());
    if if_none_match(request.headers(), keys.etag()) {
        headers.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, keys.jwks().clone()).into_response()
}

/// RFC 9110 §13.1.2: `*` or any listed entity tag (weak comparison) matches.
fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request.get_all(header::IF_NONE_MATCH).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
        })
    })
}
