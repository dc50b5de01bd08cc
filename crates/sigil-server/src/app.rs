//! The server as a library: [`Server::build`] binds (port 0 in tests), [`Server::local_addr`]
//! tells where, [`Server::run`] serves until the shutdown future completes, letting in-flight
//! requests finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use sigil_store::Store;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::connections::ConnectionLimits;
use crate::endpoints::{
    authorize, consent, discovery, introspect, jwks, login, logout, par, revoke, token, userinfo,
};
use crate::http::json_error;
use crate::op::Context;
use crate::ops::health;
use crate::ops::metrics::Metrics;
use crate::ops::request_id::SequentialRequestId;
use crate::random::Rng;
use crate::realms::RealmRegistry;
use crate::routes::{self, Endpoint, REALM_PREFIX, ROUTES};
use crate::seal::MasterKey;
use crate::users::PasswordHashing;
use crate::{ServerError, admin, provision};

/// Settings of a running server, validated.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen (`127.0.0.1:0` in tests).
    pub listen: SocketAddr,
    /// The public base URL; `http://` + the bound address when absent.
    pub issuer: Option<String>,
    /// `max-age` of JWKS and discovery responses.
    pub jwks_max_age_secs: u64,
    /// How often to look for changes made by other processes.
    pub refresh_interval: Duration,
    /// How often to check whether a realm's keys are due for rotation.
    pub rotation_interval: Duration,
    /// When starting began (before the store was opened), for the `ready_ms` log field.
    pub started_at: Instant,
    /// How many connections, and how long each may take to speak.
    pub connections: ConnectionLimits,
    /// Serve `/playground` (dev mode only).
    pub playground: bool,
    /// How clients' `jwks_uri` are fetched: https only, or also http to loopback (dev mode).
    pub jwks_uri_policy: crate::op::clients::JwksUriPolicy,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            issuer: None,
            jwks_max_age_secs: 900,
            refresh_interval: Duration::from_secs(1),
            rotation_interval: Duration::from_secs(60),
            started_at: Instant::now(),
            connections: ConnectionLimits::default(),
            playground: false,
            jwks_uri_policy: crate::op::clients::JwksUriPolicy::HttpsOnly,
        }
    }
}

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    /// Store, clock and randomness: what the protocol services of `op` take.
    pub ctx: Context,
    /// The realms.
    pub realms: Arc<RealmRegistry>,
    /// Settings.
    pub config: ServerConfig,
    /// Counters (shared with the realm registry, which counts refresh failures).
    pub metrics: Arc<Metrics>,
    /// `Cache-Control` of discovery and JWKS responses (from `jwks_max_age_secs`).
    pub cache_control: HeaderValue,
    /// How passwords are verified at login (argon2id on the bounded pool).
    pub passwords: PasswordHashing,
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    issuer: String,
}

impl Server {
    /// Checks the master key against the store, binds the listener and prepares the app.
    pub async fn build(
        config: ServerConfig,
        store: Arc<dyn Store>,
        master: Arc<MasterKey>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
    ) -> Result<Self, ServerError> {
        provision::check_master_key(&*store, &master).await?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| ServerError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
        let local = listener.local_addr()?;
        let issuer = match &config.issuer {
            Some(issuer) => provision::validate_base_url(issuer)?,
            None => format!("http://{local}"),
        };
        let metrics = Arc::new(Metrics::default());
        let realms = Arc::new(
            RealmRegistry::new(
                store.clone(),
                master,
                issuer.clone(),
                clock.clone(),
                metrics.clone(),
            )
            .await?,
        );
        let app = Arc::new(App {
            ctx: Context::new(
                store,
                clock,
                rng,
                Arc::new(crate::op::clients::ClientKeys::new(config.jwks_uri_policy)?),
            ),
            realms,
            cache_control: crate::http::public_cache_control(config.jwks_max_age_secs),
            passwords: PasswordHashing::owasp(),
            config,
            metrics,
        });
        Ok(Self {
            listener,
            app,
            issuer,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.app.config.listen)
    }

    /// The public base URL: the `default` realm's issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The password hashing the server's sign-ins use: a provisioner in the same process
    /// should share it (`Provisioner::with_password_hashing`), so that one pool of about one
    /// permit per core bounds all the process's hashing.
    pub fn passwords(&self) -> &crate::users::PasswordHashing {
        &self.app.passwords
    }

    /// Serves until `shutdown` completes; in-flight requests finish first.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        if let Err(e) = self.app.realms.get_default().await {
            tracing::warn!(error = %e, "default realm not loaded at start");
        }
        let refresher = tokio::spawn(
            self.app
                .realms
                .clone()
                .refresh_forever(self.app.config.refresh_interval),
        );
        let janitor = tokio::spawn(janitor(self.app.clone()));
        // The CSPRNG seeds itself on first use (≈ 20 ms); do it now, off the request path, so
        // the first token issued does not wait for it.
        let rng = self.app.ctx.rng.clone();
        tokio::task::spawn_blocking(move || {
            if crate::random::token(&*rng, 1).is_err() {
                tracing::error!(
                    "the random number generator failed; requests that need it get 503"
                );
            }
        });
        let rotator = tokio::spawn(rotate_keys(self.app.clone()));
        tracing::info!(
            issuer = %self.issuer,
            listen = %self.local_addr(),
            store = self.app.ctx.store.backend(),
            ready_ms = self.app.config.started_at.elapsed().as_millis() as u64,
            "sigil is serving"
        );
        let router = router(self.app.clone());
        let served =
            crate::connections::serve(self.listener, router, self.app.config.connections, shutdown)
                .await;
        refresher.abort();
        janitor.abort();
        rotator.abort();
        tracing::info!("sigil stopped");
        served.map_err(ServerError::from)
    }
}

