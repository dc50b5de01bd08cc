//! The issuer's keys as the verifier holds them at one moment: parsed once per fetch,
//! shared behind an `Arc` by every verification until the next fetch replaces them.

use sigil_jose::{Algorithm, JwkSet, VerifyingKey};

/// An immutable set of parsed verifying keys.
#[derive(Debug, Default)]
pub struct KeySnapshot {
    keys: Vec<VerifyingKey>,
    /// Keys of the document that could not be used, with the reason (RFC 7517 §5).
    skipped: Vec<String>,
}

impl KeySnapshot {
    /// Parses every usable key of `set`; keys the JOSE layer skipped or rejects are listed
    /// in [`KeySnapshot::skipped`], never silently dropped.
    pub fn from_set(set: JwkSet) -> Self {
        let mut skipped: Vec<String> = set
            .skipped
            .iter()
            .map(|s| describe(s.kid.as_deref(), &s.reason))
            .collect();
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in set.keys {
            let kid = jwk.kid.as_ref().map(|k| k.as_str().to_owned());
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => keys.push(key),
                Err(e) => skipped.push(describe(kid.as_deref(), &e)),
            }
        }
        Self { keys, skipped }
    }

    /// The keys whose `kid` is `kid`, in document order.
    pub fn with_kid<'a>(&'a self, kid: &'a str) -> impl Iterator<Item = &'a VerifyingKey> {
        self.keys
            .iter()
            .filter(move |k| k.kid().is_some_and(|own| own.as_str() == kid))
    }

    /// Whether some key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.with_kid(kid).next().is_some()
    }

    /// The keys that can verify `alg` (type, `alg` and `use` fit), in document order.
    pub fn admitting(&self, alg: Algorithm) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter().filter(move |k| k.admits(alg))
    }

    /// Every key's `kid` (`(no kid)` for keys without one), for error messages.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| {
                k.kid()
                    .map_or_else(|| "(no kid)".to_owned(), |kid| kid.to_string())
            })
            .collect()
    }

    /// How many keys are usable.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys that were skipped and why.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }
}

fn describe(kid: Option<&str>, reason: &sigil_jose::Error) -> String {
    match kid {
        Some(kid) => format!("kid {kid:?}: {reason}"),
        None => format!("(no kid): {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_kid_and_by_algorithm() {
        let set = JwkSet::from_json(
            br#"{"keys":[
              {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
              {"kty":"oct","kid":"sym","k":"AAAA"},
              {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"}
            ]}"#,
        )
        .unwrap();
        let snapshot = KeySnapshot::from_set(set);
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot.kids(), ["ed", "(no kid)"]);
        assert!(snapshot.has_kid("ed") && !snapshot.has_kid("sym"));
        assert_eq!(snapshot.admitting(Algorithm::EdDSA).count(), 1);
        assert_eq!(snapshot.admitting(Algorithm::ES256).count(), 0);
        assert_eq!(snapshot.skipped().len(), 1);
        assert!(snapshot.skipped()[0].starts_with("kid \"sym\""));
    }
}
