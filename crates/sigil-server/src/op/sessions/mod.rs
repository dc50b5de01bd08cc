//! Login sessions (OIDC Core §3.1.2.3 "the End-User is already authenticated"; OIDC Session
//! Management's `sid`): server-side records in the store; the browser holds only a 256-bit
//! secret whose SHA-256 the record keeps, so a database leak gives no working cookie.

use sigil_store::SessionRecord;

use crate::oauth::OAuthError;
use crate::op::Context;
use crate::random;
use crate::realms::RealmState;

/// A new session and the secret for its cookie.
#[derive(Debug)]
pub struct NewSession {
    /// The stored record.
    pub record: SessionRecord,
    /// What the cookie carries.
    pub secret: String,
}

/// Starts a session for `user_id`, authenticated now by `amr` (RFC 8176), lasting the
/// realm's `session_ttl_secs`.
pub async fn start(
    ctx: &Context,
    realm: &RealmState,
    user_id: &str,
    amr: &[&str],
) -> Result<NewSession, OAuthError> {
    let now = ctx.now();
    let secret = random::token(&*ctx.rng, 32)?;
    let ttl = i64::try_from(realm.settings.session_ttl_secs).unwrap_or(i64::MAX);
    let record = SessionRecord {
        id: random::token(&*ctx.rng, 16)?,
        secret_hash: random::digest(&secret),
        user_id: user_id.to_owned(),
        auth_time: now,
        amr: amr.iter().map(|m| (*m).to_owned()).collect(),
        created_at: now,
        last_seen_at: now,
        expires_at: now.saturating_add(ttl),
        ended_at: None,
    };
    ctx.store.insert_session(&realm.name, &record).await?;
    Ok(NewSession { record, secret })
}

/// The live session a cookie's secret names, if any. One store read: the SSO path needs no
/// more.
pub async fn find(
    ctx: &Context,
    realm: &RealmState,
    secret: Option<&str>,
) -> Result<Option<SessionRecord>, OAuthError> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let found = ctx
        .store
        .find_session(&realm.name, &random::digest(secret), ctx.now())
        .await?;
    // Ended elsewhere and not yet purged from this node's view of the store: the feed knows.
    Ok(found.filter(|s| !realm.revocations.is_session_ended(&s.id)))
}

/// Ends `session` (a new sign-in replaces it, or logout): in the store, with a feed entry for
/// the other nodes, and in this node's memory at once, so its access tokens (`sid`) turn
/// inactive here without waiting for the feed.
pub async fn end(
    ctx: &Context,
    realm: &RealmState,
    session: &SessionRecord,
) -> Result<(), OAuthError> {
    let now = ctx.now();
    ctx.store.end_session(&realm.name, &session.id, now).await?;
    // Remembered as long as an access token of the session could live.
    let until = session
        .expires_at
        .max(now)
        .saturating_add_unsigned(realm.settings.access_token_ttl_secs);
    realm.revocations.record_session_ended(&session.id, until);
    Ok(())
}
