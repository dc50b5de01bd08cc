//! The OpenID Connect members of a client registration (OIDC Dynamic Client Registration 1.0
//! §2, RFC 7591 §2, RFC 9101, RFC 9126) and Sigil's per-client policies: checked once here,
//! for the CLI and dynamic registration alike. Every refusal names the member.

use std::collections::BTreeSet;

use sigil_jose::{Algorithm, PublicJwk};
use sigil_store::{ClientSettings, RealmSettings};
use url::Url;

use crate::ServerError;
use crate::clients::{RedirectUri, RedirectUriPolicy};
use crate::op::clients::SubjectType;

/// What the rest of the registration says, for the members that depend on it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Registration<'a> {
    /// `redirect_uris`, already checked.
    pub redirect_uris: &'a [String],
    /// `grant_types`, already checked.
    pub grant_types: &'a [String],
    /// `token_endpoint_auth_method`, already checked.
    pub auth_method: &'a str,
}

/// Key management algorithms Sigil decrypts request objects with (RFC 7518 §4.3, §4.6).
pub const REQUEST_OBJECT_ENCRYPTION_ALGS: [&str; 2] = ["RSA-OAEP-256", "ECDH-ES+A256KW"];
/// Content encryption of request objects (RFC 7518 §5.2, §5.3).
pub const REQUEST_OBJECT_ENCRYPTION_ENCS: [&str; 2] = ["A256GCM", "A128CBC-HS256"];
/// The human-readable members that may carry a `#language-tag` (RFC 7591 §2.2).
const LOCALIZABLE: [&str; 5] = [
    "client_name",
    "logo_uri",
    "policy_uri",
    "tos_uri",
    "client_uri",
];
/// At most this many contacts, keys in a `jwks`, localized members.
const MAX_LIST: usize = 20;
/// `default_max_age` beyond ten years would only overflow time arithmetic.
const MAX_AGE_LIMIT: u64 = 10 * 366 * 24 * 3600;

fn invalid(message: String) -> ServerError {
    ServerError::Invalid(message)
}

/// `settings` if every member is acceptable in a realm with `realm`'s keys, with the sector
/// identifier of pairwise subjects filled in (from `sector_identifier_uri`'s host, else the
/// one host of the redirect URIs). The `sector_identifier_uri` document itself is fetched and
/// checked by the caller (I/O does not belong here).
pub(super) fn validate(
    mut settings: ClientSettings,
    client: Registration<'_>,
    realm: &RealmSettings,
    redirect_policy: RedirectUriPolicy,
) -> Result<ClientSettings, ServerError> {
    for uri in &settings.post_logout_redirect_uris {
        // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs, matched the same way.
        RedirectUri::parse(uri, redirect_policy)
            .map_err(|e| invalid(format!("post_logout_redirect_uris: {e}")))?;
    }
    for (member, alg) in [
        (
            "id_token_signed_response_alg",
            &settings.id_token_signed_response_alg,
        ),
        (
            "userinfo_signed_response_alg",
            &settings.userinfo_signed_response_alg,
        ),
    ] {
        if let Some(alg) = alg {
            signing_alg(member, alg, realm)?;
        }
    }
    for (member, uri) in [
        ("logo_uri", &settings.logo_uri),
        ("policy_uri", &settings.policy_uri),
        ("tos_uri", &settings.tos_uri),
        ("client_uri", &settings.client_uri),
    ] {
        if let Some(uri) = uri {
            web_page(member, uri)?;
        }
    }
    localized(&settings)?;
    application_type(&settings, client)?;
    response_types(&settings, client)?;
    client_keys(&settings, client)?;
    request_objects(&settings, realm)?;
    if let Some(max_age) = settings.default_max_age
        && max_age > MAX_AGE_LIMIT
    {
        return Err(invalid(format!(
            "default_max_age {max_age} is more than ten years"
        )));
    }
    contacts(&settings.contacts)?;
    settings.sector_identifier = sector(&settings, client, realm, redirect_policy)?;
    Ok(settings)
}

/// OIDC Registration §2 `application_type`: `web` (the default) or `native`. A native client
/// redirects to a private-use scheme or to loopback over http (RFC 8252 §7.1, §7.3); a web
/// client, declared as such, only to http(s) URLs.
fn application_type(
    settings: &ClientSettings,
    client: Registration<'_>,
) -> Result<(), ServerError> {
    let Some(kind) = settings.application_type.as_deref() else {
        return Ok(());
    };
    let native = match kind {
        "web" => false,
        "native" => true,
        other => {
            return Err(invalid(format!(
                "application_type {other:?} is neither web nor native"
            )));
        }
    };
    for uri in client.redirect_uris {
        let Ok(url) = Url::parse(uri) else { continue };
        let web_scheme = matches!(url.scheme(), "https" | "http");
        let loopback = url.scheme() == "http" && is_loopback(&url);
        if native && web_scheme && !loopback {
            return Err(ServerError::Invalid(format!(
                "redirect_uris: {uri:?} is not for a native application_type (use a private-use scheme or http loopback)"
            )));
        }
        if !native && !web_scheme {
            return Err(invalid(format!(
                "redirect_uris: {uri:?} is not for a web application_type (https only)"
            )));
        }
    }
    Ok(())
}

