//! An axum extractor: a handler that takes a [`VerifiedToken`] runs only for requests
//! whose bearer token verified; the others get a `401` with an RFC 6750 challenge (see
//! [`crate::bearer::response`]).
//!
//! The router's state must provide the [`Verifier`] (`Verifier: FromRef<S>`; a `Verifier`
//! as the whole state works). When a [`crate::tower::BearerAuthLayer`] already verified the
//! request, the extractor takes the token it left in the request extensions.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::bearer::{self, BearerError};
use crate::{VerifiedToken, Verifier};

/// The rejection of [`VerifiedToken`] as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerRejection(pub BearerError);

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        bearer::response(&self.0)
    }
}

impl<S> FromRequestParts<S> for VerifiedToken
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(token) = parts.extensions.get::<VerifiedToken>() {
            return Ok(token.clone());
        }
        let token = bearer::token_from(&parts.headers).map_err(BearerRejection)?;
        Verifier::from_ref(state)
            .verify(token)
            .await
            .map_err(|e| BearerRejection(BearerError::Invalid(e)))
    }
}

/// `Option<VerifiedToken>`: `None` when the request has no bearer token at all; a token
/// that is present must verify.
impl<S> OptionalFromRequestParts<S> for VerifiedToken
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(token) => Ok(Some(token)),
            Err(BearerRejection(BearerError::Missing)) => Ok(None),
            Err(rejection) => Err(rejection),
        }
    }
}
