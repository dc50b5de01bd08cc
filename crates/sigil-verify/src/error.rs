//! The one error type of the verifier. Each variant says precisely what failed, in one
//! sentence, and carries the values in fields so that callers can match on them.
//!
//! Token failures that the JOSE layer detects (expired, wrong issuer, algorithm not
//! allowed, bad signature…) arrive as [`Error::Token`] wrapping the typed
//! [`sigil_jose::Error`]; [`Error::kind`] gives every failure a stable short name.

/// Everything that can make a verification, or building a verifier, fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- configuration ---------------------------------------------------------------
    /// The verifier was configured inconsistently (the message says how).
    #[error("invalid verifier configuration: {0}")]
    Config(String),
    /// A URL is not one the verifier will fetch.
    #[error("cannot use {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    // --- the token -------------------------------------------------------------------
    /// The token itself failed: malformed, algorithm not allowed, bad signature, expired,
    /// wrong issuer, audience or type.
    #[error(transparent)]
    Token(#[from] sigil_jose::Error),
    /// The token names a `kid` that the issuer's key set does not contain (even after the
    /// refetch an unknown `kid` allows once per cool-down).
    #[error("kid {kid:?} is not among the issuer's keys [{}]", known.join(", "))]
    UnknownKid {
        /// The token's `kid`.
        kid: String,
        /// The `kid`s the key set holds.
        known: Vec<String>,
    },
    /// The token has no `kid` and no key of the set admits its algorithm.
    #[error("no key of the issuer's set can verify {alg} (the token has no kid; keys: [{}])", known.join(", "))]
    NoMatchingKey {
        /// The token's algorithm.
        alg: String,
        /// The `kid`s the key set holds.
        known: Vec<String>,
    },
    /// A claim the verifier was configured to require is absent.
    #[error("the {name:?} claim is required but missing")]
    MissingClaim {
        /// The claim's name.
        name: String,
    },

    // --- the issuer ------------------------------------------------------------------
    /// A fetch failed: the connection, a timeout, or a non-success status.
    #[error("could not fetch {url}: {reason}")]
    IssuerUnreachable {
        /// What was fetched.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The discovery document is not what OpenID Connect Discovery 1.0 §3 describes.
    #[error("invalid discovery document at {url}: {reason}")]
    InvalidDiscovery {
        /// Where it came from.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The discovery document names another issuer than the one configured (§4.3).
    #[error("the discovery document names issuer {found:?}, not the configured {configured:?}")]
    DiscoveryIssuerMismatch {
        /// The issuer the verifier was built for.
        configured: String,
        /// The `issuer` in the document.
        found: String,
    },
    /// The JWKS document is not a JWK Set (RFC 7517 §5).
    #[error("invalid JWK Set at {url}: {source}")]
    InvalidJwks {
        /// Where it came from.
        url: String,
        /// What the JOSE layer objected to.
        source: sigil_jose::Error,
    },
    /// The keys went stale longer ago than the policy's stale limit and the issuer still
    /// cannot be reached.
    #[error(
        "the issuer's keys went stale {stale_for_secs}s ago, past the {limit_secs}s stale limit, \
         and refreshing them failed: {cause}"
    )]
    StaleKeysExpired {
        /// Seconds since the keys stopped being fresh.
        stale_for_secs: u64,
        /// The policy's stale limit, in seconds.
        limit_secs: u64,
        /// The last refresh failure.
        cause: Box<Error>,
    },
}

impl Error {
    /// A stable snake_case name for the failure, for logs and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::Token(e) => token_kind(e),
            Self::UnknownKid { .. } => "unknown_kid",
            Self::NoMatchingKey { .. } => "no_matching_key",
            Self::MissingClaim { .. } => "missing_claim",
            Self::IssuerUnreachable { .. } => "issuer_unreachable",
            Self::InvalidDiscovery { .. } => "invalid_discovery",
            Self::DiscoveryIssuerMismatch { .. } => "discovery_issuer_mismatch",
            Self::InvalidJwks { .. } => "invalid_jwks",
            Self::StaleKeysExpired { .. } => "stale_keys_expired",
        }
    }

    /// Whether the failure lies with the token (the client's fault: 401) rather than with
    /// the verifier's configuration or the issuer (the server's problem: 5xx).
    pub fn is_token_error(&self) -> bool {
        matches!(
            self,
            Self::Token(_)
                | Self::UnknownKid { .. }
                | Self::NoMatchingKey { .. }
                | Self::MissingClaim { .. }
        )
    }
}

fn token_kind(e: &sigil_jose::Error) -> &'static str {
    use sigil_jose::Error as J;
    match e {
        J::Malformed(_) => "malformed",
        J::AlgNone => "alg_none",
        J::UnsupportedAlgorithm(_) => "unsupported_algorithm",
        J::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
        J::UnknownCritical(_) => "unknown_critical",
        J::InvalidSignature => "invalid_signature",
        J::InvalidClaims(_) => "invalid_claims",
        J::MissingClaim(_) => "missing_claim",
        J::Expired { .. } => "expired",
        J::NotYetValid { .. } => "not_yet_valid",
        J::IssuedInFuture { .. } => "issued_in_future",
        J::IssuerMismatch { .. } => "issuer_mismatch",
        J::AudienceMismatch { .. } => "audience_mismatch",
        J::TypeMismatch { .. } => "type_mismatch",
        J::KeyAlgorithmMismatch { .. } | J::KeyPinnedToOtherAlgorithm { .. } => {
            "key_algorithm_mismatch"
        }
        _ => "invalid_key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_values() {
        let e = Error::UnknownKid {
            kid: "k9".into(),
            known: vec!["k1".into(), "k2".into()],
        };
        assert_eq!(
            e.to_string(),
            "kid \"k9\" is not among the issuer's keys [k1, k2]"
        );
        let e = Error::Token(sigil_jose::Error::Expired {
            exp: 100,
            now: 200,
            leeway: 60,
        });
        assert_eq!(e.to_string(), "token expired at 100 (now 200, leeway 60s)");
        assert_eq!(e.kind(), "expired");
        assert!(e.is_token_error());
        let e = Error::StaleKeysExpired {
            stale_for_secs: 3_601,
            limit_secs: 3_600,
            cause: Box::new(Error::IssuerUnreachable {
                url: "http://127.0.0.1:9/jwks".into(),
                reason: "connection refused".into(),
            }),
        };
        assert!(
            e.to_string()
                .contains("3601s ago, past the 3600s stale limit")
        );
        assert!(!e.is_token_error());
    }
}
