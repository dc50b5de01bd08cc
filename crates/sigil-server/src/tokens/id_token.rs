//! ID tokens (OIDC Core §2, §3.1.3.6) and the claims a person's granted scopes release (§5.4),
//! shared by the ID token and userinfo (§5.3), with the `claims` request parameter (§5.5).

use serde::Serialize;
use serde_json::{Map, Value};
use sigil_jose::{Algorithm, jwt};

use crate::oauth::OAuthError;
use crate::realms::RealmState;

/// The person a token is about, as the claims see them.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// `sub`.
    pub sub: &'a str,
    /// `preferred_username`.
    pub username: &'a str,
    /// `name`.
    pub name: Option<&'a str>,
    /// `given_name`.
    pub given_name: Option<&'a str>,
    /// `family_name`.
    pub family_name: Option<&'a str>,
    /// `email`.
    pub email: Option<&'a str>,
    /// `email_verified`.
    pub email_verified: bool,
    /// `updated_at`.
    pub updated_at: i64,
    /// The person's custom claims (released with `profile`).
    pub claims: &'a Map<String, Value>,
    /// `groups` (released with `profile`).
    pub groups: &'a [String],
}

/// Claims the `profile` scope releases (OIDC Core §5.4), of those Sigil keeps.
const PROFILE: [&str; 6] = [
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "updated_at",
    "groups",
];
/// Claims the `email` scope releases.
const EMAIL: [&str; 2] = ["email", "email_verified"];

/// Every claim about a person that Sigil can release (`claims_supported` in discovery,
/// with the token claims).
pub const PERSON_CLAIMS: [&str; 8] = [
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "updated_at",
    "groups",
    "email",
    "email_verified",
];

/// Where the claims go, for the `claims` request parameter (§5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The ID token.
    IdToken,
    /// The userinfo response.
    Userinfo,
}

impl Target {
    fn member(self) -> &'static str {
        match self {
            Self::IdToken => "id_token",
            Self::Userinfo => "userinfo",
        }
    }
}

/// The person's claims for `scopes`, plus those the `claims` request parameter (`claims`, the
/// JSON text of the authorization request's parameter) asks for in `target`. `sub` is always
/// there. A claim the person does not have is left out, never `null`.
pub fn person_claims(
    person: &Person<'_>,
    scopes: &[&str],
    claims: Option<&str>,
    target: Target,
) -> Map<String, Value> {
    let mut names: Vec<&str> = Vec::new();
    if scopes.contains(&"profile") {
        names.extend(PROFILE);
    }
    if scopes.contains(&"email") {
        names.extend(EMAIL);
    }
    let requested = claims
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|request| request.get(target.member()).cloned());
    if let Some(Value::Object(requested)) = &requested {
        names.extend(
            requested
                .keys()
                .filter_map(|k| PERSON_CLAIMS.iter().find(|c| **c == k.as_str()).copied()),
        );
    }
    let mut out = Map::new();
    out.insert("sub".into(), Value::from(person.sub));
    for name in names {
        if let Some(value) = claim(person, name) {
            out.insert(name.into(), value);
        }
    }
    if scopes.contains(&"profile") {
        for (name, value) in person.claims {
            out.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    out
}

fn claim(person: &Person<'_>, name: &str) -> Option<Value> {
    let text = |v: Option<&str>| v.map(Value::from);
    match name {
        "name" => text(person.name),
        "given_name" => text(person.given_name),
        "family_name" => text(person.family_name),
        "preferred_username" => Some(Value::from(person.username)),
        "updated_at" => Some(Value::from(person.updated_at)),
        "groups" => (!person.groups.is_empty()).then(|| Value::from(person.groups.to_vec())),
        "email" => text(person.email),
        "email_verified" => person.email.map(|_| Value::Bool(person.email_verified)),
        _ => None,
    }
}

/// `at_hash` (§3.1.3.6): the left half of the hash of the access token's ASCII, with the hash
/// of the ID token's `alg` (SHA-512 for EdDSA over Ed25519), base64url-encoded.
pub fn at_hash(alg: Algorithm, access_token: &str) -> String {
    use aws_lc_rs::digest;
    let algorithm = match alg {
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => &digest::SHA256,
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => &digest::SHA384,
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => &digest::SHA512,
    };
    let hash = digest::digest(algorithm, access_token.as_bytes());
    let bytes = hash.as_ref();
    sigil_jose::base64url::encode(&bytes[..bytes.len() / 2])
}

/// What an ID token says beyond the person's claims.
#[derive(Debug, Clone)]
pub struct IdTokenRequest<'a> {
    /// The client: `aud` and `azp`.
    pub client_id: &'a str,
    /// The person and their released claims (see [`person_claims`]).
    pub claims: Map<String, Value>,
    /// `nonce` from the authorization request.
    pub nonce: Option<&'a str>,
    /// When the person authenticated.
    pub auth_time: i64,
    /// How (`pwd`, …).
    pub amr: &'a [String],
    /// `acr`.
    pub acr: Option<&'a str>,
    /// The session (`sid`, for logout).
    pub sid: Option<&'a str>,
    /// The access token issued with it, for `at_hash`.
    pub access_token: Option<&'a str>,
    /// The algorithm to sign with.
    pub alg: Algorithm,
    /// Lifetime in seconds.
    pub ttl_secs: u64,
}

