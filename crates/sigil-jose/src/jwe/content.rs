//! Content encryption (RFC 7518 §5): AES-CBC with HMAC-SHA-2 (§5.2) and AES-GCM (§5.3).
//!
//! Decryption returns [`Error::DecryptionFailed`] for every failure that depends on the key —
//! a tag that does not match, padding that does not unpad — so the two cannot be told apart.
//! For CBC-HMAC the tag is checked, in constant time, before anything is decrypted
//! (§5.2.2.2), so padding is only ever examined under a key that authenticated the input.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    self, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use subtle::ConstantTimeEq as _;

use super::ContentEncryption;
use crate::Error;

/// Ciphertext and tag of one encryption.
#[derive(Debug)]
pub(crate) struct Sealed {
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) tag: Vec<u8>,
}

/// Encrypts `plaintext` under `cek` and `iv`, authenticating `aad` (RFC 7516 §5.1 step 15).
/// The caller supplies a fresh random IV of [`ContentEncryption::iv_len`] bytes.
pub(crate) fn encrypt(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed, Error> {
    if cek.len() != enc.cek_len() || iv.len() != enc.iv_len() {
        return Err(Error::Encryption);
    }
    match gcm(enc) {
        Some(algorithm) => {
            let key = gcm_key(algorithm, cek).map_err(|_| Error::Encryption)?;
            let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::Encryption)?;
            let mut ciphertext = plaintext.to_vec();
            let tag = key
                .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut ciphertext)
                .map_err(|_| Error::Encryption)?;
            Ok(Sealed {
                ciphertext,
                tag: tag.as_ref().to_vec(),
            })
        }
        None => {
            let (mac_key, enc_key) = cek.split_at(enc.cek_len() / 2);
            let key = UnboundCipherKey::new(aes(enc), enc_key)
                .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
                .map_err(|_| Error::Encryption)?;
            let iv16: [u8; 16] = iv.try_into().map_err(|_| Error::Encryption)?;
            let mut ciphertext = plaintext.to_vec();
            key.less_safe_encrypt(
                &mut ciphertext,
                EncryptionContext::Iv128(FixedLength::from(iv16)),
            )
            .map_err(|_| Error::Encryption)?;
            let tag = cbc_hmac_tag(enc, mac_key, aad, iv, &ciphertext);
            Ok(Sealed { ciphertext, tag })
        }
    }
}

/// Checks the tag and decrypts (RFC 7516 §5.2 step 16). The lengths of `iv` and `tag` are the
/// caller's to check against `enc` (they are public); a wrong `cek` length fails here, as
/// [`Error::DecryptionFailed`], like every other failure that depends on the key.
pub(crate) fn decrypt(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Error> {
    if cek.len() != enc.cek_len() {
        return Err(Error::DecryptionFailed);
    }
    match gcm(enc) {
        Some(algorithm) => {
            let key = gcm_key(algorithm, cek).map_err(|_| Error::DecryptionFailed)?;
            let nonce =
                Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::DecryptionFailed)?;
            let mut plaintext = ciphertext.to_vec();
            key.open_in_place_separate_tag(nonce, Aad::from(aad), tag, &mut plaintext)
                .map_err(|_| Error::DecryptionFailed)?;
            Ok(plaintext)
        }
        None => {
            let (mac_key, enc_key) = cek.split_at(enc.cek_len() / 2);
            // §5.2.2.2 step 2: the tag first, compared in constant time.
            let expected = cbc_hmac_tag(enc, mac_key, aad, iv, ciphertext);
            if !bool::from(expected.as_slice().ct_eq(tag)) {
                return Err(Error::DecryptionFailed);
            }
            let iv16: [u8; 16] = iv.try_into().map_err(|_| Error::DecryptionFailed)?;
            let key = UnboundCipherKey::new(aes(enc), enc_key)
                .and_then(PaddedBlockDecryptingKey::cbc_pkcs7)
                .map_err(|_| Error::DecryptionFailed)?;
            let mut plaintext = ciphertext.to_vec();
            let len = key
                .decrypt(
                    &mut plaintext,
                    DecryptionContext::Iv128(FixedLength::from(iv16)),
                )
                .map_err(|_| Error::DecryptionFailed)?
                .len();
            plaintext.truncate(len);
            Ok(plaintext)
        }
    }
}

