//! JWE compact serialisation (RFC 7516 §3.1, §5, §7.1) with the algorithms of RFC 7518 §4–§5,
//! on aws-lc-rs primitives: decryption for what clients send (encrypted request objects),
//! encryption for what Sigil sends (encrypted ID tokens) and for tests.
//!
//! [`decrypt_compact`] is a pipeline of small checks in the order of RFC 7516 §5.2: the size
//! first (nothing is decoded past [`JwePolicy::max_input_len`]), the five parts, the header
//! ([`JweHeader::from_json`]: no `crit`, no `zip`, a known `alg` and `enc`), the caller's
//! policy, the key (by `kid`, pinned to its `alg`), the CEK, then the tag and the content.
//!
//! Refused by design, each with its own [`Error`]: `RSA1_5` (Bleichenbacher), `dir`, AES and
//! AES-GCM key wrapping with shared keys, and `PBES2-*` ([`Error::RefusedAlgorithm`]); `zip`
//! ([`Error::CompressionRefused`]); any `crit` ([`Error::UnknownCritical`]); an `epk` that
//! is not a point of the recipient's curve ([`Error::InvalidEphemeralKey`]). Every failure
//! that depends on a secret — a key that does not decrypt, a wrong tag, bad padding — is the
//! one [`Error::DecryptionFailed`] (the key management module says how that is kept true).
//!
//! **Key selection.** With a `kid`, the key of that id is the only candidate and must be
//! pinned to the header's `alg`. Without one, every key pinned to the header's `alg` is
//! tried in the set's order, and the first whose tag checks out wins; all failing is
//! [`Error::DecryptionFailed`], as for one key. Clients that omit `kid` keep working across a
//! key rotation that way, at the cost of one extra key operation per older key.

mod algorithms;
mod concat_kdf;
mod content;
mod header;
mod jwk;
mod key_management;
mod keys;

use std::fmt;

use aws_lc_rs::rand::SystemRandom;

pub use algorithms::{ContentEncryption, KeyManagement};
pub use header::JweHeader;
pub use jwk::EncryptionJwk;
pub use keys::{DecryptionKey, DecryptionKeys};

use header::{Agreement, OutHeader};
use jwk::EphemeralJwk;
use key_management::Generated;

use crate::{Error, base64url};

/// What a decrypting caller accepts: key management and content encryption algorithms, and
/// the longest input. There is no default: the caller names its algorithms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwePolicy {
    algs: Vec<KeyManagement>,
    encs: Vec<ContentEncryption>,
    max_input_len: usize,
}

impl JwePolicy {
    /// The input limit unless the caller sets one: 64 KiB, as for a JWS
    /// ([`crate::jws::MAX_TOKEN_LEN`]); request objects are a few KiB.
    pub const DEFAULT_MAX_INPUT_LEN: usize = 64 * 1024;

    /// A policy allowing these algorithms, with [`Self::DEFAULT_MAX_INPUT_LEN`].
    pub fn new(algs: &[KeyManagement], encs: &[ContentEncryption]) -> Self {
        Self {
            algs: algs.to_vec(),
            encs: encs.to_vec(),
            max_input_len: Self::DEFAULT_MAX_INPUT_LEN,
        }
    }

    /// The same policy with another input limit, in bytes.
    pub fn with_max_input_len(mut self, max: usize) -> Self {
        self.max_input_len = max;
        self
    }

    /// The allowed key management algorithms.
    pub fn algs(&self) -> &[KeyManagement] {
        &self.algs
    }

    /// The allowed content encryption algorithms.
    pub fn encs(&self) -> &[ContentEncryption] {
        &self.encs
    }

    /// The longest input accepted, in bytes.
    pub fn max_input_len(&self) -> usize {
        self.max_input_len
    }
}

/// A decrypted JWE: its header (for `cty`, `typ`, `kid`) and the plaintext. `Debug` shows the
/// plaintext's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
    header: JweHeader,
    plaintext: Vec<u8>,
}

impl Decrypted {
    /// The protected header.
    pub fn header(&self) -> &JweHeader {
        &self.header
    }

    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The plaintext, owned.
    pub fn into_plaintext(self) -> Vec<u8> {
        self.plaintext
    }

