//! The authorization code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3): a code made by the
//! authorization endpoint, redeemed once by the client it was issued to, for an access token,
//! an ID token when `openid` was granted, and a refresh token when the client may have one.
//!
//! **Invariant:** a code is redeemed at most once (`CodeStore::take_code` lets exactly one of
//! any number of concurrent takers win). A second presentation means the code leaked: the grant
//! its first redemption created is revoked (RFC 6749 §4.1.2, §10.5), so the tokens issued then
//! turn inactive at introspection and userinfo (`gid`), and its refresh token stops working.

use sigil_store::{CodeRecord, GrantRecord, RefreshRecord, StoreError, TakenCode};

use super::TokenResponse;
use super::person_tokens::{
    self, Authentication, Issue, OFFLINE_ACCESS, invalid_grant, remember_revocation_until,
};
use crate::oauth::{Form, OAuthError, pkce};
use crate::op::Context;
use crate::op::clients::{ClientMetadata, GrantType};
use crate::random;
use crate::realms::RealmState;

/// Redeems the code, checking in order (RFC 6749 §4.1.3): the code is current and unused
/// (a replay revokes its grant), issued to this client, for this `redirect_uri`, with the
/// PKCE verifier of its challenge (RFC 7636 §4.6), for a person who may still sign in.
pub async fn grant(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    params: &Form,
) -> Result<TokenResponse, OAuthError> {
    let code = params.require("code")?;
    let now = ctx.now();
    let record = match ctx
        .store
        .take_code(&realm.name, &random::digest(code), now)
        .await?
    {
        TakenCode::Taken(record) => record,
        TakenCode::Replayed(record) => {
            revoke_replayed(ctx, realm, client, &record).await?;
            return Err(invalid_grant("the authorization code was already used")
                .with_debug(format!("code replay: grant {} revoked", record.grant_id)));
        }
        TakenCode::Unknown => {
            return Err(invalid_grant(
                "the authorization code is unknown or expired",
            ));
        }
    };
    check(client, &record, params)?;
    let user = match ctx.store.get_user(&realm.name, &record.user_id).await? {
        Some(user) if !user.disabled => user,
        _ => return Err(invalid_grant("the user can no longer sign in")),
    };
    let grant = GrantRecord {
        id: record.grant_id.clone(),
        client_id: record.client_id.clone(),
        user_id: record.user_id.clone(),
        session_id: Some(record.session_id.clone()),
        scope: record.scope.clone(),
        auth_time: record.auth_time,
        created_at: now,
        expires_at: now.saturating_add_unsigned(realm.settings.refresh_absolute_ttl_secs),
        revoked_at: None,
        amr: record.amr.clone(),
        claims: record.claims.clone(),
    };
    let refresh_token = if wants_refresh(client, &record.scope) {
        Some(random::token(&*ctx.rng, 32)?)
    } else {
        None
    };
    let refresh = refresh_token.as_deref().map(|token| RefreshRecord {
        token_hash: random::digest(token),
        grant_id: grant.id.clone(),
        created_at: now,
        expires_at: now.saturating_add_unsigned(realm.settings.refresh_idle_ttl_secs),
    });
    // The grant is stored even without a refresh token: it is what a replay revokes.
    match ctx
        .store
        .insert_grant(&realm.name, &grant, refresh.as_ref())
        .await
    {
        Ok(()) => {}
        // A replay of this code got here first and stored the grant revoked.
        Err(StoreError::Conflict(_)) => {
            return Err(invalid_grant("the authorization code was already used"));
        }
        Err(e) => return Err(e.into()),
    }
    person_tokens::respond(
        ctx,
        realm,
        Issue {
            client,
            grant: &grant,
            user: &user,
            scope: &record.scope,
            authentication: Authentication {
                nonce: record.nonce.as_deref(),
                amr: &record.amr,
                acr: record.acr.as_deref(),
                claims: record.claims.as_deref(),
            },
            refresh_token,
        },
    )
}

/// The code's bindings: client, redirect URI (byte for byte), PKCE.
fn check(client: &ClientMetadata, record: &CodeRecord, params: &Form) -> Result<(), OAuthError> {
    if record.client_id != client.client_id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    // §4.1.3: required when the authorization request had one, which OIDC always does.
    if params.get("redirect_uri") != Some(record.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    match (
        record.code_challenge.as_deref(),
        params.get("code_verifier"),
    ) {
        (Some(challenge), Some(verifier)) => pkce::verify(verifier, challenge).map_err(|e| {
            invalid_grant("the code_verifier does not match").with_debug(e.to_string())
        }),
        (Some(_), None) => Err(invalid_grant("code_verifier is required for this code")),
        // A verifier for a code without a challenge: the client and the code disagree on
        // what was asked (RFC 9700 §2.1.1: PKCE downgrade).
        (None, Some(_)) => Err(invalid_grant(
            "code_verifier given for a code without a code_challenge",
        )),
        (None, None) => Ok(()),
    }
}

/// A refresh token when the client has the grant and `offline_access` was granted or its
/// policy issues one anyway.
fn wants_refresh(client: &ClientMetadata, scope: &str) -> bool {
    client.allows(GrantType::RefreshToken)
        && (person_tokens::scopes(scope).any(|s| s == OFFLINE_ACCESS)
            || client.refresh_without_offline_access)
}

/// A replayed code: revoke what its first redemption created. If that redemption has not
/// stored its grant yet (the two raced), store the grant revoked, so that it cannot.
async fn revoke_replayed(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    record: &CodeRecord,
) -> Result<(), OAuthError> {
    let now = ctx.now();
    let store = &ctx.store;
    if !store
        .revoke_grant(&realm.name, &record.grant_id, now)
        .await?
    {
        let placeholder = GrantRecord {
            id: record.grant_id.clone(),
            client_id: record.client_id.clone(),
            user_id: record.user_id.clone(),
            session_id: Some(record.session_id.clone()),
            scope: record.scope.clone(),
            auth_time: record.auth_time,
            created_at: now,
            expires_at: now.saturating_add_unsigned(realm.settings.refresh_absolute_ttl_secs),
            revoked_at: Some(now),
            amr: record.amr.clone(),
            claims: record.claims.clone(),
        };
        match store.insert_grant(&realm.name, &placeholder, None).await {
            Ok(()) => {}
            // Stored in between (live, or revoked already): revoke it now.
            Err(StoreError::Conflict(_)) => {
                store
                    .revoke_grant(&realm.name, &record.grant_id, now)
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    realm.revocations.record_grant_revoked(
        &record.grant_id,
        remember_revocation_until(realm, client, now),
    );
    Ok(())
}
