//! The parts of `Cache-Control` (RFC 9111 §5.2.2) that decide how long a JWKS stays fresh.
//!
//! The verifier is a private cache, so `max-age` is what counts; `s-maxage` is for shared
//! caches and ignored. `no-cache` and `no-store` cannot be honoured literally (that would
//! mean a fetch per token), so they mean "as short as the policy allows" (see
//! [`crate::CachePolicy::freshness`]).

use std::time::Duration;

/// The freshness directives of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheControl {
    /// `max-age`, when present and well-formed.
    pub max_age: Option<Duration>,
    /// `no-cache`: revalidate before every use.
    pub no_cache: bool,
    /// `no-store`: do not keep the response.
    pub no_store: bool,
}

impl CacheControl {
    /// Parses the values of every `Cache-Control` field line of a response.
    ///
    /// Directive names are case-insensitive (§5.2); the first `max-age` wins when it is
    /// repeated (§4.2.1); a `max-age` that is not a non-negative integer is ignored, and one
    /// too large for a `u32` saturates, as §1.2.2 asks.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut out = Self::default();
        for directive in values.into_iter().flat_map(|v| v.split(',')) {
            let (name, value) = match directive.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("max-age") {
                if out.max_age.is_none() {
                    out.max_age = value.and_then(delta_seconds);
                }
            } else if name.eq_ignore_ascii_case("no-cache") {
                out.no_cache = true;
            } else if name.eq_ignore_ascii_case("no-store") {
                out.no_store = true;
            }
        }
        out
    }

    /// Whether the response carried any freshness information at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `delta-seconds` (RFC 9111 §1.2.2): digits only; saturating at 2^31.
fn delta_seconds(value: &str) -> Option<Duration> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = value.parse::<u64>().unwrap_or(u64::MAX).min(1 << 31);
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_age(header: &str) -> Option<u64> {
        CacheControl::parse([header]).max_age.map(|d| d.as_secs())
    }

    #[test]
    fn max_age_is_read_from_the_usual_shapes() {
        let cases: [(&str, Option<u64>); 10] = [
            ("public, max-age=900", Some(900)),
            ("max-age=0", Some(0)),
            ("MAX-AGE=60", Some(60)),
            ("max-age=\"120\"", Some(120)),
            ("s-maxage=10, max-age=300", Some(300)),
            ("max-age=300, max-age=5", Some(300)),
            ("max-age=-1", None),
            ("max-age=1h", None),
            ("max-age=", None),
            ("max-age=99999999999999999999999", Some(1 << 31)),
        ];
        for (header, expected) in cases {
            assert_eq!(max_age(header), expected, "{header}");
        }
    }

    #[test]
    fn no_cache_and_no_store_are_seen_across_field_lines() {
        let cc = CacheControl::parse(["public", "No-Cache", "no-store, max-age=5"]);
        assert!(cc.no_cache && cc.no_store);
        assert_eq!(cc.max_age, Some(Duration::from_secs(5)));
        assert!(CacheControl::parse(["private"]).is_empty());
        assert!(CacheControl::parse(std::iter::empty()).is_empty());
    }
}
