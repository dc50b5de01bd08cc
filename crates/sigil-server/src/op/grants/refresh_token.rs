//! The refresh token grant (RFC 6749 §6, OIDC Core §12): a new access token (and ID token
//! when `openid` was granted) for a grant, and the refresh token's successor.
//!
//! **Invariants:**
//! - Every use rotates (RFC 9700 §4.14.2): the presented token is spent and a successor issued,
//!   in one store transaction (`GrantStore::rotate_refresh`).
//! - A spent token presented again after the grace window is treated as stolen: the store
//!   revokes the whole grant in the same transaction, and every access token of the grant
//!   turns inactive (`gid`).
//! - Within the grace window (`refresh_grace_secs`, a few seconds) a spent token gets **the
//!   same successor** again, unsealed from what the store kept. This is a deliberate choice:
//!   two tabs or a retried request refreshing at once is ordinary, and rotation without a
//!   grace window logs such users out or revokes their grant (Keycloak #14040, landscape §5).
//!   An attacker replaying within those seconds gets nothing the legitimate client does not
//!   also hold, and the next rotation by either one makes the other's copy a reuse.
//! - A refresh token works only for the client it was issued to; scope can only narrow.

use sigil_store::{GrantRecord, RefreshRecord, Rotation};

use super::TokenResponse;
use super::person_tokens::{self, Authentication, Issue, invalid_grant, remember_revocation_until};
use crate::oauth::{ErrorCode, Form, OAuthError, printable};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::random;
use crate::realms::RealmState;
use crate::seal::MasterKey;

/// The sealing context of a successor kept for the grace window. It binds the sealed value to
/// the realm and to the row it is kept in (the presented token's digest): the grant is not
/// known before the store has looked the token up, and the row names it uniquely.
fn successor_context(realm: &RealmState, presented_hash: &[u8]) -> String {
    format!(
        "refresh-successor:{}:{}",
        realm.name,
        sigil_jose::base64url::encode(presented_hash)
    )
}

/// Refreshes, checking in order: the token is current (or a duplicate within the grace
/// window), its grant is this client's, the requested scope is within the grant's, and the
/// person may still sign in.
pub async fn grant(
    ctx: &Context,
    realm: &RealmState,
    master: &MasterKey,
    client: &ClientMetadata,
    params: &Form,
) -> Result<TokenResponse, OAuthError> {
    let presented = params.require("refresh_token")?;
    let presented_hash = random::digest(presented);
    let now = ctx.now();
    // A narrowing that will be refused is refused before the rotation, so that it does not
    // spend the token (a corrected retry must still work). Only a request with a `scope` can
    // be refused that way, so only it pays for the lookup; another client's token is refused
    // after the rotation, which revokes its grant anyway.
    if params.get("scope").is_some()
        && let Some(grant) = ctx
            .store
            .grant_of_refresh(&realm.name, &presented_hash)
            .await?
        && grant.client_id == client.client_id
    {
        narrowed_scope(&grant, params.get("scope"))?;
    }
    let context = successor_context(realm, &presented_hash);
    let successor = random::token(&*ctx.rng, 32)?;
    let sealed = master
        .seal(&context, successor.as_bytes())
        .map_err(|e| OAuthError::server_error(format!("sealing a refresh token: {e}")))?;
    let record = RefreshRecord {
        token_hash: random::digest(&successor),
        // The store files the successor under the presented token's grant.
        grant_id: String::new(),
        created_at: now,
        expires_at: now.saturating_add_unsigned(realm.settings.refresh_idle_ttl_secs),
    };
    let grace = i64::try_from(realm.settings.refresh_grace_secs).unwrap_or(i64::MAX);
    let rotation = ctx
        .store
        .rotate_refresh(&realm.name, &presented_hash, &record, &sealed, now, grace)
        .await?;
    let (grant, successor) = match rotation {
        Rotation::Rotated { grant } => (grant, successor),
        Rotation::Grace {
            grant,
            successor_sealed,
        } => {
            let opened = master.open(&context, &successor_sealed).map_err(|e| {
                OAuthError::server_error(format!("opening a kept refresh token: {e}"))
            })?;
            let kept = String::from_utf8(opened.to_vec()).map_err(|_| {
                OAuthError::server_error("a kept refresh token is not text".to_owned())
            })?;
            (grant, kept)
        }
        Rotation::Reused { grant_id } => {
            // The store revoked the grant in the rotation's transaction; this node need not
            // wait for the feed to refuse its access tokens.
            realm
                .revocations
                .record_grant_revoked(&grant_id, remember_revocation_until(realm, client, now));
            return Err(invalid_grant("the refresh token was already used")
                .with_debug(format!("refresh token reuse: grant {grant_id} revoked")));
        }
        Rotation::Unknown => {
            return Err(invalid_grant(
                "the refresh token is unknown, expired or revoked",
            ));
        }
    };
    if grant.client_id != client.client_id {
        // Another client holds this client's refresh token: it leaked. The presented token is
        // already spent, so its owner could not use it anyway; revoking the grant ends what
        // the leak could still reach (its access tokens and the successor).
        revoke(ctx, realm, client, &grant).await?;
        return Err(
            invalid_grant("the refresh token was issued to another client")
                .with_debug(format!("grant {} of client {}", grant.id, grant.client_id)),
        );
    }
    let scope = narrowed_scope(&grant, params.get("scope"))?;
    let user = match ctx.store.get_user(&realm.name, &grant.user_id).await? {
        Some(user) if !user.disabled => user,
        _ => return Err(invalid_grant("the user can no longer sign in")),
    };
    person_tokens::respond(
        ctx,
        realm,
        Issue {
            client,
            grant: &grant,
            user: &user,
            scope: &scope,
            // §12.2: no nonce on a refreshed ID token; `auth_time`, `amr` and the `claims`
            // request stay those of the original authentication.
            authentication: Authentication {
                nonce: None,
                amr: &grant.amr,
                acr: None,
                claims: grant.claims.as_deref(),
            },
            refresh_token: Some(successor),
        },
    )
}

/// RFC 6749 §6: the requested scope must not include any scope the grant does not have; an
/// absent one means the grant's. The refresh token keeps the grant's whole scope.
fn narrowed_scope(grant: &GrantRecord, requested: Option<&str>) -> Result<String, OAuthError> {
    let Some(requested) = requested else {
        return Ok(grant.scope.clone());
    };
    let granted: Vec<&str> = person_tokens::scopes(&grant.scope).collect();
    let mut narrowed: Vec<&str> = Vec::new();
    for scope in person_tokens::scopes(requested) {
        if !granted.contains(&scope) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {} was not granted", printable(scope)),
            ));
        }
        if !narrowed.contains(&scope) {
            narrowed.push(scope);
        }
    }
    Ok(narrowed.join(" "))
}

async fn revoke(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    grant: &GrantRecord,
) -> Result<(), OAuthError> {
    let now = ctx.now();
    ctx.store.revoke_grant(&realm.name, &grant.id, now).await?;
    realm
        .revocations
        .record_grant_revoked(&grant.id, remember_revocation_until(realm, client, now));
    Ok(())
}
