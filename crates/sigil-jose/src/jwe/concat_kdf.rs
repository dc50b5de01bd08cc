//! The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as RFC 7518 §4.6.2 uses it to turn
//! an ECDH shared secret into a key.

use aws_lc_rs::digest;
use zeroize::Zeroizing;

/// Derives `key_len` bytes from the shared secret `z`.
///
/// `algorithm_id` is the `enc` value for direct key agreement and the `alg` value for the
/// key-wrapping variants (RFC 7518 §4.6.2 "AlgorithmID"); `apu` and `apv` are the decoded
/// `apu`/`apv` header values, empty when absent. Each datum is prefixed with its length as a
/// 32-bit big-endian integer; SuppPubInfo is the key length in bits; SuppPrivInfo is empty.
pub(crate) fn derive(
    z: &[u8],
    algorithm_id: &str,
    apu: &[u8],
    apv: &[u8],
    key_len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut other_info = Vec::with_capacity(16 + algorithm_id.len() + apu.len() + apv.len());
    for datum in [algorithm_id.as_bytes(), apu, apv] {
        other_info.extend_from_slice(&len32(datum.len()));
        other_info.extend_from_slice(datum);
    }
    other_info.extend_from_slice(&len32(key_len * 8));

    let mut out = Zeroizing::new(Vec::with_capacity(key_len.div_ceil(32) * 32));
    let mut counter: u32 = 1;
    while out.len() < key_len {
        let mut round = digest::Context::new(&digest::SHA256);
        round.update(&counter.to_be_bytes());
        round.update(z);
        round.update(&other_info);
        out.extend_from_slice(round.finish().as_ref());
        counter += 1;
    }
    out.truncate(key_len);
    out
}

/// A length as the 32-bit big-endian prefix of the KDF's data. The inputs are bounded by the
/// JWE size limit, far below 2^32; a larger one saturates rather than wraps.
fn len32(len: usize) -> [u8; 4] {
    u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64url;

    /// RFC 7518 Appendix C: Z from the example's key agreement, `enc` A128GCM, apu "Alice",
    /// apv "Bob", a 128-bit key.
    #[test]
    fn rfc7518_appendix_c() {
        let z = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
            110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let key = derive(&z, "A128GCM", b"Alice", b"Bob", 16);
        assert_eq!(base64url::encode(key.as_slice()), "VqqN6vgjbSBcIijNcacQGg");
    }

    #[test]
    fn longer_keys_take_more_rounds_and_extend_shorter_ones_only_in_their_first_round() {
        let z = [7u8; 32];
        let k32 = derive(&z, "A256CBC-HS512", b"", b"", 32);
        let k64 = derive(&z, "A256CBC-HS512", b"", b"", 64);
        assert_eq!(k64.len(), 64);
        // SuppPubInfo (the length) differs, so the first rounds differ too.
        assert_ne!(k32.as_slice(), &k64[..32]);
        // The length prefixes keep "AB" + "C" apart from "A" + "BC".
        assert_ne!(
            derive(&z, "X", b"AB", b"C", 16).as_slice(),
            derive(&z, "X", b"A", b"BC", 16).as_slice()
        );
    }
}
