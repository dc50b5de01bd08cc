//! The scenarios: what one iteration is, what each virtual user prepares before the run, and
//! what a response must be to count as good.
//!
//! | scenario | set-up (not measured) | one iteration |
//! |---|---|---|
//! | `discovery` | one probe | GET the discovery document; its `issuer` is the issuer |
//! | `jwks` | one probe | GET `jwks_uri`; a `keys` array |
//! | `client-credentials` | one probe | RFC 6749 §4.4; the access token verifies (if a JWT) |
//! | `introspect` | a client-credentials token | RFC 7662 with client auth; `"active": true` |
//! | `code-flow` | one probe | a fresh browser: authorize → login → consent → code → token |
//! | `sso-flow` | a login per user | authorize with the session → code → token |
//! | `refresh` | a code flow with `offline_access` per user | RFC 6749 §6, the newest refresh token kept |
//! | `userinfo` | a code flow per user | GET userinfo with the access token; the ID token's `sub` |

use aws_lc_rs::rand::SystemRandom;
use serde_json::Value;
use url::Url;

use super::agent::{Agent, ClientAuth, Request};
use super::config::Settings;
pub use super::config::{Inputs, Scenario};
use super::failure::Failure;
use super::flow::{self, FlowSettings, Login};
use super::grants::{self, Member as _};
use super::provider::Provider;
use super::tokens::TokenCheck;

/// What every virtual user shares: the provider, the checks, the endpoints and credentials
/// the scenario needs (each one checked present before anything runs).
#[derive(Debug)]
pub struct Shared {
    pub scenario: Scenario,
    pub provider: Provider,
    check: TokenCheck,
    rng: SystemRandom,
    settings: Settings,
}

/// Per virtual user, what its iterations start from.
#[derive(Debug)]
pub enum UserState {
    Stateless,
    /// `introspect`: the token to introspect.
    Introspect(String),
    /// `sso-flow`: the session lives in the agent's cookie jar.
    Session,
    /// `refresh`: the newest refresh token.
    Refresh(String),
    /// `userinfo`: the access token and the `sub` its answer must carry.
    Userinfo {
        access_token: String,
        sub: String,
    },
}

impl Shared {
    pub fn new(scenario: Scenario, provider: Provider, inputs: Inputs) -> anyhow::Result<Self> {
        let check = TokenCheck::new(
            &provider.issuer,
            &provider.keys,
            inputs.client_id.as_deref(),
        )?;
        let settings = Settings::new(scenario, &provider, inputs)?;
        Ok(Self {
            scenario,
            provider,
            check,
            rng: SystemRandom::new(),
            settings,
        })
    }

    /// The set-up shared by all users: a probe iteration, so that wrong credentials or a
    /// missing grant show as one line before the run; for `introspect`, the token.
    pub async fn global_setup(&self, agent: &mut Agent) -> Result<Option<String>, Failure> {
        match self.scenario {
            Scenario::Introspect => {
                let (endpoint, client) = self.token()?;
                let token = grants::client_credentials(
                    agent,
                    endpoint,
                    client,
                    &self.settings.cc_extra,
                    &self.check,
                )
                .await?;
                self.iterate(agent, &mut UserState::Introspect(token.clone()))
                    .await?;
                Ok(Some(token))
            }
            Scenario::Discovery
            | Scenario::Jwks
            | Scenario::ClientCredentials
            | Scenario::CodeFlow => {
                self.iterate(agent, &mut UserState::Stateless).await?;
                Ok(None)
            }
            Scenario::SsoFlow | Scenario::Refresh | Scenario::Userinfo => Ok(None),
        }
    }

