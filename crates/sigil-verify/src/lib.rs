//! Verify tokens on a resource server: OpenID Connect discovery → the issuer's JWKS, cached
//! as `Cache-Control` and `ETag` say → signature and claims.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use sigil_verify::{Algorithm, Verifier, VerifiedToken};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .issuer("https://id.example.com/realms/acme") // discovery, and the exact `iss`
//!         .allowed_algorithms([Algorithm::ES256, Algorithm::RS256]) // required: no default
//!         .audience(["https://api.example.com"]) // or, explicitly, .no_audience_check()
//!         .typ("at+jwt") // RFC 9068 access tokens only
//!         .build()?;
//!     verifier.warm_up().await?; // optional: fail now if the issuer is misconfigured
//!
//!     let app = Router::new().route("/me", get(me)).with_state(verifier);
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//!
//! /// Runs only for a valid token; anything else gets a 401 with an RFC 6750
//! /// `WWW-Authenticate: Bearer error="invalid_token", error_description="…"`.
//! async fn me(token: VerifiedToken) -> String {
//!     format!("hello {}", token.claims.sub.unwrap_or_default())
//! }
//! ```
//!
//! Without axum, call [`Verifier::verify`] yourself, or wrap any `http` service in
//! [`tower::BearerAuthLayer`] (feature `tower`), which puts the [`VerifiedToken`] in the
//! request's extensions.
//!
//! What the verifier checks, in order: the header (no `none`, no unknown `crit`); the
//! algorithm against the pinned list; the signature with the key named by `kid`, or —
//! when the token has none — each key that fits the algorithm (seed 002); then `typ` when
//! asked, `exp`, `nbf` and `iat` with leeway, `iss` exactly, `aud` unless explicitly
//! disabled, and the required claims. HS256 with a shared secret is accepted only when
//! [`VerifierBuilder::legacy_hs256_secret`] is called.
//!
//! How keys are cached is described in [`CachePolicy`] and the `jwks_cache` module: one
//! fetch for many concurrent misses, at most one refetch per cool-down for unknown `kid`s,
//! known keys kept for a bounded time when the issuer is down. Every failure is an
//! [`Error`] variant with the values in it. Time comes from an injectable [`Clock`].
//!
//! Features: `axum` (the [`VerifiedToken`] extractor), `tower` (the layer).

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(any(feature = "axum", feature = "tower"))]
pub mod bearer;
mod builder;
pub mod cache_control;
pub mod clock;
pub mod discovery;
mod error;
mod fetch;
mod jwks_cache;
mod key_snapshot;
mod policy;
pub mod public_addresses;
#[cfg(feature = "tower")]
pub mod tower;
mod verifier;

pub use builder::VerifierBuilder;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::Error;
pub use fetch::{HttpClient, HttpOptions};
pub use key_snapshot::KeySnapshot;
pub use policy::CachePolicy;
pub use verifier::{SignedBy, VerifiedToken, Verifier};

pub use sigil_jose::{self, Algorithm, Claims, Header};
