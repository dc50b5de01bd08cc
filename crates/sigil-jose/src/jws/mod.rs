//! JWS compact serialisation (RFC 7515 §3.1, §5, §7.1): signing and verification.
//!
//! Verification pins the algorithms the caller allows and the key's own `alg`, and reads the
//! payload only after the signature checked out: [`CompactJws::verify`] consumes the parsed
//! token and returns a [`VerifiedJws`], the only type that hands out the payload.

pub mod header;

use serde::de::DeserializeOwned;

pub use header::{Header, HeaderAlg};

use crate::base64url::Decoded;
use crate::keys::{SigningKey, VerifyingKey};
use crate::{Algorithm, Error, base64url};

/// Largest token accepted, in bytes. Real tokens are a few KiB; the bound keeps a hostile
/// input from costing more than it must.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

// Stack buffers for the decoded parts of a token, sized for common tokens; a larger part
// goes to the heap. They are zeroed on every use (no `unsafe` here), so not larger than needed.

/// Decoded headers up to this size are parsed from the stack; Sigil's own are ~80 bytes.
const INLINE_HEADER: usize = 256;
/// Signatures up to this size (RSA-4096) are kept inline rather than on the heap.
const INLINE_SIGNATURE: usize = 512;
/// Decoded payloads up to this size are parsed from the stack; access tokens are ~300 bytes.
const INLINE_PAYLOAD: usize = 1024;

/// A parsed compact JWS whose header has passed the rules but whose signature is unchecked.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    header: Header,
    signing_input: &'a str,
    payload_b64: &'a str,
    signature: Decoded<INLINE_SIGNATURE>,
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
        let three_parts =
            || Error::Malformed("a compact JWS has exactly three dot-separated parts".to_owned());
        let (header_b64, rest) = token.split_once('.').ok_or_else(three_parts)?;
        let (payload_b64, signature_b64) = rest.split_once('.').ok_or_else(three_parts)?;
        // The signature is decoded first so that its part need not be scanned for a fourth
        // dot: '.' is not base64url, so a failed decode is where a fourth part shows. The
        // errors keep their order: part count, then header, then signature.
        let signature = Decoded::decode(signature_b64.as_bytes());
        if signature.is_none() && signature_b64.contains('.') {
            return Err(three_parts());
        }
        let header = parse_header(header_b64)?;
        let signature = signature
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
        self.signature.as_slice()
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
        key.verify(alg, self.signing_input.as_bytes(), self.signature())?;
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

    /// The payload parsed as JSON into `T`, decoded on the stack when it is small.
    ///
    /// The payload must be UTF-8 as a whole (RFC 7519 §7.2 step 10). Checking that once up
    /// front lets the parser skip its check of every string.
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let payload = Decoded::<INLINE_PAYLOAD>::decode(self.payload_b64.as_bytes())
            .ok_or_else(|| Error::Malformed("payload is not unpadded base64url".to_owned()))?;
        let json = std::str::from_utf8(payload.as_slice())
            .map_err(|e| Error::InvalidClaims(format!("payload is not UTF-8: {e}")))?;
        serde_json::from_str(json).map_err(|e| Error::InvalidClaims(e.to_string()))
    }
}

/// Decodes and checks the header part (RFC 7515 §5.2 steps 2–5).
fn parse_header(header_b64: &str) -> Result<Header, Error> {
    let json = Decoded::<INLINE_HEADER>::decode(header_b64.as_bytes())
        .ok_or_else(|| Error::Malformed("header is not unpadded base64url".to_owned()))?;
    Header::from_json(json.as_slice())
}

/// Signs `payload` with `key` into a compact JWS whose header carries `alg`, `kid` and,
/// when given, `typ`.
pub fn sign(key: &SigningKey, typ: Option<&str>, payload: &[u8]) -> Result<String, Error> {
    sign_with_header(key, &key.encoded_header(typ)?, payload)
}

/// Signs `payload` under an already encoded header. The token is built in one buffer, sized
/// up front, into which the payload and then the signature are base64url-encoded in place.
pub(crate) fn sign_with_header(
    key: &SigningKey,
    header_b64: &str,
    payload: &[u8],
) -> Result<String, Error> {
    let token = signing_input(header_b64, payload, key.signature_len());
    let signature = key.sign(&token)?;
    finish(token, &signature)
}

/// `header_b64 || '.' || BASE64URL(payload)`, with room for `'.'` and a signature of
/// `signature_len` bytes after it. The exact size matters: glibc treats requests above
/// ~1 KiB as large and may consolidate its free lists for them, which costs more than the
/// base64 work for small tokens.
pub(crate) fn signing_input(header_b64: &str, payload: &[u8], signature_len: usize) -> Vec<u8> {
    let len = header_b64.len()
        + 1
        + base64url::encoded_len(payload.len())
        + 1
        + base64url::encoded_len(signature_len);
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(header_b64.as_bytes());
    out.push(b'.');
    base64url::encode_to_vec(payload, &mut out);
    out
}

/// Appends `'.' || BASE64URL(signature)` to a signing input: the compact token.
pub(crate) fn finish(mut token: Vec<u8>, signature: &[u8]) -> Result<String, Error> {
    token.push(b'.');
    base64url::encode_to_vec(signature, &mut token);
    // Always ASCII (base64url and dots); checked rather than assumed, as `unsafe` is out.
    String::from_utf8(token).map_err(|_| Error::Signing)
}
