//! Request ids for `x-request-id`: a random per-process prefix and a counter.
//!
//! Unique across processes (the prefix) and within one (the counter), which is all a request
//! id needs; a random UUID per request would cost a `getrandom` system call on every request.
//! Request ids are not secrets, so the prefix comes from the standard library's hasher seed
//! rather than the CSPRNG, whose first use costs ≈ 20 ms of start-up (aws-lc seeds its DRBG).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes `{prefix}.{n}` ids (the prefix is base64url, so it holds no `.`); clones share the
/// counter.
#[derive(Debug, Clone)]
pub struct SequentialRequestId {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl SequentialRequestId {
    /// A generator with a fresh random prefix.
    pub fn new() -> Self {
        Self {
            prefix: sigil_jose::base64url::encode(
                RandomState::new()
                    .hash_one(std::process::id())
                    .to_be_bytes(),
            )
            .into(),
            next: Arc::default(),
        }
    }
}

impl Default for SequentialRequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::try_from(format!("{}.{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_share_a_prefix() {
        let mut make = SequentialRequestId::new();
        let request = Request::new(());
        let a = make.make_request_id(&request).unwrap();
        let b = make.clone().make_request_id(&request).unwrap();
        let (a, b) = (
            a.header_value().to_str().unwrap(),
            b.header_value().to_str().unwrap(),
        );
        assert_ne!(a, b);
        assert_eq!(a.split('.').next(), b.split('.').next());
    }
}
