//! Pairwise subjects (OIDC Core §8.1) through HTTP: clients of one sector see the same `sub`,
//! clients of different sectors never do, in the ID token, the access token, introspection and
//! userinfo; a `sector_identifier_uri` (served here by a local HTTP server) joins redirect
//! hosts into one sector and must list them; a realm default of pairwise applies to clients
//! that registered no subject type; an `id_token_hint` still recognises the person.

use axum::routing::get;
use serde_json::{Value, json};
use sigil_server::clients::RedirectUriPolicy;
use sigil_server::op::clients::SubjectType;
use sigil_store::RegistrationPolicy;

use crate::browser::{Browser, add_user};
use crate::registration_support::{code_flow, register, registered, set_policy};
use crate::support::{TestServer, parts};

/// A server that admits loopback http for fetched documents (development), registering
/// anyone, with `alice`.
async fn dev_server(default_subject_type: Option<SubjectType>) -> TestServer {
    let server = TestServer::start_configured(|config| {
        config.redirect_policy = RedirectUriPolicy::Development;
    })
    .await;
    add_user(&server, "default", "alice", None).await;
    set_policy(
        &server,
        RegistrationPolicy::Open,
        Some(1000),
        default_subject_type,
    )
    .await;
    server
}

/// Serves `document` at `/sector.json` on a loopback port: its URL.
async fn sector_document(document: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/sector.json",
        get(move || {
            let document = document.clone();
            async move { axum::Json(document) }
        }),
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}/sector.json")
}

/// The `sub` of each token of one sign-in: ID token, access token, introspection, userinfo.
async fn subjects(
    server: &TestServer,
    browser: &Browser,
    client: &Value,
    redirect: &str,
) -> Vec<String> {
    let tokens = code_flow(server, browser, client, redirect).await;
    let access_token = tokens["access_token"].as_str().unwrap();
    let (_, id_claims) = parts(tokens["id_token"].as_str().unwrap());
    let (_, access_claims) = parts(access_token);
    let id = client["client_id"].as_str().unwrap();
    let introspected = server
        .introspect(
            "default",
            (id, client["client_secret"].as_str().unwrap()),
            access_token,
        )
        .await;
    assert_eq!(introspected["active"], true, "{introspected}");
    let userinfo: Value = server
        .http
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    [
        &id_claims["sub"],
        &access_claims["sub"],
        &introspected["sub"],
        &userinfo["sub"],
    ]
    .iter()
    .map(|sub| {
        sub.as_str()
            .unwrap_or_else(|| panic!("no sub: {userinfo}"))
            .to_owned()
    })
    .collect()
}

/// The one `sub` all four agree on.
fn one(subs: Vec<String>) -> String {
    assert!(subs.iter().all(|s| *s == subs[0]), "{subs:?}");
    subs[0].clone()
}

#[tokio::test]
async fn reg_pairwise_subjects_agree_within_a_sector_and_differ_across_sectors() {
    let server = dev_server(None).await;
    let alice = server
        .store
        .get_user_by_username(&sigil_store::RealmName::default_realm(), "alice")
        .await
        .unwrap()
        .unwrap()
        .id;
    let pairwise =
        |redirect: &str| json!({"redirect_uris": [redirect], "subject_type": "pairwise"});
    let a1 = registered(&server, pairwise("https://a.example/one")).await;
    let a2 = registered(&server, pairwise("https://a.example/two")).await;
    let b = registered(&server, pairwise("https://b.example/cb")).await;
    let public = registered(&server, json!({"redirect_uris": ["https://a.example/pub"]})).await;
    assert_eq!(a1["subject_type"], "pairwise");

    let browser = Browser::new();
    let sub_a1 = one(subjects(&server, &browser, &a1, "https://a.example/one").await);
    let sub_a2 = one(subjects(&server, &browser, &a2, "https://a.example/two").await);
    let sub_b = one(subjects(&server, &browser, &b, "https://b.example/cb").await);
    let sub_public = one(subjects(&server, &browser, &public, "https://a.example/pub").await);
    assert_eq!(sub_a1, sub_a2, "one sector, one sub");
    assert_ne!(sub_a1, sub_b, "two sectors, two subs");
    assert_eq!(sub_public, alice, "a public client sees the user id");
    assert_ne!(sub_a1, alice);
    assert_ne!(sub_b, alice);
    server.stop().await;
}

