//! The redirect URI check's outcomes, and the responses only its result can build. That
//! nothing else can make a `ValidatedRedirect` is a compile-time guarantee (private fields);
//! these tests pin what the check admits and what the redirects say.

use sigil_store::ClientRecord;

use super::*;
use crate::oauth::ErrorCode;

const ISSUER: &str = "https://op.example/realms/acme";

fn client(redirect_uris: &[&str]) -> ClientMetadata {
    ClientMetadata::parse(&ClientRecord {
        client_id: "web".into(),
        name: "web".into(),
        secret_hash: None,
        auth_method: "none".into(),
        grant_types: vec!["authorization_code".into()],
        redirect_uris: redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
        scopes: vec![],
        audiences: vec![],
        access_token_ttl_secs: None,
        signing_alg: None,
        created_at: 0,
        settings: Default::default(),
    })
    .unwrap()
}

fn params(query: &str) -> Form {
    Form::parse(query.as_bytes()).unwrap()
}

#[test]
fn the_check_admits_exact_and_loopback_any_port_matches_only() {
    let one = client(&["https://app.example/cb"]);
    let loopback = client(&["http://127.0.0.1/cb", "http://[::1]:1/cb"]);
    let cases: [(&ClientMetadata, &str, Option<&str>); 9] = [
        (
            &one,
            "redirect_uri=https://app.example/cb",
            Some("https://app.example/cb"),
        ),
        // Omitted: the only registered one.
        (&one, "", Some("https://app.example/cb")),
        (&one, "redirect_uri=https://app.example/cb/", None),
        (&one, "redirect_uri=https://APP.example/cb", None),
        (&one, "redirect_uri=https://evil.example/cb", None),
        (
            &loopback,
            "redirect_uri=http://127.0.0.1:53123/cb",
            Some("http://127.0.0.1:53123/cb"),
        ),
        (
            &loopback,
            "redirect_uri=http://[::1]:9/cb",
            Some("http://[::1]:9/cb"),
        ),
        (&loopback, "redirect_uri=http://localhost:9/cb", None),
        // Omitted with several registered: which one?
        (&loopback, "", None),
    ];
    for (client, query, expected) in cases {
        let outcome = check_redirect_uri(client, &params(query), ISSUER);
        match (outcome, expected) {
            (Ok(redirect), Some(uri)) => assert_eq!(redirect.uri(), uri, "{query}"),
            (Err(page), None) => {
                assert_eq!(page.status().as_u16(), 400, "{query}");
                assert_eq!(page.title, "Invalid redirect URI");
            }
            (outcome, expected) => panic!("{query}: {outcome:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn an_error_redirect_carries_error_state_and_iss() {
    let redirect = check_redirect_uri(
        &client(&["https://app.example/cb"]),
        &params("state=a%20b%26c"),
        ISSUER,
    )
    .unwrap();
    assert_eq!(redirect.state(), Some("a b&c"));
    let error = OAuthError::new(ErrorCode::AccessDenied, "the person said no");
    assert_eq!(
        redirect.error_redirect(&error).location(),
        "https://app.example/cb?error=access_denied&error_description=the+person+said+no\
         &state=a+b%26c&iss=https%3A%2F%2Fop.example%2Frealms%2Facme"
    );
}

#[test]
fn a_code_redirect_keeps_the_registered_query_and_omits_an_absent_state() {
    let redirect = check_redirect_uri(
        &client(&["https://app.example/cb?tenant=7"]),
        &params("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Ftenant%3D7"),
        ISSUER,
    )
    .unwrap();
    assert_eq!(
        redirect.code_redirect("c0de").location(),
        "https://app.example/cb?tenant=7&code=c0de&iss=https%3A%2F%2Fop.example%2Frealms%2Facme"
    );
}
