//! The cookies Sigil sets for people: the login session and the CSRF token of its forms.
//!
//! **Invariants:** every cookie is HttpOnly (no script reads it), SameSite=Lax (not sent on
//! cross-site subrequests or POSTs), Path=/; on an https issuer it is Secure and named with the
//! `__Host-` prefix, which browsers accept only from a secure origin, for the exact host,
//! without a Domain — so no sibling subdomain can plant or overwrite it. Names carry the realm,
//! so realms on one host keep separate sessions.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use sigil_store::RealmName;

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The login session: its value is the session secret.
    Session,
    /// The double-submit CSRF token of the login, consent and logout forms.
    Csrf,
}

/// The name of `kind`'s cookie in `realm`; `secure` when the issuer is https.
pub fn name(kind: Kind, realm: &RealmName, secure: bool) -> String {
    let what = match kind {
        Kind::Session => "session",
        Kind::Csrf => "csrf",
    };
    let prefix = if secure { "__Host-" } else { "" };
    format!("{prefix}sigil-{what}-{realm}")
}

/// Whether cookies for `issuer` must be Secure.
pub fn secure_for(issuer: &str) -> bool {
    issuer.starts_with("https://")
}

/// The value of the cookie `name` in the request, if sent (the first, if sent twice).
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Appends a `Set-Cookie` for `name=value`, living `max_age_secs` (a session cookie when
/// `None`).
pub fn set(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
    secure: bool,
    max_age_secs: Option<i64>,
) {
    let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure);
    if let Some(secs) = max_age_secs {
        cookie = cookie.max_age(cookie::time::Duration::seconds(secs));
    }
    if let Ok(value) = HeaderValue::try_from(cookie.build().to_string()) {
        headers.append(header::SET_COOKIE, value);
    }
}

/// Appends a `Set-Cookie` that removes `name`.
pub fn clear(headers: &mut HeaderMap, name: &str, secure: bool) {
    set(headers, name, "", secure, Some(0));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn cookies_are_host_only_http_only_and_lax() {
        let realm = RealmName::new("acme").unwrap();
        assert_eq!(
            name(Kind::Session, &realm, true),
            "__Host-sigil-session-acme"
        );
        assert_eq!(name(Kind::Csrf, &realm, false), "sigil-csrf-acme");
        let mut headers = HeaderMap::new();
        set(
            &mut headers,
            "__Host-sigil-session-acme",
            "s3cret",
            true,
            Some(60),
        );
        let set_cookie = headers[header::SET_COOKIE].to_str().unwrap();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age=60"] {
            assert!(set_cookie.contains(part), "{set_cookie}");
        }
        assert!(!set_cookie.contains("Domain"));
        let mut plain = HeaderMap::new();
        clear(&mut plain, "sigil-session-acme", false);
        let cleared = plain[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cleared.contains("Max-Age=0") && !cleared.contains("Secure"),
            "{cleared}"
        );
    }

    #[test]
    fn the_named_cookie_is_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sigil-csrf-acme=tok"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read(&headers, "sigil-csrf-acme").as_deref(), Some("tok"));
        assert_eq!(read(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read(&headers, "missing"), None);
    }
}
