//! A running server for one test, and the clients that talk to it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sigil_jose::Algorithm;
use sigil_server::clock::{Clock, ManualClock};
use sigil_server::provision::{ClientSpec, Provisioner};
use sigil_server::random::{ControlledRng, Rng};
use sigil_server::seal::MasterKey;
use sigil_server::{Server, ServerConfig};
use sigil_store::sqlite::SqliteStore;
use sigil_store::{RealmName, Store};

/// A start time for the manual clock: 2027-01-15.
pub const START: i64 = 1_800_000_000;

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub provisioner: Provisioner,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    /// The server's and the provisioner's random generator; `set_failing` breaks it.
    pub rng: Arc<ControlledRng>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server whose default realm has an RS256 key (RSA-2048, for speed), whatever `algs`
    /// add, and an ECDH-ES+A256KW encryption key.
    pub async fn start_with(algs: &[Algorithm]) -> Self {
        Self::start_serving_through(algs, |store| store, |_| {}).await
    }

    /// A server with the default realm, whose settings `configure` adjusts first.
    pub async fn start_configured(configure: impl FnOnce(&mut ServerConfig)) -> Self {
        Self::start_serving_through(&[], |store| store, configure).await
    }

    /// The server's store is `serve_through(the SQLite store)`; everything else uses SQLite.
    async fn start_serving_through(
        algs: &[Algorithm],
        serve_through: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&dir.path().join("sigil.db"))
                .await
                .unwrap(),
        );
        let master = Arc::new(MasterKey::from_bytes(&[42; 32]).unwrap());
        let clock = Arc::new(ManualClock::new(START));
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        let rng = Arc::new(ControlledRng::new());
        let dyn_rng: Arc<dyn Rng> = rng.clone();
        let provisioner = Provisioner::new(
            store.clone(),
            master.clone(),
            dyn_clock.clone(),
            dyn_rng.clone(),
        )
        .await
        .unwrap();
        // The default realm's encryption key is P-256 only: an RSA one would be one more
        // RSA generation per test (0.1–0.5 s here; the suite took twice as long). Realms made
        // with `realm()` get the product's default, both; `encryption_keys.rs` checks it.
        provisioner
            .create_realm_encrypting(
                &RealmName::default_realm(),
                algs,
                2048,
                &[sigil_jose::jwe::KeyManagement::EcdhEsA256Kw],
            )
            .await
            .unwrap();
        let mut config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            issuer: None,
            jwks_max_age_secs: 900,
            refresh_interval: Duration::from_millis(100),
            rotation_interval: Duration::from_millis(100),
            ..ServerConfig::default()
        };
        configure(&mut config);
        let server = Server::build(
            config,
            serve_through(store.clone()),
            master,
            dyn_clock,
            dyn_rng,
        )
        .await
        .unwrap();
        let base = server.issuer().to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            http,
            provisioner,
            store,
            clock,
            rng,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A confidential client with `client_credentials`, scopes `api:read api:write`.
    pub async fn client(&self, realm: &str, id: &str) -> (String, String) {
        self.client_with(
            realm,
            ClientSpec {
                client_id: Some(id.into()),
                scopes: vec!["api:read".into(), "api:write".into()],
                ..ClientSpec::default()
            },
        )
        .await
    }

    pub async fn client_with(&self, realm: &str, spec: ClientSpec) -> (String, String) {
        let (client, secret) = self
            .provisioner
            .create_client(&RealmName::new(realm).unwrap(), spec)
            .await
            .unwrap();
        (client.client_id, secret.unwrap_or_default())
    }

    pub async fn realm(&self, name: &str, algs: &[Algorithm]) {
        self.provisioner
            .create_realm(&RealmName::new(name).unwrap(), algs, 2048)
            .await
            .unwrap();
    }

    /// The issuer of a realm.
    pub fn issuer(&self, realm: &str) -> String {
        if realm == "default" {
            self.base.clone()
        } else {
            format!("{}/realms/{realm}", self.base)
        }
    }

    /// POSTs a form with Basic credentials.
    pub async fn post_form(
        &self,
        path: &str,
        auth: (&str, &str),
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .basic_auth(auth.0, Some(auth.1))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A client-credentials access token from `realm`'s token endpoint.
    pub async fn token(&self, realm: &str, auth: (&str, &str), extra: &[(&str, &str)]) -> String {
        let path = format!("{}/token", realm_path(realm));
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend_from_slice(extra);
        let response = self.post_form(&path, auth, &form).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn introspect(&self, realm: &str, auth: (&str, &str), token: &str) -> Value {
        let path = format!("{}/introspect", realm_path(realm));
        let response = self.post_form(&path, auth, &[("token", token)]).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Waits (bounded) until `check` holds: for changes that reach the server by refresh.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..50 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    /// Another server (node) on the same store, master key, clock and randomness; its base
    /// URL and the sender that stops it.
    pub async fn another_node(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        let master = Arc::new(MasterKey::from_bytes(&[42; 32]).unwrap());
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            refresh_interval: Duration::from_millis(100),
            rotation_interval: Duration::from_millis(100),
            ..ServerConfig::default()
        };
        let clock: Arc<dyn Clock> = self.clock.clone();
        let rng: Arc<dyn Rng> = self.rng.clone();
        let server = Server::build(config, self.store.clone(), master, clock, rng)
            .await
            .unwrap();
        let base = server.issuer().to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        (base, tx)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

/// `""` for the default realm, `/realms/NAME` otherwise.
pub fn realm_path(realm: &str) -> String {
    if realm == "default" {
        String::new()
    } else {
        format!("/realms/{realm}")
    }
}

/// Verifies a JWT with `jsonwebtoken` (an independent JOSE implementation) against the keys
/// published at `jwks_url`, checking issuer and (if given) audience, and expiry against `now` —
/// the test's manual clock. `jsonwebtoken` can only check `exp` and `nbf` against the wall
/// clock, which a test on a manual clock must never depend on: those two checks are made here.
pub async fn verify_with_jsonwebtoken(
    http: &reqwest::Client,
    jwks_url: &str,
    token: &str,
    issuer: &str,
    audience: Option<&str>,
    now: i64,
) -> Value {
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let jwks: JwkSet = http
        .get(jwks_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = decode_header(token).unwrap();
    let kid = header.kid.expect("tokens carry a kid");
    let jwk = jwks.find(&kid).expect("the kid is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.set_required_spec_claims(&["exp", "iss"]);
    match audience {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    let claims = decode::<Value>(token, &key, &validation).unwrap().claims;
    let exp = claims["exp"].as_i64().expect("exp is a number");
    assert!(exp > now, "expired at {exp}, now is {now}");
    if let Some(nbf) = claims.get("nbf") {
        assert!(
            nbf.as_i64().expect("nbf is a number") <= now,
            "not yet valid"
        );
    }
    claims
}

/// The decoded header and claims of a JWT, unverified (assertions only).
pub fn parts(token: &str) -> (Value, Value) {
    let decoded = sigil_jose::dangerous::decode_unverified(token).unwrap();
    (decoded.header, decoded.payload.unwrap())
}

impl TestServer {
    /// Like [`Self::start_with`], but the server talks to the store through `wrap` (a test
    /// double that counts calls or injects failures), which is returned too. The provisioner
    /// and [`Self::store`] use the plain SQLite store, so setup is never affected.
    pub async fn start_wrapped<W, F>(algs: &[Algorithm], wrap: F) -> (Self, Arc<W>)
    where
        W: Store + 'static,
        F: FnOnce(Arc<dyn Store>) -> W,
    {
        Self::start_wrapped_configured(algs, wrap, |_| {}).await
    }

    /// [`Self::start_wrapped`] with the settings `configure` adjusts.
    pub async fn start_wrapped_configured<W, F>(
        algs: &[Algorithm],
        wrap: F,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> (Self, Arc<W>)
    where
        W: Store + 'static,
        F: FnOnce(Arc<dyn Store>) -> W,
    {
        let mut double = None;
        let server = Self::start_serving_through(
            algs,
            |store| {
                let wrapped = Arc::new(wrap(store));
                double = Some(wrapped.clone());
                wrapped
            },
            configure,
        )
        .await;
        (server, double.unwrap())
    }
}
