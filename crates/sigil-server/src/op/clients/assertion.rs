//! `private_key_jwt` (OIDC Core §9; RFC 7523 §2.2 and §3): a client proves itself with a JWT
//! it signed with one of its registered keys. The rules of RFC 7523 §3, in its order:
//!
//! 1. `iss` and 2. `sub` are the `client_id`;
//! 3. `aud` names this server: the issuer, the token endpoint, or the endpoint being called;
//! 4. `exp` is present and not passed, and at most [`MAX_LIFETIME_SECS`] ahead (an assertion
//!    that lives long is one that can be stolen and replayed long);
//! 5. `nbf` and 6. `iat`, when present, are not in the future;
//! 7. `jti` is present and used once, on every node, while the assertion could be accepted;
//! 9. the signature verifies with the client's keys, its algorithm pinned to the registered
//!    `token_endpoint_auth_signing_alg` when there is one.
//!
//! Every failure is `invalid_client` (RFC 7523 §3.2): what differed is in the private detail.

use sigil_jose::Audience;

use super::ClientMetadata;
use super::keys::allowed_algs;
use crate::oauth::OAuthError;
use crate::op::Context;
use crate::realms::RealmState;
use crate::routes::{self, Endpoint, ROUTES};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest an assertion may be valid for from now on: five minutes.
pub const MAX_LIFETIME_SECS: i64 = 300;

/// Clock skew tolerated between the client and this server, in seconds.
pub const LEEWAY_SECS: i64 = 30;

/// The longest `jti` remembered; a longer one is refused rather than stored.
const MAX_JTI_LEN: usize = 256;

/// Checks `assertion` as `client`'s proof at `endpoint` of `realm`, and spends its `jti`.
pub(super) async fn verify(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    assertion: &str,
    endpoint: Endpoint,
) -> Result<(), OAuthError> {
    let refuse = |why: String| OAuthError::invalid_client(format!("client assertion: {why}"));
    let now = ctx.now();
    let verified = ctx
        .client_keys
        .verify_jws(
            now,
            &realm.name,
            client,
            assertion,
            &allowed_algs(client.token_endpoint_auth_alg),
        )
        .await
        .map_err(|e| refuse(e.to_string()))?;
    // RFC 9101 §10.8: the client's keys also sign its request objects, which travel through
    // browsers and logs; one of them must never pass for a proof of the client.
    if verified
        .header
        .typ
        .as_deref()
        .is_some_and(|typ| typ.eq_ignore_ascii_case("oauth-authz-req+jwt"))
        || ["response_type", "redirect_uri"]
            .iter()
            .any(|name| verified.claims.extra.contains_key(*name))
    {
        return Err(refuse(
            "a request object is not a client assertion".to_owned(),
        ));
    }
    let claims = verified.claims;
    let id = client.client_id.as_str();
    if claims.iss.as_deref() != Some(id) {
        return Err(refuse(format!("iss {:?} is not the client_id", claims.iss)));
    }
    if claims.sub.as_deref() != Some(id) {
        return Err(refuse(format!("sub {:?} is not the client_id", claims.sub)));
    }
    let audiences = accepted_audiences(&realm.issuer, endpoint);
    if !claims
        .aud
        .as_ref()
        .is_some_and(|aud| names_one_of(aud, &audiences))
    {
        return Err(refuse(format!(
            "aud {:?} names none of {audiences:?}",
            claims.aud
        )));
    }
    let exp = claims
        .exp
        .ok_or_else(|| refuse("exp is missing".to_owned()))?
        .0;
    if now >= exp.saturating_add(LEEWAY_SECS) {
        return Err(refuse(format!("expired at {exp} (now {now})")));
    }
    if exp > now.saturating_add(MAX_LIFETIME_SECS + LEEWAY_SECS) {
        return Err(refuse(format!(
            "exp {exp} is more than {MAX_LIFETIME_SECS} s ahead (now {now})"
        )));
    }
    for (claim, value) in [("nbf", claims.nbf), ("iat", claims.iat)] {
        if let Some(value) = value
            && value.0 > now.saturating_add(LEEWAY_SECS)
        {
            return Err(refuse(format!(
                "{claim} {} is in the future (now {now})",
                value.0
            )));
        }
    }
    let jti = claims
        .jti
        .as_deref()
        .filter(|jti| !jti.is_empty() && jti.len() <= MAX_JTI_LEN)
        .ok_or_else(|| refuse("jti is missing, empty or too long".to_owned()))?;
    // Remembered for as long as the assertion could be accepted: until `exp` plus the leeway.
    let fresh = ctx
        .store
        .record_assertion(&realm.name, id, jti, exp.saturating_add(LEEWAY_SECS), now)
        .await?;
    if !fresh {
        return Err(refuse(format!("jti {jti:?} was used before (a replay)")));
    }
    Ok(())
}

/// What `aud` may name (RFC 7523 §3 item 3, OIDC Core §9): the issuer, the token endpoint,
/// and the endpoint being called, at its canonical path or an alias.
fn accepted_audiences(issuer: &str, endpoint: Endpoint) -> Vec<String> {
    let mut accepted = vec![issuer.to_owned(), routes::url(issuer, Endpoint::Token)];
    for route in ROUTES.iter().filter(|r| r.endpoint == endpoint) {
        for path in route.paths() {
            let url = format!("{issuer}{path}");
            if !accepted.contains(&url) {
                accepted.push(url);
            }
        }
    }
    accepted
}

fn names_one_of(aud: &Audience, accepted: &[String]) -> bool {
    aud.iter().any(|a| accepted.iter().any(|ok| ok == a))
}