    /// Whether the plaintext is a nested JWT (`cty: JWT`, RFC 7519 §5.2): a JWS to verify
    /// next, not claims to trust.
    pub fn is_nested_jwt(&self) -> bool {
        self.header.cty_is("JWT")
    }
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("header", &self.header)
            .field("plaintext_len", &self.plaintext.len())
            .finish()
    }
}

/// Header members an encrypter may add besides `alg`, `enc`, `kid` (taken from the
/// recipient's JWK) and `epk`. `apu` and `apv` (RFC 7518 §4.6.1.2–3) are sent, and enter the
/// key derivation, for ECDH-ES only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncryptOptions {
    /// `typ`.
    pub typ: Option<String>,
    /// `cty`; `JWT` when the plaintext is a JWS (see [`EncryptOptions::nested_jwt`]).
    pub cty: Option<String>,
    /// Agreement PartyUInfo, raw (sent base64url-encoded); empty for none.
    pub apu: Vec<u8>,
    /// Agreement PartyVInfo, raw (sent base64url-encoded); empty for none.
    pub apv: Vec<u8>,
}

impl EncryptOptions {
    /// `cty: JWT`: the options for encrypting a signed JWT (RFC 7519 §5.2, OIDC Core §16.14).
    pub fn nested_jwt() -> Self {
        Self {
            cty: Some("JWT".to_owned()),
            ..Self::default()
        }
    }
}