/// RFC 7591 §2.1: `response_types` and `grant_types` agree — `code` exactly when
/// `authorization_code`. Sigil answers only `code` (no implicit or hybrid flows).
fn response_types(settings: &ClientSettings, client: Registration<'_>) -> Result<(), ServerError> {
    if let Some(other) = settings.response_types.iter().find(|r| *r != "code") {
        return Err(invalid(format!(
            "response_types: {other:?} is not supported (only \"code\")"
        )));
    }
    let code_grant = client.grant_types.iter().any(|g| g == "authorization_code");
    let code_response = settings.response_types.iter().any(|r| r == "code");
    if code_response && !code_grant {
        return Err(invalid(
            "response_types: \"code\" needs the authorization_code grant in grant_types".into(),
        ));
    }
    if code_grant && !settings.response_types.is_empty() && !code_response {
        return Err(invalid(
            "response_types: the authorization_code grant needs \"code\"".into(),
        ));
    }
    Ok(())
}

/// `jwks` xor `jwks_uri` (RFC 7591 §2); a `jwks` must be a JWK Set of public keys only, a
/// `jwks_uri` an https URL; `private_key_jwt` needs one of them (RFC 7523 §2.2).
fn client_keys(settings: &ClientSettings, client: Registration<'_>) -> Result<(), ServerError> {
    if settings.jwks.is_some() && settings.jwks_uri.is_some() {
        return Err(invalid(
            "jwks and jwks_uri are exclusive (RFC 7591 §2): register one".into(),
        ));
    }
    if let Some(jwks) = &settings.jwks {
        let keys = jwks
            .as_object()
            .and_then(|set| set.get("keys"))
            .and_then(|keys| keys.as_array())
            .ok_or_else(|| invalid("jwks must be a JWK Set: an object with a keys array".into()))?;
        if keys.is_empty() || keys.len() > MAX_LIST {
            return Err(invalid(format!(
                "jwks must hold 1 to {MAX_LIST} keys, not {}",
                keys.len()
            )));
        }
        for (i, key) in keys.iter().enumerate() {
            // Strict parsing refuses private members and symmetric keys.
            PublicJwk::from_value(key).map_err(|e| {
                invalid(format!(
                    "jwks: key {i} is not a public JWK Sigil accepts: {e}"
                ))
            })?;
        }
    }
    if let Some(uri) = &settings.jwks_uri {
        // Loopback http is registered in any deployment (a local key server, tests); whether
        // it is ever fetched is the server's `jwks_uri_policy` (https only in production).
        https_url("jwks_uri", uri, true)?;
    }
    if client.auth_method == "private_key_jwt"
        && settings.jwks.is_none()
        && settings.jwks_uri.is_none()
    {
        return Err(invalid(
            "token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri".into(),
        ));
    }
    if let Some(alg) = &settings.token_endpoint_auth_signing_alg {
        asymmetric("token_endpoint_auth_signing_alg", alg)?;
    }
    Ok(())
}

/// Request objects (RFC 9101, OIDC Core §6): a pinned asymmetric signing algorithm, and the
/// encryption Sigil can decrypt with a key the realm keeps; an `enc` needs its `alg` (OIDC
/// Registration §2).
fn request_objects(settings: &ClientSettings, realm: &RealmSettings) -> Result<(), ServerError> {
    if let Some(alg) = &settings.request_object_signing_alg {
        asymmetric("request_object_signing_alg", alg)?;
    }
    if let Some(alg) = &settings.request_object_encryption_alg
        && !REQUEST_OBJECT_ENCRYPTION_ALGS.contains(&alg.as_str())
    {
        return Err(invalid(format!(
            "request_object_encryption_alg {alg:?} is not one of {}",
            REQUEST_OBJECT_ENCRYPTION_ALGS.join(", ")
        )));
    }
    if let Some(alg) = &settings.request_object_encryption_alg
        && !realm.encryption_algs.contains(alg)
    {
        // Registered, such a client could send no request object at all: it must encrypt,
        // and there would be no key to encrypt to.
        return Err(invalid(format!(
            "request_object_encryption_alg: the realm keeps no {alg} key (`sigil realm update --encryption-alg` sets which it keeps)"
        )));
    }
    if let Some(enc) = &settings.request_object_encryption_enc {
        if settings.request_object_encryption_alg.is_none() {
            return Err(invalid(
                "request_object_encryption_enc needs request_object_encryption_alg".into(),
            ));
        }
        if !REQUEST_OBJECT_ENCRYPTION_ENCS.contains(&enc.as_str()) {
            return Err(invalid(format!(
                "request_object_encryption_enc {enc:?} is not one of {}",
                REQUEST_OBJECT_ENCRYPTION_ENCS.join(", ")
            )));
        }
    }
    Ok(())
}

