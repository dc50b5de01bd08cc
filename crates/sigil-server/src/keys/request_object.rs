//! Encrypted request objects (OIDC Core §6.1 and §10.2, RFC 9101 §6.1): a JWE, to one of the
//! realm's published `use: enc` keys, whose plaintext is the client's signed request object
//! (a nested JWT, RFC 7519 §5.2). Decrypting only opens the envelope: the JWS inside is
//! verified next, exactly as an unencrypted one — an encrypted but unsigned request object is
//! never accepted, because anyone can encrypt to a public key.
//!
//! Every failure is one [`RequestObjectDecryptionError`] whose public face is the same; its
//! detail is for the log only, and sigil-jose already makes every secret-dependent failure
//! one `DecryptionFailed`, so no answer tells a padding or tag failure from a wrong key.

use sigil_jose::jwe::{ContentEncryption, JwePolicy, KeyManagement};

use super::{ENCRYPTION_ALGS, RealmKeys};

/// The content encryption algorithms accepted for request objects (and listed in
/// discovery's `request_object_encryption_enc_values_supported`).
pub const REQUEST_OBJECT_ENCS: [ContentEncryption; 2] =
    [ContentEncryption::A256Gcm, ContentEncryption::A128CbcHs256];

/// The longest encrypted request object accepted, in bytes: a request object is a few KiB;
/// nothing past this is decoded.
pub const MAX_ENCRYPTED_REQUEST_OBJECT_LEN: usize = JwePolicy::DEFAULT_MAX_INPUT_LEN;

/// What a client registered (`request_object_encryption_alg` and `_enc`, OIDC Registration
/// §2): its encrypted request objects must use exactly these, and it may send no other kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestObjectEncryption {
    /// `request_object_encryption_alg`.
    pub alg: KeyManagement,
    /// `request_object_encryption_enc` (A128CBC-HS256 when the client registered only an alg).
    pub enc: ContentEncryption,
}

impl RequestObjectEncryption {
    /// The pair a client registered, from its stored `request_object_encryption_alg` and
    /// `_enc`: `None` when it registered neither; `enc` defaults to A128CBC-HS256 (OIDC
    /// Registration §2). An `enc` without an `alg`, or a name outside what Sigil accepts, is
    /// `Err((member, value))`.
    pub fn from_registration(
        alg: Option<&str>,
        enc: Option<&str>,
    ) -> Result<Option<Self>, (&'static str, String)> {
        let Some(alg) = alg else {
            return match enc {
                None => Ok(None),
                Some(enc) => Err(("request_object_encryption_enc", enc.to_owned())),
            };
        };
        let alg = ENCRYPTION_ALGS
            .into_iter()
            .find(|a| a.as_str() == alg)
            .ok_or_else(|| ("request_object_encryption_alg", alg.to_owned()))?;
        let enc = match enc {
            None => ContentEncryption::A128CbcHs256,
            Some(enc) => REQUEST_OBJECT_ENCS
                .into_iter()
                .find(|e| e.as_str() == enc)
                .ok_or_else(|| ("request_object_encryption_enc", enc.to_owned()))?,
        };
        Ok(Some(Self { alg, enc }))
    }
}

/// Why an encrypted request object was refused. Shown to the client as one
/// `invalid_request_object` whatever the cause; the detail is logged, never sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("encrypted request object refused: {detail}")]
pub struct RequestObjectDecryptionError {
    /// The private cause.
    pub detail: String,
}

fn refused(detail: impl Into<String>) -> RequestObjectDecryptionError {
    RequestObjectDecryptionError {
        detail: detail.into(),
    }
}

/// Whether a `request` value is a JWE (five parts, RFC 7516 §9) rather than a JWS (three).
pub fn is_encrypted(request: &str) -> bool {
    request.split('.').count() == 5
}

impl RealmKeys {
    /// Decrypts an encrypted request object with the realm's decryption keys published at
    /// `now` (current, next, and previous within retention), and returns the compact JWS it
    /// holds, still to be verified. With `registered`, the header must use exactly that alg
    /// and enc; otherwise any of the realm's algorithms with one of [`REQUEST_OBJECT_ENCS`].
    pub fn decrypt_request_object(
        &self,
        compact: &str,
        registered: Option<RequestObjectEncryption>,
        now: i64,
    ) -> Result<String, RequestObjectDecryptionError> {
        let policy = match registered {
            Some(pinned) => JwePolicy::new(&[pinned.alg], &[pinned.enc]),
            None => JwePolicy::new(&self.encryption_algs(), &REQUEST_OBJECT_ENCS),
        }
        .with_max_input_len(MAX_ENCRYPTED_REQUEST_OBJECT_LEN);
        let decrypted = self
            .decryption()
            .decrypt(compact, &policy, now)
            .map_err(|e| refused(e.to_string()))?;
        if decrypted.header().cty.is_some() && !decrypted.is_nested_jwt() {
            return Err(refused(
                "the JWE's cty is not JWT: no signed request object inside",
            ));
        }
        let inner = String::from_utf8(decrypted.into_plaintext())
            .map_err(|_| refused("the plaintext is not text"))?;
        // A compact JWS has three parts; a JWE in a JWE or bare claims are not request objects.
        if inner.split('.').count() != 3 {
            return Err(refused("the plaintext is not a compact JWS (a signed JWT)"));
        }
        Ok(inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_pins_alg_and_enc_with_the_oidc_default() {
        let pinned = |alg, enc| RequestObjectEncryption::from_registration(alg, enc);
        assert_eq!(pinned(None, None), Ok(None));
        assert_eq!(
            pinned(Some("ECDH-ES+A256KW"), None),
            Ok(Some(RequestObjectEncryption {
                alg: KeyManagement::EcdhEsA256Kw,
                enc: ContentEncryption::A128CbcHs256,
            })),
            "OIDC Registration §2: A128CBC-HS256 when only the alg is registered"
        );
        assert_eq!(
            pinned(Some("RSA-OAEP-256"), Some("A256GCM")),
            Ok(Some(RequestObjectEncryption {
                alg: KeyManagement::RsaOaep256,
                enc: ContentEncryption::A256Gcm,
            }))
        );
        for (alg, enc, member) in [
            (None, Some("A256GCM"), "request_object_encryption_enc"),
            (Some("RSA1_5"), None, "request_object_encryption_alg"),
            (Some("RSA-OAEP"), None, "request_object_encryption_alg"),
            (
                Some("RSA-OAEP-256"),
                Some("A128GCM"),
                "request_object_encryption_enc",
            ),
        ] {
            assert_eq!(pinned(alg, enc).unwrap_err().0, member, "{alg:?} {enc:?}");
        }
        assert!(is_encrypted("a.b.c.d.e") && !is_encrypted("a.b.c"));
    }
}
