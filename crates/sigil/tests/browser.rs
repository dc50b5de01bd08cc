//! A person signs in, in a real browser: headless Chromium, driven over WebDriver, opens the
//! dev-mode playground of a real `sigil serve`, signs in as the demo user, consents, comes back
//! to the playground's callback and sees the decoded ID token, access token and userinfo.
//! Screenshots of each step are saved under the test's output directory
//! (`$CARGO_TARGET_TMPDIR/browser/`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/install-deps` installs them). Without
//! them the test is skipped — except under `CI=true`, where a missing browser is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
#![allow(clippy::print_stderr)] // the one line that says the test was skipped

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Serve, sigil};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A bound on each wait for the page: a failure, not a pace.
const BOUND: Duration = Duration::from_secs(30);

/// `chromedriver --port=0`, and the port it chose.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    // `Drop` kills and waits for it.
    #[allow(clippy::zombie_processes)]
    fn start() -> Self {
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + BOUND;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("chromedriver reports its port");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port: u16 = rest.trim_end_matches('.').trim().parse().unwrap();
                return Self {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                };
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser_available() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

async fn screenshot(browser: &Client, dir: &Path, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Waits (bounded) for the element `css`.
async fn find(browser: &Client, css: &str) -> fantoccini::elements::Element {
    match browser
        .wait()
        .at_most(BOUND)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            let url = browser.current_url().await.map(|u| u.to_string());
            let page = browser.source().await.unwrap_or_default();
            panic!("no {css} on {url:?}: {e}\n{page}");
        }
    }
}

#[test]
fn a_person_signs_in_through_the_playground_in_chromium() {
    if !browser_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and Chromium or ChromeDriver is missing: .ci/install-deps installs them"
        );
        eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed");
        return;
    }
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = sigil(&dir.path().join("data"));
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Serve::spawn(command, &["curl ", "its secret was shown"]);
    let password = server
        .banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("demo user:  demo / "))
        .expect("the banner prints the demo user's password")
        .to_owned();
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();

    common::runtime().block_on(async {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1000,1400",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let browser = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session");

        browser
            .goto(&format!("{}/playground", server.issuer))
            .await
            .unwrap();
        screenshot(&browser, &shots, "1-playground").await;
        find(&browser, "#sign-in").await.click().await.unwrap();

        // Sigil's login page.
        let username = find(&browser, "#username").await;
        username.clear().await.unwrap();
        username.send_keys("demo").await.unwrap();
        find(&browser, "#password")
            .await
            .send_keys(&password)
            .await
            .unwrap();
        screenshot(&browser, &shots, "2-login").await;
        find(&browser, "button[type=submit]")
            .await
            .click()
            .await
            .unwrap();

        // The consent page, then back at the playground.
        let allow = find(&browser, "button[value=approve]").await;
        screenshot(&browser, &shots, "3-consent").await;
        allow.click().await.unwrap();
        let decoded = browser
            .wait()
            .at_most(BOUND)
            .for_element(Locator::Css("#result:not([hidden]) #userinfo"))
            .await;
        screenshot(&browser, &shots, "4-signed-in").await;
        let status = find(&browser, "#status").await.text().await.unwrap();
        decoded.unwrap_or_else(|e| panic!("no decoded tokens ({status}): {e}"));
        assert!(status.contains("Signed in as demo"), "{status}");

        let id_token: Value =
            serde_json::from_str(&find(&browser, "#id-token").await.text().await.unwrap()).unwrap();
        assert_eq!(id_token["header"]["typ"], "JWT");
        assert_eq!(id_token["payload"]["iss"], server.issuer);
        assert_eq!(id_token["payload"]["aud"], "sigil-playground");
        assert_eq!(id_token["payload"]["preferred_username"], "demo");
        let access: Value =
            serde_json::from_str(&find(&browser, "#access-token").await.text().await.unwrap())
                .unwrap();
        assert_eq!(access["header"]["typ"], "at+jwt");
        assert_eq!(access["payload"]["client_id"], "sigil-playground");
        let userinfo: Value =
            serde_json::from_str(&find(&browser, "#userinfo").await.text().await.unwrap()).unwrap();
        assert_eq!(userinfo["sub"], id_token["payload"]["sub"]);
        assert_eq!(userinfo["email"], "demo@example.com");
        browser.close().await.unwrap();
    });
    drop(driver);
    assert!(server.stop().success());
}