#[tokio::test]
async fn reg_a_sector_identifier_uri_joins_redirect_hosts_into_one_sector() {
    let server = dev_server(None).await;
    let redirects = ["https://one.example/cb", "https://two.example/cb"];
    let sector = sector_document(json!(redirects)).await;
    let joined = registered(
        &server,
        json!({"redirect_uris": redirects, "subject_type": "pairwise", "sector_identifier_uri": sector}),
    )
    .await;
    assert_eq!(joined["sector_identifier_uri"], sector);
    // Another client of that sector, redirecting to one of its hosts only.
    let sibling = registered(
        &server,
        json!({"redirect_uris": ["https://two.example/cb"], "subject_type": "pairwise", "sector_identifier_uri": sector}),
    )
    .await;
    let browser = Browser::new();
    let via_one = one(subjects(&server, &browser, &joined, "https://one.example/cb").await);
    let via_sibling = one(subjects(&server, &browser, &sibling, "https://two.example/cb").await);
    assert_eq!(via_one, via_sibling);

    // A document that does not list a redirect URI, one that is not a list, one that is not
    // there: refused, naming the member.
    let partial = sector_document(json!(["https://one.example/cb"])).await;
    let not_a_list = sector_document(json!({"redirect_uris": redirects})).await;
    for uri in [
        partial,
        not_a_list,
        "http://127.0.0.1:1/sector.json".to_owned(),
    ] {
        let (status, body) = register(
            &server,
            None,
            &json!({"redirect_uris": redirects, "subject_type": "pairwise", "sector_identifier_uri": uri}),
        )
        .await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert_eq!(body["error"], "invalid_client_metadata");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("sector_identifier_uri")
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn reg_a_realm_default_of_pairwise_applies_to_clients_that_chose_none() {
    let server = dev_server(Some(SubjectType::Pairwise)).await;
    let (_, discovery) = server.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        discovery["subject_types_supported"],
        json!(["public", "pairwise"])
    );
    let chose_none = registered(&server, json!({"redirect_uris": ["https://c.example/cb"]})).await;
    let chose_public = registered(
        &server,
        json!({"redirect_uris": ["https://c.example/cb2"], "subject_type": "public"}),
    )
    .await;
    assert_eq!(chose_none["subject_type"], "pairwise");
    assert_eq!(chose_public["subject_type"], "public");
    let browser = Browser::new();
    let pairwise = one(subjects(&server, &browser, &chose_none, "https://c.example/cb").await);
    let public = one(subjects(&server, &browser, &chose_public, "https://c.example/cb2").await);
    assert_ne!(pairwise, public);
    // Several redirect hosts without a sector document cannot be pairwise by default either.
    let (status, body) = register(
        &server,
        None,
        &json!({"redirect_uris": ["https://c.example/cb", "https://d.example/cb"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
    server.stop().await;
}

#[tokio::test]
async fn reg_an_id_token_hint_with_a_pairwise_sub_still_names_the_person() {
    let server = dev_server(None).await;
    let client = registered(
        &server,
        json!({
            "redirect_uris": ["https://e.example/cb"],
            "post_logout_redirect_uris": ["https://e.example/bye"],
            "subject_type": "pairwise",
        }),
    )
    .await;
    let browser = Browser::new();
    let tokens = code_flow(&server, &browser, &client, "https://e.example/cb").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    // /authorize with the hint: the session is this person's, so no login page.
    let page = browser
        .get(&format!(
            "{}?response_type=code&client_id={}&redirect_uri=https://e.example/cb&scope=openid&prompt=none&id_token_hint={id_token}&code_challenge={}&code_challenge_method=S256",
            server.url("/authorize"),
            client["client_id"].as_str().unwrap(),
            crate::browser::challenge(),
        ))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.redirect_params().contains_key("code"),
        "{}",
        page.location()
    );
    // Logout with the hint ends the session at once (no confirmation page).
    let page = browser
        .get(&format!(
            "{}?id_token_hint={id_token}&post_logout_redirect_uri=https://e.example/bye&state=s",
            server.url("/logout")
        ))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location().starts_with("https://e.example/bye"));
    server.stop().await;
}

#[tokio::test]
async fn reg_unrelated_native_clients_on_loopback_are_sectors_of_their_own() {
    let server = dev_server(None).await;
    // Two apps that know nothing of each other, both redirecting to loopback (RFC 8252 §7.3):
    // a shared host would make them one sector and give them one `sub` for the same person.
    let native = json!({
        "redirect_uris": ["http://127.0.0.1/cb"],
        "application_type": "native",
        "subject_type": "pairwise",
    });
    let first = registered(&server, native.clone()).await;
    let second = registered(&server, native).await;
    let browser = Browser::new();
    let a = one(subjects(&server, &browser, &first, "http://127.0.0.1/cb").await);
    let b = one(subjects(&server, &browser, &second, "http://127.0.0.1/cb").await);
    assert_ne!(a, b);
    server.stop().await;
}
