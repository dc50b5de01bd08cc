//! PEM import and export (RFC 7468): PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SEC1
//! `EC PRIVATE KEY`, SPKI `PUBLIC KEY` and PKCS#1 `RSA PUBLIC KEY`.
//!
//! Keys often arrive through environment variables with newlines written as a literal `\n`
//! (seed 002: "Use \n for newlines in .env"); [`normalize`] accepts that form. Errors name
//! what was found — a certificate, an encrypted key, a public key where a private one was
//! expected — and never echo key material.

use std::borrow::Cow;

use spki::ObjectIdentifier;
use spki::der::Decode as _;
use spki::der::asn1::{AnyRef, UintRef};
use zeroize::Zeroizing;

use crate::algorithm::KeyKind;
use crate::jwk::{PublicJwk, PublicKeyParams};
use crate::{Error, PrivateKey};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");

const PRIVATE_TAGS: &str =
    "PKCS#8 \"PRIVATE KEY\", PKCS#1 \"RSA PRIVATE KEY\" or SEC1 \"EC PRIVATE KEY\"";
const PUBLIC_TAGS: &str = "SPKI \"PUBLIC KEY\" or PKCS#1 \"RSA PUBLIC KEY\"";

/// Undoes the usual ways a PEM gets mangled on its way through configuration: surrounding
/// whitespace and quotes, and newlines written as the two characters `\n` (or `\r\n`).
pub fn normalize(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    let unquoted = trimmed
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| {
            trimmed
                .strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
        })
        .unwrap_or(trimmed);
    if unquoted.contains("\\n") {
        Cow::Owned(unquoted.replace("\\r\\n", "\n").replace("\\n", "\n"))
    } else {
        Cow::Borrowed(unquoted)
    }
}

/// Parses the first private key in `text` (PKCS#8, PKCS#1 or SEC1).
pub fn parse_private_key(text: &str) -> Result<PrivateKey, Error> {
    let blocks = blocks(text)?;
    let Some(block) = blocks.iter().find(|b| is_private_tag(b.tag())) else {
        return Err(wrong_blocks(&blocks, "a private key", PRIVATE_TAGS));
    };
    let der = block.contents();
    match block.tag() {
        "PRIVATE KEY" => private_pkcs8(der),
        "RSA PRIVATE KEY" => PrivateKey::from_pkcs1_der(der),
        _ => private_sec1(der),
    }
}

/// Parses the first public key in `text` (SPKI or PKCS#1) into a JWK without `kid`.
pub fn parse_public_key(text: &str) -> Result<PublicJwk, Error> {
    let blocks = blocks(text)?;
    let Some(block) = blocks
        .iter()
        .find(|b| matches!(b.tag(), "PUBLIC KEY" | "RSA PUBLIC KEY"))
    else {
        return Err(wrong_blocks(&blocks, "a public key", PUBLIC_TAGS));
    };
    let params = match block.tag() {
        "PUBLIC KEY" => public_spki(block.contents())?,
        _ => rsa_public_pkcs1(block.contents())?,
    };
    PublicJwk::from_params(params)
}

/// The private key as a PKCS#8 `PRIVATE KEY` PEM.
pub fn private_key_to_pem(key: &PrivateKey) -> Result<Zeroizing<String>, Error> {
    let der = key.to_pkcs8_der()?;
    let block = ::pem::Pem::new("PRIVATE KEY", der.as_slice());
    Ok(Zeroizing::new(::pem::encode_config(&block, line_ending())))
}

/// The public key as an SPKI `PUBLIC KEY` PEM.
pub fn public_key_to_pem(key: &PrivateKey) -> Result<String, Error> {
    let block = ::pem::Pem::new("PUBLIC KEY", key.public_key_spki_der()?);
    Ok(::pem::encode_config(&block, line_ending()))
}

fn line_ending() -> ::pem::EncodeConfig {
    ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF)
}

fn blocks(text: &str) -> Result<Vec<::pem::Pem>, Error> {
    let text = normalize(text);
    if !text.contains("-----BEGIN ") {
        return Err(Error::Pem(
            "not PEM: no \"-----BEGIN ...-----\" line found".to_owned(),
        ));
    }
    let blocks = ::pem::parse_many(text.as_bytes())
        .map_err(|e| Error::Pem(format!("malformed PEM: {e}")))?;
    if blocks.is_empty() {
        return Err(Error::Pem(
            "malformed PEM: no complete BEGIN/END block".to_owned(),
        ));
    }
    Ok(blocks)
}

fn is_private_tag(tag: &str) -> bool {
    matches!(tag, "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY")
}

fn wrong_blocks(blocks: &[::pem::Pem], wanted: &str, tags: &str) -> Error {
    let found: Vec<String> = blocks.iter().map(|b| format!("{:?}", b.tag())).collect();
    let hint = if blocks.iter().any(|b| b.tag() == "ENCRYPTED PRIVATE KEY") {
        " (encrypted keys are not supported: decrypt it first, e.g. `openssl pkcs8 -in key.pem -out plain.pem`)"
    } else if blocks.iter().any(|b| b.tag() == "CERTIFICATE") {
        " (a certificate holds a public key only)"
    } else {
        ""
    };
    Error::Pem(format!(
        "expected {wanted} ({tags}), found {}{hint}",
        found.join(", ")
    ))
}

