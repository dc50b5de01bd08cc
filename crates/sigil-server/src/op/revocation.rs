//! Token revocation's decisions (RFC 7009): a client revokes an access token issued to it.
//! A token that is not active needs nothing done (§2.2: the answer is the same either way,
//! so revocation reveals nothing); one issued to another client, or a PAT, is refused.

use serde_json::Value;

use crate::oauth::{ErrorCode, OAuthError};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::realms::RealmState;
use crate::tokens::inspect::{self, Inspection, TOKEN_USE_PAT};

/// Revokes `token` for an authenticated `client`: in the store first, then in this server's
/// memory, so a reload racing the revocation cannot drop it.
pub async fn revoke(
    ctx: &Context,
    realm: &RealmState,
    client: &ClientMetadata,
    token: &str,
) -> Result<(), OAuthError> {
    let now = ctx.now();
    let Inspection::Active { claims, .. } =
        inspect::inspect(&*ctx.store, realm, token, now).await?
    else {
        return Ok(());
    };
    let token_client = claims.extra.get("client_id").and_then(Value::as_str);
    let is_pat = claims.extra.get("token_use").and_then(Value::as_str) == Some(TOKEN_USE_PAT);
    if is_pat || token_client != Some(client.client_id.as_str()) {
        // §2.1: the server verifies the token was issued to the requesting client.
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the token was not issued to this client",
        ));
    }
    if let (Some(jti), Some(exp)) = (claims.jti.as_deref(), claims.exp) {
        ctx.store.revoke_token(&realm.name, jti, exp.0).await?;
        realm.revocations.record(jti, exp.0);
        tracing::info!(realm = %realm.name, client = %client.client_id, "access token revoked");
    }
    Ok(())
}
