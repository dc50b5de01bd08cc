//! The protocol layer: what an OpenID provider decides, between HTTP (`endpoints`, `ui`,
//! `admin`) and the store. Services take a [`Context`] (store, clock, randomness) and the
//! [`RealmState`](crate::realms::RealmState) of the realm addressed, and return typed outcomes
//! or the layer's error types (`OAuthError`, `AuthorizeError`, `PageError`); the HTTP layer only
//! parses requests into their inputs and renders what they return.
//!
//! **Architecture invariant:** `op` knows no axum and no HTTP types: nothing under `src/op/`
//! names `axum::` or `http::` (a test below reads the sources). Statuses belong to the error
//! types, which `op` builds through constructors named after protocol codes.
//!
//! **Architecture invariant:** per-user state (sessions, consents, codes, grants) lives in the
//! store, reached through the context; `RealmState` holds only what is shared by every request
//! of one realm version (issuer, keys, settings, parsed clients, revocations).

pub mod authorize;
pub mod clients;
pub mod consent;
pub mod grants;
pub mod interaction;
pub mod introspection;
pub mod login;
pub mod logout;
pub mod metadata;
pub mod pushed_authorization;
pub mod revocation;
pub mod sessions;
pub mod userinfo;

use std::sync::Arc;

use sigil_store::Store;

use crate::clock::Clock;
use crate::random::Rng;

/// What every protocol service may use besides the realm: the store, the one clock, the one
/// source of randomness and the verifier of client-signed JWTs (with its `jwks_uri` cache).
/// `Arc`s: cloning is cheap, so background tasks take their own.
#[derive(Debug, Clone)]
pub struct Context {
    /// The store (every realm's persistent state).
    pub store: Arc<dyn Store>,
    /// The one reader of wall time.
    pub clock: Arc<dyn Clock>,
    /// The one source of randomness (codes, secrets, `jti`s).
    pub rng: Arc<dyn Rng>,
    /// Clients' keys: `private_key_jwt` assertions and request objects verify with these.
    pub client_keys: Arc<clients::ClientKeys>,
}

impl Context {
    /// A context over these.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        client_keys: Arc<clients::ClientKeys>,
    ) -> Self {
        Self {
            store,
            clock,
            rng,
            client_keys,
        }
    }

    /// The current time, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The "op knows no axum" invariant, kept true by reading the sources: a use of axum or of
    /// the `http` crate under `src/op/` fails here, before review.
    #[test]
    fn op_names_no_axum_or_http_type() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/op");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(files.len() > 5, "{} files under {root:?}", files.len());
        // Written split so that this file does not match itself.
        let forbidden = [
            concat!("axum", "::"),
            concat!("http", "::"),
            concat!("hyper", "::"),
        ];
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                // Comments may name what the code must not use.
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for word in forbidden {
                    // A path segment of its own: `http::`, not `sigil_http::`.
                    let hit = line.match_indices(word).any(|(i, _)| {
                        i == 0 || {
                            let before = line.as_bytes()[i - 1];
                            !before.is_ascii_alphanumeric() && before != b'_'
                        }
                    });
                    assert!(!hit, "{}:{}: {line}", file.display(), n + 1);
                }
            }
        }
    }
}
