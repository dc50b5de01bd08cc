//! Consent (OIDC Core §3.1.2.4 "Authorization Server Obtains End-User Consent/Authorization"):
//! what a person allowed a client, remembered per user and client in the store, so a later
//! request for the same scopes or fewer is not asked again. First-party clients are not asked.

use sigil_store::ConsentRecord;

use crate::oauth::OAuthError;
use crate::op::Context;
use crate::realms::RealmState;

/// A scope and the sentence that tells a person what allowing it means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScopeDescription {
    /// The scope.
    pub name: String,
    /// What it allows, in words.
    pub description: String,
}

/// The words for the standard scopes (OIDC Core §5.4, §11), and a plain one for the rest.
pub fn describe(scope: &str) -> ScopeDescription {
    let description = match scope {
        "openid" => "Sign you in with your account".to_owned(),
        "profile" => "See your name and profile".to_owned(),
        "email" => "See your email address".to_owned(),
        "address" => "See your postal address".to_owned(),
        "phone" => "See your phone number".to_owned(),
        "offline_access" => "Keep access while you are away".to_owned(),
        other => format!("Use “{other}”"),
    };
    ScopeDescription {
        name: scope.to_owned(),
        description,
    }
}

/// Whether consent on record covers `scopes` for this user and client.
pub async fn covers(
    ctx: &Context,
    realm: &RealmState,
    user_id: &str,
    client_id: &str,
    scopes: &[String],
) -> Result<bool, OAuthError> {
    let Some(record) = ctx
        .store
        .get_consent(&realm.name, user_id, client_id)
        .await?
    else {
        return Ok(false);
    };
    Ok(scopes.iter().all(|s| record.scopes.contains(s)))
}

/// Records that the person allowed `scopes`, keeping what they allowed before.
pub async fn remember(
    ctx: &Context,
    realm: &RealmState,
    user_id: &str,
    client_id: &str,
    scopes: &[String],
) -> Result<(), OAuthError> {
    let mut all = ctx
        .store
        .get_consent(&realm.name, user_id, client_id)
        .await?
        .map(|r| r.scopes)
        .unwrap_or_default();
    for scope in scopes {
        if !all.contains(scope) {
            all.push(scope.clone());
        }
    }
    let record = ConsentRecord {
        user_id: user_id.to_owned(),
        client_id: client_id.to_owned(),
        scopes: all,
        granted_at: ctx.now(),
    };
    ctx.store.put_consent(&realm.name, &record).await?;
    Ok(())
}
