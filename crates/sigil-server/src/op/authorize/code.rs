//! The authorization code (RFC 6749 §4.1.2, §10.5): 256 bits from the injected generator,
//! stored only as its SHA-256, single use, `code_ttl_secs` long, bound to the client, the
//! exact redirect URI, the PKCE challenge, the nonce and the session; `grant_id` is chosen
//! here so that a replay can revoke what the first redemption created.

use sigil_store::{CodeRecord, SessionRecord};

use super::{AuthorizationRequest, Redirect};
use crate::oauth::OAuthError;
use crate::op::Context;
use crate::random;
use crate::realms::RealmState;

/// Stores a code for `request`, signed in by `session`, granting `scopes`; the redirect that
/// carries it.
pub async fn issue(
    ctx: &Context,
    realm: &RealmState,
    request: &AuthorizationRequest,
    session: &SessionRecord,
    scopes: &[String],
) -> Result<Redirect, OAuthError> {
    let now = ctx.now();
    let code = random::token(&*ctx.rng, 32)?;
    let ttl = i64::try_from(realm.settings.code_ttl_secs).unwrap_or(60);
    let record = CodeRecord {
        code_hash: random::digest(&code),
        grant_id: random::token(&*ctx.rng, 16)?,
        client_id: request.client.client_id.clone(),
        user_id: session.user_id.clone(),
        session_id: session.id.clone(),
        redirect_uri: request.redirect.uri().to_owned(),
        scope: scopes.join(" "),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        claims: request.claims.clone(),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        acr: None,
        created_at: now,
        expires_at: now.saturating_add(ttl),
    };
    ctx.store.insert_code(&realm.name, &record).await?;
    Ok(request.redirect.code_redirect(&code))
}
