//! Tokens Sigil issues and inspects: RFC 9068 access tokens, tokens minted for a subject by a
//! trusted backend (seed 000), personal access tokens (seed 002), and inspection of any of them
//! for introspection and revocation.

pub mod access_token;
pub mod id_token;
pub mod inspect;
pub mod mint;
pub mod pat;
pub mod verified;

use serde::Serialize;

/// An `aud` claim of one or several values, serialised as RFC 7519 §4.1.3 allows.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Aud<'a> {
    /// One audience: a string.
    One(&'a str),
    /// Several: an array.
    Many(&'a [String]),
}

impl<'a> Aud<'a> {
    /// The most compact form of `audiences`.
    pub fn of(audiences: &'a [String]) -> Self {
        match audiences {
            [one] => Self::One(one),
            many => Self::Many(many),
        }
    }
}