/// An algorithm a client signs with and Sigil verifies: asymmetric JWS only, never `none`
/// or HMAC (the `Algorithm` type has neither).
fn asymmetric(member: &str, alg: &str) -> Result<(), ServerError> {
    alg.parse::<Algorithm>().map(|_| ()).map_err(|_| {
        invalid(format!(
            "{member} {alg:?} is not an asymmetric JWS algorithm Sigil verifies"
        ))
    })
}

/// `contacts` (RFC 7591 §2): a few addresses, each one printable token.
fn contacts(contacts: &[String]) -> Result<(), ServerError> {
    if contacts.len() > MAX_LIST {
        return Err(invalid(format!("contacts: at most {MAX_LIST}")));
    }
    for contact in contacts {
        if contact.is_empty()
            || contact.len() > 320
            || contact.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(format!(
                "contacts: {contact:?} is not an address (1 to 320 characters, no spaces)"
            )));
        }
    }
    Ok(())
}

/// `member#language-tag` variants (RFC 7591 §2.2) of the human-readable members, each checked
/// like the member itself.
fn localized(settings: &ClientSettings) -> Result<(), ServerError> {
    if settings.localized.len() > MAX_LIST {
        return Err(invalid(format!(
            "at most {MAX_LIST} language-tagged members"
        )));
    }
    for (key, value) in &settings.localized {
        let (member, tag) = key
            .split_once('#')
            .ok_or_else(|| invalid(format!("{key}: a localized member is member#language-tag")))?;
        if !LOCALIZABLE.contains(&member) {
            return Err(invalid(format!("{key}: {member} has no language variants")));
        }
        // BCP 47 (RFC 5646) in its ASCII alphabet: subtags of 1 to 8 letters and digits.
        if tag.is_empty()
            || tag.len() > 35
            || !tag
                .split('-')
                .all(|t| (1..=8).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(invalid(format!("{key}: {tag:?} is not a language tag")));
        }
        if member == "client_name" {
            client_name(key, value)?;
        } else {
            web_page(key, value)?;
        }
    }
    Ok(())
}

/// A name shown to people: 1 to 200 characters, no control characters.
pub(super) fn client_name(member: &str, name: &str) -> Result<(), ServerError> {
    if name.trim().is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{member}: 1 to 200 characters without control characters"
        )));
    }
    Ok(())
}

/// OIDC Core §8.1: the sector of pairwise subjects — `sector_identifier_uri`'s host, else the
/// host all redirect URIs share. A pairwise client (by its registration or the realm's
/// default) whose redirect URIs have several hosts must name a `sector_identifier_uri`.
fn sector(
    settings: &ClientSettings,
    client: Registration<'_>,
    realm: &RealmSettings,
    redirect_policy: RedirectUriPolicy,
) -> Result<Option<String>, ServerError> {
    let subject_type = match settings.subject_type.as_deref() {
        None => None,
        Some(value) => Some(SubjectType::parse(value).ok_or_else(|| {
            invalid(format!(
                "subject_type {value:?} is neither public nor pairwise"
            ))
        })?),
    };
    if let Some(uri) = &settings.sector_identifier_uri {
        // Fetched now, by this process: loopback http only where development allows it.
        let dev = redirect_policy == RedirectUriPolicy::Development;
        let url = https_url("sector_identifier_uri", uri, dev)?;
        return Ok(url.host_str().map(str::to_owned));
    }
    let redirects: Vec<Url> = client
        .redirect_uris
        .iter()
        .filter_map(|uri| Url::parse(uri).ok())
        .collect();
    // A loopback address or a private-use scheme is shared by unrelated native apps: as a
    // sector it would give them one `sub` for the same person. Such a client is a sector of
    // its own (`op::subject` then derives from its client_id), unless a
    // `sector_identifier_uri` groups it with others.
    if redirects
        .iter()
        .any(|url| url.host_str().is_none() || is_loopback(url))
    {
        return Ok(None);
    }
    let hosts: BTreeSet<String> = redirects
        .iter()
        .filter_map(|url| url.host_str().map(str::to_owned))
        .collect();
    let pairwise = subject_type.or_else(|| {
        realm
            .default_subject_type
            .as_deref()
            .and_then(SubjectType::parse)
    }) == Some(SubjectType::Pairwise);
    if pairwise && hosts.len() > 1 {
        return Err(invalid(
            "sector_identifier_uri is required for pairwise subjects when redirect_uris have several hosts (OIDC Core §8.1)".into(),
        ));
    }
    Ok(if hosts.len() == 1 {
        hosts.into_iter().next()
    } else {
        None
    })
}

fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"))
        || url
            .host_str()
            .and_then(|h| h.parse::<std::net::Ipv4Addr>().ok())
            .is_some_and(|ip| ip.is_loopback())
}

/// An https URL without credentials or fragment (http to loopback only when `loopback_http`:
/// what Sigil fetches must not be swapped on the path).
fn https_url(member: &str, uri: &str, loopback_http: bool) -> Result<Url, ServerError> {
    let url = absolute_https(member, uri, loopback_http)?;
    if url.fragment().is_some() {
        return Err(not_https(member, uri));
    }
    Ok(url)
}

/// An absolute https URL with a host and without credentials (http to loopback only when
/// `loopback_http`); fragments are the caller's to judge.
fn absolute_https(member: &str, uri: &str, loopback_http: bool) -> Result<Url, ServerError> {
    let url = Url::parse(uri).map_err(|_| not_https(member, uri))?;
    let allowed_http = loopback_http && url.scheme() == "http" && is_loopback(&url);
    if !(url.scheme() == "https" || allowed_http)
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(not_https(member, uri));
    }
    Ok(url)
}

fn not_https(member: &str, uri: &str) -> ServerError {
    invalid(format!("{member} {uri:?} must be an https URL"))
}

/// An algorithm the realm has a key for; `none` and HMAC are not algorithms here at all.
fn signing_alg(member: &str, alg: &str, realm: &RealmSettings) -> Result<(), ServerError> {
    let parsed: Algorithm = alg.parse().map_err(|_| {
        ServerError::Invalid(format!(
            "{member} {alg:?} is not an asymmetric JWS algorithm Sigil signs with"
        ))
    })?;
    if !realm.signing_algs.iter().any(|a| a == parsed.as_str()) {
        return Err(ServerError::Invalid(format!(
            "{member}: the realm has no {parsed} key; enable it with `sigil realm update --alg {parsed}`"
        )));
    }
    Ok(())
}

/// A page shown to people (logo, policy, terms): an absolute https URL (http only to
/// loopback, for development), without credentials.
fn web_page(member: &str, uri: &str) -> Result<(), ServerError> {
    absolute_https(member, uri, true).map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn none() -> Registration<'static> {
        Registration {
            redirect_uris: &[],
            grant_types: &[],
            auth_method: "client_secret_basic",
        }
    }

    fn realm() -> RealmSettings {
        RealmSettings {
            signing_algs: vec!["RS256".into(), "ES256".into()],
            ..RealmSettings::default()
        }
    }

    #[test]
    fn each_member_is_checked() {
        let ok = ClientSettings {
            post_logout_redirect_uris: vec!["https://app.example/bye".into()],
            id_token_signed_response_alg: Some("ES256".into()),
            userinfo_signed_response_alg: Some("RS256".into()),
            logo_uri: Some("https://app.example/logo.png".into()),
            policy_uri: Some("http://127.0.0.1:3000/policy".into()),
            ..ClientSettings::default()
        };
        assert!(validate(ok, none(), &realm(), RedirectUriPolicy::Production).is_ok());
        let refused = [
            ClientSettings {
                post_logout_redirect_uris: vec!["javascript:alert(1)".into()],
                ..ClientSettings::default()
            },
            ClientSettings {
                id_token_signed_response_alg: Some("none".into()),
                ..ClientSettings::default()
            },
            ClientSettings {
                id_token_signed_response_alg: Some("HS256".into()),
                ..ClientSettings::default()
            },
            ClientSettings {
                userinfo_signed_response_alg: Some("EdDSA".into()),
                ..ClientSettings::default()
            },
            ClientSettings {
                logo_uri: Some("data:image/png;base64,AAAA".into()),
                ..ClientSettings::default()
            },
            ClientSettings {
                tos_uri: Some("http://app.example/tos".into()),
                ..ClientSettings::default()
            },
            ClientSettings {
                client_uri: Some("https://user:pw@app.example/".into()),
                ..ClientSettings::default()
            },
        ];
        for settings in refused {
            let shown = format!("{settings:?}");
            assert!(
                validate(settings, none(), &realm(), RedirectUriPolicy::Production).is_err(),
                "{shown}"
            );
        }
    }
}
