//! Token introspection's decisions (RFC 7662): for confidential clients only (§2.1: the
//! caller must be authorized; a public client id is no credential). Anything not valid now —
//! unknown, expired, revoked, foreign, not an access token, or not meant for the caller (§4)
//! — is inactive, and the response says nothing more (§2.2).

use serde_json::{Map, Value};

use crate::oauth::OAuthError;
use crate::op::Context;
use crate::op::clients::ClientMetadata;
use crate::realms::RealmState;
use crate::tokens::inspect::{self, Inspection};

/// What the caller may learn about a token.
#[derive(Debug)]
pub enum Introspection {
    /// Active, and visible to the caller: the RFC 7662 §2.2 members.
    Active(Map<String, Value>),
    /// Anything else: `{"active":false}`.
    Inactive,
}

/// Introspects `token` for an authenticated `caller`.
pub async fn introspect(
    ctx: &Context,
    realm: &RealmState,
    caller: &ClientMetadata,
    token: &str,
) -> Result<Introspection, OAuthError> {
    if caller.is_public() {
        return Err(OAuthError::invalid_client(
            "public clients may not introspect tokens",
        ));
    }
    let reason = match inspect::inspect(&*ctx.store, realm, token, ctx.now()).await? {
        Inspection::Active { claims, kind } if inspect::visible_to(&claims, kind, caller) => {
            return Ok(Introspection::Active(inspect::introspection_members(
                &claims, kind,
            )));
        }
        Inspection::Active { .. } => "neither issued to nor meant for the caller",
        Inspection::Inactive(reason) => reason,
    };
    tracing::debug!(reason, "introspection: inactive");
    Ok(Introspection::Inactive)
}