/// RFC 7518 §5.2.2.1 steps 5–6: HMAC over `AAD || IV || ciphertext || AL`, where AL is the
/// AAD's length in bits as a 64-bit big-endian integer; the tag is the first `T_LEN` bytes.
fn cbc_hmac_tag(
    enc: ContentEncryption,
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Vec<u8> {
    let algorithm = match enc {
        ContentEncryption::A192CbcHs384 => hmac::HMAC_SHA384,
        ContentEncryption::A256CbcHs512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    };
    let key = hmac::Key::new(algorithm, mac_key);
    let al = u64::try_from(aad.len())
        .unwrap_or(u64::MAX)
        .saturating_mul(8)
        .to_be_bytes();
    let mut context = hmac::Context::with_key(&key);
    for part in [aad, iv, ciphertext, &al] {
        context.update(part);
    }
    let mut tag = context.sign().as_ref().to_vec();
    tag.truncate(enc.tag_len());
    tag
}

fn gcm(enc: ContentEncryption) -> Option<&'static aead::Algorithm> {
    match enc {
        ContentEncryption::A128Gcm => Some(&aead::AES_128_GCM),
        ContentEncryption::A192Gcm => Some(&aead::AES_192_GCM),
        ContentEncryption::A256Gcm => Some(&aead::AES_256_GCM),
        _ => None,
    }
}

fn gcm_key(
    algorithm: &'static aead::Algorithm,
    cek: &[u8],
) -> Result<LessSafeKey, aws_lc_rs::error::Unspecified> {
    UnboundKey::new(algorithm, cek).map(LessSafeKey::new)
}

