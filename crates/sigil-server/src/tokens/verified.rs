//! Signatures already checked: a bearer token is presented again and again for its whole
//! lifetime (userinfo, introspection), and checking its signature is the dearest step of
//! inspecting it (an ES256 verification costs more than everything else `inspect` does). So
//! one realm version remembers, by the token's SHA-256, what a signature check returned.
//!
//! Only the signature and the parse are remembered: expiry, `iss`, revocation, the grant, the
//! session and the client are checked on every presentation, as if nothing were cached.
//!
//! **Invariant:** the memory belongs to one realm version. Retiring a key, rotating or
//! changing the legacy secret makes a new version, so a token can never outlive, in this
//! memory, the key that verified it. A token that does not verify is never remembered, so
//! nobody can fill the memory without tokens this realm signed; and it is bounded: when full
//! it starts over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sigil_jose::Claims;
use sigil_jose::jws::Header;

/// How many tokens one realm version remembers before it starts over.
pub const CAPACITY: usize = 4096;

/// What a signature check returned: the claims, the header, and whether the legacy secret
/// verified them.
#[derive(Debug)]
pub struct Verified {
    /// The payload's claims.
    pub claims: Claims,
    /// The protected header.
    pub header: Header,
    /// Verified with the realm's legacy HS256 secret rather than a published key.
    pub legacy: bool,
}

/// Verified tokens by SHA-256, for one realm version.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Arc<Verified>>>,
}

impl VerifiedTokens {
    /// The digest a token is remembered by.
    pub fn digest(token: &str) -> [u8; 32] {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(digest.as_ref());
        key
    }

    /// What verifying the token of `digest` returned, if this version did it before.
    pub fn get(&self, digest: &[u8; 32]) -> Option<Arc<Verified>> {
        self.lock().get(digest).cloned()
    }

    /// Remembers a verified token.
    pub fn insert(&self, digest: [u8; 32], verified: Arc<Verified>) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            // Starting over costs one signature check per token in use; an eviction order
            // would cost bookkeeping on every hit.
            entries.clear();
        }
        entries.insert(digest, verified);
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<Verified>>> {
        // The map holds no invariant a panic could break halfway.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn verified() -> Arc<Verified> {
        Arc::new(Verified {
            claims: Claims::default(),
            header: Header::from_json(br#"{"alg":"ES256"}"#).unwrap(),
            legacy: false,
        })
    }

    #[test]
    fn remembers_by_digest_and_starts_over_when_full() {
        let cache = VerifiedTokens::default();
        let a = VerifiedTokens::digest("a.b.c");
        assert!(cache.get(&a).is_none());
        cache.insert(a, verified());
        assert!(cache.get(&a).is_some());
        assert!(cache.get(&VerifiedTokens::digest("a.b.d")).is_none());
        for i in 1..CAPACITY {
            cache.insert(VerifiedTokens::digest(&i.to_string()), verified());
        }
        assert_eq!(cache.len(), CAPACITY);
        cache.insert(VerifiedTokens::digest("one more"), verified());
        assert_eq!(cache.len(), 1, "started over");
        assert!(cache.get(&a).is_none());
    }
}
