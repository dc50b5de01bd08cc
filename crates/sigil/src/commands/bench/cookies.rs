//! A cookie jar for one virtual user, as far as an OP's sign-in needs one (RFC 6265): cookies
//! are host-only and path-scoped (node-oidc-provider scopes its interaction cookies to
//! `/interaction/<uid>` and `/auth/<uid>`), replaced by name and path, and removed by
//! `Max-Age=0` or an expiry in the past. `Domain` is ignored: the bench only talks to the
//! origins discovery names, so a cookie never needs to cross hosts. `Secure` is ignored too,
//! as browsers do for loopback, where benchmarks run.

use url::Url;

#[derive(Debug, Default)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
}

#[derive(Debug)]
struct Cookie {
    host: String,
    name: String,
    value: String,
    path: String,
}

impl CookieJar {
    /// Forgets every cookie: a new browser.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Takes in one `Set-Cookie` header received from `url`.
    pub fn store(&mut self, url: &Url, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() {
            return;
        }
        let mut path = None;
        let mut expired = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            let (key, val) = (key.trim(), val.trim());
            if key.eq_ignore_ascii_case("path") && val.starts_with('/') {
                path = Some(val.to_owned());
            } else if key.eq_ignore_ascii_case("max-age") {
                expired = val.parse::<i64>().is_ok_and(|secs| secs <= 0);
            } else if key.eq_ignore_ascii_case("expires") {
                expired |= expires_in_the_past(val);
            }
        }
        let host = url.host_str().unwrap_or("").to_owned();
        let path = path.unwrap_or_else(|| default_path(url.path()));
        self.cookies
            .retain(|c| !(c.host == host && c.name == name && c.path == path));
        if !expired {
            self.cookies.push(Cookie {
                host,
                name: name.to_owned(),
                value: value.to_owned(),
                path,
            });
        }
    }

    /// The `Cookie` header for a request to `url`, longest paths first (§5.4).
    pub fn header(&self, url: &Url) -> Option<String> {
        let host = url.host_str().unwrap_or("");
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| c.host == host && path_matches(url.path(), &c.path))
            .collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let pairs: Vec<String> = matching
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        Some(pairs.join("; "))
    }
}

/// §5.1.4: the directory of the request path.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(at) => path[..at].to_owned(),
    }
}

/// §5.1.4 path-match.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// Servers delete cookies with an `Expires` in 1970; a full HTTP-date parser would only add
/// dates no server sends for that. Any year before 2000 counts as the past.
fn expires_in_the_past(value: &str) -> bool {
    value
        .split([' ', '-'])
        .filter_map(|part| part.parse::<u32>().ok())
        .any(|n| (1000..2000).contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn cookies_are_scoped_to_their_host_and_path_and_deleted_on_request() {
        let mut jar = CookieJar::default();
        let base = url("http://127.0.0.1:3000/auth?x=1");
        jar.store(&base, "_session=s1; path=/; httponly; samesite=lax");
        jar.store(
            &base,
            "_interaction=i1; path=/interaction/abc; expires=Fri, 04 Dec 2099 00:00:00 GMT",
        );
        jar.store(&url("http://127.0.0.1:3000/a/b/c"), "dir=d");
        assert_eq!(
            jar.header(&url("http://127.0.0.1:3000/interaction/abc"))
                .as_deref(),
            Some("_interaction=i1; _session=s1")
        );
        assert_eq!(
            jar.header(&url("http://127.0.0.1:3000/interaction/abcd"))
                .as_deref(),
            Some("_session=s1")
        );
        assert_eq!(
            jar.header(&url("http://127.0.0.1:3000/a/b/x")).as_deref(),
            Some("dir=d; _session=s1")
        );
        assert_eq!(jar.header(&url("http://localhost:3000/")), None);
        jar.store(&base, "_session=s2; Path=/");
        assert_eq!(
            jar.header(&url("http://127.0.0.1:3000/")).as_deref(),
            Some("_session=s2")
        );
        jar.store(
            &base,
            "_session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT",
        );
        jar.store(&base, "dir=; Path=/a/b; Max-Age=0");
        assert_eq!(jar.header(&url("http://127.0.0.1:3000/a/b/x")), None);
        jar.clear();
        assert_eq!(
            jar.header(&url("http://127.0.0.1:3000/interaction/abc")),
            None
        );
    }
}
