//! The headers every page carries: a CSP that admits only this response's own style and script
//! (by nonce), no framing (clickjacking), no sniffing, no caching, no referrer (a page's URL can
//! carry an authorization request).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// `html` as a response with `status` and the page headers; `nonce` is the one the page's
/// `<style>`/`<script>` elements carry (base64url, so it needs no escaping in the header).
pub fn page(status: StatusCode, html: String, nonce: &str) -> Response {
    let mut response = (status, Html(html)).into_response();
    page_headers(response.headers_mut(), nonce);
    response
}

/// Sets the page headers on `headers`.
pub fn page_headers(headers: &mut HeaderMap, nonce: &str) {
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
         img-src https: data:; base-uri 'none'; frame-ancestors 'none'"
    );
    if let Ok(csp) = HeaderValue::try_from(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Widens a page's CSP by one `directive` (e.g. `connect-src 'self'`, or the `form-action`
/// of a form_post page), for the pages that need more than the default.
pub fn add_csp_directive(headers: &mut HeaderMap, directive: &str) {
    let Some(csp) = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::try_from(format!("{csp}; {directive}")) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cannot_be_framed_cached_or_scripted_from_elsewhere() {
        let response = page(StatusCode::OK, "<p>hi</p>".into(), "abc123");
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'nonce-abc123'"));
        assert!(csp.starts_with("default-src 'none'"));
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    }
}
