//! Strict JWK parsing: RFC 7517 §4 (common members), RFC 7518 §6 (RSA, EC), RFC 8037 §2 (OKP).

use serde_json::{Map, Value};

use super::{KeyUse, Kid, MIN_RSA_BITS, PublicJwk, PublicKeyParams, bit_len};
use crate::algorithm::KeyKind;
use crate::{Algorithm, Error, base64url};

/// Members that only private (or symmetric) JWKs have (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Largest RSA modulus accepted (aws-lc-rs verifies up to 8192 bits).
const MAX_RSA_BITS: usize = 8192;

pub(super) fn public_jwk(value: &Value) -> Result<PublicJwk, Error> {
    let Value::Object(members) = value else {
        return Err(invalid("a JWK must be a JSON object"));
    };
    if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| members.contains_key(**m)) {
        return Err(invalid(format!(
            "member {private:?} is private key material, which a public JWK must not carry"
        )));
    }
    let kty = string(members, "kty")?.ok_or_else(|| invalid("member \"kty\" is required"))?;
    let params = match kty {
        "RSA" => rsa(members)?,
        "EC" => ec(members)?,
        "OKP" => okp(members)?,
        other => return Err(Error::UnsupportedKey(format!("key type {other:?}"))),
    };
    let kid = string(members, "kid")?.map(Kid::new).transpose()?;
    let key_use = string(members, "use")?.map(|u| match u {
        "sig" => KeyUse::Signature,
        "enc" => KeyUse::Encryption,
        other => KeyUse::Other(other.to_owned()),
    });
    let alg = string(members, "alg")?
        .map(str::parse::<Algorithm>)
        .transpose()?;
    if let Some(alg) = alg
        && alg.key_kind() != params.kind()
    {
        return Err(Error::KeyAlgorithmMismatch {
            alg,
            key: params.kind(),
        });
    }
    if let Some(ops) = members.get("key_ops") {
        let is_string_array = ops
            .as_array()
            .is_some_and(|ops| ops.iter().all(Value::is_string));
        if !is_string_array {
            return Err(invalid("member \"key_ops\" must be an array of strings"));
        }
    }
    check_params(&params)?;
    Ok(PublicJwk {
        params,
        kid,
        key_use,
        alg,
    })
}

fn rsa(members: &Map<String, Value>) -> Result<PublicKeyParams, Error> {
    Ok(PublicKeyParams::Rsa {
        n: required_bytes(members, "n")?,
        e: required_bytes(members, "e")?,
    })
}

fn ec(members: &Map<String, Value>) -> Result<PublicKeyParams, Error> {
    let crv = string(members, "crv")?.ok_or_else(|| invalid("member \"crv\" is required"))?;
    let size = match crv {
        "P-256" => 32,
        "P-384" => 48,
        other => return Err(Error::UnsupportedKey(format!("EC curve {other:?}"))),
    };
    let x = fixed_bytes(members, "x", size)?;
    let y = fixed_bytes(members, "y", size)?;
    Ok(if size == 32 {
        PublicKeyParams::P256 { x, y }
    } else {
        PublicKeyParams::P384 { x, y }
    })
}

fn okp(members: &Map<String, Value>) -> Result<PublicKeyParams, Error> {
    let crv = string(members, "crv")?.ok_or_else(|| invalid("member \"crv\" is required"))?;
    if crv != "Ed25519" {
        return Err(Error::UnsupportedKey(format!("OKP curve {crv:?}")));
    }
    Ok(PublicKeyParams::Ed25519 {
        x: fixed_bytes(members, "x", 32)?,
    })
}

/// The rules a key's parameters must meet however they arrived (JWK, PEM): RSA integers in
/// minimal form and of an accepted size, then aws-lc-rs checks what format rules cannot —
/// that an EC point is on its curve, that an RSA exponent is acceptable.
pub(super) fn check_params(params: &PublicKeyParams) -> Result<(), Error> {
    if let PublicKeyParams::Rsa { n, e } = params {
        for (name, value) in [("n", n), ("e", e)] {
            // RFC 7518 §6.3.1: the minimum number of octets, so no leading zero.
            if value.first().is_none_or(|&b| b == 0) {
                return Err(invalid(format!(
                    "member {name:?} must be a positive integer without leading zero octets"
                )));
            }
        }
        let bits = bit_len(n);
        if bits < MIN_RSA_BITS {
            return Err(Error::KeyTooSmall {
                bits,
                min: MIN_RSA_BITS,
            });
        }
        if bits > MAX_RSA_BITS {
            return Err(Error::UnsupportedKey(format!(
                "RSA key of {bits} bits (at most {MAX_RSA_BITS})"
            )));
        }
    }
    let probe = match params.kind() {
        KeyKind::Rsa => Algorithm::RS256,
        KeyKind::P256 => Algorithm::ES256,
        KeyKind::P384 => Algorithm::ES384,
        KeyKind::Ed25519 => Algorithm::EdDSA,
    };
    let bytes = params.to_crypto_bytes()?;
    aws_lc_rs::signature::ParsedPublicKey::new(probe.verification(), bytes)
        .map(|_| ())
        .map_err(|e| Error::InvalidKey(format!("{} public key rejected: {e}", params.kty())))
}

fn string<'a>(members: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match members.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("member {name:?} must be a string"))),
    }
}

fn required_bytes(members: &Map<String, Value>, name: &str) -> Result<Vec<u8>, Error> {
    let text =
        string(members, name)?.ok_or_else(|| invalid(format!("member {name:?} is required")))?;
    base64url::decode(text)
        .ok_or_else(|| invalid(format!("member {name:?} is not unpadded base64url")))
}

fn fixed_bytes(members: &Map<String, Value>, name: &str, size: usize) -> Result<Vec<u8>, Error> {
    let bytes = required_bytes(members, name)?;
    if bytes.len() != size {
        return Err(invalid(format!(
            "member {name:?} is {} octets; this curve needs exactly {size}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidJwk(message.into())
}
