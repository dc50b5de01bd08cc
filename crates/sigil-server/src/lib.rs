//! The Sigil OpenID provider as a library; `sigil serve` is a thin wrapper around [`Server`].
//!
//! **Architecture invariants:** this is the only crate that knows axum and HTML; it knows no
//! SQL (that is `sigil-store`) and no JOSE rule (that is `sigil-jose`). Time comes from the
//! [`clock::Clock`] the server is built with.

pub mod admin;
pub mod app;
pub mod clients;
pub mod clock;
pub mod connections;
pub mod endpoints;
mod error;
pub mod http;
pub mod keys;
pub mod oauth;
pub mod op;
pub mod ops;
pub mod provision;
pub mod random;
pub mod realms;
pub mod routes;
pub mod seal;
pub mod tokens;
pub mod ui;
pub mod users;

pub use app::{App, Server, ServerConfig};
pub use error::ServerError;
