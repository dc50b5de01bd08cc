//! From the command line to what a scenario needs, checked once before anything is sent:
//! the endpoints (from discovery), the client's authentication at each, the sign-in inputs
//! of the flows, and the extra token parameters. A missing piece is one line naming it.

use anyhow::{Context as _, bail};
use url::Url;
use zeroize::Zeroizing;

use super::agent::ClientAuth;
use super::provider::{Endpoint, Provider};

/// What one iteration is; the table in `scenarios` says what each does and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    Discovery,
    Jwks,
    ClientCredentials,
    Introspect,
    CodeFlow,
    SsoFlow,
    Refresh,
    Userinfo,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::ClientCredentials => "client-credentials",
            Self::Introspect => "introspect",
            Self::CodeFlow => "code-flow",
            Self::SsoFlow => "sso-flow",
            Self::Refresh => "refresh",
            Self::Userinfo => "userinfo",
        }
    }

    /// Whether it signs a person in through the OP's pages.
    pub fn is_flow(self) -> bool {
        matches!(
            self,
            Self::CodeFlow | Self::SsoFlow | Self::Refresh | Self::Userinfo
        )
    }
}

/// What the command line gave, secrets included.
#[derive(Debug, Default)]
pub struct Inputs {
    pub client_id: Option<String>,
    pub client_secret: Option<Zeroizing<String>>,
    pub username: Option<String>,
    pub password: Option<Zeroizing<String>>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub resource: Option<String>,
}

/// The sign-in part of a flow scenario.
#[derive(Debug)]
pub struct People {
    pub authorization_endpoint: Url,
    pub client_id: String,
    pub redirect_uri: Url,
    pub scope: String,
    pub username: String,
    pub password: Zeroizing<String>,
}

/// What a scenario runs with, valid by construction.
#[derive(Debug)]
pub struct Settings {
    pub token: Option<(Url, ClientAuth)>,
    pub introspection: Option<(Url, ClientAuth)>,
    pub userinfo: Option<Url>,
    pub people: Option<People>,
    /// `scope` and `resource` for client credentials.
    pub cc_extra: Vec<(String, String)>,
}

impl Settings {
    pub fn new(scenario: Scenario, provider: &Provider, inputs: Inputs) -> anyhow::Result<Self> {
        let name = scenario.name();
        let needs = |what: &str| format!("the {name} scenario needs {what}");
        let uses_token = !matches!(scenario, Scenario::Discovery | Scenario::Jwks);
        let mut token = None;
        let mut introspection = None;
        if uses_token {
            let id = inputs
                .client_id
                .as_deref()
                .with_context(|| needs("--client-id"))?;
            let secret = inputs.client_secret.as_ref();
            if secret.is_none()
                && matches!(scenario, Scenario::ClientCredentials | Scenario::Introspect)
            {
                bail!(needs("the client secret (--client-secret-stdin)"));
            }
            let endpoint = provider.endpoint(Endpoint::Token, name)?.clone();
            let auth =
                ClientAuth::choose(&provider.token_auth_methods, id, secret, "token endpoint")?;
            token = Some((endpoint, auth));
            if scenario == Scenario::Introspect {
                let endpoint = provider.endpoint(Endpoint::Introspection, name)?.clone();
                let auth = ClientAuth::choose(
                    &provider.introspection_auth_methods,
                    id,
                    secret,
                    "introspection endpoint",
                )?;
                introspection = Some((endpoint, auth));
            }
        }
        let userinfo = match scenario {
            Scenario::Userinfo => Some(provider.endpoint(Endpoint::Userinfo, name)?.clone()),
            _ => None,
        };
        let people = if scenario.is_flow() {
            let redirect = inputs
                .redirect_uri
                .as_deref()
                .with_context(|| needs("--redirect-uri"))?;
            let redirect_uri = Url::parse(redirect)
                .with_context(|| format!("invalid --redirect-uri {redirect:?}"))?;
            let mut scope = inputs.scope.clone().unwrap_or_else(|| "openid".to_owned());
            if scenario == Scenario::Refresh && !scope.split(' ').any(|s| s == "offline_access") {
                scope.push_str(" offline_access");
            }
            if !scope.split(' ').any(|s| s == "openid") && scenario == Scenario::Userinfo {
                bail!(
                    "the userinfo scenario needs the openid scope (its answer is checked against the ID token's sub)"
                );
            }
            Some(People {
                authorization_endpoint: provider.endpoint(Endpoint::Authorization, name)?.clone(),
                client_id: inputs
                    .client_id
                    .clone()
                    .with_context(|| needs("--client-id"))?,
                redirect_uri,
                scope,
                username: inputs
                    .username
                    .clone()
                    .with_context(|| needs("--username"))?,
                password: inputs
                    .password
                    .clone()
                    .with_context(|| needs("the password (--password-stdin)"))?,
            })
        } else {
            None
        };
        let mut cc_extra = Vec::new();
        if !scenario.is_flow()
            && let Some(scope) = &inputs.scope
        {
            cc_extra.push(("scope".to_owned(), scope.clone()));
        }
        if let Some(resource) = &inputs.resource {
            cc_extra.push(("resource".to_owned(), resource.clone()));
        }
        Ok(Self {
            token,
            introspection,
            userinfo,
            people,
            cc_extra,
        })
    }
}