/// Parses a PKCS#8 `PrivateKeyInfo` (DER), identifying the key type from its algorithm.
pub fn private_key_from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, Error> {
    private_pkcs8(der)
}

fn private_pkcs8(der: &[u8]) -> Result<PrivateKey, Error> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|e| Error::Pem(format!("malformed PKCS#8 private key: {e}")))?;
    let kind = key_kind(info.algorithm.oid, info.algorithm.parameters)?;
    PrivateKey::from_pkcs8_der(der, kind)
}

fn private_sec1(der: &[u8]) -> Result<PrivateKey, Error> {
    let key = sec1::EcPrivateKey::try_from(der)
        .map_err(|e| Error::Pem(format!("malformed SEC1 EC private key: {e}")))?;
    let kind = match key.parameters.and_then(|p| p.named_curve()) {
        Some(curve) => curve_kind(curve)?,
        // RFC 5915 makes the parameters optional; the scalar's length names the curve.
        None => match key.private_key.len() {
            32 => KeyKind::P256,
            48 => KeyKind::P384,
            n => {
                return Err(Error::UnsupportedKey(format!(
                    "EC private key of {n} bytes without a named curve"
                )));
            }
        },
    };
    PrivateKey::from_sec1_der(der, kind)
}

fn public_spki(der: &[u8]) -> Result<PublicKeyParams, Error> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|e| Error::Pem(format!("malformed SPKI public key: {e}")))?;
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::Pem("malformed SPKI public key: unaligned bit string".to_owned()))?;
    match key_kind(spki.algorithm.oid, spki.algorithm.parameters)? {
        KeyKind::Rsa => rsa_public_pkcs1(bits),
        kind @ (KeyKind::P256 | KeyKind::P384) => {
            let size = if kind == KeyKind::P256 { 32 } else { 48 };
            let (x, y) = match bits.split_first() {
                Some((0x04, coords)) if coords.len() == 2 * size => coords.split_at(size),
                _ => {
                    return Err(Error::UnsupportedKey(
                        "EC public key not in uncompressed form".to_owned(),
                    ));
                }
            };
            let (x, y) = (x.to_vec(), y.to_vec());
            Ok(if kind == KeyKind::P256 {
                PublicKeyParams::P256 { x, y }
            } else {
                PublicKeyParams::P384 { x, y }
            })
        }
        KeyKind::Ed25519 => Ok(PublicKeyParams::Ed25519 { x: bits.to_vec() }),
    }
}

fn rsa_public_pkcs1(der: &[u8]) -> Result<PublicKeyParams, Error> {
    let key = pkcs1::RsaPublicKey::<UintRef<'_>>::try_from(der)
        .map_err(|e| Error::Pem(format!("malformed PKCS#1 RSA public key: {e}")))?;
    let strip = |b: &[u8]| b.iter().skip_while(|&&x| x == 0).copied().collect();
    Ok(PublicKeyParams::Rsa {
        n: strip(key.modulus.as_bytes()),
        e: strip(key.public_exponent.as_bytes()),
    })
}

fn key_kind(oid: ObjectIdentifier, parameters: Option<AnyRef<'_>>) -> Result<KeyKind, Error> {
    match oid {
        RSA_ENCRYPTION => Ok(KeyKind::Rsa),
        EC_PUBLIC_KEY => {
            let curve = parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| Error::UnsupportedKey("EC key without a named curve".to_owned()))?;
            curve_kind(curve)
        }
        ED25519 => Ok(KeyKind::Ed25519),
        RSASSA_PSS => Err(Error::UnsupportedKey(
            "RSASSA-PSS-restricted RSA keys; export the key as plain rsaEncryption".to_owned(),
        )),
        ED448 => Err(Error::UnsupportedKey("Ed448 keys".to_owned())),
        X25519 => Err(Error::UnsupportedKey(
            "X25519 keys (key agreement, not signatures)".to_owned(),
        )),
        other => Err(Error::UnsupportedKey(format!("key algorithm OID {other}"))),
    }
}

fn curve_kind(curve: ObjectIdentifier) -> Result<KeyKind, Error> {
    match curve {
        P256 => Ok(KeyKind::P256),
        P384 => Ok(KeyKind::P384),
        P521 => Err(Error::UnsupportedKey("EC curve P-521".to_owned())),
        other => Err(Error::UnsupportedKey(format!("EC curve OID {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_accepts_env_var_forms() {
        let want = "-----BEGIN X-----\nAAAA\n-----END X-----";
        for input in [
            "-----BEGIN X-----\\nAAAA\\n-----END X-----",
            "\"-----BEGIN X-----\\nAAAA\\n-----END X-----\"",
            "  -----BEGIN X-----\\r\\nAAAA\\r\\n-----END X-----\n",
            want,
        ] {
            assert_eq!(normalize(input), want, "{input:?}");
        }
    }
}
