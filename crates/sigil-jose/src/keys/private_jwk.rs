//! Private JWK export (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2), for `sigil keys generate
//! --format jwk`. The members are read back out of the PKCS#8 export, so the JWK and the PEM
//! of a key always describe the same key.

use serde_json::{Map, Value, json};
use spki::der::Decode as _;
use spki::der::asn1::{OctetStringRef, UintRef};
use zeroize::Zeroizing;

use super::PrivateKey;
use crate::algorithm::KeyKind;
use crate::jwk::PublicJwk;
use crate::{Error, base64url};

impl PrivateKey {
    /// The private JWK of this key with the given public members (`kid`, `use`, `alg`),
    /// as JSON. Handle it as the secret it is.
    pub fn to_private_jwk_json(&self, public: &PublicJwk) -> Result<Zeroizing<String>, Error> {
        let Value::Object(mut members) = serde_json::to_value(public)
            .map_err(|e| Error::InvalidKey(format!("JWK export failed: {e}")))?
        else {
            return Err(Error::InvalidKey("JWK export failed".to_owned()));
        };
        let pkcs8 = self.to_pkcs8_der()?;
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8.as_slice()).map_err(export_failed)?;
        let inner = info.private_key.as_bytes();
        match self.kind() {
            KeyKind::Rsa => rsa_members(inner, &mut members)?,
            KeyKind::P256 | KeyKind::P384 => {
                let key = sec1::EcPrivateKey::try_from(inner).map_err(export_failed)?;
                members.insert("d".into(), json!(base64url::encode(key.private_key)));
            }
            KeyKind::Ed25519 => {
                // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the 32-byte seed).
                let seed = <&OctetStringRef>::from_der(inner).map_err(export_failed)?;
                members.insert("d".into(), json!(base64url::encode(seed.as_bytes())));
            }
        }
        let json = serde_json::to_string(&Value::Object(members))
            .map_err(|e| Error::InvalidKey(format!("JWK export failed: {e}")))?;
        Ok(Zeroizing::new(json))
    }
}

fn rsa_members(pkcs1: &[u8], members: &mut Map<String, Value>) -> Result<(), Error> {
    let key = pkcs1::RsaPrivateKey::<UintRef<'_>>::try_from(pkcs1).map_err(export_failed)?;
    // RFC 7518 §6.3.2: Base64urlUInt, i.e. without leading zero octets.
    let uint = |u: UintRef<'_>| {
        let bytes = u.as_bytes();
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        json!(base64url::encode(&bytes[start..]))
    };
    for (name, value) in [
        ("d", key.private_exponent),
        ("p", key.prime1),
        ("q", key.prime2),
        ("dp", key.exponent1),
        ("dq", key.exponent2),
        ("qi", key.coefficient),
    ] {
        members.insert(name.into(), uint(value));
    }
    Ok(())
}

fn export_failed(e: impl std::fmt::Display) -> Error {
    Error::InvalidKey(format!("JWK export failed: {e}"))
}
