//! Client metadata as JSON (RFC 7591 §2, OIDC Dynamic Client Registration 1.0 §2): the
//! members of a registration request turned into a [`ClientSpec`] for the one client
//! validator, and a stored client turned back into the members a response echoes (§3.2.1).
//!
//! Members Sigil does not know are ignored (RFC 7591 §2: "MUST ignore"), except those that ask
//! for something Sigil cannot honour — encrypted ID tokens or userinfo, request URIs it would
//! have to fetch — which are refused rather than silently not done.

use serde_json::{Map, Value, json};
use sigil_store::{ClientRecord, ClientSettings};

use crate::provision::ClientSpec;

/// Why a registration request's metadata is refused: RFC 7591 §3.2.2's two codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    /// `invalid_redirect_uri`.
    RedirectUri(String),
    /// `invalid_client_metadata`, naming the member.
    Member(String),
}

/// The human-readable members that may come with `#language-tag` variants (RFC 7591 §2.2).
const LOCALIZABLE: [&str; 5] = [
    "client_name",
    "logo_uri",
    "policy_uri",
    "tos_uri",
    "client_uri",
];

/// Members whose meaning Sigil cannot provide: refused, never ignored.
const UNSUPPORTED: [&str; 7] = [
    "id_token_encrypted_response_alg",
    "id_token_encrypted_response_enc",
    "userinfo_encrypted_response_alg",
    "userinfo_encrypted_response_enc",
    "request_uris",
    "software_statement",
    "authorization_encrypted_response_alg",
];

/// Scopes a registered client may be granted when it asks for none.
pub const DEFAULT_SCOPE: &str = "openid profile email offline_access";

/// What a registration request asks for.
#[derive(Debug)]
pub struct Requested {
    /// The client, for the validator.
    pub spec: ClientSpec,
    /// `client_id`, when the request names one (RFC 7592 §2.2 update requests must).
    pub client_id: Option<String>,
    /// `client_secret`, when the request carries one (an update may echo it).
    pub client_secret: Option<String>,
}

struct Members<'a>(&'a Map<String, Value>);

impl Members<'_> {
    fn string(&self, name: &str) -> Result<Option<String>, MetadataError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(member(name, "must be a string")),
        }
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, MetadataError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(member(name, "must be an array of strings")),
                })
                .collect(),
            Some(_) => Err(member(name, "must be an array of strings")),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, MetadataError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(member(name, "must be true or false")),
        }
    }
}

/// The scopes a client that registered itself anonymously (the `open` policy) may ask for:
/// OpenID Connect's own. Scopes of the realm's APIs, and `client_credentials` (tokens with no
/// person behind them), are for clients an operator admitted: created with the CLI, or
/// registered with an initial access token.
pub const OPEN_REGISTRATION_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// What an anonymous registration may not ask for (see [`OPEN_REGISTRATION_SCOPES`]).
pub fn check_open_registration(requested: &Requested) -> Result<(), MetadataError> {
    if requested
        .spec
        .grant_types
        .iter()
        .any(|g| g == "client_credentials")
    {
        return Err(member(
            "grant_types",
            "client_credentials needs an initial access token in this realm",
        ));
    }
    if let Some(scope) = requested
        .spec
        .scopes
        .iter()
        .find(|s| !OPEN_REGISTRATION_SCOPES.contains(&s.as_str()))
    {
        return Err(member(
            "scope",
            &format!(
                "{:?} needs an initial access token in this realm; anyone may register for openid profile email address phone offline_access",
                crate::oauth::printable(scope)
            ),
        ));
    }
    Ok(())
}

fn member(name: &str, problem: &str) -> MetadataError {
    MetadataError::Member(format!("{name} {problem}"))
}

