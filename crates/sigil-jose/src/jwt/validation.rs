//! Claim validation (RFC 7519 §4.1, RFC 9068 §4), with `now` passed in.

use crate::Error;
use crate::jws::Header;
use crate::jwt::{Claims, NumericDate};

/// What to require of `aud`. There is no default: a caller either names its audiences or
/// says, explicitly, that it does not check them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudienceCheck {
    /// `aud` must be present and contain at least one of these.
    OneOf(Vec<String>),
    /// `aud` is not checked (seed 002's `verify_aud: False`); use only when the issuer
    /// mints tokens for this one consumer.
    Disabled,
}

/// The checks applied to a verified token's header and claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// `iss` must equal this exactly, when set.
    pub issuer: Option<String>,
    /// The audience rule.
    pub audience: AudienceCheck,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// Whether `exp` must be present (default: yes).
    pub require_exp: bool,
    /// Further claims that must be present.
    pub required_claims: Vec<String>,
    /// The header `typ` required, when set (e.g. `at+jwt`).
    pub typ: Option<String>,
}

impl Validation {
    /// Default leeway: one minute.
    pub const DEFAULT_LEEWAY_SECS: u64 = 60;

    /// Tokens from `issuer` for the given audience rule; `exp` required, 60 s leeway.
    pub fn new(issuer: impl Into<String>, audience: AudienceCheck) -> Self {
        Self {
            issuer: Some(issuer.into()),
            audience,
            leeway_secs: Self::DEFAULT_LEEWAY_SECS,
            require_exp: true,
            required_claims: Vec::new(),
            typ: None,
        }
    }

    /// Checks, in order: `typ`, `exp`, `nbf`, `iat`, `iss`, `aud`, required claims.
    pub fn validate(
        &self,
        header: &Header,
        claims: &Claims,
        now: NumericDate,
    ) -> Result<(), Error> {
        if let Some(expected) = &self.typ
            && !header.typ_is(expected)
        {
            return Err(Error::TypeMismatch {
                expected: expected.clone(),
                found: header.typ.clone(),
            });
        }
        let leeway = self.leeway_secs;
        match claims.exp {
            // RFC 7519 §4.1.3: the token must not be accepted on or after `exp`.
            Some(exp) if now.0 >= exp.plus(leeway).0 => {
                return Err(Error::Expired {
                    exp: exp.0,
                    now: now.0,
                    leeway,
                });
            }
            None if self.require_exp => return Err(Error::MissingClaim("exp")),
            _ => {}
        }
        if let Some(nbf) = claims.nbf
            && now.plus(leeway) < nbf
        {
            return Err(Error::NotYetValid {
                nbf: nbf.0,
                now: now.0,
                leeway,
            });
        }
        if let Some(iat) = claims.iat
            && now.plus(leeway) < iat
        {
            return Err(Error::IssuedInFuture {
                iat: iat.0,
                now: now.0,
                leeway,
            });
        }
        if let Some(expected) = &self.issuer
            && claims.iss.as_deref() != Some(expected.as_str())
        {
            return Err(Error::IssuerMismatch {
                expected: expected.clone(),
                found: claims.iss.clone(),
            });
        }
        if let AudienceCheck::OneOf(expected) = &self.audience {
            let accepted = claims
                .aud
                .as_ref()
                .is_some_and(|aud| expected.iter().any(|e| aud.contains(e)));
            if !accepted {
                return Err(Error::AudienceMismatch {
                    expected: expected.clone(),
                    found: claims
                        .aud
                        .iter()
                        .flat_map(|a| a.iter().map(str::to_owned))
                        .collect(),
                });
            }
        }
        for name in &self.required_claims {
            if !claims.has(name) {
                return Err(Error::InvalidClaims(format!(
                    "the {name:?} claim is required but missing"
                )));
            }
        }
        Ok(())
    }
}
