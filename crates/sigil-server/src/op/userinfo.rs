//! The UserInfo endpoint's decisions (OIDC Core §5.3): the claims of the person an access
//! token was issued for, by the token's scope, as JSON or — when the client registered
//! `userinfo_signed_response_alg` — as a signed JWT (§5.3.2) with `iss` and `aud`.
//!
//! Only access tokens of a person's grant (`gid`) are accepted: a client-credentials token has
//! no person behind it (`invalid_token`, RFC 6750 §3.1).

use serde_json::{Map, Value};
use sigil_jose::jwt;

use crate::oauth::{ErrorCode, OAuthError};
use crate::op::Context;
use crate::op::grants::person_tokens::{self, OPENID};
use crate::op::subject;
use crate::realms::RealmState;
use crate::tokens::id_token::{self, Target};
use crate::tokens::inspect::{self, Inspection, TokenKind};

/// A userinfo response.
#[derive(Debug)]
pub enum Userinfo {
    /// `application/json`.
    Json(Map<String, Value>),
    /// `application/jwt`.
    Jwt(String),
}

fn invalid_token(debug: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, "the access token is not valid").with_debug(debug)
}

/// The claims for the bearer `token`.
pub async fn userinfo(
    ctx: &Context,
    realm: &RealmState,
    token: &str,
) -> Result<Userinfo, OAuthError> {
    let claims = match inspect::inspect(&*ctx.store, realm, token, ctx.now()).await? {
        Inspection::Active {
            claims,
            kind: TokenKind::AccessToken,
        } => claims,
        Inspection::Active { .. } => return Err(invalid_token("not an access token")),
        Inspection::Inactive(reason) => return Err(invalid_token(reason)),
    };
    let text = |name: &str| claims.extra.get(name).and_then(Value::as_str);
    let (Some(gid), Some(client_id), Some(sub)) =
        (text("gid"), text("client_id"), claims.sub.as_deref())
    else {
        return Err(invalid_token("an access token without a person"));
    };
    let scope = text("scope").unwrap_or("");
    let scopes: Vec<&str> = person_tokens::scopes(scope).collect();
    if !scopes.contains(&OPENID) {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not granted the openid scope",
        ));
    }
    let client = match realm.client(&*ctx.store, client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return Err(invalid_token("its client no longer exists")),
        Err(e) => return Err(OAuthError::server_error(e.to_string())),
    };
    // The grant says whose token this is: a pairwise `sub` is never mapped back to a user.
    // It also keeps the `claims` request parameter, which asks for userinfo claims too (OIDC
    // Core §5.5).
    let Some(grant) = ctx.store.get_grant(&realm.name, gid).await? else {
        return Err(invalid_token("its grant no longer exists"));
    };
    if grant.client_id != client.client_id || subject::of(realm, &client, &grant.user_id) != sub {
        return Err(invalid_token(
            "the token's sub or client is not its grant's",
        ));
    }
    let user = match ctx.store.get_user(&realm.name, &grant.user_id).await? {
        Some(user) if !user.disabled => user,
        _ => return Err(invalid_token("the user can no longer sign in")),
    };
    let mut released = id_token::person_claims(
        &person_tokens::person(&user, sub),
        &scopes,
        grant.claims.as_deref(),
        Target::Userinfo,
    );
    let Some(alg) = client.userinfo_alg else {
        return Ok(Userinfo::Json(released));
    };
    let signer = realm.keys.signer(alg).ok_or_else(|| {
        OAuthError::server_error(format!("realm {} has no current {alg} key", realm.name))
    })?;
    released.insert("iss".into(), Value::from(realm.issuer.as_str()));
    released.insert("aud".into(), Value::from(client.client_id.as_str()));
    let signed = jwt::sign(signer, Some(jwt::TYP_JWT), &Value::Object(released))
        .map_err(|e| OAuthError::server_error(format!("signing userinfo failed: {e}")))?;
    Ok(Userinfo::Jwt(signed))
}
