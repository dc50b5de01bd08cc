//! The JWE Protected Header (RFC 7516 §4) and the rules Sigil enforces on it.
//!
//! In the compact serialisation every header member is integrity protected (the encoded
//! header is the AAD, RFC 7516 §5.1 step 14), but it is read before anything is decrypted,
//! so it is parsed as hostile input: `crit` is refused whatever it lists (Sigil understands no
//! extension), `zip` is refused (decompression would come before any limit could apply),
//! and `jku`, `jwk`, `x5u`, `x5c` are never read.

use serde::Deserialize;
use serde_json::Value;

use super::{ContentEncryption, KeyManagement};
use crate::{Error, base64url};

/// The header members Sigil reads from a JWE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JweHeader {
    /// `alg`: how the Content Encryption Key is determined.
    pub alg: KeyManagement,
    /// `enc`: how the content is encrypted.
    pub enc: ContentEncryption,
    /// `kid`: the recipient key the sender used.
    pub kid: Option<String>,
    /// `typ`.
    pub typ: Option<String>,
    /// `cty`: the content type; `JWT` for a nested JWT (RFC 7519 §5.2).
    pub cty: Option<String>,
    /// The ECDH-ES parameters, when `alg` is an ECDH-ES variant.
    pub(crate) agreement: Agreement,
}

/// ECDH-ES header parameters (RFC 7518 §4.6.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Agreement {
    /// `epk`, as sent; checked when a key uses it.
    pub(crate) epk: Option<Value>,
    /// `apu`, decoded (empty when absent).
    pub(crate) apu: Vec<u8>,
    /// `apv`, decoded (empty when absent).
    pub(crate) apv: Vec<u8>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    enc: Option<String>,
    zip: Option<Value>,
    crit: Option<Value>,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    epk: Option<Value>,
    apu: Option<String>,
    apv: Option<String>,
}

impl JweHeader {
    /// Parses and checks a decoded protected header (RFC 7516 §5.2 steps 2–5): a JSON object
    /// without duplicate members, no `crit`, no `zip`, then `alg` and `enc`.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let raw: RawHeader = serde_json::from_slice(json)
            .map_err(|e| Error::Malformed(format!("JWE header is not a valid JOSE header: {e}")))?;
        if let Some(crit) = raw.crit {
            return Err(refuse_crit(crit));
        }
        if let Some(zip) = raw.zip {
            let name = match zip {
                Value::String(name) => name,
                other => other.to_string(),
            };
            return Err(Error::CompressionRefused(name));
        }
        let alg = raw
            .alg
            .ok_or_else(|| Error::Malformed("JWE header has no \"alg\"".to_owned()))?
            .parse::<KeyManagement>()?;
        let enc = raw
            .enc
            .ok_or_else(|| Error::Malformed("JWE header has no \"enc\"".to_owned()))?
            .parse::<ContentEncryption>()?;
        let decode = |name: &str, value: Option<String>| match value {
            None => Ok(Vec::new()),
            Some(text) => base64url::decode(&text)
                .ok_or_else(|| Error::Malformed(format!("\"{name}\" is not unpadded base64url"))),
        };
        Ok(Self {
            alg,
            enc,
            kid: raw.kid,
            typ: raw.typ,
            cty: raw.cty,
            agreement: Agreement {
                epk: raw.epk,
                apu: decode("apu", raw.apu)?,
                apv: decode("apv", raw.apv)?,
            },
        })
    }

    /// Whether `cty` names `expected`, compared as RFC 7516 §4.1.12 says: case-insensitively
    /// and with an optional `application/` prefix. `cty_is("JWT")` tells a nested JWT.
    pub fn cty_is(&self, expected: &str) -> bool {
        let strip = |t: &str| -> String {
            let lower = t.to_ascii_lowercase();
            lower
                .strip_prefix("application/")
                .map(str::to_owned)
                .unwrap_or(lower)
        };
        self.cty
            .as_deref()
            .is_some_and(|cty| strip(cty) == strip(expected))
    }
}

