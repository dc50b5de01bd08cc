//! The `sub` a client sees for a person (OIDC Core §8): the user's id for `public` clients; for
//! `pairwise` clients (§8.1), `base64url(HMAC-SHA256(salt, sector_identifier || 0x00 ||
//! user id))`, where the salt is the realm's own secret (derived from the master key, so every
//! node has the same one without storing or racing on it) and the sector identifier is the
//! host fixed at registration (`ClientSettings::sector_identifier`).
//!
//! Every token and response that names a person for a client takes its `sub` from
//! [`of`]: the ID token, the access token (and so introspection), userinfo. Nothing maps a
//! pairwise `sub` back to a user: the grant or the session says who it is, and a presented
//! `sub` is compared with the one computed for that person.

use aws_lc_rs::hmac;
use sigil_store::RealmName;

use super::clients::{ClientMetadata, SubjectType};
use crate::realms::RealmState;
use crate::seal::MasterKey;

/// The realm's pairwise key: the HMAC key pairwise subjects are computed with.
pub struct PairwiseKey(hmac::Key);

impl PairwiseKey {
    /// The key of `realm` under `master`.
    pub fn derive(master: &MasterKey, realm: &RealmName) -> Self {
        let salt = master.derive(&format!("pairwise-salt:{realm}"));
        Self(hmac::Key::new(hmac::HMAC_SHA256, salt.as_slice()))
    }

    /// The pairwise `sub` of `user_id` in `sector`.
    pub fn subject(&self, sector: &str, user_id: &str) -> String {
        // A host never holds NUL, so the separator keeps (sector, id) pairs apart.
        let mut input = Vec::with_capacity(sector.len() + 1 + user_id.len());
        input.extend_from_slice(sector.as_bytes());
        input.push(0);
        input.extend_from_slice(user_id.as_bytes());
        sigil_jose::base64url::encode(hmac::sign(&self.0, &input).as_ref())
    }
}

impl std::fmt::Debug for PairwiseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairwiseKey([redacted])")
    }
}

/// The client's subject type: its registration's, else the realm's default, else `public`.
pub fn subject_type(realm: &RealmState, client: &ClientMetadata) -> SubjectType {
    client.subject_type.unwrap_or_else(|| {
        realm
            .settings
            .default_subject_type
            .as_deref()
            .and_then(SubjectType::parse)
            .unwrap_or(SubjectType::Public)
    })
}

/// The `sub` `client` sees for the user `user_id`.
pub fn of(realm: &RealmState, client: &ClientMetadata, user_id: &str) -> String {
    match subject_type(realm, client) {
        SubjectType::Public => user_id.to_owned(),
        // A client without a sector (registered before the realm turned pairwise, with
        // redirect URIs on several hosts) is a sector of its own: its subjects are never
        // shared with another client's.
        SubjectType::Pairwise => match client.sector_identifier.as_deref() {
            Some(sector) => realm.pairwise.subject(sector, user_id),
            None => realm
                .pairwise
                .subject(&format!("client:{}", client.client_id), user_id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_subjects_depend_on_sector_user_and_realm() {
        let master = MasterKey::from_bytes(&[3; 32]).unwrap();
        let acme = PairwiseKey::derive(&master, &RealmName::new("acme").unwrap());
        let other = PairwiseKey::derive(&master, &RealmName::new("other").unwrap());
        let sub = acme.subject("app.example", "u1");
        assert_eq!(sub, acme.subject("app.example", "u1"));
        assert_eq!(sub.len(), 43, "256 bits, base64url");
        assert_ne!(sub, acme.subject("other.example", "u1"));
        assert_ne!(sub, acme.subject("app.example", "u2"));
        assert_ne!(sub, other.subject("app.example", "u1"));
        // The separator: ("a", "b\0c") and ("a\0b", "c") are different inputs.
        assert_ne!(acme.subject("ab", "c"), acme.subject("a", "bc"));
        assert_eq!(format!("{acme:?}"), "PairwiseKey([redacted])");
    }
}
