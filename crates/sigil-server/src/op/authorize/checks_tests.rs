//! The request checks as tables: what each admits and what it refuses, with the code.

use sigil_store::{ClientRecord, ClientSettings};

use super::*;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 Appendix B

fn client(auth_method: &str, require_pkce: bool, scopes: &[&str]) -> ClientMetadata {
    ClientMetadata::parse(&ClientRecord {
        client_id: "c".into(),
        name: "c".into(),
        secret_hash: (auth_method != "none").then(|| vec![0; 32]),
        auth_method: auth_method.into(),
        grant_types: vec!["authorization_code".into()],
        redirect_uris: vec!["https://app.example/cb".into()],
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        audiences: vec![],
        access_token_ttl_secs: None,
        signing_alg: None,
        created_at: 0,
        settings: ClientSettings {
            require_pkce,
            ..ClientSettings::default()
        },
    })
    .unwrap()
}

fn form(query: &str) -> Form {
    Form::parse(query.as_bytes()).unwrap()
}

#[test]
fn pkce_is_s256_only_and_required_where_the_client_or_realm_says() {
    let public = client("none", false, &[]);
    let confidential = client("client_secret_basic", false, &[]);
    let strict = client("client_secret_basic", true, &[]);
    let s256 = format!("code_challenge={CHALLENGE}&code_challenge_method=S256");
    let cases: [(&ClientMetadata, bool, String, bool); 9] = [
        (&public, false, s256.clone(), true),
        (&public, false, String::new(), false),
        (&confidential, false, String::new(), true),
        (&confidential, true, String::new(), false),
        (&strict, false, String::new(), false),
        (
            &confidential,
            false,
            format!("code_challenge={CHALLENGE}"),
            false,
        ),
        (
            &confidential,
            false,
            format!("code_challenge={CHALLENGE}&code_challenge_method=plain"),
            false,
        ),
        (
            &confidential,
            false,
            "code_challenge_method=S256".into(),
            false,
        ),
        (
            &confidential,
            false,
            "code_challenge=abc&code_challenge_method=S256".into(),
            false,
        ),
    ];
    for (client, realm_requires, query, ok) in cases {
        let outcome = check_pkce(realm_requires, client, &form(&query));
        match outcome {
            Ok(_) => assert!(ok, "{query} admitted"),
            Err(e) => {
                assert!(!ok, "{query}: {e:?}");
                assert_eq!(e.code, ErrorCode::InvalidRequest);
            }
        }
    }
}

#[test]
fn scope_is_narrowed_to_the_client_and_an_empty_result_is_invalid_scope() {
    let c = client("none", false, &["profile", "email", "openid"]);
    let cases: [(&str, Option<&[&str]>); 5] = [
        ("scope=openid%20email%20unknown", Some(&["openid", "email"])),
        ("scope=email%20openid%20email", Some(&["email", "openid"])),
        // Without scope: the client's, but not `openid` (no implicit OIDC).
        ("", Some(&["profile", "email"])),
        ("scope=unknown", None),
        ("scope=openid", Some(&["openid"])),
    ];
    for (query, expected) in cases {
        match (check_scope(&c, &form(query)), expected) {
            (Ok(granted), Some(expected)) => assert_eq!(granted, expected, "{query}"),
            (Err(e), None) => assert_eq!(e.code, ErrorCode::InvalidScope),
            (outcome, expected) => panic!("{query}: {outcome:?} vs {expected:?}"),
        }
    }
}

#[test]
fn response_mode_max_age_and_claims_are_checked() {
    assert_eq!(
        check_response_mode(&form("")).ok(),
        Some(ResponseMode::Query)
    );
    assert_eq!(
        check_response_mode(&form("response_mode=form_post")).ok(),
        Some(ResponseMode::FormPost)
    );
    assert!(check_response_mode(&form("response_mode=fragment")).is_err());
    assert_eq!(check_max_age(&form("max_age=0")).ok(), Some(Some(0)));
    assert!(check_max_age(&form("max_age=-1")).is_err());
    assert!(check_claims(&form("claims=%7B%7D")).is_ok_and(|c| c.is_some()));
    assert!(check_claims(&form("claims=%5B%5D")).is_err());
}
