//! `ClientMetadata::parse`: every form Sigil stores parses to what it means; every value it
//! could not have written is refused, naming the field.

use super::*;

fn digest() -> Vec<u8> {
    crate::random::digest("s3cret")
}

fn record() -> ClientRecord {
    ClientRecord {
        client_id: "app".into(),
        name: "App".into(),
        secret_hash: Some(digest()),
        auth_method: "client_secret_basic".into(),
        grant_types: vec!["client_credentials".into()],
        redirect_uris: vec![],
        scopes: vec!["read".into()],
        audiences: vec!["https://api.example".into()],
        access_token_ttl_secs: Some(60),
        signing_alg: None,
        created_at: 1_700_000_000,
        settings: Default::default(),
    }
}

#[test]
fn every_auth_method_parses() {
    for (stored, method, secret) in [
        (
            "client_secret_basic",
            TokenEndpointAuthMethod::ClientSecretBasic,
            true,
        ),
        (
            "client_secret_post",
            TokenEndpointAuthMethod::ClientSecretPost,
            true,
        ),
        ("none", TokenEndpointAuthMethod::None, false),
    ] {
        let mut r = record();
        r.auth_method = stored.into();
        if !secret {
            r.secret_hash = None;
        }
        let parsed = ClientMetadata::parse(&r).unwrap();
        assert_eq!(parsed.auth_method, method);
        assert_eq!(parsed.auth_method.as_str(), stored);
        assert_eq!(parsed.secret.is_some(), secret, "{stored}");
        assert_eq!(parsed.is_public(), !secret);
    }
}

#[test]
fn every_grant_type_parses_once_each() {
    let mut r = record();
    r.grant_types = vec![
        "authorization_code".into(),
        "refresh_token".into(),
        "client_credentials".into(),
        "authorization_code".into(),
    ];
    r.redirect_uris = vec!["https://app.example/cb".into()];
    let parsed = ClientMetadata::parse(&r).unwrap();
    assert_eq!(
        parsed.grant_types,
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials
        ]
    );
    assert!(parsed.allows(GrantType::RefreshToken));
    for grant in GrantType::ALL {
        assert_eq!(GrantType::parse(grant.as_str()), Some(grant));
    }
}

#[test]
fn the_signing_alg_is_rs256_unless_registered() {
    assert_eq!(
        ClientMetadata::parse(&record()).unwrap().signing_alg,
        Algorithm::RS256
    );
    for alg in ["ES256", "PS384", "EdDSA", "RS512"] {
        let mut r = record();
        r.signing_alg = Some(alg.into());
        assert_eq!(ClientMetadata::parse(&r).unwrap().signing_alg.as_str(), alg);
    }
}

#[test]
fn stored_redirect_uris_parse_as_written_under_any_policy_they_were_admitted_by() {
    let mut r = record();
    let uris = [
        "https://app.example",
        "http://127.0.0.1:8080/cb",
        "com.example.app:/cb",
        // Only admitted in development, but stored rows outlive the policy they met.
        "http://dev.internal/cb",
    ];
    r.redirect_uris = uris.iter().map(|u| (*u).to_owned()).collect();
    let parsed = ClientMetadata::parse(&r).unwrap();
    let got: Vec<&str> = parsed
        .redirect_uris
        .iter()
        .map(RedirectUri::as_str)
        .collect();
    assert_eq!(got, uris);
    assert_eq!(parsed.subject_type, SubjectType::Public);
}

