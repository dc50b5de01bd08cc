//! Personal access tokens (seed 002): named, revocable JWTs for a user, at most 90 days long,
//! with their `jti` recorded so introspection can refuse them once revoked and report their
//! last use.

use serde_json::json;
use sigil_jose::{Algorithm, jwt};
use sigil_store::{PatRecord, Store, UserRecord};

use super::inspect::TOKEN_USE_PAT;
use crate::ServerError;
use crate::random::{self, Rng};
use crate::realms::RealmState;

/// A newly created PAT: the token (shown once) and what is stored about it.
#[derive(Debug)]
pub struct PatIssued {
    /// The JWT.
    pub token: String,
    /// The stored record.
    pub record: PatRecord,
}

/// Creates a PAT named `name` for `user`, valid `ttl_secs` from `now`.
pub async fn create(
    store: &dyn Store,
    realm: &RealmState,
    user: &UserRecord,
    name: &str,
    ttl_secs: u64,
    now: i64,
    rng: &dyn Rng,
) -> Result<PatIssued, ServerError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ServerError::Invalid(
            "a token name must have 1 to 100 characters".into(),
        ));
    }
    let max = realm.settings.pat_max_ttl_secs;
    if ttl_secs == 0 || ttl_secs > max {
        return Err(ServerError::Invalid(format!(
            "a personal access token lives at most {} days",
            max / 86_400
        )));
    }
    let signer = realm.keys.signer(Algorithm::RS256).ok_or_else(|| {
        ServerError::Invalid(format!("realm {} has no RS256 signing key", realm.name))
    })?;
    let record = PatRecord {
        jti: random::token(rng, 16)?,
        user_id: user.id.clone(),
        name: name.to_owned(),
        created_at: now,
        expires_at: now.saturating_add_unsigned(ttl_secs),
        last_used_at: None,
        revoked_at: None,
    };
    let claims = json!({
        "iss": realm.issuer,
        "sub": user.id,
        "aud": realm.issuer,
        "exp": record.expires_at,
        "iat": now,
        "jti": record.jti,
        "token_use": TOKEN_USE_PAT,
        "pat_name": record.name,
        "preferred_username": user.username,
    });
    let token = jwt::sign(signer, Some(jwt::TYP_JWT), &claims)?;
    store.insert_pat(&realm.name, &record).await?;
    Ok(PatIssued { token, record })
}
