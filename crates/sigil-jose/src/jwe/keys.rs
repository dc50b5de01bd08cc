//! Decryption keys: a private key pinned to one key management algorithm and one `kid`, parsed
//! once into the form aws-lc-rs decrypts or agrees with; and the set a recipient holds.

use std::fmt;

use aws_lc_rs::agreement;
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, PrivateDecryptingKey};
use serde_json::{Map, Value};

use super::{EncryptionJwk, KeyManagement};
use crate::algorithm::KeyKind;
use crate::jwk::Kid;
use crate::{Error, KeySpec, PrivateKey, base64url};

/// A private key bound to one key management algorithm and one key id: what a recipient
/// decrypts with. Its public half ([`DecryptionKey::public_jwk`]) is what it publishes.
pub struct DecryptionKey {
    key: PrivateKey,
    alg: KeyManagement,
    kid: Kid,
    jwk: EncryptionJwk,
    secret: Secret,
}

/// The parsed form the decryption uses.
pub(crate) enum Secret {
    /// RSA-OAEP.
    Rsa(OaepPrivateDecryptingKey),
    /// ECDH on P-256 or P-384.
    Ec(agreement::PrivateKey),
}

impl DecryptionKey {
    /// Binds `key` to `alg`; `kid` defaults to the key's RFC 7638 thumbprint.
    pub fn new(key: PrivateKey, alg: KeyManagement, kid: Option<Kid>) -> Result<Self, Error> {
        if !alg.accepts(key.kind()) {
            return Err(Error::JweKeyMismatch {
                alg,
                key: key.kind(),
            });
        }
        let pkcs8 = key.to_pkcs8_der()?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| {
            Error::InvalidKey(format!("decryption key rejected: {e}"))
        };
        let secret = match key.kind() {
            KeyKind::Rsa => {
                let rsa = PrivateDecryptingKey::from_pkcs8(&pkcs8).map_err(rejected)?;
                Secret::Rsa(
                    OaepPrivateDecryptingKey::new(rsa)
                        .map_err(|_| Error::InvalidKey("RSA-OAEP key rejected".to_owned()))?,
                )
            }
            KeyKind::P256 => Secret::Ec(
                agreement::PrivateKey::from_private_key_der(&agreement::ECDH_P256, &pkcs8)
                    .map_err(rejected)?,
            ),
            KeyKind::P384 => Secret::Ec(
                agreement::PrivateKey::from_private_key_der(&agreement::ECDH_P384, &pkcs8)
                    .map_err(rejected)?,
            ),
            KeyKind::Ed25519 => {
                return Err(Error::JweKeyMismatch {
                    alg,
                    key: KeyKind::Ed25519,
                });
            }
        };
        let params = key.public_params();
        let kid = match kid {
            Some(kid) => kid,
            None => Kid::new(crate::jwk::thumbprint::sha256(&params))?,
        };
        let jwk = EncryptionJwk {
            params,
            kid: Some(kid.clone()),
            alg: Some(alg),
        };
        Ok(Self {
            key,
            alg,
            kid,
            jwk,
            secret,
        })
    }

    /// Generates a key for `alg`: `spec` says which (RSA of 2048, 3072 or 4096 bits for
    /// RSA-OAEP; P-256 or P-384 for ECDH-ES). RSA generation takes tens to hundreds of
    /// milliseconds: keep it off request paths.
    pub fn generate(alg: KeyManagement, spec: KeySpec) -> Result<Self, Error> {
        let kind = match spec {
            KeySpec::Rsa { .. } => KeyKind::Rsa,
            KeySpec::P256 => KeyKind::P256,
            KeySpec::P384 => KeyKind::P384,
            KeySpec::Ed25519 => KeyKind::Ed25519,
        };
        if !alg.accepts(kind) {
            return Err(Error::JweKeyMismatch { alg, key: kind });
        }
        Self::new(PrivateKey::generate(spec)?, alg, None)
    }

    /// Generates an RSA key of `bits` for `RSA-OAEP-256`.
    pub fn generate_rsa_oaep_256(bits: usize) -> Result<Self, Error> {
        Self::generate(KeyManagement::RsaOaep256, KeySpec::Rsa { bits })
    }

    /// Generates a P-256 key for `ECDH-ES+A256KW`.
    pub fn generate_ecdh_es_p256() -> Result<Self, Error> {
        Self::generate(KeyManagement::EcdhEsA256Kw, KeySpec::P256)
    }

