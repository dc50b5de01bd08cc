//! JOSE for Sigil: the rules of RFC 7515 (JWS), 7516 (JWE), 7517 (JWK), 7518 (JWA), 7519 (JWT),
//! 7638 (thumbprints) and 8037 (EdDSA), on top of aws-lc-rs primitives.
//!
//! **Architecture invariant:** no I/O, no async, no clock. Every time-dependent check takes
//! `now` as an argument, so the server and the verifier decide where time comes from.
//!
//! The crate is organised after the specifications:
//!
//! * [`Algorithm`] — the JWS algorithms Sigil signs and verifies (RFC 7518 §3, RFC 8037).
//!   HMAC lives apart, in [`legacy_hmac`], so that no verifier can accept it by accident.
//! * [`jwk`] — public JWKs and JWK Sets, strictly parsed; a [`jwk::PublicJwk`] has no field
//!   that could hold private material. [`jwk::thumbprint`] computes RFC 7638 key ids.
//! * [`keys`] — parsed key pairs ([`keys::PrivateKey`], [`keys::SigningKey`]) and parsed
//!   public keys ([`keys::VerifyingKey`]); parsing happens once, never per signature.
//! * [`pem`] — PEM import (PKCS#8, PKCS#1, SEC1, SPKI) and export.
//! * [`jws`] — the compact serialisation: header rules, signing and verification.
//! * [`jwt`] — claims and their validation.
//! * [`jwe`] — the JWE compact serialisation (RFC 7516) with RSA-OAEP and ECDH-ES key
//!   management and AES-GCM and AES-CBC-HMAC content encryption (RFC 7518 §4–§5).
//! * [`dangerous`] — decoding without verification, for display only.

pub mod algorithm;
pub mod base64url;
pub mod dangerous;
mod error;
pub mod jwe;
pub mod jwk;
pub mod jws;
pub mod jwt;
pub mod keys;
pub mod legacy_hmac;
pub mod pem;

pub use algorithm::Algorithm;
pub use error::Error;
pub use jwk::{JwkSet, Kid, PublicJwk};
pub use jws::{CompactJws, Header};
pub use jwt::{Audience, Claims, NumericDate, Validation};
pub use keys::{KeySpec, PrivateKey, SigningKey, VerifyingKey};