/// Schedules key rotations that are due, in every realm, on the configured interval. Any node
/// may do it; the store lets exactly one insert each next key.
async fn rotate_keys(app: Arc<App>) {
    let lead = crate::keys::lifecycle::prepublication(app.config.jwks_max_age_secs);
    let mut ticker = tokio::time::interval(app.config.rotation_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let mut after = None;
        loop {
            let page = match app.ctx.store.list_realms_page(after.as_ref(), 500).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "key rotation check failed");
                    break;
                }
            };
            let Some(last) = page.last() else { break };
            after = Some(last.name.clone());
            rotate_page(&app, &page, lead).await;
        }
    }
}

/// Rotates the keys that are due in these realms.
async fn rotate_page(app: &App, realms: &[sigil_store::Realm], lead: i64) {
    for realm in realms {
        let now = app.ctx.now();
        let rotated = crate::keys::rotation::rotate_due(
            &*app.ctx.store,
            app.realms.master(),
            realm,
            lead,
            now,
        );
        if let Err(e) = rotated.await {
            tracing::warn!(realm = %realm.name, error = %e, "key rotation failed");
        }
    }
}

/// Rows a janitor pass deletes per table per statement: small enough that SQLite's write lock
/// (or a PostgreSQL row lock) is held for milliseconds, so requests never queue behind it.
const JANITOR_BATCH: u32 = 500;
/// Statements of one pass at most: a backlog beyond `JANITOR_BATCH × this` per table waits
/// for the next pass rather than keeping the database busy.
const JANITOR_ROUNDS: u32 = 200;

/// Deletes dead rows (used codes, expired grants and sessions, stale login-failure counts,
/// expired feed entries) every few minutes, in bounded batches, so that tables stay the size
/// of what is live — Hydra's tables grow until an operator runs its janitor by hand. Every
/// node runs it; the deletes are idempotent, so two at once only share the work.
async fn janitor(app: Arc<App>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(300));
    loop {
        ticker.tick().await;
        janitor_pass(&app).await;
    }
}

/// One pass: batches until nothing is left or the round budget is spent.
pub async fn janitor_pass(app: &App) {
    let mut purged = sigil_store::PurgeReport::default();
    for _ in 0..JANITOR_ROUNDS {
        match app
            .ctx
            .store
            .purge_expired(app.ctx.now(), JANITOR_BATCH)
            .await
        {
            Ok(report) if report.total() == 0 => break,
            Ok(report) => {
                purged.codes += report.codes;
                purged.grants += report.grants;
                purged.sessions += report.sessions;
                purged.throttle += report.throttle;
                purged.feed += report.feed;
                purged.assertions += report.assertions;
            }
            Err(e) => {
                tracing::warn!(error = %e, "janitor: purging expired rows failed; retrying at the next pass");
                break;
            }
        }
        // Let requests through between batches.
        tokio::task::yield_now().await;
    }
    if purged.total() > 0 {
        tracing::info!(
            codes = purged.codes,
            grants = purged.grants,
            sessions = purged.sessions,
            throttle = purged.throttle,
            feed = purged.feed,
            assertions = purged.assertions,
            "janitor: expired rows purged"
        );
    }
}

/// The HTTP routes: every row of the route table at the root (realm `default`) and under
/// `/realms/{realm}`, plus the server-wide paths.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        for path in route.paths() {
            router = router
                .route(path, handler(route.endpoint))
                .route(&format!("{REALM_PREFIX}{path}"), handler(route.endpoint));
        }
    }
    if app.config.playground {
        router = router.route(
            routes::server::PLAYGROUND,
            get(crate::endpoints::playground::playground),
        );
    }
    let request_id = HeaderName::from_static("x-request-id");
    router
        // RFC 8414 §3.1: metadata of an issuer with a path, at the path-inserted URL.
        .route(
            &format!("{}{REALM_PREFIX}", routes::url("", Endpoint::OAuthMetadata)),
            get(discovery::oauth_authorization_server),
        )
        .route(routes::server::HEALTHZ, get(health::healthz))
        .route(routes::server::READYZ, get(health::readyz))
        .route(routes::server::METRICS, get(metrics))
        .route(routes::server::ADMIN_MINT, post(admin::mint::mint))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), track))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The path only: query strings can carry codes and tokens. At DEBUG: a span that
            // is never logged still costs its creation on every request (≈ 5% of a JWKS
            // request's CPU at INFO); the id is in the response's `x-request-id` regardless.
            tracing::debug_span!("request", id, method = %request.method(), path = request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, SequentialRequestId::new()))
        .with_state(app)
}

fn handler(endpoint: Endpoint) -> MethodRouter<Arc<App>> {
    let method_router = match endpoint {
        Endpoint::Discovery => get(discovery::openid_configuration),
        Endpoint::OAuthMetadata => get(discovery::oauth_authorization_server),
        Endpoint::Jwks => get(jwks::jwks),
        Endpoint::Authorize => get(authorize::authorize).post(authorize::authorize),
        Endpoint::Token => post(token::token),
        Endpoint::Introspect => post(introspect::introspect),
        Endpoint::Revoke => post(revoke::revoke),
        Endpoint::Login => post(login::login),
        Endpoint::Consent => post(consent::consent),
        Endpoint::Userinfo => get(userinfo::userinfo).post(userinfo::userinfo),
        Endpoint::Logout => get(logout::logout).post(logout::logout),
        Endpoint::PushedAuthorization => post(par::par),
    };
    method_router.fallback(method_not_allowed)
}

async fn method_not_allowed() -> Response {
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        "this endpoint does not accept that method",
    )
}

async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// Counts every request by matched route and status, with its latency.
async fn track(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // `MatchedPath` holds an `Arc<str>`: a clone, not a copy of the path.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    app.metrics.request(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