    /// Parses a private JWK (RFC 7518 §6.2.2, §6.3.2). `alg` is required — a decryption key
    /// is pinned to one algorithm — and `use`, when present, must be `enc`. RSA keys need all
    /// of `d`, `p`, `q`, `dp`, `dq`, `qi` (no `oth`); EC keys `d` matching `x` and `y`.
    pub fn from_jwk_json(json: &str) -> Result<Self, Error> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidJwk(format!("not JSON: {e}")))?;
        Self::from_jwk_value(&value)
    }

    /// [`DecryptionKey::from_jwk_json`] for an already-decoded JSON value.
    pub fn from_jwk_value(value: &Value) -> Result<Self, Error> {
        let Value::Object(members) = value else {
            return Err(invalid("a JWK must be a JSON object"));
        };
        let alg = match members.get("alg") {
            Some(Value::String(alg)) => alg.parse::<KeyManagement>()?,
            Some(_) => return Err(invalid("member \"alg\" must be a string")),
            None => {
                return Err(invalid(
                    "a decryption key must name its key management algorithm (\"alg\")",
                ));
            }
        };
        if members.contains_key("oth") {
            return Err(Error::UnsupportedKey(
                "multi-prime RSA (\"oth\")".to_owned(),
            ));
        }
        // The public half, checked by the public rules (sizes, curve points, minimal integers).
        let mut public = members.clone();
        for member in ["d", "p", "q", "dp", "dq", "qi"] {
            public.remove(member);
        }
        let public = EncryptionJwk::from_value(&Value::Object(public))?;
        let key = private_key(members, &public)?;
        Self::new(key, alg, public.kid)
    }

    /// Parses a PKCS#8 private key (the form Sigil stores keys in) for `alg`.
    pub fn from_pkcs8_der(der: &[u8], alg: KeyManagement, kid: Option<Kid>) -> Result<Self, Error> {
        let key = crate::pem::private_key_from_pkcs8_der(der)?;
        Self::new(key, alg, kid)
    }

    /// The key management algorithm this key is pinned to.
    pub fn alg(&self) -> KeyManagement {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The public JWK to publish: `kty`, `use: enc`, `alg`, `kid` and public parameters.
    pub fn public_jwk(&self) -> &EncryptionJwk {
        &self.jwk
    }

    /// The underlying private key (for PKCS#8 or PEM export).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The kind of key (RSA or the curve).
    pub(crate) fn kind(&self) -> KeyKind {
        self.key.kind()
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Builds the private key from the JWK's private members and checks it against the public
/// ones (for EC, aws-lc-rs checks that `d` yields `x`, `y`).
fn private_key(members: &Map<String, Value>, public: &EncryptionJwk) -> Result<PrivateKey, Error> {
    let bytes = |name: &str| -> Result<Vec<u8>, Error> {
        match members.get(name) {
            Some(Value::String(text)) => base64url::decode(text)
                .ok_or_else(|| invalid(&format!("member {name:?} is not unpadded base64url"))),
            Some(_) => Err(invalid(&format!("member {name:?} must be a string"))),
            None => Err(invalid(&format!(
                "member {name:?} is required in a private key"
            ))),
        }
    };
    use crate::jwk::PublicKeyParams as P;
    let key = match &public.params {
        P::Rsa { n, e } => PrivateKey::from_rsa_components(
            n,
            e,
            &bytes("d")?,
            &bytes("p")?,
            &bytes("q")?,
            &bytes("dp")?,
            &bytes("dq")?,
            &bytes("qi")?,
        )?,
        P::P256 { x, y } => PrivateKey::from_ec_components(KeyKind::P256, &bytes("d")?, x, y)?,
        P::P384 { x, y } => PrivateKey::from_ec_components(KeyKind::P384, &bytes("d")?, x, y)?,
        P::Ed25519 { .. } => {
            return Err(Error::UnsupportedKey(
                "Ed25519 keys do not encrypt".to_owned(),
            ));
        }
    };
    if key.public_params() != public.params {
        return Err(invalid("the private members do not match the public ones"));
    }
    Ok(key)
}

fn invalid(message: &str) -> Error {
    Error::InvalidJwk(message.to_owned())
}

/// The decryption keys a recipient holds, in the caller's order (newest first, say: without a
/// `kid`, keys are tried in this order). Key ids are unique within a set.
#[derive(Debug, Default)]
pub struct DecryptionKeys {
    keys: Vec<DecryptionKey>,
}

impl DecryptionKeys {
    /// A set of `keys`; refuses two keys with one `kid`.
    pub fn new(keys: Vec<DecryptionKey>) -> Result<Self, Error> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|other| other.kid == key.kid) {
                return Err(Error::InvalidJwkSet(format!(
                    "two decryption keys have the kid {:?}",
                    key.kid.as_str()
                )));
            }
        }
        Ok(Self { keys })
    }

    /// The key with this `kid`, if any.
    pub fn find(&self, kid: &str) -> Option<&DecryptionKey> {
        self.keys.iter().find(|k| k.kid.as_str() == kid)
    }

    /// The keys, in order.
    pub fn iter(&self) -> impl Iterator<Item = &DecryptionKey> {
        self.keys.iter()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public JWKs to publish alongside the signing keys in the JWK Set (RFC 7517 §5
    /// lets one set hold both; `use` tells them apart).
    pub fn public_jwks(&self) -> Vec<&EncryptionJwk> {
        self.keys.iter().map(DecryptionKey::public_jwk).collect()
    }

    /// The keys to try for a JWE with this `kid` and `alg`: the one the `kid` names (which
    /// must be pinned to `alg`), or, without a `kid`, every key pinned to `alg`.
    pub(crate) fn candidates(
        &self,
        kid: Option<&str>,
        alg: KeyManagement,
    ) -> Result<Vec<&DecryptionKey>, Error> {
        let candidates: Vec<&DecryptionKey> = match kid {
            Some(kid) => {
                let key = self.find(kid).ok_or_else(|| Error::NoDecryptionKey {
                    kid: Some(kid.to_owned()),
                    alg,
                })?;
                if key.alg != alg {
                    return Err(Error::EncryptionKeyPinned {
                        kid: Some(kid.to_owned()),
                        key_alg: key.alg,
                        token_alg: alg,
                    });
                }
                vec![key]
            }
            None => self.keys.iter().filter(|k| k.alg == alg).collect(),
        };
        if candidates.is_empty() {
            return Err(Error::NoDecryptionKey { kid: None, alg });
        }
        Ok(candidates)
    }
}

impl From<DecryptionKey> for DecryptionKeys {
    fn from(key: DecryptionKey) -> Self {
        Self { keys: vec![key] }
    }
}
