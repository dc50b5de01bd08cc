//! OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 metadata, generated from the route table
//! and what the realm can do. Built once per realm version (by `realms::state`) and served as
//! bytes by `endpoints::discovery`; here so that building a realm needs no HTTP module.

use bytes::Bytes;
use serde_json::{Map, Value, json};
use sigil_jose::Algorithm;

use super::clients::{SubjectType, TokenEndpointAuthMethod};
use super::grants::Grant;
use sigil_store::RealmSettings;

use crate::keys::RealmKeys;
use crate::keys::request_object::REQUEST_OBJECT_ENCS;
use crate::routes::{ROUTES, url};
use crate::tokens::id_token::PERSON_CLAIMS;

/// Claims of the ID token beyond the person's (OIDC Core §2), for `claims_supported`.
const TOKEN_CLAIMS: [&str; 11] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "azp",
    "at_hash",
    "amr",
    "sid",
];

/// The OpenID and the OAuth metadata documents of a realm.
pub fn documents(issuer: &str, keys: &RealmKeys, settings: &RealmSettings) -> (Bytes, Bytes) {
    let oauth = oauth_metadata(issuer, keys, settings);
    let mut openid = oauth.clone();
    let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
    let subject_types: Vec<&str> = SubjectType::SUPPORTED
        .into_iter()
        .map(SubjectType::as_str)
        .collect();
    openid.insert("subject_types_supported".into(), json!(subject_types));
    openid.insert("id_token_signing_alg_values_supported".into(), json!(algs));
    openid.insert("userinfo_signing_alg_values_supported".into(), json!(algs));
    let mut claims: Vec<&str> = TOKEN_CLAIMS.to_vec();
    claims.extend(PERSON_CLAIMS);
    openid.insert("claims_supported".into(), json!(claims));
    openid.insert("claims_parameter_supported".into(), json!(true));
    // RFC 9101 signed request objects, verified with the client's keys (never `none`).
    openid.insert("request_parameter_supported".into(), json!(true));
    let client_algs: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
    openid.insert(
        "request_object_signing_alg_values_supported".into(),
        json!(client_algs),
    );
    openid.insert("request_uri_parameter_supported".into(), json!(false));
    insert_request_object_encryption(&mut openid, keys);
    (
        Bytes::from(Value::Object(openid).to_string()),
        Bytes::from(Value::Object(oauth).to_string()),
    )
}

/// OIDC Discovery §3's `request_object_encryption_{alg,enc}_values_supported`: the key
/// management algorithms of the realm's published decryption keys, and the content
/// encryption it accepts; absent when the realm holds no decryption key.
fn insert_request_object_encryption(openid: &mut Map<String, Value>, keys: &RealmKeys) {
    let algs: Vec<&str> = keys.encryption_algs().iter().map(|a| a.as_str()).collect();
    if algs.is_empty() {
        return;
    }
    let encs: Vec<&str> = REQUEST_OBJECT_ENCS.iter().map(|e| e.as_str()).collect();
    openid.insert(
        "request_object_encryption_alg_values_supported".into(),
        json!(algs),
    );
    openid.insert(
        "request_object_encryption_enc_values_supported".into(),
        json!(encs),
    );
}

/// RFC 8414 §2 members, from what is registered: an endpoint member for every row of the
/// route table, `grant_types_supported` from the token endpoint's grants, and each
/// endpoint's client authentication methods from the one list of them.
fn oauth_metadata(issuer: &str, keys: &RealmKeys, settings: &RealmSettings) -> Map<String, Value> {
    let mut members = Map::new();
    members.insert("issuer".into(), json!(issuer));
    for route in ROUTES {
        if let Some(member) = route.metadata {
            members.insert(member.into(), json!(url(issuer, route.endpoint)));
        }
    }
    let algs: Vec<&str> = keys.signing_algs().iter().map(|a| a.as_str()).collect();
    let client_algs: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
    let grants: Vec<&str> = Grant::ALL.into_iter().map(Grant::as_str).collect();
    let names = |methods: &mut dyn Iterator<Item = TokenEndpointAuthMethod>| -> Vec<&str> {
        methods.map(TokenEndpointAuthMethod::as_str).collect()
    };
    let confidential = names(&mut TokenEndpointAuthMethod::confidential());
    let all = names(&mut TokenEndpointAuthMethod::ALL.into_iter());
    let more = json!({
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": grants,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": Grant::token_endpoint_auth_methods()
            .map(TokenEndpointAuthMethod::as_str)
            .collect::<Vec<_>>(),
        // RFC 7662 §2.1: the caller must be authorized; public clients cannot be.
        "introspection_endpoint_auth_methods_supported": confidential,
        // RFC 7009 §2.1: a public client may revoke its own tokens with its client_id.
        "revocation_endpoint_auth_methods_supported": all,
        // private_key_jwt assertions (RFC 8414 §2): every asymmetric algorithm, each key
        // pinned to what fits it; never `none`, never HMAC.
        "token_endpoint_auth_signing_alg_values_supported": client_algs,
        "introspection_endpoint_auth_signing_alg_values_supported": client_algs,
        "revocation_endpoint_auth_signing_alg_values_supported": client_algs,
        "access_token_signing_alg_values_supported": algs,
        "authorization_response_iss_parameter_supported": true,
        // RFC 9126 §5.
        "require_pushed_authorization_requests": settings.require_pushed_authorization_requests,
    });
    if let Value::Object(more) = more {
        members.extend(more);
    }
    members
}