/// The AES variant of a CBC-HMAC algorithm (the encryption half of its key).
fn aes(enc: ContentEncryption) -> &'static cipher::Algorithm {
    match enc {
        ContentEncryption::A192CbcHs384 => &cipher::AES_192,
        ContentEncryption::A256CbcHs512 => &cipher::AES_256,
        _ => &cipher::AES_128,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::base64url;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 7518 Appendix B.1–B.3: one plaintext, AAD and IV; K is 00 01 02 … of the
    /// algorithm's key length.
    #[test]
    fn rfc7518_appendix_b_cbc_hmac_test_cases() {
        let plaintext = b"A cipher system must not be required to be secret, and it must be able \
                          to fall into the hands of the enemy without inconvenience";
        let aad = b"The second principle of Auguste Kerckhoffs";
        let iv = hex("1af38c2dc2b96ffdd86694092341bc04");
        let cases = [
            (
                ContentEncryption::A128CbcHs256,
                "c80edfa32ddf39d5ef00c0b468834279a2e46a1b8049f792f76bfe54b903a9c9a94ac9b47ad2655c\
                 5f10f9aef71427e2fc6f9b3f399a221489f16362c703233609d45ac69864e3321cf82935ac4096c8\
                 6e133314c54019e8ca7980dfa4b9cf1b384c486f3a54c51078158ee5d79de59fbd34d848b3d69550\
                 a67646344427ade54b8851ffb598f7f80074b9473c82e2db",
                "652c3fa36b0a7c5b3219fab3a30bc1c4",
            ),
            (
                ContentEncryption::A192CbcHs384,
                "ea65da6b59e61edb419be62d19712ae5d303eeb50052d0dfd6697f77224c8edb000d279bdc14c107\
                 2654bd30944230c657bed4ca0c9f4a8466f22b226d1746214bf8cfc2400add9f5126e479663fc90b\
                 3bed787a2f0ffcbf3904be2a641d5c2105bfe591bae23b1d7449e532eef60a9ac8bb6c6b01d35d49\
                 787bcd57ef484927f280adc91ac0c4e79c7b11efc60054e3",
                "8490ac0e58949bfe51875d733f93ac2075168039ccc733d7",
            ),
            (
                ContentEncryption::A256CbcHs512,
                "4affaaadb78c31c5da4b1b590d10ffbd3dd8d5d302423526912da037ecbcc7bd822c301dd67c373b\
                 ccb584ad3e9279c2e6d12a1374b77f077553df829410446b36ebd97066296ae6427ea75c2e0846a1\
                 1a09ccf5370dc80bfecbad28c73f09b3a3b75e662a2594410ae496b2e2e6609e31e6e02cc837f053\
                 d21f37ff4f51950bbe2638d09dd7a4930930806d0703b1f6",
                "4dd3b4c088a7f45c216839645b2012bf2e6269a8c56a816dbc1b267761955bc5",
            ),
        ];
        for (enc, ciphertext, tag) in cases {
            let key: Vec<u8> = (0..enc.cek_len()).map(|i| i as u8).collect();
            let sealed = encrypt(enc, &key, &iv, aad, plaintext).unwrap();
            assert_eq!(sealed.ciphertext, hex(ciphertext), "{enc}");
            assert_eq!(sealed.tag, hex(tag), "{enc}");
            let opened = decrypt(enc, &key, &iv, aad, &sealed.ciphertext, &sealed.tag).unwrap();
            assert_eq!(opened, plaintext);
        }
    }

    /// RFC 7516 Appendix A.1.2–A.1.6: the A256GCM content encryption, byte for byte.
    #[test]
    fn rfc7516_a1_a256gcm_content() {
        let cek = [
            177, 161, 244, 128, 84, 143, 225, 115, 63, 180, 3, 255, 107, 154, 212, 246, 138, 7,
            110, 91, 112, 46, 34, 105, 47, 130, 203, 46, 122, 234, 64, 252,
        ];
        let iv = base64url::decode("48V1_ALb6US04U3b").unwrap();
        let aad = b"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ";
        let sealed = encrypt(
            ContentEncryption::A256Gcm,
            &cek,
            &iv,
            aad,
            b"The true sign of intelligence is not knowledge but imagination.",
        )
        .unwrap();
        assert_eq!(
            base64url::encode(&sealed.ciphertext),
            "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A"
        );
        assert_eq!(base64url::encode(&sealed.tag), "XFBoMYUZodetZdvTiFvSkQ");
    }

    /// RFC 7516 Appendix A.2.2–A.2.6 (the RSA1_5 example's content part, which is valid
    /// A128CBC-HS256 however its key was transported) and A.3's, which shares CEK and IV.
    #[test]
    fn rfc7516_a2_and_a3_a128cbc_hs256_content() {
        let cek = [
            4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124,
            212, 45, 111, 107, 9, 219, 200, 177, 0, 240, 143, 156, 44, 207,
        ];
        let iv = base64url::decode("AxY8DCtDaGlsbGljb3RoZQ").unwrap();
        for (aad, tag) in [
            (
                "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0",
                "9hH0vgRfYgPnAHOd8stkvw",
            ),
            (
                "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0",
                "U0m_YmjN04DJvceFICbCVQ",
            ),
        ] {
            let sealed = encrypt(
                ContentEncryption::A128CbcHs256,
                &cek,
                &iv,
                aad.as_bytes(),
                b"Live long and prosper.",
            )
            .unwrap();
            assert_eq!(
                base64url::encode(&sealed.ciphertext),
                "KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY"
            );
            assert_eq!(base64url::encode(&sealed.tag), tag);
        }
    }

    #[test]
    fn every_changed_input_fails_alike_and_nothing_is_decrypted_under_a_bad_tag() {
        for enc in ContentEncryption::ALL {
            let cek: Vec<u8> = (0..enc.cek_len()).map(|i| (i * 7) as u8).collect();
            let iv = vec![9; enc.iv_len()];
            let sealed = encrypt(enc, &cek, &iv, b"aad", b"sixteen byte msg and more").unwrap();
            let open = |cek: &[u8], iv: &[u8], aad: &[u8], ct: &[u8], tag: &[u8]| {
                decrypt(enc, cek, iv, aad, ct, tag)
            };
            let (ct, tag) = (&sealed.ciphertext, &sealed.tag);
            assert!(open(&cek, &iv, b"aad", ct, tag).is_ok());
            let flip = |bytes: &[u8], at: usize| {
                let mut bytes = bytes.to_vec();
                bytes[at] ^= 1;
                bytes
            };
            let failures = [
                open(&flip(&cek, 0), &iv, b"aad", ct, tag),
                open(&flip(&cek, cek.len() - 1), &iv, b"aad", ct, tag),
                open(&cek, &flip(&iv, 0), b"aad", ct, tag),
                open(&cek, &iv, b"aae", ct, tag),
                open(&cek, &iv, b"aad", &flip(ct, 0), tag),
                open(&cek, &iv, b"aad", &flip(ct, ct.len() - 1), tag),
                open(&cek, &iv, b"aad", ct, &flip(tag, 0)),
                open(&cek, &iv, b"aad", ct, &tag[..tag.len() - 1]),
                open(&cek, &iv, b"aad", &ct[..ct.len() - 1], tag),
                open(&cek[..cek.len() - 1], &iv, b"aad", ct, tag),
            ];
            for (i, failure) in failures.into_iter().enumerate() {
                assert_eq!(failure, Err(Error::DecryptionFailed), "{enc} case {i}");
            }
        }
    }

    #[test]
    fn bad_padding_under_a_valid_tag_is_the_same_error() {
        // Someone holding the CEK can make a valid tag over a ciphertext whose padding is
        // wrong; the caller sees the error every other failure gives.
        let enc = ContentEncryption::A128CbcHs256;
        let cek = [5u8; 32];
        let iv = [6u8; 16];
        let key = UnboundCipherKey::new(&cipher::AES_128, &cek[16..])
            .and_then(cipher::EncryptingKey::cbc)
            .unwrap();
        let mut block = [0u8; 16]; // a last byte of 0 is never valid PKCS#7 padding
        key.less_safe_encrypt(&mut block, EncryptionContext::Iv128(FixedLength::from(iv)))
            .unwrap();
        let tag = cbc_hmac_tag(enc, &cek[..16], b"", &iv, &block);
        assert_eq!(
            decrypt(enc, &cek, &iv, b"", &block, &tag),
            Err(Error::DecryptionFailed)
        );
    }
}
