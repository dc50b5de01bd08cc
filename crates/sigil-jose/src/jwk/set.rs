//! JWK Sets (RFC 7517 §5).
//!
//! A set published by an issuer may hold keys this implementation does not understand
//! (encryption keys, other curves). RFC 7517 §5 says to ignore those; [`JwkSet::from_json`]
//! does, and reports each skipped key so that nothing is dropped silently.

use serde::ser::SerializeStruct;
use serde_json::Value;

use super::PublicJwk;
use crate::Error;

/// A set of public JWKs, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    /// The usable keys.
    pub keys: Vec<PublicJwk>,
    /// Keys present in the document that were not usable, with the reason.
    pub skipped: Vec<SkippedKey>,
}

/// A member of a JWK Set that was ignored (RFC 7517 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position in the `keys` array.
    pub index: usize,
    /// The key's `kid`, if it had a string one.
    pub kid: Option<String>,
    /// Why the key was ignored.
    pub reason: Error,
}

impl JwkSet {
    /// A set of the given keys.
    pub fn new(keys: Vec<PublicJwk>) -> Self {
        Self {
            keys,
            skipped: Vec::new(),
        }
    }

    /// Parses `{"keys": [...]}`; keys that fail strict parsing are skipped and reported.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| Error::InvalidJwkSet(format!("not JSON: {e}")))?;
        let Some(Value::Array(members)) = value.get("keys") else {
            return Err(Error::InvalidJwkSet(
                "a JWK Set must be an object with a \"keys\" array".to_owned(),
            ));
        };
        let mut set = Self::default();
        for (index, member) in members.iter().enumerate() {
            match PublicJwk::from_value(member) {
                Ok(key) => set.keys.push(key),
                Err(reason) => set.skipped.push(SkippedKey {
                    index,
                    kid: member.get("kid").and_then(Value::as_str).map(str::to_owned),
                    reason,
                }),
            }
        }
        Ok(set)
    }

    /// The key with this `kid`, if any.
    pub fn find(&self, kid: &str) -> Option<&PublicJwk> {
        self.keys
            .iter()
            .find(|k| k.kid.as_ref().is_some_and(|own| own.as_str() == kid))
    }

    /// The set as JSON: `{"keys":[...]}` (skipped keys are not re-published).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl serde::Serialize for JwkSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut set = s.serialize_struct("JwkSet", 1)?;
        set.serialize_field("keys", &self.keys)?;
        set.end()
    }
}
