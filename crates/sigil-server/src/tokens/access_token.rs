//! JWT access tokens (RFC 9068): `typ: at+jwt`, `iss sub aud exp iat jti client_id scope`,
//! signed by the realm's current key for the client's algorithm. A token issued to a person
//! (authorization code, refresh) also carries `auth_time` (RFC 9068 §2.2.1), `sid` (the login
//! session) and Sigil's private claim `gid` (the grant), so that revoking the grant or ending
//! the session makes it inactive (`tokens::inspect`).

use serde::Serialize;
use sigil_jose::jwt;

use super::Aud;
use crate::oauth::OAuthError;
use crate::op::clients::ClientMetadata;
use crate::random::{self, Rng};
use crate::realms::RealmState;

/// What the grant decided.
#[derive(Debug)]
pub struct AccessTokenRequest<'a> {
    /// `sub`: the user, or the client itself for client credentials (RFC 9068 §2.2).
    pub subject: &'a str,
    /// `aud`.
    pub audiences: Vec<String>,
    /// `scope`, space-separated; omitted when empty.
    pub scope: &'a str,
    /// The person behind the token, when there is one.
    pub person: Option<PersonContext<'a>>,
}

/// What ties an access token to a person's grant and session.
#[derive(Debug, Clone, Copy)]
pub struct PersonContext<'a> {
    /// When the person authenticated (`auth_time`).
    pub auth_time: i64,
    /// The login session (`sid`), when the grant came from one.
    pub sid: Option<&'a str>,
    /// The grant (`gid`).
    pub gid: &'a str,
}

/// An issued token.
#[derive(Debug)]
pub struct Issued {
    /// The compact JWT.
    pub token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: Aud<'a>,
    exp: i64,
    iat: i64,
    jti: String,
    client_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gid: Option<&'a str>,
}

/// Signs an access token for `client` at `now`.
pub fn issue(
    realm: &RealmState,
    client: &ClientMetadata,
    request: AccessTokenRequest<'_>,
    now: i64,
    rng: &dyn Rng,
) -> Result<Issued, OAuthError> {
    // Parsed once with the registration: a stored algorithm that does not parse never got
    // this far (`ClientMetadata::parse`), so there is no fall-back to choose here.
    let alg = client.signing_alg;
    let signer = realm.keys.signer(alg).ok_or_else(|| {
        OAuthError::server_error(format!("realm {} has no current {alg} key", realm.name))
    })?;
    let expires_in = client
        .access_token_ttl_secs
        .unwrap_or(realm.settings.access_token_ttl_secs);
    let claims = Claims {
        iss: &realm.issuer,
        sub: request.subject,
        aud: Aud::of(&request.audiences),
        exp: now.saturating_add_unsigned(expires_in),
        iat: now,
        jti: random::token(rng, 16)?,
        client_id: &client.client_id,
        scope: request.scope,
        auth_time: request.person.map(|p| p.auth_time),
        sid: request.person.and_then(|p| p.sid),
        gid: request.person.map(|p| p.gid),
    };
    let token = jwt::sign(signer, Some(jwt::TYP_ACCESS_TOKEN), &claims)
        .map_err(|e| OAuthError::server_error(format!("signing failed: {e}")))?;
    Ok(Issued { token, expires_in })
}
