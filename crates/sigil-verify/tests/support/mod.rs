//! A throwaway issuer for the tests: discovery and a JWKS on 127.0.0.1:0, with settable
//! `Cache-Control`, `ETag`, keys and health, counting every request it answers.

#![allow(dead_code)] // each test binary uses its own part of the kit

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use sigil_jose::jwk::Kid;
use sigil_jose::{Algorithm, JwkSet, KeySpec, PrivateKey, SigningKey, jwt};
use sigil_verify::{CachePolicy, ManualClock, Verifier, VerifierBuilder};

/// 2027-01-15T08:00:00Z, the tests' "now".
pub const T0: u64 = 1_800_000_000;
pub const AUDIENCE: &str = "https://api.example.com";

/// What the issuer serves, changeable while it runs.
#[derive(Debug, Default)]
pub struct Served {
    pub jwks: Mutex<String>,
    pub cache_control: Mutex<Option<String>>,
    pub etag: Mutex<Option<String>>,
    /// Overrides the `issuer` of the discovery document.
    pub discovery_issuer: Mutex<Option<String>>,
    /// Answer 503 to everything.
    pub down: AtomicBool,
    /// Hold each JWKS response this long, so that concurrent misses really overlap.
    pub jwks_delay_ms: AtomicUsize,
    pub discovery_requests: AtomicUsize,
    pub jwks_requests: AtomicUsize,
    pub not_modified: AtomicUsize,
}

pub struct Issuer {
    pub url: String,
    pub served: Arc<Served>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Issuer {
    /// An issuer publishing `keys`.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let served = Arc::new(Served::default());
        *served.jwks.lock().unwrap() = jwks(keys);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks_handler))
            .with_state((url.clone(), served.clone()));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, served, task }
    }

    pub fn publish(&self, keys: &[&SigningKey]) {
        *self.served.jwks.lock().unwrap() = jwks(keys);
    }

    pub fn set_cache_control(&self, value: &str) {
        *self.served.cache_control.lock().unwrap() = Some(value.to_owned());
    }

    pub fn set_etag(&self, value: &str) {
        *self.served.etag.lock().unwrap() = Some(value.to_owned());
    }

    pub fn set_down(&self, down: bool) {
        self.served.down.store(down, Ordering::SeqCst);
    }

    pub fn jwks_requests(&self) -> usize {
        self.served.jwks_requests.load(Ordering::SeqCst)
    }

    pub fn discovery_requests(&self) -> usize {
        self.served.discovery_requests.load(Ordering::SeqCst)
    }

    pub fn not_modified(&self) -> usize {
        self.served.not_modified.load(Ordering::SeqCst)
    }

    /// A verifier for this issuer on `clock`: ES256 and RS256, the test audience.
    pub fn verifier(&self, clock: &Arc<ManualClock>) -> VerifierBuilder {
        Verifier::builder()
            .issuer(&self.url)
            .allowed_algorithms([Algorithm::ES256, Algorithm::RS256])
            .audience([AUDIENCE])
            .clock(clock.clone())
            .cache_policy(CachePolicy::default())
    }
}

fn jwks(keys: &[&SigningKey]) -> String {
    JwkSet::new(keys.iter().map(|k| k.public_jwk().clone()).collect()).to_json()
}

type AppState = (String, Arc<Served>);

async fn discovery(State((url, served)): State<AppState>) -> Response {
    served.discovery_requests.fetch_add(1, Ordering::SeqCst);
    if served.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let issuer = served.discovery_issuer.lock().unwrap().clone();
    Json(json!({
        "issuer": issuer.unwrap_or_else(|| url.clone()),
        "jwks_uri": format!("{url}/jwks"),
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
    }))
    .into_response()
}

async fn jwks_handler(State((_, served)): State<AppState>, headers: HeaderMap) -> Response {
    served.jwks_requests.fetch_add(1, Ordering::SeqCst);
    let delay = served.jwks_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    if served.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let cache_control = served.cache_control.lock().unwrap().clone();
    let etag = served.etag.lock().unwrap().clone();
    let mut response_headers = HeaderMap::new();
    if let Some(cc) = &cache_control {
        response_headers.insert(header::CACHE_CONTROL, cc.parse().unwrap());
    }
    if let Some(etag) = &etag {
        response_headers.insert(header::ETAG, etag.parse().unwrap());
        let matches = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        if matches {
            served.not_modified.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::NOT_MODIFIED, response_headers).into_response();
        }
    }
    let body = served.jwks.lock().unwrap().clone();
    (StatusCode::OK, response_headers, body).into_response()
}

/// A signing key with the given kid.
pub fn key(alg: Algorithm, kid: &str) -> SigningKey {
    let spec = match alg {
        Algorithm::ES256 => KeySpec::P256,
        Algorithm::ES384 => KeySpec::P384,
        Algorithm::EdDSA => KeySpec::Ed25519,
        _ => KeySpec::Rsa { bits: 2048 },
    };
    SigningKey::new(
        PrivateKey::generate(spec).unwrap(),
        alg,
        Some(Kid::new(kid).unwrap()),
    )
    .unwrap()
}

/// Claims valid for a day from `T0`, for `issuer` and the test audience.
pub fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer,
        "sub": "alice",
        "aud": AUDIENCE,
        "iat": T0,
        "exp": T0 + 86_400,
    })
}

pub fn token(key: &SigningKey, claims: &Value) -> String {
    jwt::sign(key, Some("at+jwt"), claims).unwrap()
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at_unix(T0))
}

/// A token signed by `key` whose header has no `kid`.
pub fn token_without_kid(key: &SigningKey, claims: &Value) -> String {
    let header = json!({"alg": key.alg().as_str(), "typ": "at+jwt"});
    token_with_header(key, &header, claims)
}

/// A token with an arbitrary header, signed by `key`.
pub fn token_with_header(key: &SigningKey, header: &Value, claims: &Value) -> String {
    use sigil_jose::base64url;
    let mut input = base64url::encode(serde_json::to_vec(header).unwrap());
    input.push('.');
    input.push_str(&base64url::encode(serde_json::to_vec(claims).unwrap()));
    let signature = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", base64url::encode(signature))
}
