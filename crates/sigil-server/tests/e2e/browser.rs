//! A person's browser, as far as the sign-in pages need one: it keeps the cookies the server
//! sets (and what their `Set-Cookie` said, to check the attributes), follows nothing by
//! itself, and reads the hidden fields of the forms it is shown.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use sigil_server::provision::{ClientSpec, UserSpec};
use sigil_server::users::Password;
use sigil_store::{ClientSettings, RealmName};

use crate::support::TestServer;

pub const REDIRECT: &str = "https://app.example/cb";
pub const PASSWORD: &str = "correct-horse-battery";

pub struct Browser {
    http: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
    /// Every `Set-Cookie` received, as sent.
    pub set_cookies: Mutex<Vec<String>>,
}

/// One response, read whole.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Browser {
    pub fn new() -> Self {
        Self::from_address("127.0.0.1".parse().unwrap())
    }

    /// A browser whose connections come from `address` (any of 127.0.0.0/8 on loopback).
    pub fn from_address(address: std::net::IpAddr) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(address)
                .build()
                .unwrap(),
            jar: Mutex::default(),
            set_cookies: Mutex::default(),
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        let request = self.http.get(url);
        self.send(request).await
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(url).form(form);
        self.send(request).await
    }

    /// The cookie `name`, if the browser holds it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub fn forget_cookie(&self, name: &str) {
        self.jar.lock().unwrap().remove(name);
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Page {
        let cookies: Vec<String> = self
            .jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookies.is_empty() {
            request = request.header("cookie", cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap().to_owned();
            let (pair, _) = text.split_once(';').unwrap_or((&text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.jar.lock().unwrap();
            if text.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookies.lock().unwrap().push(text);
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }
}

impl Page {
    /// The value of the hidden (or text) input `name` in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// The `action` of the page's (first) form.
    pub fn action(&self) -> String {
        let marker = "action=\"";
        let start = self.body.find(marker).unwrap() + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        unescape(&self.body[start..end])
    }

    pub fn location(&self) -> String {
        self.headers["location"].to_str().unwrap().to_owned()
    }

    /// The parameters of the redirect's query.
    pub fn redirect_params(&self) -> HashMap<String, String> {
        let location = self.location();
        let (_, query) = location.split_once('?').unwrap();
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The body with HTML character references decoded (minijinja escapes `/` too).
    pub fn text(&self) -> String {
        unescape(&self.body)
    }

    pub fn is_login_form(&self) -> bool {
        self.status == 200 && self.body.contains("name=\"password\"")
    }

    pub fn is_consent_form(&self) -> bool {
        self.status == 200 && self.body.contains("name=\"decision\"")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A server with: a public client `web` (PKCE required, consent asked), a confidential
/// client `portal` (first party: no consent), both for `openid profile email api:read`, and
/// the user `alice`.
pub async fn people_server() -> TestServer {
    let server = TestServer::start().await;
    add_clients(&server, "default").await;
    add_user(&server, "default", "alice", None).await;
    server
}

pub async fn add_clients(server: &TestServer, realm: &str) {
    let scopes: Vec<String> = ["openid", "profile", "email", "api:read"]
        .map(String::from)
        .to_vec();
    server
        .client_with(
            realm,
            ClientSpec {
                client_id: Some("web".into()),
                name: "Web App".into(),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec![REDIRECT.into()],
                scopes: scopes.clone(),
                auth_method: Some("none".into()),
                settings: ClientSettings {
                    policy_uri: Some("https://app.example/privacy".into()),
                    tos_uri: Some("https://app.example/terms".into()),
                    logo_uri: Some("https://app.example/logo.png".into()),
                    ..ClientSettings::default()
                },
                ..ClientSpec::default()
            },
        )
        .await;
    server
        .client_with(
            realm,
            ClientSpec {
                client_id: Some("portal".into()),
                name: "Portal".into(),
                grant_types: vec!["authorization_code".into()],
                redirect_uris: vec![REDIRECT.into()],
                scopes,
                settings: ClientSettings {
                    first_party: true,
                    ..ClientSettings::default()
                },
                ..ClientSpec::default()
            },
        )
        .await;
}

pub async fn add_user(
    server: &TestServer,
    realm: &str,
    username: &str,
    allowed_scopes: Option<Vec<String>>,
) -> String {
    server
        .provisioner
        .create_user_with(
            &RealmName::new(realm).unwrap(),
            UserSpec {
                username: username.into(),
                password: Some(Password::new(PASSWORD.into()).unwrap()),
                allowed_scopes,
                ..UserSpec::default()
            },
        )
        .await
        .unwrap()
        .id
}

/// An authorization URL of `server`'s default realm for `client` with `extra` parameters
/// (and `response_type=code`, the registered redirect, `state=st`).
pub fn authorize_url(server: &TestServer, client: &str, extra: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", REDIRECT),
        ("state", "st"),
    ]);
    query.extend_pairs(extra);
    format!("{}?{}", server.url("/authorize"), query.finish())
}

/// The PKCE verifier of [`challenge`].
pub const VERIFIER: &str = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv";

/// The S256 challenge of [`VERIFIER`] (RFC 7636 §4.2).
pub fn challenge() -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, VERIFIER.as_bytes());
    sigil_jose::base64url::encode(digest.as_ref())
}

/// Submits the login form on `page` as `username` with `password`.
pub async fn submit_login(browser: &Browser, page: &Page, username: &str, password: &str) -> Page {
    assert!(page.is_login_form(), "{}: {}", page.status, page.body);
    browser
        .post(
            &page.action(),
            &[
                ("csrf", &page.field("csrf").unwrap()),
                ("interaction", &page.field("interaction").unwrap()),
                ("username", username),
                ("password", password),
            ],
        )
        .await
}

/// Submits the consent form on `page` with `decision`.
pub async fn submit_consent(browser: &Browser, page: &Page, decision: &str) -> Page {
    assert!(page.is_consent_form(), "{}: {}", page.status, page.body);
    browser
        .post(
            &page.action(),
            &[
                ("csrf", &page.field("csrf").unwrap()),
                ("interaction", &page.field("interaction").unwrap()),
                ("decision", decision),
            ],
        )
        .await
}