    /// One user's set-up (not measured).
    pub async fn setup_user(
        &self,
        agent: &mut Agent,
        global: Option<&String>,
    ) -> Result<UserState, Failure> {
        match self.scenario {
            Scenario::Introspect => Ok(UserState::Introspect(global.cloned().unwrap_or_default())),
            Scenario::SsoFlow => {
                self.code_flow(agent, Login::Allowed, None).await?;
                Ok(UserState::Session)
            }
            Scenario::Refresh => {
                let tokens = self
                    .code_flow(agent, Login::Allowed, Some("consent"))
                    .await?;
                let refresh = tokens.refresh_token.ok_or_else(|| {
                    Failure::BadResponse(
                        "no refresh_token: the client needs the refresh_token grant and the offline_access scope".into(),
                    )
                })?;
                Ok(UserState::Refresh(refresh))
            }
            Scenario::Userinfo => {
                let tokens = self.code_flow(agent, Login::Allowed, None).await?;
                let sub = tokens
                    .id_claims
                    .as_ref()
                    .and_then(|c| c.get("sub"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| Failure::BadToken("the ID token has no sub".into()))?
                    .to_owned();
                Ok(UserState::Userinfo {
                    access_token: tokens.access_token,
                    sub,
                })
            }
            _ => Ok(UserState::Stateless),
        }
    }

    /// One measured iteration.
    pub async fn iterate(&self, agent: &mut Agent, state: &mut UserState) -> Result<(), Failure> {
        match (self.scenario, state) {
            (Scenario::Discovery, _) => {
                let page = agent.send(Request::get(&self.provider.discovery)).await?;
                let doc = grants::json_object(&page)?;
                if doc.get_str("issuer")? != self.provider.issuer {
                    return Err(Failure::BadResponse(
                        "the document names another issuer".into(),
                    ));
                }
                Ok(())
            }
            (Scenario::Jwks, _) => {
                let page = agent.send(Request::get(&self.provider.jwks_uri)).await?;
                let set = grants::json_object(&page)?;
                match set.get("keys") {
                    Some(Value::Array(keys)) if !keys.is_empty() => Ok(()),
                    _ => Err(Failure::BadResponse("no keys in the JWK Set".into())),
                }
            }
            (Scenario::ClientCredentials, _) => {
                let (endpoint, client) = self.token()?;
                grants::client_credentials(
                    agent,
                    endpoint,
                    client,
                    &self.settings.cc_extra,
                    &self.check,
                )
                .await?;
                Ok(())
            }
            (Scenario::Introspect, UserState::Introspect(token)) => {
                self.introspect(agent, token).await
            }
            (Scenario::CodeFlow, _) => {
                agent.jar.clear();
                self.code_flow(agent, Login::Allowed, None).await.map(drop)
            }
            (Scenario::SsoFlow, _) => self
                .code_flow(agent, Login::SessionExpected, None)
                .await
                .map(drop),
            (Scenario::Refresh, UserState::Refresh(refresh_token)) => {
                let (endpoint, client) = self.token()?;
                let tokens =
                    grants::refresh(agent, endpoint, client, refresh_token, &self.check).await?;
                // Rotation (RFC 9700 §4.14.2): the newest token is the one that works next.
                if let Some(next) = tokens.refresh_token {
                    *refresh_token = next;
                }
                Ok(())
            }
            (Scenario::Userinfo, UserState::Userinfo { access_token, sub }) => {
                self.userinfo(agent, access_token, sub).await
            }
            (scenario, state) => Err(Failure::Stuck(format!(
                "{} has no iteration from {state:?}",
                scenario.name()
            ))),
        }
    }

    fn token(&self) -> Result<(&Url, &ClientAuth), Failure> {
        self.settings
            .token
            .as_ref()
            .map(|(url, auth)| (url, auth))
            .ok_or_else(|| Failure::Stuck("no token endpoint".into()))
    }

    async fn code_flow(
        &self,
        agent: &mut Agent,
        login: Login,
        prompt: Option<&str>,
    ) -> Result<grants::Tokens, Failure> {
        let people = self
            .settings
            .people
            .as_ref()
            .ok_or_else(|| Failure::Stuck("not a flow scenario".into()))?;
        let settings = FlowSettings {
            provider: &self.provider,
            authorization_endpoint: &people.authorization_endpoint,
            client_id: &people.client_id,
            redirect_uri: &people.redirect_uri,
            scope: &people.scope,
            username: &people.username,
            password: &people.password,
        };
        let authorization = flow::authorize(agent, &settings, &self.rng, login, prompt).await?;
        let (endpoint, client) = self.token()?;
        let openid = people.scope.split(' ').any(|s| s == "openid");
        grants::redeem(
            agent,
            endpoint,
            client,
            &people.redirect_uri,
            &authorization,
            &self.check,
            openid,
        )
        .await
    }

    /// RFC 7662 §2.1–2.2.
    async fn introspect(&self, agent: &mut Agent, token: &str) -> Result<(), Failure> {
        let (endpoint, client) = self
            .settings
            .introspection
            .as_ref()
            .ok_or_else(|| Failure::Stuck("no introspection endpoint".into()))?;
        let mut form = vec![
            ("token".to_owned(), token.to_owned()),
            ("token_type_hint".to_owned(), "access_token".to_owned()),
        ];
        let authorization = client.apply(&mut form);
        let page = agent
            .send(Request::post(endpoint, form).authorization(authorization))
            .await?;
        let answer = grants::json_object(&page)?;
        match answer.get("active") {
            Some(Value::Bool(true)) => Ok(()),
            _ => Err(Failure::BadResponse("the token is not active".into())),
        }
    }

    /// OIDC Core §5.3: JSON, or a signed JWT (`application/jwt`), for the ID token's `sub`.
    async fn userinfo(
        &self,
        agent: &mut Agent,
        access_token: &str,
        sub: &str,
    ) -> Result<(), Failure> {
        let endpoint = self
            .settings
            .userinfo
            .as_ref()
            .ok_or_else(|| Failure::Stuck("no userinfo endpoint".into()))?;
        let bearer = format!("Bearer {access_token}");
        let page = agent
            .send(Request::get(endpoint).authorization(Some(&bearer)))
            .await?;
        let got = if page.status == 200 && page.content_type.starts_with("application/jwt") {
            let claims = self.check.id_token(page.body.trim(), None).await?;
            claims.get("sub").and_then(Value::as_str).map(str::to_owned)
        } else {
            grants::json_object(&page)?.get_str("sub").ok()
        };
        if got.as_deref() != Some(sub) {
            return Err(Failure::BadResponse(
                "the userinfo sub is not the ID token's".into(),
            ));
        }
        Ok(())
    }
}
