//! Base64url without padding (RFC 7515 §2, RFC 4648 §5), strict both ways: padding and
//! non-canonical trailing bits are rejected, so one value has exactly one encoding.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    ENGINE.encode(bytes)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    ENGINE.encode_string(bytes, out);
}

/// Decodes unpadded base64url; `None` for anything that is not its canonical form.
pub fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    ENGINE.decode(text).ok()
}

/// The length of the unpadded encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    // Every 3 bytes take 4 characters; a last 1 or 2 bytes take 2 or 3.
    len / 3 * 4 + (len % 3 * 4).div_ceil(3)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`, writing it in place at the
/// end of the buffer (no intermediate string).
pub(crate) fn encode_to_vec(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    if let Some(tail) = out.get_mut(start..)
        && ENGINE.encode_slice(bytes, tail).is_ok()
    {
        return;
    }
    // Unreachable (the tail has exactly the encoded length); kept correct without a panic.
    out.truncate(start);
    out.extend_from_slice(ENGINE.encode(bytes).as_bytes());
}

/// Decoded bytes kept inline when they fit in `N` bytes and on the heap otherwise: the
/// parts of a typical token (header, signature, claims) then cost no allocation.
#[derive(Clone)]
pub(crate) enum Decoded<const N: usize> {
    /// `len` bytes at the start of the array.
    Inline { bytes: [u8; N], len: usize },
    /// Values too long for the array.
    Heap(Vec<u8>),
}

impl<const N: usize> Decoded<N> {
    /// Decodes `text` as [`decode`] does, with the same strictness (same engine).
    pub(crate) fn decode(text: &[u8]) -> Option<Self> {
        // The engine wants room for its conservative estimate: 3 bytes per started quad.
        if text.len().div_ceil(4) * 3 > N {
            return decode(text).map(Self::Heap);
        }
        let mut bytes = [0; N];
        let len = ENGINE.decode_slice(text, &mut bytes).ok()?;
        Some(Self::Inline { bytes, len })
    }

    /// The decoded bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline { bytes, len } => bytes.get(..*len).unwrap_or_default(),
            Self::Heap(bytes) => bytes,
        }
    }
}

impl<const N: usize> std::fmt::Debug for Decoded<N> {
    /// The bytes alone, as a `Vec<u8>` would show them (not the unused rest of the array).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_non_canonical_forms() {
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode("-_8="), None, "padding");
        assert_eq!(decode("-_9"), None, "non-zero trailing bits");
        assert_eq!(decode("+/8"), None, "standard alphabet");
        assert_eq!(decode("a"), None, "impossible length");
        assert_eq!(decode(""), Some(vec![]));
    }

    #[test]
    fn encoded_len_matches_the_engine() {
        for len in 0..64 {
            let bytes = vec![0xa5; len];
            assert_eq!(encoded_len(len), encode(&bytes).len(), "{len}");
            let mut out = b"prefix.".to_vec();
            encode_to_vec(&bytes, &mut out);
            assert_eq!(out, format!("prefix.{}", encode(&bytes)).into_bytes());
        }
    }

    #[test]
    fn inline_and_heap_decoding_agree_with_decode() {
        for text in [
            "",
            "-_8",
            "-_8=",
            "-_9",
            "+/8",
            "a",
            "AAAA",
            "AAAAAA",
            "AAAAAAAAAA",
        ] {
            let expected = decode(text);
            let small = Decoded::<4>::decode(text.as_bytes());
            let large = Decoded::<64>::decode(text.as_bytes());
            assert_eq!(
                small.as_ref().map(Decoded::as_slice),
                expected.as_deref(),
                "{text}"
            );
            assert_eq!(
                large.as_ref().map(Decoded::as_slice),
                expected.as_deref(),
                "{text}"
            );
        }
        assert!(matches!(
            Decoded::<4>::decode(b"AAAAAAAA"),
            Some(Decoded::Heap(_))
        ));
        assert!(matches!(
            Decoded::<6>::decode(b"AAAAAAAA"),
            Some(Decoded::Inline { len: 6, .. })
        ));
    }
}
