//! The front channel of the authorization code flow (OIDC Core §3.1.2, RFC 6749 §4.1, PKCE
//! S256), driven the way a browser drives it: one request per hop, the user's cookie jar,
//! redirects followed within the OP's origins, and every HTML form on the way submitted with
//! its fields (the login form with the username and password, the consent form with its
//! approving button) — until the OP redirects to the `redirect_uri`, which is never fetched:
//! the code and `state` are read from the `Location` (or from a `form_post` form).

use aws_lc_rs::rand::SystemRandom;
use reqwest::Method;
use url::Url;

use super::agent::{Agent, Request};
use super::failure::Failure;
use super::form;
use super::provider::Provider;
use super::tokens::{random_token, s256};

/// A flow that needs more hops than this is going round in circles.
const MAX_HOPS: usize = 20;

/// What every flow of a run shares.
#[derive(Debug)]
pub struct FlowSettings<'a> {
    pub provider: &'a Provider,
    pub authorization_endpoint: &'a Url,
    pub client_id: &'a str,
    pub redirect_uri: &'a Url,
    pub scope: &'a str,
    pub username: &'a str,
    pub password: &'a str,
}

/// What the front channel yields: the code, and the secrets the back channel needs with it.
#[derive(Debug)]
pub struct Authorization {
    pub code: String,
    pub verifier: String,
    pub nonce: String,
}

/// Whether the OP may ask the user to sign in during this flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    Allowed,
    /// `sso-flow` after the first login: a login form means the session was lost.
    SessionExpected,
}

