//! A tower layer for bearer authentication in front of any `http` service: requests whose
//! token verifies reach the inner service with the [`VerifiedToken`] in their extensions;
//! the others are answered by [`crate::bearer::response`] without reaching it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};

use crate::Verifier;
use crate::bearer::{self, BearerError};

/// Wraps services in [`BearerAuth`].
#[derive(Debug, Clone)]
pub struct BearerAuthLayer {
    verifier: Verifier,
}

impl BearerAuthLayer {
    /// Authenticates requests with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> tower::Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuth {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service [`BearerAuthLayer`] makes.
#[derive(Debug, Clone)]
pub struct BearerAuth<S> {
    inner: S,
    verifier: Verifier,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for BearerAuth<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready is the one to call (tower's clone-and-swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let token = match bearer::token_from(request.headers()) {
                Ok(token) => token.to_owned(),
                Err(e) => return Ok(bearer::response(&e)),
            };
            match verifier.verify(&token).await {
                Ok(verified) => {
                    request.extensions_mut().insert(verified);
                    inner.call(request).await
                }
                Err(e) => Ok(bearer::response(&BearerError::Invalid(e))),
            }
        })
    }
}
