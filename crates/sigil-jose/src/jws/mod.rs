//! JWS compact serialisation (RFC 7515 §3.1, §5, §7.1): signing and verification.
//!
//! Verification pins the algorithms the caller allows and the key's own `alg`, and reads the
//! payload only after the signature checked out: [`CompactJws::verify`] consumes the parsed
//! token and returns a [`VerifiedJws`], the only type that hands out the payload.

pub mod header;

use serde::de::DeserializeOwned;

pub use header::{Header, HeaderAlg};

use crate::keys::{SigningKey, VerifyingKey};
use crate::{Algorithm, Error, base64url};

/// Largest token accepted, in bytes. Real tokens are a few KiB; the bound keeps a hostile
/// input from costing more than it must.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// A parsed compact JWS whose header has passed the rules but whose signature is unchecked.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    header: Header,
    signing_input: &'a str,
    payload_b64: &'a str,
    signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes `token`; checks the header (no `none`, no unknown `crit`).
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::Malformed(format!(
                "token is {} bytes; at most {MAX_TOKEN_LEN} are accepted",
                token.len()
            )));
        }
        let mut parts = token.splitn(4, '.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed(
                "a compact JWS has exactly three dot-separated parts".to_owned(),
            ));
        };
        let header_json = base64url::decode(header_b64)
            .ok_or_else(|| Error::Malformed("header is not unpadded base64url".to_owned()))?;
        let header = Header::from_json(&header_json)?;
        let signature = base64url::decode(signature_b64)
            .ok_or_else(|| Error::Malformed("signature is not unpadded base64url".to_owned()))?;
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        Ok(Self {
            header,
            signing_input,
            payload_b64,
            signature,
        })
    }

    /// The checked header. Use it to select a key (`kid`, `alg`); trust nothing else yet.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The JWS signing input: `BASE64URL(header) || '.' || BASE64URL(payload)`.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The header's algorithm if it is one of `allowed`.
    pub fn allowed_alg(&self, allowed: &[Algorithm]) -> Result<Algorithm, Error> {
        match self.header.alg {
            HeaderAlg::Jws(alg) if allowed.contains(&alg) => Ok(alg),
            other => Err(Error::AlgorithmNotAllowed {
                alg: other.as_str().to_owned(),
                allowed: allowed.to_vec(),
            }),
        }
    }

    /// Checks the signature with `key`, provided the header's `alg` is in `allowed` and the
    /// key admits it.
    pub fn verify(
        self,
        key: &VerifyingKey,
        allowed: &[Algorithm],
    ) -> Result<VerifiedJws<'a>, Error> {
        let alg = self.allowed_alg(allowed)?;
        key.verify(alg, self.signing_input.as_bytes(), &self.signature)?;
        Ok(VerifiedJws {
            header: self.header,
            payload_b64: self.payload_b64,
        })
    }

    /// Records that the signature was checked by other means (legacy HMAC).
    pub(crate) fn into_verified(self) -> VerifiedJws<'a> {
        VerifiedJws {
            header: self.header,
            payload_b64: self.payload_b64,
        }
    }
}

/// A JWS whose signature has been verified.
#[derive(Debug, Clone)]
pub struct VerifiedJws<'a> {
    header: Header,
    payload_b64: &'a str,
}

impl VerifiedJws<'_> {
    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The decoded payload.
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        base64url::decode(self.payload_b64)
            .ok_or_else(|| Error::Malformed("payload is not unpadded base64url".to_owned()))
    }

    /// The payload parsed as JSON into `T`.
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.payload()?).map_err(|e| Error::InvalidClaims(e.to_string()))
    }
}

/// Signs `payload` with `key` into a compact JWS whose header carries `alg`, `kid` and,
/// when given, `typ`.
pub fn sign(key: &SigningKey, typ: Option<&str>, payload: &[u8]) -> Result<String, Error> {
    let header = header::signing_header_json(key.alg().as_str(), Some(key.kid().as_str()), typ);
    let mut token = signing_input(&header, payload);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    base64url::encode_into(signature, &mut token);
    Ok(token)
}

/// `BASE64URL(header) || '.' || BASE64URL(payload)`, with room for a signature after it.
pub(crate) fn signing_input(header_json: &[u8], payload: &[u8]) -> String {
    let encoded = |n: usize| n.div_ceil(3) * 4;
    let mut out = String::with_capacity(encoded(header_json.len()) + encoded(payload.len()) + 700);
    base64url::encode_into(header_json, &mut out);
    out.push('.');
    base64url::encode_into(payload, &mut out);
    out
}
