//! The login form's rules: one generic message for every wrong credential, throttling per
//! account and per client address held in the store, the double-submit CSRF check, and the
//! sealed interaction that cannot be changed, moved or kept past its time.

use sigil_store::RealmName;

use crate::browser::{Browser, PASSWORD, add_user, authorize_url, people_server, submit_login};

const WRONG: &str = "Wrong username or password.";

#[tokio::test]
async fn wrong_password_unknown_user_and_disabled_user_get_the_same_message() {
    let server = people_server().await;
    add_user(&server, "default", "carol", None).await;
    server
        .provisioner
        .disable_user(&RealmName::default_realm(), "carol")
        .await
        .unwrap();
    let browser = Browser::new();
    let login = browser.get(&authorize_url(&server, "portal", &[])).await;
    for (user, password) in [
        ("alice", "not-the-password"),
        ("nobody", PASSWORD),
        ("carol", PASSWORD),
    ] {
        let page = submit_login(&browser, &login, user, password).await;
        assert_eq!(page.status, 200, "{user}");
        assert!(page.is_login_form());
        assert!(page.body.contains(WRONG), "{user}");
    }
    assert!(browser.cookie("sigil-session-default").is_none());
    server.stop().await;
}

#[tokio::test]
async fn failures_are_throttled_per_account_and_per_address() {
    let server = people_server().await;
    let bob = add_user(&server, "default", "bob", None).await;
    // Five failures for alice, from two addresses.
    for (n, address) in [
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.1",
    ]
    .into_iter()
    .enumerate()
    {
        let browser = Browser::from_address(address.parse().unwrap());
        let login = browser.get(&authorize_url(&server, "portal", &[])).await;
        let page = submit_login(&browser, &login, "alice", "not-the-password").await;
        assert!(page.body.contains(WRONG), "attempt {n}");
    }
    // The sixth, even with the right password and from a fresh address, is refused unchecked.
    let fresh = Browser::from_address("127.0.0.9".parse().unwrap());
    let login = fresh.get(&authorize_url(&server, "portal", &[])).await;
    let throttled = submit_login(&fresh, &login, "alice", PASSWORD).await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.body.contains("wait"), "{}", throttled.body);
    // Bob is not affected from a clean address.
    let other = Browser::from_address("127.0.0.10".parse().unwrap());
    let login = other.get(&authorize_url(&server, "portal", &[])).await;
    assert_eq!(
        submit_login(&other, &login, "bob", PASSWORD).await.status,
        303
    );
    // An unknown name is throttled like an account (the throttle does not tell them apart).
    let prober = Browser::from_address("127.0.0.40".parse().unwrap());
    for address in [
        "127.0.0.41",
        "127.0.0.42",
        "127.0.0.43",
        "127.0.0.44",
        "127.0.0.45",
    ] {
        let browser = Browser::from_address(address.parse().unwrap());
        let login = browser.get(&authorize_url(&server, "portal", &[])).await;
        submit_login(&browser, &login, "nobody", "not-the-password").await;
    }
    let login = prober.get(&authorize_url(&server, "portal", &[])).await;
    assert_eq!(
        submit_login(&prober, &login, "nobody", PASSWORD)
            .await
            .status,
        429
    );
    // Per address: five failures on different (unknown) accounts block that address.
    let noisy = Browser::from_address("127.0.0.20".parse().unwrap());
    let login = noisy.get(&authorize_url(&server, "portal", &[])).await;
    for n in 0..5 {
        let user = format!("guess{n}");
        let page = submit_login(&noisy, &login, &user, PASSWORD).await;
        assert!(page.body.contains(WRONG));
    }
    assert_eq!(
        submit_login(&noisy, &login, "bob", PASSWORD).await.status,
        429
    );
    // The counters are in the store, for every node to see.
    let (failures, _) = server
        .store
        .login_failures(
            &RealmName::default_realm(),
            "addr:127.0.0.20",
            sigil_server::clock::Clock::now(&*server.clock),
            900,
        )
        .await
        .unwrap();
    assert_eq!(failures, 5);
    // After the window, alice signs in, which clears her counter.
    server.clock.advance(15 * 60);
    let login = fresh.get(&authorize_url(&server, "portal", &[])).await;
    assert_eq!(
        submit_login(&fresh, &login, "alice", PASSWORD).await.status,
        303
    );
    let _ = bob;
    server.stop().await;
}

