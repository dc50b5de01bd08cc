//! A private key bound to one algorithm and one key id: what an issuer signs with.

use std::borrow::Cow;
use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, RsaEncoding};

use super::PrivateKey;
use super::private::Inner;
use crate::jwk::{Kid, PublicJwk};
use crate::jws::header::{EncodedHeaders, encoded_signing_header};
use crate::{Algorithm, Error};

/// A parsed private key, its algorithm and its `kid`. Signing never re-parses the key.
pub struct SigningKey {
    key: PrivateKey,
    alg: Algorithm,
    kid: Kid,
    jwk: PublicJwk,
    /// The encoded headers of the common `typ`s, so that signing does not rebuild them.
    headers: EncodedHeaders,
    rng: SystemRandom,
}

impl SigningKey {
    /// Binds `key` to `alg`; `kid` defaults to the key's RFC 7638 thumbprint.
    pub fn new(key: PrivateKey, alg: Algorithm, kid: Option<Kid>) -> Result<Self, Error> {
        if key.kind() != alg.key_kind() {
            return Err(Error::KeyAlgorithmMismatch {
                alg,
                key: key.kind(),
            });
        }
        let jwk = key.public_jwk();
        let kid = match kid {
            Some(kid) => kid,
            None => Kid::new(jwk.thumbprint())?,
        };
        let jwk = jwk.for_signing(kid.clone(), alg);
        let headers = EncodedHeaders::new(alg.as_str(), kid.as_str())?;
        Ok(Self {
            key,
            alg,
            kid,
            jwk,
            headers,
            rng: SystemRandom::new(),
        })
    }

    /// The signing algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key id that goes into every header this key signs.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The public JWK to publish: `kty`, `use: sig`, `alg`, `kid` and public parameters.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// The underlying private key (for export).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The base64url of the JWS header this key signs with (`alg`, `kid`, `typ` when given):
    /// made in advance for no `typ`, `JWT` and `at+jwt`, serialised on demand otherwise.
    pub(crate) fn encoded_header(&self, typ: Option<&str>) -> Result<Cow<'_, str>, Error> {
        match self.headers.get(typ) {
            Some(header) => Ok(Cow::Borrowed(header)),
            None => encoded_signing_header(self.alg.as_str(), Some(self.kid.as_str()), typ)
                .map(Cow::Owned),
        }
    }

    /// The length in bytes of the signatures [`Self::sign`] returns, so that a token's
    /// buffer can be sized once.
    pub(crate) fn signature_len(&self) -> usize {
        match self.key.inner() {
            Inner::Rsa(key) => key.public_modulus_len(),
            // RFC 7518 §3.4: `r || s`, each the size of the curve's order.
            Inner::P256(_) => 64,
            Inner::P384(_) => 96,
            Inner::Ed25519(_) => 64,
        }
    }

    /// Signs `message` (the JWS signing input) and returns the raw JWS signature:
    /// PKCS#1 v1.5 or PSS for RSA, `r || s` for ECDSA (RFC 7518 §3.4), 64 bytes for Ed25519.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match self.key.inner() {
            Inner::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(rsa_encoding(self.alg), &self.rng, message, &mut signature)
                    .map_err(|_| Error::Signing)?;
                Ok(signature)
            }
            Inner::P256(key) | Inner::P384(key) => key
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| Error::Signing),
            Inner::Ed25519(key) => Ok(key.sign(message).as_ref().to_vec()),
        }
    }
}

fn rsa_encoding(alg: Algorithm) -> &'static dyn RsaEncoding {
    match alg {
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        // RS256, and unreachable for non-RSA algorithms (checked in `new`).
        _ => &signature::RSA_PKCS1_SHA256,
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
