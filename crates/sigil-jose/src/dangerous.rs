//! Decoding without verification — for display (`sigil verify --decode`) and debugging only.
//! Nothing decoded here may be trusted; the module's name says so at every call site.

use crate::jws::Header;
use crate::{Error, base64url};

/// An unverified view of a compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// The header as JSON, every member included.
    pub header: serde_json::Value,
    /// The header as Sigil would read it, or why it would refuse it.
    pub checked_header: Result<Header, Error>,
    /// The payload as JSON, or `None` when it is not JSON.
    pub payload: Option<serde_json::Value>,
    /// The signature length in bytes.
    pub signature_len: usize,
}

/// Splits and decodes `token` without checking any signature.
pub fn decode_unverified(token: &str) -> Result<Unverified, Error> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(Error::Malformed(
            "a compact JWS has exactly three dot-separated parts".to_owned(),
        ));
    };
    let header_json = base64url::decode(header_b64)
        .ok_or_else(|| Error::Malformed("header is not unpadded base64url".to_owned()))?;
    let header = serde_json::from_slice(&header_json)
        .map_err(|e| Error::Malformed(format!("header is not JSON: {e}")))?;
    let payload = base64url::decode(payload_b64)
        .ok_or_else(|| Error::Malformed("payload is not unpadded base64url".to_owned()))?;
    let signature = base64url::decode(signature_b64)
        .ok_or_else(|| Error::Malformed("signature is not unpadded base64url".to_owned()))?;
    Ok(Unverified {
        header,
        checked_header: Header::from_json(&header_json),
        payload: serde_json::from_slice(&payload).ok(),
        signature_len: signature.len(),
    })
}
