//! What the grants that act for a person (authorization code, refresh) issue: an RFC 9068
//! access token tied to the grant and the session, an ID token when `openid` was granted
//! (OIDC Core §3.1.3.6, §12.2), and the token response.

use sigil_jose::Algorithm;
use sigil_store::{GrantRecord, UserRecord};

use super::TokenResponse;
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::op::subject;
use crate::realms::RealmState;
use crate::tokens::access_token::{self, AccessTokenRequest, PersonContext};
use crate::tokens::id_token::{self, IdTokenRequest, Person, Target};

/// The scope that asks for an ID token (OIDC Core §3.1.2.1).
pub const OPENID: &str = "openid";
/// The scope that asks for a refresh token usable without the person (OIDC Core §11).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// What the ID token says about how the person authenticated, beyond the grant.
#[derive(Debug, Default)]
pub struct Authentication<'a> {
    /// `nonce` of the authorization request (never on a refreshed ID token, §12.2).
    pub nonce: Option<&'a str>,
    /// `amr`.
    pub amr: &'a [String],
    /// `acr`.
    pub acr: Option<&'a str>,
    /// The OIDC `claims` request parameter (JSON text), when the authorization had one.
    pub claims: Option<&'a str>,
}

/// The person a user record describes, for the claims, with the `sub` the client sees
/// ([`subject::of`]).
pub fn person<'a>(user: &'a UserRecord, sub: &'a str) -> Person<'a> {
    Person {
        sub,
        username: &user.username,
        name: user.name.as_deref(),
        given_name: user.given_name.as_deref(),
        family_name: user.family_name.as_deref(),
        email: user.email.as_deref(),
        email_verified: user.email_verified,
        updated_at: user.updated_at,
        claims: &user.claims,
        groups: &user.groups,
    }
}

/// The ID token's algorithm: the client's registration, else the realm's default, else
/// RS256 (OIDC Core §3.1.3.7: RS256 when nothing was registered).
pub fn id_token_alg(realm: &RealmState, client: &ClientMetadata) -> Result<Algorithm, OAuthError> {
    if let Some(alg) = client.id_token_alg {
        return Ok(alg);
    }
    match realm.settings.id_token_signing_alg.as_deref() {
        None => Ok(Algorithm::RS256),
        Some(stored) => stored.parse().map_err(|_| {
            OAuthError::server_error(format!(
                "realm {}: id_token_signing_alg {stored:?} is not an algorithm",
                realm.name
            ))
        }),
    }
}

/// What to issue for one token request of a person's grant.
#[derive(Debug)]
pub struct Issue<'a> {
    /// The client, authenticated.
    pub client: &'a ClientMetadata,
    /// The grant.
    pub grant: &'a GrantRecord,
    /// The person, enabled.
    pub user: &'a UserRecord,
    /// The scope of this access token: the grant's, or narrower (RFC 6749 §6).
    pub scope: &'a str,
    /// For the ID token.
    pub authentication: Authentication<'a>,
    /// Passed through to the response.
    pub refresh_token: Option<String>,
}

/// The access token (and ID token, when `openid` is in the scope) for `issue`.
pub fn respond(
    ctx: &Context,
    realm: &RealmState,
    issue: Issue<'_>,
) -> Result<TokenResponse, OAuthError> {
    let Issue {
        client,
        grant,
        user,
        scope,
        authentication,
        refresh_token,
    } = issue;
    let now = ctx.now();
    let audiences = if client.audiences.is_empty() {
        vec![realm.issuer.clone()]
    } else {
        client.audiences.clone()
    };
    let sub = subject::of(realm, client, &user.id);
    let issued = access_token::issue(
        realm,
        client,
        AccessTokenRequest {
            subject: &sub,
            audiences,
            scope,
            person: Some(PersonContext {
                auth_time: grant.auth_time,
                sid: grant.session_id.as_deref(),
                gid: &grant.id,
            }),
        },
        now,
        &*ctx.rng,
    )?;
    let scopes: Vec<&str> = scopes(scope).collect();
    let id_token = if scopes.contains(&OPENID) {
        let request = IdTokenRequest {
            client_id: &client.client_id,
            claims: id_token::person_claims(
                &person(user, &sub),
                &scopes,
                authentication.claims,
                Target::IdToken,
            ),
            nonce: authentication.nonce,
            auth_time: grant.auth_time,
            amr: authentication.amr,
            acr: authentication.acr,
            sid: grant.session_id.as_deref(),
            access_token: Some(&issued.token),
            alg: id_token_alg(realm, client)?,
            ttl_secs: realm.settings.id_token_ttl_secs,
        };
        Some(id_token::issue(realm, &request, now)?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: (!scope.is_empty()).then(|| scope.to_owned()),
        id_token,
        refresh_token,
    })
}

/// The tokens of a space-separated scope.
pub fn scopes(scope: &str) -> impl Iterator<Item = &str> {
    scope.split(' ').filter(|s| !s.is_empty())
}

/// `invalid_grant` (RFC 6749 §5.2) with a public description and private detail.
pub fn invalid_grant(description: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// How long this node remembers a grant revocation: past the grant's last refresh and the
/// longest access token it could have issued then.
pub fn remember_revocation_until(realm: &RealmState, client: &ClientMetadata, now: i64) -> i64 {
    let access = client
        .access_token_ttl_secs
        .unwrap_or(realm.settings.access_token_ttl_secs)
        .max(realm.settings.access_token_ttl_secs);
    now.saturating_add_unsigned(realm.settings.refresh_absolute_ttl_secs.max(access))
        .saturating_add_unsigned(access)
}
