//! What a presented token is: verified against the realm's published keys (or, when the realm
//! allows it, the legacy HS256 secret), unexpired, issued by this realm, not revoked.
//! Introspection and revocation both start here.

use serde_json::{Map, Value};
use sigil_jose::jws::{CompactJws, Header, HeaderAlg};
use sigil_jose::jwt::AudienceCheck;
use sigil_jose::legacy_hmac::{self, HmacAlgorithm};
use sigil_jose::{Claims, NumericDate, Validation};
use sigil_store::{Store, StoreError};

use crate::realms::RealmState;

/// The `token_use` claim that marks a personal access token.
pub const TOKEN_USE_PAT: &str = "pat";

/// The outcome of inspecting a token.
#[derive(Debug)]
pub enum Inspection {
    /// Valid now.
    Active {
        /// Its claims.
        claims: Claims,
        /// Verified with the legacy HS256 secret.
        legacy: bool,
    },
    /// Not valid (the reason is for logs only; RFC 7662 §2.2 says nothing more).
    Inactive(&'static str),
}

/// Inspects `token` for `realm` at `now`. Only store failures are errors.
pub async fn inspect(
    store: &dyn Store,
    realm: &RealmState,
    token: &str,
    now: i64,
) -> Result<Inspection, StoreError> {
    let Ok(jws) = CompactJws::parse(token) else {
        return Ok(Inspection::Inactive("not a JWS"));
    };
    let (claims, header, legacy) = match verify(realm, jws) {
        Some(verified) => verified,
        None => return Ok(Inspection::Inactive("signature")),
    };
    let mut validation = Validation::new(realm.issuer.clone(), AudienceCheck::Disabled);
    validation.leeway_secs = 0;
    if legacy {
        // Legacy tokens come from the system being migrated away from; their `iss` is its own.
        validation.issuer = None;
    }
    if validation
        .validate(&header, &claims, NumericDate(now))
        .is_err()
    {
        return Ok(Inspection::Inactive("claims"));
    }
    let is_pat = claims.extra.get("token_use").and_then(Value::as_str) == Some(TOKEN_USE_PAT);
    match claims.jti.as_deref() {
        // In memory, not a store round trip: see `realms::revocations`.
        Some(jti) if realm.revocations.is_revoked(jti) => {
            return Ok(Inspection::Inactive("revoked"));
        }
        Some(jti) if is_pat && realm.pat_uses.is_due(jti, now) => {
            store.touch_pat(&realm.name, jti, now).await?;
        }
        Some(_) => {}
        None if is_pat => return Ok(Inspection::Inactive("personal access token without jti")),
        None => {}
    }
    Ok(Inspection::Active { claims, legacy })
}

/// Checks the signature; returns the claims, the header, and whether the legacy secret
/// verified them.
fn verify(realm: &RealmState, jws: CompactJws<'_>) -> Option<(Claims, Header, bool)> {
    match jws.header().alg {
        HeaderAlg::Jws(alg) => {
            let keys = &realm.keys;
            let verified = match jws.header().kid.clone() {
                Some(kid) => jws.verify(keys.verifier(&kid)?, &[alg]).ok()?,
                // Seed 002: without a kid, try each key that fits the algorithm.
                None => keys
                    .verifiers_for(alg)
                    .find_map(|key| jws.clone().verify(key, &[alg]).ok())?,
            };
            Some((
                verified.payload_json().ok()?,
                verified.header().clone(),
                false,
            ))
        }
        HeaderAlg::LegacyHmac(HmacAlgorithm::HS256) => {
            let secret = realm.legacy_hs256.as_ref()?;
            let verified = legacy_hmac::verify(jws, secret, &[HmacAlgorithm::HS256]).ok()?;
            Some((
                verified.payload_json().ok()?,
                verified.header().clone(),
                true,
            ))
        }
        HeaderAlg::LegacyHmac(_) => None,
    }
}

/// The RFC 7662 response members of an active token: its claims, `active` and `token_type`.
pub fn introspection_members(claims: &Claims, legacy: bool) -> Map<String, Value> {
    let mut members = match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    members.insert("active".into(), Value::Bool(true));
    members.insert("token_type".into(), Value::from("Bearer"));
    if legacy {
        members.insert("legacy_alg".into(), Value::from("HS256"));
    }
    members
}
