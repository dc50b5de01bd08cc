//! A realm's brand and theme reach its pages at runtime (the next refresh), and a broken
//! theme is refused at load: the realm keeps serving its last good pages.

use std::collections::BTreeMap;

use sigil_store::{RealmBrand, RealmName};

use crate::browser::{Browser, authorize_url, people_server};

#[tokio::test]
async fn brand_and_theme_apply_at_runtime_and_a_broken_theme_keeps_the_last_good_pages() {
    let server = people_server().await;
    let realm = RealmName::default_realm();
    let browser = Browser::new();
    let url = authorize_url(&server, "portal", &[]);
    let theme = BTreeMap::from([(
        "login.html".to_owned(),
        r#"{% extends "layout.html" %}{% block main %}<p class="acme">Acme sign-in</p><form method="post" action="{{ action }}"><input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="interaction" value="{{ interaction }}"><input name="username"><input type="password" name="password"></form>{% endblock %}"#
            .to_owned(),
    )]);
    server
        .provisioner
        .set_branding(
            &realm,
            RealmBrand {
                name: Some("Acme ID".into()),
                logo_uri: Some("https://acme.example/logo.svg".into()),
                colour: Some("#c0ffee".into()),
            },
            Some(theme),
        )
        .await
        .unwrap();
    server
        .eventually("the brand reaches the login page", || async {
            browser.get(&url).await.body.contains("Acme sign-in")
        })
        .await;
    let page = browser.get(&url).await;
    assert!(page.body.contains("Acme ID"));
    assert!(page.body.contains("--brand: #c0ffee"));
    // What the CLI refuses, checked before anything is stored.
    for (brand, theme) in [
        (
            RealmBrand {
                colour: Some("red; } body { display:none".into()),
                ..RealmBrand::default()
            },
            None,
        ),
        (
            RealmBrand {
                logo_uri: Some("http://acme.example/logo".into()),
                ..RealmBrand::default()
            },
            None,
        ),
        (
            RealmBrand::default(),
            Some(BTreeMap::from([(
                "login.html".to_owned(),
                "{% if %}".to_owned(),
            )])),
        ),
    ] {
        assert!(
            server
                .provisioner
                .set_branding(&realm, brand, theme)
                .await
                .is_err()
        );
    }
    // Written behind the provisioner's back: the server refuses to load it and keeps the
    // last good state.
    let mut settings = server.provisioner.realm(&realm).await.unwrap().settings;
    settings.theme = BTreeMap::from([("login.html".to_owned(), "{% if %}".to_owned())]);
    server
        .store
        .update_realm_settings(&realm, &settings)
        .await
        .unwrap();
    server
        .eventually("the reload fails", || async {
            let metrics = server
                .http
                .get(server.url("/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            metrics.contains("sigil_realm_reload_failures_total{realm=\"default\"}")
        })
        .await;
    let still = browser.get(&url).await;
    assert_eq!(still.status, 200);
    assert!(still.body.contains("Acme sign-in"));
    server.stop().await;
}
