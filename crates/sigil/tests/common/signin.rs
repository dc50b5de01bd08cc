//! A person's browser, as far as Sigil's sign-in pages need one, for tests that drive a
//! running `sigil serve`: it keeps cookies, follows nothing by itself, and fills the login
//! and consent forms it is shown. Requests can be sent to any node: cookies are kept per
//! host, as browsers do (not per port), so nodes behind one name share them.

use std::collections::{BTreeMap, HashMap};

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, String>,
}

/// One response, read whole.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser that follows no redirect by itself.
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let request = self.http.get(url);
        self.send(request).await
    }

    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(url).form(form);
        self.send(request).await
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Page {
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if text.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    /// Starts an authorization request at `node` (a base URL) for `client_id`, and submits
    /// the login form with `password`: the page that answers the login (a consent form, a
    /// redirect with the code, or the login form again with an error).
    pub async fn sign_in(
        &mut self,
        node: &str,
        client_id: &str,
        redirect_uri: &str,
        username: &str,
        password: &str,
    ) -> Page {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid offline_access")
            .append_pair("state", "st")
            .append_pair("nonce", "n")
            .append_pair("prompt", "consent")
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256")
            .finish();
        let login = self.get(&format!("{node}/authorize?{query}")).await;
        assert!(login.is_login_form(), "{} {}", login.status, login.body);
        let action = on_node(node, &login.action());
        let csrf = login.field("csrf").unwrap();
        let interaction = login.field("interaction").unwrap();
        let form = [
            ("csrf", csrf.as_str()),
            ("interaction", interaction.as_str()),
            ("username", username),
            ("password", password),
        ];
        self.post(&action, &form).await
    }

    /// [`Self::sign_in`], then consent if asked: the authorization code.
    pub async fn code(
        &mut self,
        node: &str,
        client_id: &str,
        redirect_uri: &str,
        username: &str,
        password: &str,
    ) -> String {
        let mut page = self
            .sign_in(node, client_id, redirect_uri, username, password)
            .await;
        if page.is_consent_form() {
            let action = on_node(node, &page.action());
            let csrf = page.field("csrf").unwrap();
            let interaction = page.field("interaction").unwrap();
            let form = [
                ("csrf", csrf.as_str()),
                ("interaction", interaction.as_str()),
                ("decision", "approve"),
            ];
            page = self.post(&action, &form).await;
        }
        assert_eq!(page.status, 303, "{}", page.body);
        let params = page.redirect_params();
        assert_eq!(params.get("state").map(String::as_str), Some("st"));
        params["code"].clone()
    }
}

/// `url` with its origin replaced by `node`'s: forms name the shared issuer, and a test
/// chooses which node gets each request.
pub fn on_node(node: &str, url: &str) -> String {
    let path = url
        .find("://")
        .and_then(|scheme| url[scheme + 3..].find('/').map(|p| &url[scheme + 3 + p..]))
        .unwrap_or(url);
    format!("{node}{path}")
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

    /// The parameters of the redirect's query.
    pub fn redirect_params(&self) -> HashMap<String, String> {
        let location = self.headers["location"].to_str().unwrap();
        let (_, query) = location.split_once('?').unwrap();
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    pub fn is_login_form(&self) -> bool {
        self.status == 200 && self.body.contains("name=\"password\"")
    }

    pub fn is_consent_form(&self) -> bool {
        self.status == 200 && self.body.contains("name=\"decision\"")
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
