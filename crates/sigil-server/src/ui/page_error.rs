//! The error type of HTML pages: what a person is told (a title and a sentence) and the
//! status, never an OAuth code. Distinct from `OAuthError`, which is for clients: a page error
//! is what the authorization endpoint answers when it must not redirect (RFC 6749 §4.1.2.1:
//! the redirect URI is missing, invalid or unmatched, or the client is unknown).

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::error_page;

/// An error shown to a person as a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    status: StatusCode,
    /// The heading.
    pub title: Cow<'static, str>,
    /// One or two sentences saying what happened, in words for people.
    pub message: Cow<'static, str>,
}

impl PageError {
    /// `400`: the request cannot be served as sent.
    pub fn bad_request(
        title: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: title.into(),
            message: message.into(),
        }
    }

    /// `503`: the database is down or busy; trying again may work.
    pub fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            title: "Temporarily unavailable".into(),
            message: "Please try again in a moment.".into(),
        }
    }

    /// `500`: a bug or bad data on the server's side; the detail is logged, never shown.
    pub fn server_error() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Something went wrong".into(),
            message: "The server could not complete the request.".into(),
        }
    }

    /// The HTTP status of the page.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.status, &self.title, &self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_their_status_and_strict_headers() {
        for (page, status) in [
            (
                PageError::bad_request("Invalid request", "No <client_id>."),
                400,
            ),
            (PageError::unavailable(), 503),
            (PageError::server_error(), 500),
        ] {
            assert_eq!(page.status().as_u16(), status);
            let response = page.into_response();
            assert_eq!(response.status().as_u16(), status);
            assert!(
                response.headers()["content-security-policy"]
                    .to_str()
                    .is_ok_and(|csp| csp.contains("frame-ancestors 'none'"))
            );
        }
    }
}
