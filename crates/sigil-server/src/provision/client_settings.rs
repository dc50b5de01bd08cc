//! The OpenID Connect members of a client registration (OIDC Dynamic Client Registration 1.0
//! §2) and Sigil's per-client policies: checked once here, for the CLI and (next) dynamic
//! registration alike.

use sigil_jose::Algorithm;
use sigil_store::{ClientSettings, RealmSettings};
use url::Url;

use crate::ServerError;
use crate::clients::{RedirectUri, RedirectUriPolicy};

/// `settings` if every member is acceptable in a realm with `realm`'s keys.
pub(super) fn validate(
    settings: ClientSettings,
    realm: &RealmSettings,
    redirect_policy: RedirectUriPolicy,
) -> Result<ClientSettings, ServerError> {
    for uri in &settings.post_logout_redirect_uris {
        // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs, matched the same way.
        RedirectUri::parse(uri, redirect_policy)?;
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
    Ok(settings)
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
    let refuse = || ServerError::Invalid(format!("{member} {uri:?} must be an https URL"));
    let url = Url::parse(uri).map_err(|_| refuse())?;
    let loopback_http = url.scheme() == "http"
        && matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
    if !(url.scheme() == "https" || loopback_http)
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(refuse());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

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
        assert!(validate(ok, &realm(), RedirectUriPolicy::Production).is_ok());
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
                validate(settings, &realm(), RedirectUriPolicy::Production).is_err(),
                "{shown}"
            );
        }
    }
}