#[test]
fn garbage_is_refused_naming_the_field_never_defaulted() {
    type Corrupt = fn(&mut ClientRecord);
    let cases: [(&str, Corrupt); 15] = [
        ("token_endpoint_auth_method", |r| {
            r.auth_method = "client_secret_jwt".into()
        }),
        // private_key_jwt without keys; keys that are no JWK Set; both jwks and jwks_uri.
        ("jwks", |r| r.auth_method = "private_key_jwt".into()),
        ("jwks", |r| {
            r.settings.jwks = Some(serde_json::json!(["not a set"]))
        }),
        ("jwks", |r| {
            r.settings.jwks = Some(serde_json::json!({"keys": []}));
            r.settings.jwks_uri = Some("https://app.example/jwks".into());
        }),
        ("token_endpoint_auth_signing_alg", |r| {
            r.settings.token_endpoint_auth_signing_alg = Some("HS256".into())
        }),
        ("token_endpoint_auth_method", |r| r.auth_method = "".into()),
        ("token_endpoint_auth_method", |r| {
            r.auth_method = "None".into()
        }),
        ("grant_types", |r| r.grant_types = vec!["password".into()]),
        ("grant_types", |r| r.grant_types = vec!["implicit".into()]),
        ("redirect_uri", |r| {
            r.redirect_uris = vec!["javascript:alert(1)".into()]
        }),
        ("redirect_uri", |r| {
            r.redirect_uris = vec!["https://app.example/#x".into()]
        }),
        ("signing_alg", |r| r.signing_alg = Some("XS999".into())),
        ("signing_alg", |r| r.signing_alg = Some("none".into())),
        ("secret_hash", |r| r.secret_hash = None),
        ("request_object_signing_alg", |r| {
            r.settings.request_object_signing_alg = Some("none".into())
        }),
    ];
    for (field, corrupt) in cases {
        let mut r = record();
        corrupt(&mut r);
        let error = ClientMetadata::parse(&r).unwrap_err();
        assert_eq!(error.field, field, "{error}");
        assert_eq!(error.client_id, "app");
    }
    let mut short = record();
    short.secret_hash = Some(vec![1, 2, 3]);
    let error = ClientMetadata::parse(&short).unwrap_err();
    assert_eq!(error.field, "secret_hash");
    // The digest is not repeated into logs.
    assert!(!error.to_string().contains("[1, 2, 3]"));
}

#[test]
fn debug_does_not_print_the_secret_digest() {
    let parsed = ClientMetadata::parse(&record()).unwrap();
    let shown = format!("{parsed:?}");
    assert!(shown.contains("[redacted]"));
    assert!(!shown.contains(&format!("{:?}", digest())));
}

#[test]
fn openid_connect_settings_parse_and_garbage_is_refused_by_field() {
    let mut stored = record();
    stored.settings = sigil_store::ClientSettings {
        post_logout_redirect_uris: vec!["https://app.example/bye".into()],
        id_token_signed_response_alg: Some("ES256".into()),
        logo_uri: Some("https://app.example/logo.png".into()),
        first_party: true,
        ..Default::default()
    };
    let parsed = ClientMetadata::parse(&stored).unwrap();
    assert_eq!(parsed.post_logout_redirect_uris.len(), 1);
    assert_eq!(parsed.id_token_alg, Some(sigil_jose::Algorithm::ES256));
    assert_eq!(parsed.userinfo_alg, None);
    assert_eq!(
        parsed.pages.logo_uri.as_deref(),
        Some("https://app.example/logo.png")
    );
    assert!(parsed.first_party);
    for (field, settings) in [
        (
            "id_token_signed_response_alg",
            sigil_store::ClientSettings {
                id_token_signed_response_alg: Some("none".into()),
                ..Default::default()
            },
        ),
        (
            "userinfo_signed_response_alg",
            sigil_store::ClientSettings {
                userinfo_signed_response_alg: Some("HS256".into()),
                ..Default::default()
            },
        ),
        (
            "post_logout_redirect_uri",
            sigil_store::ClientSettings {
                post_logout_redirect_uris: vec!["javascript:alert(1)".into()],
                ..Default::default()
            },
        ),
    ] {
        let mut bad = record();
        bad.settings = settings;
        assert_eq!(ClientMetadata::parse(&bad).unwrap_err().field, field);
    }
}

#[test]
fn private_key_jwt_clients_have_keys_and_no_secret() {
    let mut r = record();
    r.auth_method = "private_key_jwt".into();
    r.secret_hash = None;
    // RFC 8037 §A.2's public key.
    r.settings.jwks = Some(serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519",
        "kid": "k1", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}));
    r.settings.token_endpoint_auth_signing_alg = Some("EdDSA".into());
    let parsed = ClientMetadata::parse(&r).unwrap();
    assert_eq!(parsed.auth_method, TokenEndpointAuthMethod::PrivateKeyJwt);
    assert!(parsed.secret.is_none() && !parsed.is_public());
    assert!(matches!(&parsed.keys, ClientKeySource::Jwks(keys) if keys.len() == 1));
    assert_eq!(
        parsed.token_endpoint_auth_alg,
        Some(sigil_jose::Algorithm::EdDSA)
    );
    r.settings.jwks = None;
    r.settings.jwks_uri = Some("https://app.example/jwks.json".into());
    let parsed = ClientMetadata::parse(&r).unwrap();
    assert!(matches!(&parsed.keys, ClientKeySource::JwksUri(uri) if uri.ends_with("jwks.json")));
}
