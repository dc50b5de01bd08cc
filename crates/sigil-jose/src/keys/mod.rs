//! Keys, parsed once and kept parsed.
//!
//! aws-lc-rs validates an RSA private key when it parses it (≈140 µs for RSA-2048, more than a
//! third of a signature), so a [`PrivateKey`] is parsed when it is loaded and a
//! [`SigningKey`] signs with it for as long as it lives. The same holds for
//! [`VerifyingKey`]s, which hold one parsed public key per algorithm they admit.

mod private;
mod private_jwk;
mod signing;
mod verifying;

pub use private::{KeySpec, PrivateKey};
pub use signing::SigningKey;
pub use verifying::VerifyingKey;