/// Runs the front channel once, with the agent's cookie jar as it is. `prompt` is sent when
/// given (the refresh scenario sends `consent` with `offline_access`, OIDC Core §11).
pub async fn authorize(
    agent: &mut Agent,
    settings: &FlowSettings<'_>,
    rng: &SystemRandom,
    login: Login,
    prompt: Option<&str>,
) -> Result<Authorization, Failure> {
    let state = random_token(rng)?;
    let nonce = random_token(rng)?;
    let verifier = random_token(rng)?;
    let mut url = settings.authorization_endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", settings.client_id)
            .append_pair("redirect_uri", settings.redirect_uri.as_str())
            .append_pair("scope", settings.scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &s256(&verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(prompt) = prompt {
            query.append_pair("prompt", prompt);
        }
    }
    let mut method = Method::GET;
    let mut body: Option<Vec<(String, String)>> = None;
    let mut logins = 0;
    for _ in 0..MAX_HOPS {
        let mut request = Request::get(&url).browser();
        request.method = method.clone();
        request.form = body.clone();
        let page = agent.send(request).await?;
        if (300..400).contains(&page.status) {
            let location = page.location.ok_or_else(|| {
                Failure::BadResponse(format!("HTTP {} without a Location", page.status))
            })?;
            let next = url
                .join(&location)
                .map_err(|e| Failure::BadResponse(format!("a Location that is not a URL ({e})")))?;
            if is_redirect_uri(&next, settings.redirect_uri) {
                let code = callback(
                    next.query_pairs().into_owned(),
                    &state,
                    &settings.provider.issuer,
                )?;
                return Ok(Authorization {
                    code,
                    verifier,
                    nonce,
                });
            }
            if !settings.provider.allows(&next) {
                return Err(Failure::ForeignUrl(next.to_string()));
            }
            // 307 and 308 repeat the request as it was (RFC 9110 §15.4); the others GET.
            if !matches!(page.status, 307 | 308) {
                method = Method::GET;
                body = None;
            }
            url = next;
            continue;
        }
        if page.status != 200 {
            return Err(Failure::status(page.status, &page.body));
        }
        let forms = form::forms(&page.body);
        // The login form if the page has one, else its first POST form, else its first.
        let Some(form) = forms
            .iter()
            .find(|f| f.asks_password())
            .or_else(|| forms.iter().find(|f| f.method == "post"))
            .or_else(|| forms.first())
        else {
            return Err(Failure::Stuck(format!(
                "{} answered a page with neither a form nor a redirect",
                strip_query(&url)
            )));
        };
        if form.asks_password() {
            if logins > 0 {
                return Err(Failure::LoginRefused);
            }
            if login == Login::SessionExpected {
                return Err(Failure::Stuck(
                    "the OP asked for a login again: the session was not kept".into(),
                ));
            }
            logins += 1;
        }
        let entries = form.entries(settings.username, settings.password);
        let action = match &form.action {
            Some(action) if !action.is_empty() => url.join(action).map_err(|e| {
                Failure::BadResponse(format!("a form action that is not a URL ({e})"))
            })?,
            _ => url.clone(),
        };
        if is_redirect_uri(&action, settings.redirect_uri) {
            // response_mode=form_post (OAuth 2.0 Form Post Response Mode §2): the answer is
            // the form's fields.
            let code = callback(entries, &state, &settings.provider.issuer)?;
            return Ok(Authorization {
                code,
                verifier,
                nonce,
            });
        }
        if form.method == "post" {
            method = Method::POST;
            body = Some(entries);
            url = action;
        } else {
            method = Method::GET;
            body = None;
            url = action;
            url.query_pairs_mut().clear().extend_pairs(&entries);
        }
    }
    Err(Failure::Stuck(format!(
        "more than {MAX_HOPS} hops without reaching the redirect_uri"
    )))
}

/// The same endpoint: scheme, host, port and path (the query is the response's).
fn is_redirect_uri(url: &Url, redirect_uri: &Url) -> bool {
    url.origin() == redirect_uri.origin() && url.path() == redirect_uri.path()
}

fn strip_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

/// RFC 6749 §4.1.2 (and §4.1.2.1 errors), RFC 9207 `iss`: the code, if the answer is for this
/// request.
fn callback(
    params: impl IntoIterator<Item = (String, String)>,
    state: &str,
    issuer: &str,
) -> Result<String, Failure> {
    let (mut code, mut got_state, mut iss, mut error, mut description) =
        (None, None, None, None, None);
    for (name, value) in params {
        match name.as_str() {
            "code" => code = Some(value),
            "state" => got_state = Some(value),
            "iss" => iss = Some(value),
            "error" => error = Some(value),
            "error_description" => description = Some(value),
            _ => {}
        }
    }
    if let Some(error) = error {
        return Err(Failure::AuthorizationError(match description {
            Some(d) => format!("{error} ({d})"),
            None => error,
        }));
    }
    if got_state.as_deref() != Some(state) {
        return Err(Failure::StateMismatch);
    }
    if iss.is_some_and(|iss| iss != issuer) {
        return Err(Failure::IssMismatch);
    }
    code.filter(|c| !c.is_empty())
        .ok_or_else(|| Failure::BadResponse("the redirect carries no code".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_code_counts_only_with_its_state_and_issuer() {
        let iss = "https://op.example";
        let ok = params(&[("code", "c"), ("state", "s"), ("iss", iss)]);
        assert_eq!(callback(ok, "s", iss), Ok("c".to_owned()));
        let cases = [
            (
                params(&[("code", "c"), ("state", "t")]),
                Failure::StateMismatch,
            ),
            (params(&[("code", "c")]), Failure::StateMismatch),
            (
                params(&[
                    ("code", "c"),
                    ("state", "s"),
                    ("iss", "https://evil.example"),
                ]),
                Failure::IssMismatch,
            ),
            (
                params(&[("error", "access_denied"), ("state", "s")]),
                Failure::AuthorizationError("access_denied".into()),
            ),
            (
                params(&[("state", "s")]),
                Failure::BadResponse("the redirect carries no code".into()),
            ),
        ];
        for (input, failure) in cases {
            assert_eq!(callback(input, "s", iss), Err(failure));
        }
        let cb = Url::parse("http://127.0.0.1/cb").unwrap();
        assert!(is_redirect_uri(
            &Url::parse("http://127.0.0.1:80/cb?code=1").unwrap(),
            &cb
        ));
        assert!(!is_redirect_uri(
            &Url::parse("http://127.0.0.1:81/cb").unwrap(),
            &cb
        ));
        assert!(!is_redirect_uri(
            &Url::parse("http://127.0.0.1/cb/x").unwrap(),
            &cb
        ));
    }
}
