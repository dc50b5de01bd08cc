//! Encrypted request objects at `/authorize` (OIDC Core §6.1, RFC 9101 §6.1): the step in
//! front of [`super::request_object`]'s verification. A five-part `request` is a JWE to one of
//! the realm's `use: enc` keys; it is decrypted and what it holds — a signed request object —
//! is verified as if it had been sent unencrypted. A client that registered
//! `request_object_encryption_alg` may send no unencrypted one (OIDC Registration §2).

use std::borrow::Cow;

use crate::keys::request_object::{RequestObjectDecryptionError, is_encrypted};
use crate::op::clients::ClientMetadata;
use crate::realms::RealmState;

/// The signed request object in `request`: `request` itself, or what its encryption held.
/// Every refusal is one error whose detail only the log sees.
pub fn open<'a>(
    realm: &RealmState,
    client: &ClientMetadata,
    request: &'a str,
    now: i64,
) -> Result<Cow<'a, str>, RequestObjectDecryptionError> {
    if is_encrypted(request) {
        let registered = client.request_object_encryption;
        return Ok(Cow::Owned(
            realm
                .keys
                .decrypt_request_object(request, registered, now)?,
        ));
    }
    match client.request_object_encryption {
        Some(registered) => Err(RequestObjectDecryptionError {
            detail: format!(
                "the client registered {}/{} request objects; this one is not encrypted",
                registered.alg.as_str(),
                registered.enc.as_str()
            ),
        }),
        None => Ok(Cow::Borrowed(request)),
    }
}