/// Parses a registration request's members (RFC 7591 §2 defaults: `authorization_code`,
/// `code`, `client_secret_basic`).
pub fn parse(members: &Map<String, Value>) -> Result<Requested, MetadataError> {
    if let Some(name) = UNSUPPORTED.iter().find(|name| members.contains_key(**name)) {
        return Err(member(name, "is not supported by this server"));
    }
    let m = Members(members);
    let redirect_uris = match members.get("redirect_uris") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(MetadataError::RedirectUri(
                    "redirect_uris must be an array of strings".into(),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(MetadataError::RedirectUri(
                "redirect_uris must be an array of strings".into(),
            ));
        }
    };
    let mut grant_types = m.strings("grant_types")?;
    if grant_types.is_empty() {
        grant_types.push("authorization_code".into());
    }
    let scope = m.string("scope")?;
    let scopes = scope
        .as_deref()
        .unwrap_or(DEFAULT_SCOPE)
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let default_max_age = match members.get("default_max_age") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .ok_or_else(|| member("default_max_age", "must be a number of seconds"))?,
        ),
    };
    let jwks = match members.get("jwks") {
        None | Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => Some(value.clone()),
        Some(_) => return Err(member("jwks", "must be a JWK Set object")),
    };
    let mut localized = std::collections::BTreeMap::new();
    for (name, value) in members {
        if let Some((base, _)) = name.split_once('#') {
            if !LOCALIZABLE.contains(&base) {
                continue;
            }
            let Value::String(text) = value else {
                return Err(member(name, "must be a string"));
            };
            localized.insert(name.clone(), text.clone());
        }
    }
    let settings = ClientSettings {
        post_logout_redirect_uris: m.strings("post_logout_redirect_uris")?,
        id_token_signed_response_alg: m.string("id_token_signed_response_alg")?,
        userinfo_signed_response_alg: m.string("userinfo_signed_response_alg")?,
        logo_uri: m.string("logo_uri")?,
        policy_uri: m.string("policy_uri")?,
        tos_uri: m.string("tos_uri")?,
        client_uri: m.string("client_uri")?,
        application_type: m.string("application_type")?,
        response_types: {
            let listed = m.strings("response_types")?;
            if listed.is_empty() && grant_types.iter().any(|g| g == "authorization_code") {
                vec!["code".to_owned()]
            } else {
                listed
            }
        },
        jwks,
        jwks_uri: m.string("jwks_uri")?,
        token_endpoint_auth_signing_alg: m.string("token_endpoint_auth_signing_alg")?,
        request_object_signing_alg: m.string("request_object_signing_alg")?,
        request_object_encryption_alg: m.string("request_object_encryption_alg")?,
        request_object_encryption_enc: m.string("request_object_encryption_enc")?,
        require_pushed_authorization_requests: m
            .boolean("require_pushed_authorization_requests")?,
        subject_type: m.string("subject_type")?,
        sector_identifier_uri: m.string("sector_identifier_uri")?,
        default_max_age,
        require_auth_time: m.boolean("require_auth_time")?,
        contacts: m.strings("contacts")?,
        localized,
        ..ClientSettings::default()
    };
    let name = m.string("client_name")?;
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        // Absent, the client_id names it; present, it must say something.
        return Err(member("client_name", "must not be empty"));
    }
    Ok(Requested {
        spec: ClientSpec {
            client_id: None,
            name: name.unwrap_or_default(),
            grant_types,
            redirect_uris,
            scopes,
            auth_method: Some(
                m.string("token_endpoint_auth_method")?
                    .unwrap_or_else(|| "client_secret_basic".to_owned()),
            ),
            audiences: Vec::new(),
            access_token_ttl_secs: None,
            signing_alg: None,
            settings,
        },
        client_id: m.string("client_id")?,
        client_secret: m.string("client_secret")?,
    })
}

/// The registered metadata of `client` (RFC 7591 §3.2.1), as stored; `subject_type` is the
/// one in effect (`default_subject_type` when it registered none).
pub fn echo(client: &ClientRecord, subject_type: &str) -> Map<String, Value> {
    let s = &client.settings;
    let mut out = Map::new();
    let mut put = |name: &str, value: Value| {
        if !value.is_null() {
            out.insert(name.to_owned(), value);
        }
    };
    put("client_id", json!(client.client_id));
    put("client_id_issued_at", json!(client.created_at));
    put("client_name", json!(client.name));
    put("redirect_uris", json!(client.redirect_uris));
    put("grant_types", json!(client.grant_types));
    put("response_types", json!(s.response_types));
    put("token_endpoint_auth_method", json!(client.auth_method));
    put("scope", json!(client.scopes.join(" ")));
    put(
        "application_type",
        json!(s.application_type.as_deref().unwrap_or("web")),
    );
    put("subject_type", json!(subject_type));
    put("sector_identifier_uri", json!(s.sector_identifier_uri));
    put(
        "post_logout_redirect_uris",
        json!(s.post_logout_redirect_uris),
    );
    put(
        "id_token_signed_response_alg",
        json!(s.id_token_signed_response_alg),
    );
    put(
        "userinfo_signed_response_alg",
        json!(s.userinfo_signed_response_alg),
    );
    put("logo_uri", json!(s.logo_uri));
    put("policy_uri", json!(s.policy_uri));
    put("tos_uri", json!(s.tos_uri));
    put("client_uri", json!(s.client_uri));
    put("jwks", s.jwks.clone().unwrap_or(Value::Null));
    put("jwks_uri", json!(s.jwks_uri));
    put(
        "token_endpoint_auth_signing_alg",
        json!(s.token_endpoint_auth_signing_alg),
    );
    put(
        "request_object_signing_alg",
        json!(s.request_object_signing_alg),
    );
    put(
        "request_object_encryption_alg",
        json!(s.request_object_encryption_alg),
    );
    put(
        "request_object_encryption_enc",
        json!(s.request_object_encryption_enc),
    );
    put("default_max_age", json!(s.default_max_age));
    put("require_auth_time", json!(s.require_auth_time));
    put(
        "require_pushed_authorization_requests",
        json!(s.require_pushed_authorization_requests),
    );
    if !s.contacts.is_empty() {
        put("contacts", json!(s.contacts));
    }
    for (name, value) in &s.localized {
        put(name, json!(value));
    }
    if client.secret_hash.is_some() {
        // RFC 7591 §3.2.1: 0 when the secret does not expire.
        put("client_secret_expires_at", json!(0));
    }
    out
}
