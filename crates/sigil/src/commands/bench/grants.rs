//! The back channel: token endpoint requests (RFC 6749 §4.1.3, §4.4, §6) and their answers
//! (§5.1), checked before they count: status 200, a JSON object with an `access_token` and a
//! `token_type`, tokens that verify.

use serde_json::{Map, Value};
use url::Url;

use super::agent::{Agent, ClientAuth, Page, Request};
use super::failure::Failure;
use super::flow::Authorization;
use super::tokens::TokenCheck;

/// A successful token response.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The ID token's claims, when it came with one (verified).
    pub id_claims: Option<Map<String, Value>>,
}

/// POSTs `form` to the token endpoint with the client's authentication.
pub async fn request(
    agent: &mut Agent,
    endpoint: &Url,
    client: &ClientAuth,
    mut form: Vec<(String, String)>,
) -> Result<Page, Failure> {
    let authorization = client.apply(&mut form);
    agent
        .send(Request::post(endpoint, form).authorization(authorization))
        .await
}

/// §4.1.3: the code, with its PKCE verifier; for an `openid` request an ID token is
/// required and must carry the flow's `nonce`.
pub async fn redeem(
    agent: &mut Agent,
    endpoint: &Url,
    client: &ClientAuth,
    redirect_uri: &Url,
    authorization: &Authorization,
    check: &TokenCheck,
    openid: bool,
) -> Result<Tokens, Failure> {
    let form = vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), authorization.code.clone()),
        ("redirect_uri".into(), redirect_uri.to_string()),
        ("code_verifier".into(), authorization.verifier.clone()),
    ];
    let page = request(agent, endpoint, client, form).await?;
    let tokens = answer(&page)?;
    check_tokens(tokens, check, Some(&authorization.nonce), openid).await
}

/// §6: a refresh; the ID token, if any, is checked without a nonce (OIDC Core §12.2).
pub async fn refresh(
    agent: &mut Agent,
    endpoint: &Url,
    client: &ClientAuth,
    refresh_token: &str,
    check: &TokenCheck,
) -> Result<Tokens, Failure> {
    let form = vec![
        ("grant_type".into(), "refresh_token".into()),
        ("refresh_token".into(), refresh_token.to_owned()),
    ];
    let page = request(agent, endpoint, client, form).await?;
    let tokens = answer(&page)?;
    check_tokens(tokens, check, None, false).await
}

/// §4.4: client credentials, with the run's extra parameters (`scope`, `resource`).
pub async fn client_credentials(
    agent: &mut Agent,
    endpoint: &Url,
    client: &ClientAuth,
    extra: &[(String, String)],
    check: &TokenCheck,
) -> Result<String, Failure> {
    let mut form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
    form.extend_from_slice(extra);
    let page = request(agent, endpoint, client, form).await?;
    let tokens = answer(&page)?;
    check.access_token(&tokens.get_str("access_token")?).await?;
    tokens.get_str("access_token")
}

/// The JSON object of a 200 answer.
pub fn json_object(page: &Page) -> Result<Map<String, Value>, Failure> {
    if page.status != 200 {
        return Err(Failure::status(page.status, &page.body));
    }
    match serde_json::from_str::<Value>(&page.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::InvalidJson("not a JSON object".into())),
        Err(e) => Err(Failure::InvalidJson(e.to_string())),
    }
}

/// §5.1: `access_token` and `token_type` are required.
fn answer(page: &Page) -> Result<Map<String, Value>, Failure> {
    let map = json_object(page)?;
    map.get_str("access_token")?;
    map.get_str("token_type")?;
    Ok(map)
}

async fn check_tokens(
    map: Map<String, Value>,
    check: &TokenCheck,
    nonce: Option<&str>,
    id_token_required: bool,
) -> Result<Tokens, Failure> {
    let access_token = map.get_str("access_token")?;
    check.access_token(&access_token).await?;
    let id_claims = match map.get("id_token").and_then(Value::as_str) {
        Some(id_token) => Some(check.id_token(id_token, nonce).await?),
        None if id_token_required => {
            return Err(Failure::BadResponse(
                "no id_token in the answer to an openid request".into(),
            ));
        }
        None => None,
    };
    Ok(Tokens {
        access_token,
        refresh_token: map
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(str::to_owned),
        id_claims,
    })
}

/// A required string member.
pub trait Member {
    fn get_str(&self, name: &str) -> Result<String, Failure>;
}

impl Member for Map<String, Value> {
    fn get_str(&self, name: &str) -> Result<String, Failure> {
        self.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Failure::BadResponse(format!("no {name} string in the JSON")))
    }
}
