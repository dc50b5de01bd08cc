//! The one error type of the JOSE layer. Variants are precise so that callers (the verifier,
//! the server, the CLI) can match on what failed and explain it in one sentence.

use crate::Algorithm;
use crate::algorithm::KeyKind;
use crate::jwe::KeyManagement;

/// Everything that can go wrong while parsing keys or tokens, signing or verifying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- keys -------------------------------------------------------------------------
    /// A JWK violates RFC 7517/7518 (the message names the member and the rule).
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// A JWK Set is not `{"keys": [...]}`.
    #[error("invalid JWK Set: {0}")]
    InvalidJwkSet(String),
    /// An RSA key below the minimum size (RFC 7518 §3.3: 2048 bits).
    #[error("RSA key is {bits} bits; at least {min} bits are required")]
    KeyTooSmall {
        /// The key's modulus size in bits.
        bits: usize,
        /// The minimum accepted.
        min: usize,
    },
    /// The key cannot be used with the algorithm (e.g. an EC key for RS256).
    #[error("a {key:?} key cannot be used with {alg}")]
    KeyAlgorithmMismatch {
        /// The algorithm asked for.
        alg: Algorithm,
        /// The kind of key at hand.
        key: KeyKind,
    },
    /// The key's own `alg` pins another algorithm than the token's.
    #[error("the key is pinned to {key_alg}, the token says {token_alg}")]
    KeyPinnedToOtherAlgorithm {
        /// The algorithm the key's `alg` member names.
        key_alg: Algorithm,
        /// The algorithm the token's header names.
        token_alg: Algorithm,
    },
    /// The cryptographic library rejected the key material.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A key type or curve Sigil does not support.
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// PEM input that is not what was expected; the message names what was found.
    #[error("{0}")]
    Pem(String),

    // --- JWS --------------------------------------------------------------------------
    /// The compact serialisation is malformed (the message says how).
    #[error("malformed token: {0}")]
    Malformed(String),
    /// `alg: none` — never accepted.
    #[error("unsigned tokens (alg \"none\") are never accepted")]
    AlgNone,
    /// An `alg` Sigil does not implement (or, in this API, an HMAC algorithm).
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The token's algorithm is not among those the caller allows.
    #[error("algorithm {alg} is not allowed (allowed: {})", list(allowed))]
    AlgorithmNotAllowed {
        /// The token's algorithm.
        alg: String,
        /// What the caller pinned.
        allowed: Vec<Algorithm>,
    },
    /// The header lists critical extensions this implementation does not understand
    /// (RFC 7515 §4.1.11).
    #[error("unsupported critical header parameters: {}", .0.join(", "))]
    UnknownCritical(Vec<String>),
    /// The signature does not verify.
    #[error("signature verification failed")]
    InvalidSignature,
    /// Signing failed inside the cryptographic library.
    #[error("signing failed")]
    Signing,

    // --- JWE (RFC 7516) ----------------------------------------------------------------
    /// The input is longer than the caller's policy accepts; nothing was decoded.
    #[error("input is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// The input's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A registered JWE key management algorithm that Sigil refuses by design.
    #[error("key management algorithm {alg:?} is refused: {reason}")]
    RefusedAlgorithm {
        /// The `alg` value.
        alg: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The JWE header asks for compression (`zip`, RFC 7516 §4.1.3), which is refused:
    /// decompressing before authenticating invites decompression bombs.
    #[error("compressed JWE content (zip {0:?}) is refused")]
    CompressionRefused(String),
    /// The JWE's `alg` or `enc` is not among those the caller allows.
    #[error("{param} {value:?} is not allowed here")]
    JweNotAllowed {
        /// `"alg"` or `"enc"`.
        param: &'static str,
        /// The header's value.
        value: String,
    },
    /// No decryption key matches: none has the header's `kid`, or (without a `kid`) none
    /// is pinned to the header's `alg`.
    #[error("no decryption key for kid {} and alg {alg}", opt(kid))]
    NoDecryptionKey {
        /// The header's `kid`, if any.
        kid: Option<String>,
        /// The header's `alg`.
        alg: KeyManagement,
    },
    /// The key is pinned to another key management algorithm than the JWE's.
    #[error(
        "the key {} is pinned to {key_alg}, the JWE says {token_alg}",
        opt(kid)
    )]
    EncryptionKeyPinned {
        /// The key's id, if it has one.
        kid: Option<String>,
        /// The algorithm the key is pinned to.
        key_alg: KeyManagement,
        /// The algorithm the JWE's header names.
        token_alg: KeyManagement,
    },
    /// The key's type cannot serve the key management algorithm (an EC key for RSA-OAEP).
    #[error("a {key:?} key cannot be used with {alg}")]
    JweKeyMismatch {
        /// The key management algorithm asked for.
        alg: KeyManagement,
        /// The kind of key at hand.
        key: KeyKind,
    },
    /// The ECDH-ES ephemeral public key (`epk`) is missing, malformed, on another curve or
    /// not a point of the recipient's curve (an invalid-curve attempt).
    #[error("invalid ephemeral public key: {0}")]
    InvalidEphemeralKey(String),
    /// Decryption failed. Deliberately one error for every secret-dependent failure — a key
    /// that does not decrypt or unwrap, a CEK of the wrong length, an authentication tag that
    /// does not match, bad padding — so that no caller can build an oracle from it
    /// (RFC 7516 §11.4, §11.5).
    #[error("decryption failed")]
    DecryptionFailed,
    /// Encryption failed inside the cryptographic library.
    #[error("encryption failed")]
    Encryption,

    // --- JWT claims -------------------------------------------------------------------
    /// The payload is not a JSON object of well-typed claims.
    #[error("invalid claims: {0}")]
    InvalidClaims(String),
    /// A claim the validation requires is absent.
    #[error("the {0:?} claim is required but missing")]
    MissingClaim(&'static str),
    /// `exp` has passed.
    #[error("token expired at {exp} (now {now}, leeway {leeway}s)")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time of the check.
        now: i64,
        /// The leeway allowed, in seconds.
        leeway: u64,
    },
    /// `nbf` is still in the future.
    #[error("token not valid before {nbf} (now {now}, leeway {leeway}s)")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time of the check.
        now: i64,
        /// The leeway allowed, in seconds.
        leeway: u64,
    },
    /// `iat` lies in the future.
    #[error("token issued in the future at {iat} (now {now}, leeway {leeway}s)")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The time of the check.
        now: i64,
        /// The leeway allowed, in seconds.
        leeway: u64,
    },
    /// `iss` differs from the expected issuer.
    #[error("issuer {} is not the expected {expected:?}", opt(found))]
    IssuerMismatch {
        /// The issuer the caller expects.
        expected: String,
        /// The token's `iss`, if any.
        found: Option<String>,
    },
    /// None of the token's audiences is acceptable.
    #[error("audience {found:?} does not include any of {expected:?}")]
    AudienceMismatch {
        /// The audiences the caller accepts.
        expected: Vec<String>,
        /// The token's `aud` values.
        found: Vec<String>,
    },
    /// The `typ` header is not the one asked for (e.g. `at+jwt`, RFC 9068 §4).
    #[error("token type {} is not the expected {expected:?}", opt(found))]
    TypeMismatch {
        /// The type the caller expects.
        expected: String,
        /// The token's `typ`, if any.
        found: Option<String>,
    },
}

fn list(algs: &[Algorithm]) -> String {
    if algs.is_empty() {
        return "none".to_owned();
    }
    algs.iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("{v:?}"),
        None => "(absent)".to_owned(),
    }
}