#[tokio::test]
async fn the_throttle_counts_failures_on_every_node_of_one_store() {
    let server = people_server().await;
    let (other_base, stop_other) = server.another_node().await;
    // Failures alternate between the two nodes; each node's login page is its own.
    for n in 0..5 {
        let browser = Browser::new();
        let url = authorize_url(&server, "portal", &[]);
        let url = if n % 2 == 0 {
            url
        } else {
            url.replace(&server.base, &other_base)
        };
        let login = browser.get(&url).await;
        assert!(login.action().starts_with(if n % 2 == 0 {
            &server.base
        } else {
            &other_base
        }));
        let page = submit_login(&browser, &login, "alice", "not-the-password").await;
        assert!(page.body.contains(WRONG), "attempt {n}");
    }
    for base in [&server.base, &other_base] {
        let browser = Browser::from_address("127.0.0.30".parse().unwrap());
        let url = authorize_url(&server, "portal", &[]).replace(&server.base, base);
        let login = browser.get(&url).await;
        let page = submit_login(&browser, &login, "alice", PASSWORD).await;
        assert_eq!(page.status, 429, "{base}");
    }
    let _ = stop_other.send(());
    server.stop().await;
}

#[tokio::test]
async fn a_post_without_the_matching_csrf_token_is_refused() {
    let server = people_server().await;
    let browser = Browser::new();
    let login = browser.get(&authorize_url(&server, "portal", &[])).await;
    let csrf = login.field("csrf").unwrap();
    let interaction = login.field("interaction").unwrap();
    let action = login.action();
    let form = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("interaction".to_owned(), interaction.clone()),
            ("username".to_owned(), "alice".to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
        ]
    };
    let post = |form: Vec<(String, String)>| {
        let browser = &browser;
        let action = action.clone();
        async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            browser.post(&action, &form).await
        }
    };
    // A mismatched field.
    assert_eq!(post(form("forged")).await.status, 400);
    // No field at all.
    let mut without = form(&csrf);
    without.remove(0);
    assert_eq!(post(without).await.status, 400);
    // No cookie (a cross-site form post carries none).
    browser.forget_cookie("sigil-csrf-default");
    assert_eq!(post(form(&csrf)).await.status, 400);
    // Cookie and field agree but are not this interaction's.
    browser.set_cookie("sigil-csrf-default", "planted");
    assert_eq!(post(form("planted")).await.status, 400);
    browser.set_cookie("sigil-csrf-default", &csrf);
    assert_eq!(post(form(&csrf)).await.status, 303);
    server.stop().await;
}

#[tokio::test]
async fn a_tampered_foreign_or_expired_interaction_is_a_page() {
    let server = people_server().await;
    server.realm("acme", &[]).await;
    let browser = Browser::new();
    let login = browser.get(&authorize_url(&server, "portal", &[])).await;
    let csrf = login.field("csrf").unwrap();
    let interaction = login.field("interaction").unwrap();
    let mut tampered = interaction.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (action, sealed) in [
        (login.action(), tampered.as_str()),
        // Another realm's form target.
        (server.url("/realms/acme/login"), interaction.as_str()),
    ] {
        let page = browser
            .post(
                &action,
                &[
                    ("csrf", &csrf),
                    ("interaction", sealed),
                    ("username", "alice"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, 400, "{action}");
        assert!(page.headers.get("location").is_none());
    }
    server.clock.advance(600);
    let expired = submit_login(&browser, &login, "alice", PASSWORD).await;
    assert_eq!(expired.status, 400);
    assert!(expired.body.contains("no longer valid"));
    server.stop().await;
}