/// RFC 7516 §4.1.13 (by reference to RFC 7515 §4.1.11): an empty list is invalid, and any
/// listed extension must be understood; Sigil understands none.
fn refuse_crit(crit: Value) -> Error {
    let names: Option<Vec<String>> = crit.as_array().and_then(|items| {
        items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect()
    });
    match names {
        Some(names) if !names.is_empty() => Error::UnknownCritical(names),
        Some(_) => Error::Malformed("\"crit\" must not be empty".to_owned()),
        None => Error::Malformed("\"crit\" must be an array of strings".to_owned()),
    }
}

/// The header Sigil encrypts under, serialised in this member order.
#[derive(serde::Serialize)]
pub(crate) struct OutHeader<'a> {
    pub(crate) alg: &'a str,
    pub(crate) enc: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) typ: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cty: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) epk: Option<super::jwk::EphemeralJwk<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) apu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) apv: Option<String>,
}

impl OutHeader<'_> {
    /// The base64url of the header's JSON: the first part of the token and the AAD.
    pub(crate) fn encode(&self) -> Result<String, Error> {
        // Serialising strings cannot fail; the error is mapped rather than unwrapped.
        let json = serde_json::to_vec(self).map_err(|_| Error::Encryption)?;
        Ok(base64url::encode(json))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(json: &str) -> Result<JweHeader, Error> {
        JweHeader::from_json(json.as_bytes())
    }

    #[test]
    fn reads_alg_enc_kid_cty_and_the_agreement_parameters() {
        let h = parse(
            r#"{"alg":"ECDH-ES","enc":"A128GCM","kid":"k","cty":"JWT","apu":"QWxpY2U","apv":"Qm9i","epk":{}}"#,
        )
        .unwrap();
        assert_eq!(h.alg, KeyManagement::EcdhEs);
        assert_eq!(h.enc, ContentEncryption::A128Gcm);
        assert_eq!(h.kid.as_deref(), Some("k"));
        assert!(h.cty_is("JWT") && h.cty_is("application/jwt"));
        assert_eq!(h.agreement.apu, b"Alice");
        assert_eq!(h.agreement.apv, b"Bob");
    }

    /// A check of the error a header is refused with.
    type Expect = fn(&Error) -> bool;

    #[test]
    fn refusals() {
        let cases: &[(&str, Expect)] = &[
            (
                r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#,
                |e| *e == Error::CompressionRefused("DEF".into()),
            ),
            (
                r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":["exp"],"exp":1}"#,
                |e| *e == Error::UnknownCritical(vec!["exp".into()]),
            ),
            (r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":[]}"#, |e| {
                matches!(e, Error::Malformed(_))
            }),
            (
                r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":"b64"}"#,
                |e| matches!(e, Error::Malformed(_)),
            ),
            (
                r#"{"alg":"RSA1_5","enc":"A128CBC-HS256"}"#,
                |e| matches!(e, Error::RefusedAlgorithm { alg, .. } if alg == "RSA1_5"),
            ),
            (r#"{"alg":"dir","enc":"A128GCM"}"#, |e| {
                matches!(e, Error::RefusedAlgorithm { .. })
            }),
            (r#"{"alg":"RSA-OAEP-256","enc":"A128CBC"}"#, |e| {
                *e == Error::UnsupportedAlgorithm("A128CBC".into())
            }),
            (r#"{"enc":"A256GCM"}"#, |e| matches!(e, Error::Malformed(_))),
            (r#"{"alg":"RSA-OAEP-256"}"#, |e| {
                matches!(e, Error::Malformed(_))
            }),
            (
                r#"{"alg":"RSA-OAEP-256","alg":"RSA-OAEP","enc":"A256GCM"}"#,
                |e| matches!(e, Error::Malformed(_)),
            ),
            (r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":7}"#, |e| {
                matches!(e, Error::Malformed(_))
            }),
            (r#"{"alg":"ECDH-ES","enc":"A256GCM","apu":"QQ=="}"#, |e| {
                matches!(e, Error::Malformed(_))
            }),
            (r#"["alg"]"#, |e| matches!(e, Error::Malformed(_))),
        ];
        for (json, expected) in cases {
            let err = parse(json).unwrap_err();
            assert!(expected(&err), "{json}: {err:?}");
        }
    }
}
