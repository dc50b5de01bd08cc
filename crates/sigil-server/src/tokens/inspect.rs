//! What a presented token is: verified against the realm's published keys (or, when the realm
//! allows it, the legacy HS256 secret), unexpired, issued by this realm, not revoked, and a
//! token meant to be presented to a resource server. Introspection and revocation both start
//! here.
//!
//! **Invariant:** only bearer tokens are ever active: RFC 9068 access tokens (`typ: at+jwt`),
//! personal access tokens and, where the realm accepts them, legacy HS256 tokens. Anything else
//! the realm signs — minted assertions today, ID tokens, logout tokens and request objects
//! tomorrow — verifies but is not a credential, so it is inactive.
//!
//! **Invariant:** an access token of a person's grant (`gid`) is inactive once the grant is
//! revoked, and one of a login session (`sid`) once the session has ended.

use std::sync::Arc;

use serde_json::{Map, Value};
use sigil_jose::jws::{CompactJws, Header, HeaderAlg};
use sigil_jose::jwt::{AudienceCheck, TYP_ACCESS_TOKEN, TYP_JWT};
use sigil_jose::legacy_hmac::{self, HmacAlgorithm};
use sigil_jose::{Audience, Claims, NumericDate, Validation};
use sigil_store::{Store, StoreError};

use super::verified::{Verified, VerifiedTokens};
use crate::op::clients::{ClientLookupError, ClientMetadata};
use crate::realms::RealmState;

/// The `token_use` claim that marks a personal access token.
pub const TOKEN_USE_PAT: &str = "pat";

/// What kind of bearer token an active token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An RFC 9068 access token issued at the token endpoint (`typ: at+jwt`).
    AccessToken,
    /// A personal access token (`token_use: pat`).
    PersonalAccessToken,
    /// A token of the system being migrated from, verified with the legacy HS256 secret.
    Legacy,
}

/// The outcome of inspecting a token.
#[derive(Debug)]
pub enum Inspection {
    /// Valid now.
    Active {
        /// Its claims.
        claims: Claims,
        /// What it is.
        kind: TokenKind,
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
    let digest = VerifiedTokens::digest(token);
    let verified = match realm.verified.get(&digest) {
        Some(verified) => verified,
        None => {
            let Ok(jws) = CompactJws::parse(token) else {
                return Ok(Inspection::Inactive("not a JWS"));
            };
            let Some((claims, header, legacy)) = verify(realm, jws) else {
                return Ok(Inspection::Inactive("signature"));
            };
            let verified = Arc::new(Verified {
                claims,
                header,
                legacy,
            });
            realm.verified.insert(digest, verified.clone());
            verified
        }
    };
    let Verified {
        claims,
        header,
        legacy,
    } = &*verified;
    let (claims, header, legacy) = (claims.clone(), header, *legacy);
    let mut validation = Validation::new(realm.issuer.clone(), AudienceCheck::Disabled);
    validation.leeway_secs = 0;
    if legacy {
        // Legacy tokens come from the system being migrated away from; their `iss` is its own.
        validation.issuer = None;
    }
    if validation
        .validate(header, &claims, NumericDate(now))
        .is_err()
    {
        return Ok(Inspection::Inactive("claims"));
    }
    let is_pat = claims.extra.get("token_use").and_then(Value::as_str) == Some(TOKEN_USE_PAT);
    let typ = header.typ.as_deref();
    let kind = if legacy {
        TokenKind::Legacy
    } else if typ == Some(TYP_ACCESS_TOKEN) && !is_pat {
        TokenKind::AccessToken
    } else if typ == Some(TYP_JWT) && is_pat {
        TokenKind::PersonalAccessToken
    } else {
        return Ok(Inspection::Inactive("not an access token"));
    };
    if kind == TokenKind::AccessToken {
        // A deleted client's tokens die with it: the realm's client cache forgets a deleted
        // client within one refresh interval (the revocation feed's client entry).
        let Some(client_id) = claims.extra.get("client_id").and_then(Value::as_str) else {
            return Ok(Inspection::Inactive("access token without client_id"));
        };
        match realm.client(store, client_id).await {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(Inspection::Inactive("its client no longer exists")),
            Err(ClientLookupError::Store(e)) => return Err(e),
            // A client whose stored registration does not parse vouches for nothing. Logged
            // here: the caller only ever sees `inactive`.
            Err(ClientLookupError::Unreadable(e)) => {
                tracing::error!(error = %e, "a stored client does not parse");
                return Ok(Inspection::Inactive(
                    "its client's registration does not parse",
                ));
            }
        }
    }
    // A token of a person's grant dies with the grant (code replay, refresh reuse, a
    // disabled user, a deleted client) and with the login session it came from (logout).
    // In memory, like `jti`s: the feed brings what other nodes revoked.
    let text = |name: &str| claims.extra.get(name).and_then(Value::as_str);
    if text("gid").is_some_and(|gid| realm.revocations.is_grant_revoked(gid)) {
        return Ok(Inspection::Inactive("its grant was revoked"));
    }
    if text("sid").is_some_and(|sid| realm.revocations.is_session_ended(sid)) {
        return Ok(Inspection::Inactive("its login session ended"));
    }
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
    Ok(Inspection::Active { claims, kind })
}

/// RFC 7662 §4: whether `caller` may learn that this active token is active. It may when it
/// is the client the token was issued to (`client_id`), or a resource server the token is
/// meant for: the token's `aud` names the caller's `client_id` or one of its configured
/// audiences. Legacy tokens carry neither (the system they come from knew no clients or
/// audiences), so any confidential client of a realm that accepts them may introspect them.
pub fn visible_to(claims: &Claims, kind: TokenKind, caller: &ClientMetadata) -> bool {
    if kind == TokenKind::Legacy {
        return true;
    }
    if claims.extra.get("client_id").and_then(Value::as_str) == Some(caller.client_id.as_str()) {
        return true;
    }
    let names_caller =
        |aud: &str| aud == caller.client_id || caller.audiences.iter().any(|a| a == aud);
    match &claims.aud {
        Some(Audience::One(aud)) => names_caller(aud),
        Some(Audience::Many(auds)) => auds.iter().any(|a| names_caller(a)),
        None => false,
    }
}

/// The claims of a JWT this realm signed with one of its published keys (never the legacy
/// secret), with no other check: for `id_token_hint` (RP-Initiated Logout 1.0 §2 accepts an
/// expired one), whose caller checks what it needs.
pub fn signed_by_realm(realm: &RealmState, token: &str) -> Option<(Claims, Header)> {
    let jws = CompactJws::parse(token).ok()?;
    match verify(realm, jws)? {
        (claims, header, false) => Some((claims, header)),
        (_, _, true) => None,
    }
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
pub fn introspection_members(claims: &Claims, kind: TokenKind) -> Map<String, Value> {
    let mut members = match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    members.insert("active".into(), Value::Bool(true));
    members.insert("token_type".into(), Value::from("Bearer"));
    if kind == TokenKind::Legacy {
        members.insert("legacy_alg".into(), Value::from("HS256"));
    }
    members
}