#[derive(Serialize)]
struct Registered<'a> {
    iss: &'a str,
    aud: &'a str,
    azp: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_hash: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
}

/// Signs an ID token for `request` at `now` with the realm's current key for its `alg`.
pub fn issue(
    realm: &RealmState,
    request: &IdTokenRequest<'_>,
    now: i64,
) -> Result<String, OAuthError> {
    let signer = realm.keys.signer(request.alg).ok_or_else(|| {
        OAuthError::server_error(format!(
            "realm {} has no current {} key for ID tokens",
            realm.name, request.alg
        ))
    })?;
    let registered = Registered {
        iss: &realm.issuer,
        aud: request.client_id,
        azp: request.client_id,
        exp: now.saturating_add_unsigned(request.ttl_secs),
        iat: now,
        auth_time: request.auth_time,
        nonce: request.nonce,
        at_hash: request.access_token.map(|t| at_hash(request.alg, t)),
        amr: request.amr,
        acr: request.acr,
        sid: request.sid,
    };
    // Registered claims win over anything of the person's with the same name.
    let mut claims = request.claims.clone();
    if let Ok(Value::Object(registered)) = serde_json::to_value(&registered) {
        claims.extend(registered);
    }
    jwt::sign(signer, Some(jwt::TYP_JWT), &Value::Object(claims))
        .map_err(|e| OAuthError::server_error(format!("signing an ID token failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice<'a>(claims: &'a Map<String, Value>, groups: &'a [String]) -> Person<'a> {
        Person {
            sub: "u-1",
            username: "alice",
            name: Some("Alice Liddell"),
            given_name: Some("Alice"),
            family_name: None,
            email: Some("alice@example.com"),
            email_verified: true,
            updated_at: 1_700_000_000,
            claims,
            groups,
        }
    }

    #[test]
    fn scopes_release_their_claims_and_only_those() {
        let custom = Map::from_iter([("plan".to_owned(), Value::from("pro"))]);
        let groups = vec!["admins".to_owned()];
        let person = alice(&custom, &groups);
        let only_openid = person_claims(&person, &["openid"], None, Target::IdToken);
        assert_eq!(
            Value::Object(only_openid),
            serde_json::json!({"sub": "u-1"})
        );
        let profile = person_claims(&person, &["openid", "profile"], None, Target::IdToken);
        assert_eq!(profile["name"], "Alice Liddell");
        assert_eq!(profile["preferred_username"], "alice");
        assert_eq!(profile["groups"], serde_json::json!(["admins"]));
        assert_eq!(profile["plan"], "pro");
        assert!(!profile.contains_key("family_name"), "absent, not null");
        assert!(!profile.contains_key("email"));
        let email = person_claims(&person, &["openid", "email"], None, Target::Userinfo);
        assert_eq!(email["email"], "alice@example.com");
        assert_eq!(email["email_verified"], true);
        assert!(!email.contains_key("name"));
    }

    #[test]
    fn the_claims_parameter_adds_claims_per_target() {
        let custom = Map::new();
        let person = alice(&custom, &[]);
        let request = r#"{"userinfo": {"email": null}, "id_token": {"name": {"essential": true}, "sub": null, "unknown": null}}"#;
        let id = person_claims(&person, &["openid"], Some(request), Target::IdToken);
        assert_eq!(id["name"], "Alice Liddell");
        assert!(!id.contains_key("email"));
        assert!(!id.contains_key("unknown"));
        let userinfo = person_claims(&person, &["openid"], Some(request), Target::Userinfo);
        assert_eq!(userinfo["email"], "alice@example.com");
        assert!(!userinfo.contains_key("name"));
        // Garbage is no request at all.
        let plain = person_claims(&person, &["openid"], Some("{not json"), Target::IdToken);
        assert_eq!(plain.len(), 1);
    }

    /// OIDC Core §A.3/§A.4's example is for RS256: `at_hash` of
    /// "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" is "77QmUPtjPfzWtF2AnpK9RQ".
    #[test]
    fn at_hash_matches_the_specification_example() {
        assert_eq!(
            at_hash(
                Algorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(at_hash(Algorithm::ES384, "x").len(), 32);
        assert_eq!(at_hash(Algorithm::EdDSA, "x").len(), 43);
    }
}
