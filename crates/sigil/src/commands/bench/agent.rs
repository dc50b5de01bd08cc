//! One virtual user's HTTP: its cookie jar, the origin allow-list checked before every
//! request, and a count of the requests it sent. The users share one client, whose pool
//! holds a keep-alive connection per user in flight (so at most `--connections`), and whose
//! TLS roots are loaded once rather than per user. Redirects are never followed here: the flow driver
//! decides, hop by hop, what a browser would do.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE, USER_AGENT};
use url::{Origin, Url};
use zeroize::Zeroizing;

use super::cookies::CookieJar;
use super::failure::Failure;

/// Bodies larger than this are cut off and fail: no OP page or token response comes close.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug)]
pub struct Agent {
    http: reqwest::Client,
    pub jar: CookieJar,
    /// `None` only while discovery is read; then the issuer's and discovery's origins.
    origins: Option<Vec<Origin>>,
    /// Requests sent (the runner turns it into the report's HTTP request count).
    pub sent: u64,
}

/// One request. `browser` ones carry and take cookies; back-channel ones (token, userinfo,
/// introspection: the relying party's server talking) do not.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub form: Option<Vec<(String, String)>>,
    pub authorization: Option<&'a str>,
    pub browser: bool,
}

impl<'a> Request<'a> {
    pub fn get(url: &'a Url) -> Self {
        Self {
            method: Method::GET,
            url,
            form: None,
            authorization: None,
            browser: false,
        }
    }

    pub fn post(url: &'a Url, form: Vec<(String, String)>) -> Self {
        Self {
            method: Method::POST,
            form: Some(form),
            ..Self::get(url)
        }
    }

    pub fn authorization(mut self, value: Option<&'a str>) -> Self {
        self.authorization = value;
        self
    }

    pub fn browser(mut self) -> Self {
        self.browser = true;
        self
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Agent {
    /// The agent that reads discovery: any URL (discovery names the others).
    pub fn probe(timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(Self {
            http,
            jar: CookieJar::default(),
            origins: None,
            sent: 0,
        })
    }

    /// A virtual user on the same client: an empty cookie jar, limited to `origins`.
    pub fn user(&self, origins: Vec<Origin>) -> Self {
        Self {
            http: self.http.clone(),
            jar: CookieJar::default(),
            origins: Some(origins),
            sent: 0,
        }
    }

    pub async fn send(&mut self, request: Request<'_>) -> Result<Page, Failure> {
        let url = request.url;
        if let Some(origins) = &self.origins
            && !origins.contains(&url.origin())
        {
            return Err(Failure::ForeignUrl(url.to_string()));
        }
        let mut builder = self.http.request(request.method, url.clone()).header(
            USER_AGENT,
            concat!("sigil-bench/", env!("CARGO_PKG_VERSION")),
        );
        if request.browser
            && let Some(cookies) = self.jar.header(url)
        {
            builder = builder.header(COOKIE, cookies);
        }
        if let Some(value) = request.authorization {
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(form) = &request.form {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            builder = builder
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
        }
        self.sent += 1;
        let mut response = builder
            .send()
            .await
            .map_err(|e| Failure::from_reqwest(&e))?;
        let headers = response.headers();
        if request.browser {
            for value in headers.get_all(SET_COOKIE) {
                if let Ok(text) = value.to_str() {
                    self.jar.store(url, text);
                }
            }
        }
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Failure::from_reqwest(&e))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Failure::BadResponse(format!(
                    "{url} answered more than {MAX_BODY} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Page {
            status,
            location,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// How the client authenticates at the token and introspection endpoints (RFC 6749 §2.3.1,
/// OIDC Core §9): `client_secret_basic` when the OP lists it (or lists nothing, RFC 8414's
/// default), else `client_secret_post`; a client without a secret sends only its `client_id`.
pub enum ClientAuth {
    Basic {
        header: Zeroizing<String>,
    },
    Post {
        id: String,
        secret: Zeroizing<String>,
    },
    Public {
        id: String,
    },
}

impl ClientAuth {
    pub fn choose(
        methods: &[String],
        id: &str,
        secret: Option<&Zeroizing<String>>,
        endpoint: &str,
    ) -> anyhow::Result<Self> {
        let Some(secret) = secret else {
            return Ok(Self::Public { id: id.to_owned() });
        };
        let lists = |m: &str| methods.iter().any(|s| s == m);
        if lists("client_secret_basic") {
            // §2.3.1: each part form-urlencoded before base64.
            let encode =
                |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = Zeroizing::new(format!("{}:{}", encode(id), encode(secret)));
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
            return Ok(Self::Basic {
                header: Zeroizing::new(format!("Basic {encoded}")),
            });
        }
        if lists("client_secret_post") {
            return Ok(Self::Post {
                id: id.to_owned(),
                secret: secret.clone(),
            });
        }
        anyhow::bail!(
            "the {endpoint} takes neither client_secret_basic nor client_secret_post (discovery lists {methods:?})"
        )
    }

    /// Adds what goes in the body to `form`; the `Authorization` header, if any.
    pub fn apply(&self, form: &mut Vec<(String, String)>) -> Option<&str> {
        match self {
            Self::Basic { header } => Some(header.as_str()),
            Self::Post { id, secret } => {
                form.push(("client_id".into(), id.clone()));
                form.push(("client_secret".into(), secret.to_string()));
                None
            }
            Self::Public { id } => {
                form.push(("client_id".into(), id.clone()));
                None
            }
        }
    }
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self {
            Self::Basic { .. } => "client_secret_basic [redacted]",
            Self::Post { .. } => "client_secret_post [redacted]",
            Self::Public { .. } => "none",
        };
        f.write_str(method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn basic_when_listed_else_post_and_public_without_a_secret() {
        let secret = Zeroizing::new("s p:é".to_owned());
        let basic = ClientAuth::choose(
            &methods(&["client_secret_post", "client_secret_basic"]),
            "app:1",
            Some(&secret),
            "token endpoint",
        )
        .unwrap();
        let mut form = Vec::new();
        // RFC 6749 §2.3.1: "app%3A1:s+p%3A%C3%A9", base64.
        assert_eq!(
            basic.apply(&mut form),
            Some("Basic YXBwJTNBMTpzK3AlM0ElQzMlQTk=")
        );
        assert!(form.is_empty());
        let post = ClientAuth::choose(
            &methods(&["client_secret_post"]),
            "app",
            Some(&secret),
            "token endpoint",
        )
        .unwrap();
        assert_eq!(post.apply(&mut form), None);
        assert_eq!(
            form,
            [
                ("client_id".to_owned(), "app".to_owned()),
                ("client_secret".to_owned(), "s p:é".to_owned())
            ]
        );
        assert_eq!(format!("{post:?}"), "client_secret_post [redacted]");
        let public = ClientAuth::choose(&methods(&[]), "spa", None, "token endpoint").unwrap();
        let mut form = Vec::new();
        assert_eq!(public.apply(&mut form), None);
        assert_eq!(form, [("client_id".to_owned(), "spa".to_owned())]);
        let err = ClientAuth::choose(
            &methods(&["private_key_jwt"]),
            "app",
            Some(&secret),
            "token endpoint",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("neither client_secret_basic"),
            "{err}"
        );
    }
}
