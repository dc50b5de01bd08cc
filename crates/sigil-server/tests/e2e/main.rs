//! End-to-end tests: the real server on 127.0.0.1:0 with a fresh SQLite file, driven over HTTP
//! by real clients (reqwest, the `openidconnect` crate, `jsonwebtoken` as an independent JOSE
//! implementation). One test binary; no fixed ports; no order dependence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly or not at all

mod admin_bodies;
mod admin_mint;
mod authorize_rules;
mod bad_input;
mod branding;
mod browser;
mod client_credentials;
mod client_policy;
mod connections;
mod consent;
mod discovery;
mod encrypted_request_objects;
mod encryption_keys;
mod first_party_verifier;
mod introspection;
mod introspection_rules;
mod jwks;
mod live_changes;
mod login_rules;
mod many_realms;
mod operations;
mod pairwise;
mod par;
mod people_support;
mod people_tokens;
mod pkjwt_assertions;
mod pkjwt_request_objects;
mod pkjwt_support;
mod randomness;
mod realm_refresh;
mod registration;
mod registration_abuse;
mod registration_management;
mod registration_support;
mod relying_party;
mod rotation;
mod sign_in;
mod store_double;
mod store_failures;
mod support;
mod verified_tokens;
