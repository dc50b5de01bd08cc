//! What a validated authorization request leads to (OIDC Core §3.1.2.3–§3.1.2.5): sign in,
//! consent, or the answer — given the browser's session, if any, and what this interaction
//! already did. `prompt=none` turns every page it would need into an error at the client
//! (§3.1.2.6).

use sigil_jose::jws::{CompactJws, HeaderAlg};
use sigil_store::{SessionRecord, UserRecord};

use super::{AuthorizationRequest, AuthorizeError, OPENID, Redirect, code};
use crate::oauth::{ErrorCode, OAuthError};
use crate::op::{Context, consent, subject};
use crate::realms::RealmState;

/// What this interaction has done already.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resume {
    /// The session was authenticated in this interaction: `prompt=login` and `max_age` are
    /// satisfied.
    pub fresh_login: bool,
    /// The person has just allowed the scopes.
    pub consented: bool,
}

/// The next step.
#[derive(Debug)]
pub enum Step {
    /// Show the login form.
    Login,
    /// Ask the signed-in person to allow `scopes` to the client.
    Consent {
        /// The session.
        session: SessionRecord,
        /// Its user.
        user: Box<UserRecord>,
        /// The scopes to be granted.
        scopes: Vec<String>,
    },
    /// Answer the client: a code or an error.
    Respond(Redirect),
}

/// Decides the next step for `request` with the browser's `session`.
pub async fn decide(
    ctx: &Context,
    realm: &RealmState,
    request: &AuthorizationRequest,
    session: Option<SessionRecord>,
    resume: Resume,
) -> Result<Step, AuthorizeError> {
    let at = |error| AuthorizeError::at(&request.redirect, error);
    let now = ctx.now();
    let hint = request
        .id_token_hint
        .as_deref()
        .and_then(|t| hint_subject(realm, t));
    let session = session.filter(|s| {
        // §3.1.2.1 `prompt=login`: authenticate again; `max_age`: if the last authentication
        // is older. Either is satisfied by a sign-in in this very interaction.
        let recent = resume.fresh_login
            || (!request.prompt.login
                && request
                    .max_age
                    .is_none_or(|max| now.saturating_sub(s.auth_time) <= max));
        // `id_token_hint` names someone else: this session is not theirs.
        // The hint carries the `sub` this client sees (pairwise or not), compared with the
        // one computed for the session's person, never mapped back.
        recent
            && hint
                .as_deref()
                .is_none_or(|sub| sub == subject::of(realm, &request.client, &s.user_id))
    });
    let user = match &session {
        Some(s) => ctx
            .store
            .get_user(&realm.name, &s.user_id)
            .await
            .map_err(|e| at(e.into()))?
            .filter(|u| !u.disabled),
        None => None,
    };
    let (Some(session), Some(user)) = (session, user) else {
        if request.prompt.none {
            return Err(at(OAuthError::new(
                ErrorCode::LoginRequired,
                "the person is not signed in",
            )));
        }
        return Ok(Step::Login);
    };
    let scopes = narrow(&request.scopes, &user);
    if scopes.is_empty() {
        return Err(at(OAuthError::new(
            ErrorCode::InvalidScope,
            "none of the requested scopes may be granted for this user",
        )));
    }
    let client = &request.client;
    if resume.consented {
        consent::remember(ctx, realm, &user.id, &client.client_id, &scopes)
            .await
            .map_err(at)?;
    } else if !client.first_party || request.prompt.consent {
        // First-party clients are not asked, unless the client itself asks (`prompt=consent`).
        let on_record = !request.prompt.consent
            && consent::covers(ctx, realm, &user.id, &client.client_id, &scopes)
                .await
                .map_err(at)?;
        if !on_record {
            if request.prompt.none {
                return Err(at(OAuthError::new(
                    ErrorCode::ConsentRequired,
                    "the person has not allowed this application these scopes",
                )));
            }
            return Ok(Step::Consent {
                session,
                user: Box::new(user),
                scopes,
            });
        }
    }
    let redirect = code::issue(ctx, realm, request, &session, &scopes)
        .await
        .map_err(at)?;
    Ok(Step::Respond(redirect))
}

/// The requested scopes the user may grant (`allowed_scopes`; `openid` always).
fn narrow(scopes: &[String], user: &UserRecord) -> Vec<String> {
    match &user.allowed_scopes {
        None => scopes.to_vec(),
        Some(allowed) => scopes
            .iter()
            .filter(|s| *s == OPENID || allowed.contains(s))
            .cloned()
            .collect(),
    }
}

/// The `sub` of an `id_token_hint` this realm signed (OIDC Core §3.1.2.1: an expired one is
/// still a hint); `None` for anything that does not verify, which is then ignored.
fn hint_subject(realm: &RealmState, token: &str) -> Option<String> {
    let jws = CompactJws::parse(token).ok()?;
    let alg = match &jws.header().alg {
        HeaderAlg::Jws(alg) => *alg,
        HeaderAlg::LegacyHmac(_) => return None,
    };
    let key = match jws.header().kid.as_deref() {
        Some(kid) => realm.keys.verifier(kid)?,
        None => realm.keys.verifiers_for(alg).next()?,
    };
    let verified = jws.verify(key, &[alg]).ok()?;
    let claims: serde_json::Value = verified.payload_json().ok()?;
    if claims.get("iss").and_then(|v| v.as_str()) != Some(realm.issuer.as_str()) {
        return None;
    }
    claims.get("sub")?.as_str().map(str::to_owned)
}
