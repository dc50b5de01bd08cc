//! OAuth 2.0 plumbing shared by the protocol endpoints: the error type (RFC 6749 §5.2) and
//! strict form parsing (RFC 6749 §3.1, §3.2).

pub mod error;
pub mod form;
pub mod pkce;

pub use error::{ErrorCode, OAuthError, printable};
pub use form::Form;
