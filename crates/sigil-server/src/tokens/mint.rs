//! Trusted minting (seed 000): a backend that already authenticated a user asks Sigil, with an
//! admin token, for a signed JWT about that user. The caller chooses the subject, audience,
//! lifetime and extra claims; Sigil owns the claims that make the token trustworthy.

use serde_json::{Map, Value};
use sigil_jose::{Algorithm, jwt};

use super::Aud;
use crate::ServerError;
use crate::random::{self, Rng};
use crate::realms::RealmState;

/// Claims a caller may not set: registered claims, and those that would make the token look
/// like another kind (an access token's `client_id`, a PAT's `token_use`).
pub const RESERVED_CLAIMS: [&str; 11] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "azp",
    "token_use",
    "cnf",
];

/// Default lifetime of a minted token.
pub const DEFAULT_TTL_SECS: u64 = 600;

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct MintRequest {
    /// `sub`: the user the caller authenticated.
    pub subject: String,
    /// `aud`; omitted when empty.
    pub audiences: Vec<String>,
    /// Lifetime; [`DEFAULT_TTL_SECS`] when absent.
    pub ttl_secs: Option<u64>,
    /// Extra claims.
    pub claims: Map<String, Value>,
    /// Signing algorithm; the realm's RS256 key when absent.
    pub alg: Option<Algorithm>,
}

/// A minted token.
#[derive(Debug, Clone)]
pub struct Minted {
    /// The compact JWT.
    pub token: String,
    /// Its `exp`.
    pub expires_at: i64,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// The key that signed it.
    pub kid: String,
    /// The algorithm.
    pub alg: Algorithm,
}

/// Mints a token for `request` at `now`. Refuses (with [`ServerError::Invalid`]) an empty
/// subject, a control character in `sub` or an `aud` value, a reserved claim, a lifetime
/// beyond the realm's limit or an algorithm the realm has no key for.
pub fn mint(
    realm: &RealmState,
    request: &MintRequest,
    now: i64,
    rng: &dyn Rng,
) -> Result<Minted, ServerError> {
    if request.subject.trim().is_empty() {
        return Err(ServerError::Invalid("sub must not be empty".into()));
    }
    check_no_control("sub", &request.subject)?;
    for audience in &request.audiences {
        check_no_control("aud", audience)?;
    }
    if let Some(reserved) = request
        .claims
        .keys()
        .find(|k| RESERVED_CLAIMS.contains(&k.as_str()))
    {
        return Err(ServerError::Invalid(format!(
            "claim {reserved:?} is reserved and set by Sigil"
        )));
    }
    let max = realm.settings.minted_token_max_ttl_secs;
    let ttl = request.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if ttl == 0 || ttl > max {
        return Err(ServerError::Invalid(format!(
            "ttl must be between 1 and {max} seconds"
        )));
    }
    let alg = request.alg.unwrap_or(Algorithm::RS256);
    let signer = realm.keys.signer(alg).ok_or_else(|| {
        ServerError::Invalid(format!("realm {} has no {alg} signing key", realm.name))
    })?;
    let expires_at = now.saturating_add_unsigned(ttl);
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::from(realm.issuer.as_str()));
    claims.insert("sub".into(), Value::from(request.subject.as_str()));
    if !request.audiences.is_empty() {
        claims.insert(
            "aud".into(),
            serde_json::to_value(Aud::of(&request.audiences)).unwrap_or(Value::Null),
        );
    }
    claims.insert("exp".into(), Value::from(expires_at));
    claims.insert("iat".into(), Value::from(now));
    claims.insert("jti".into(), Value::from(random::token(rng, 16)?));
    claims.extend(request.claims.clone());
    let token = jwt::sign(signer, Some(jwt::TYP_JWT), &claims)?;
    Ok(Minted {
        token,
        expires_at,
        expires_in: ttl,
        kid: signer.kid().as_str().to_owned(),
        alg,
    })
}

/// `sub` and `aud` are StringOrURI values (RFC 7519 §2, §4.1.2–§4.1.3) that relying parties
/// compare, log and store as text: a NUL or another control character (Unicode `Cc`) would
/// be truncated by C strings, split log lines or make two different-looking ids equal, so
/// none is minted. The message names the character by code point, never raw.
fn check_no_control(claim: &str, value: &str) -> Result<(), ServerError> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(ServerError::Invalid(format!(
            "{claim} must not contain control characters (found U+{:04X})",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}
