//! Public keys parsed for verification, one parsed form per algorithm the key admits.

use std::fmt;

use aws_lc_rs::signature::ParsedPublicKey;

use crate::jwk::{KeyUse, Kid, PublicJwk};
use crate::{Algorithm, Error};

/// A public key ready to verify signatures; built once per key, used for every token.
#[derive(Clone)]
pub struct VerifyingKey {
    jwk: PublicJwk,
    /// Indexed by `Algorithm::index`; `None` for algorithms the key does not admit.
    parsed: [Option<ParsedPublicKey>; Algorithm::ALL.len()],
}

impl VerifyingKey {
    /// Parses the key for every algorithm it admits (only its own `alg` when it has one).
    pub fn from_jwk(jwk: PublicJwk) -> Result<Self, Error> {
        let bytes = jwk.params.to_crypto_bytes()?;
        let mut parsed: [Option<ParsedPublicKey>; Algorithm::ALL.len()] = Default::default();
        for alg in Algorithm::ALL {
            if jwk.admits(alg) {
                let key = ParsedPublicKey::new(alg.verification(), &bytes)
                    .map_err(|e| Error::InvalidKey(format!("public key rejected: {e}")))?;
                parsed[alg.index()] = Some(key);
            }
        }
        Ok(Self { jwk, parsed })
    }

    /// The JWK this key came from.
    pub fn jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// The key id, if the JWK has one.
    pub fn kid(&self) -> Option<&Kid> {
        self.jwk.kid.as_ref()
    }

    /// Whether this key can verify `alg` (see [`PublicJwk::admits`]).
    pub fn admits(&self, alg: Algorithm) -> bool {
        self.parsed[alg.index()].is_some()
    }

    /// Verifies a raw JWS signature over `message` with `alg`.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let Some(key) = &self.parsed[alg.index()] else {
            return Err(self.refusal(alg));
        };
        key.verify_sig(message, signature)
            .map_err(|_| Error::InvalidSignature)
    }

    /// Why this key does not admit `alg`.
    fn refusal(&self, alg: Algorithm) -> Error {
        if self.jwk.params.kind() != alg.key_kind() {
            return Error::KeyAlgorithmMismatch {
                alg,
                key: self.jwk.params.kind(),
            };
        }
        if let Some(key_alg) = self.jwk.alg
            && key_alg != alg
        {
            return Error::KeyPinnedToOtherAlgorithm {
                key_alg,
                token_alg: alg,
            };
        }
        let key_use = self.jwk.key_use.as_ref().map_or("", KeyUse::as_str);
        Error::InvalidKey(format!("the key's use is {key_use:?}, not \"sig\""))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("jwk", &self.jwk)
            .finish_non_exhaustive()
    }
}