/// Decrypts a compact JWE with one of `keys`, under `policy` (see the module docs for the
/// checks, their order and how the key is chosen).
pub fn decrypt_compact(
    input: &str,
    keys: &DecryptionKeys,
    policy: &JwePolicy,
) -> Result<Decrypted, Error> {
    let jwe = CompactJwe::parse(input, policy)?;
    let header = &jwe.header;
    let rng = SystemRandom::new();
    for key in keys.candidates(header.kid.as_deref(), header.alg)? {
        let cek = key_management::decrypt_cek(
            key,
            header.alg,
            header.enc,
            &header.agreement,
            &jwe.encrypted_key,
            &rng,
        )?;
        match content::decrypt(
            header.enc,
            &cek,
            &jwe.iv,
            jwe.aad.as_bytes(),
            &jwe.ciphertext,
            &jwe.tag,
        ) {
            Ok(plaintext) => {
                return Ok(Decrypted {
                    header: jwe.header,
                    plaintext,
                });
            }
            Err(Error::DecryptionFailed) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(Error::DecryptionFailed)
}

/// Encrypts `plaintext` to `recipient` into a compact JWE with `alg` and `enc`. The header
/// carries `alg`, `enc`, the recipient's `kid` (if it has one), the `options`, and `epk` for
/// ECDH-ES. The CEK, the IV and any ephemeral key come from aws-lc-rs's system RNG.
pub fn encrypt_compact(
    plaintext: &[u8],
    recipient: &EncryptionJwk,
    alg: KeyManagement,
    enc: ContentEncryption,
    options: &EncryptOptions,
) -> Result<String, Error> {
    recipient.check_admits(alg)?;
    let rng = SystemRandom::new();
    let generated = Generated::fresh(alg, enc, recipient.params.kind(), &rng)?;
    encrypt_with(plaintext, recipient, alg, enc, options, generated)
}

/// [`encrypt_compact`] with the random values given (the unit tests give the RFC examples').
pub(crate) fn encrypt_with(
    plaintext: &[u8],
    recipient: &EncryptionJwk,
    alg: KeyManagement,
    enc: ContentEncryption,
    options: &EncryptOptions,
    generated: Generated,
) -> Result<String, Error> {
    let agreement = if alg.is_key_agreement() {
        Agreement {
            epk: None,
            apu: options.apu.clone(),
            apv: options.apv.clone(),
        }
    } else {
        Agreement::default()
    };
    let transport = key_management::encrypt_cek(
        recipient,
        alg,
        enc,
        &agreement,
        generated.cek,
        generated.ephemeral,
    )?;
    let nonempty = |bytes: &[u8]| (!bytes.is_empty()).then(|| base64url::encode(bytes));
    let header_b64 = OutHeader {
        alg: alg.as_str(),
        enc: enc.as_str(),
        kid: recipient.kid.as_ref().map(|kid| kid.as_str()),
        typ: options.typ.as_deref(),
        cty: options.cty.as_deref(),
        epk: transport.epk.as_ref().map(EphemeralJwk),
        apu: nonempty(&agreement.apu),
        apv: nonempty(&agreement.apv),
    }
    .encode()?;
    let sealed = content::encrypt(
        enc,
        &transport.cek,
        &generated.iv,
        header_b64.as_bytes(),
        plaintext,
    )?;
    let mut out = header_b64;
    for part in [
        transport.encrypted_key.as_slice(),
        &generated.iv,
        &sealed.ciphertext,
        &sealed.tag,
    ] {
        out.push('.');
        base64url::encode_into(part, &mut out);
    }
    Ok(out)
}

/// A compact JWE whose header and structure have passed the checks, undecrypted.
struct CompactJwe<'a> {
    header: JweHeader,
    /// The encoded protected header: the AAD (RFC 7516 §5.2 step 14).
    aad: &'a str,
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl<'a> CompactJwe<'a> {
    fn parse(input: &'a str, policy: &JwePolicy) -> Result<Self, Error> {
        check_size(input, policy)?;
        let [header_b64, encrypted_key, iv, ciphertext, tag] = split_parts(input)?;
        let header = parse_header(header_b64)?;
        check_policy(&header, policy)?;
        let jwe = Self {
            header,
            aad: header_b64,
            encrypted_key: decode_part(encrypted_key, "encrypted key")?,
            iv: decode_part(iv, "initialization vector")?,
            ciphertext: decode_part(ciphertext, "ciphertext")?,
            tag: decode_part(tag, "authentication tag")?,
        };
        check_lengths(&jwe)?;
        Ok(jwe)
    }
}

/// The size limit, before anything is decoded.
fn check_size(input: &str, policy: &JwePolicy) -> Result<(), Error> {
    if input.len() > policy.max_input_len {
        return Err(Error::TooLarge {
            len: input.len(),
            max: policy.max_input_len,
        });
    }
    Ok(())
}

/// RFC 7516 §5.2 step 1: exactly five parts.
fn split_parts(input: &str) -> Result<[&str; 5], Error> {
    let mut parts = input.split('.');
    let mut out = [""; 5];
    for slot in &mut out {
        *slot = parts.next().ok_or_else(five_parts)?;
    }
    if parts.next().is_some() {
        return Err(five_parts());
    }
    Ok(out)
}

fn five_parts() -> Error {
    Error::Malformed("a compact JWE has exactly five dot-separated parts".to_owned())
}

/// RFC 7516 §5.2 steps 2–5.
fn parse_header(header_b64: &str) -> Result<JweHeader, Error> {
    let json = base64url::decode(header_b64)
        .ok_or_else(|| Error::Malformed("JWE header is not unpadded base64url".to_owned()))?;
    JweHeader::from_json(&json)
}

/// The caller's allow-lists.
fn check_policy(header: &JweHeader, policy: &JwePolicy) -> Result<(), Error> {
    if !policy.algs.contains(&header.alg) {
        return Err(Error::JweNotAllowed {
            param: "alg",
            value: header.alg.as_str().to_owned(),
        });
    }
    if !policy.encs.contains(&header.enc) {
        return Err(Error::JweNotAllowed {
            param: "enc",
            value: header.enc.as_str().to_owned(),
        });
    }
    Ok(())
}

fn decode_part(text: &str, what: &str) -> Result<Vec<u8>, Error> {
    base64url::decode(text)
        .ok_or_else(|| Error::Malformed(format!("JWE {what} is not unpadded base64url")))
}

/// The IV and tag lengths `enc` fixes (RFC 7518 §5.2.2.1, §5.3): public, so refused plainly.
fn check_lengths(jwe: &CompactJwe<'_>) -> Result<(), Error> {
    let enc = jwe.header.enc;
    if jwe.iv.len() != enc.iv_len() {
        return Err(Error::Malformed(format!(
            "{enc} needs a {}-byte initialization vector, not {}",
            enc.iv_len(),
            jwe.iv.len()
        )));
    }
    if jwe.tag.len() != enc.tag_len() {
        return Err(Error::Malformed(format!(
            "{enc} needs a {}-byte authentication tag, not {}",
            enc.tag_len(),
            jwe.tag.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
